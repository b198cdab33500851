"""What a request costs in each service, beside a bare floor: `python -m bench.api` (`make bench`,
after `bench.bus`). Prints figures only; never asserts on time.

For each service (`--only` picks some), in this order:

1. One real process `python -m services.<name>` on its own new PostgreSQL database
   `kesos_bench_<name>_<random>` (the service migrates it at start) and on Redis with a stream
   namespace of its own (`benchapi-<random>-<name>`), with its whole chassis: token
   verification, request middleware and access log, idempotency, audit, disclosure, the outbox
   and its relay to Redis, its consumers and background work (idle: no other service runs).
   After `/readyz` answers 200, the bench seeds the store with SQL (`bench.seed`).
2. Each operation, closed loop: wrk `-t2 -c<connections> -d<duration>s --latency` with a Lua
   script generated for the run (`bench.wrk`), or the Python generator (`bench.load`) when wrk
   is missing. Before each run the relay has published every outbox row (a run does not pay for
   the events of the one before), the run's items are listed from the store, and one probe
   request must answer 2xx. Tokens are minted with the run's secret. The operations, reads first:
   - cases, over `--rekap-cases` (100,000) seeded cases spread over Tapin's 135 desa, the 26
     categories and the 10 states, and an active TKSK of Binuang in the workers projection:
     `GET /healthz`; `GET /v1/rekap` (Dinas staff of Tapin: over the seeded cases alone, as no
     write ran yet; the counts the service keeps for it with every write, `cases_rekap_counts`,
     are made for the seeded cases as its migration's backfill makes them);
     `GET /v1/cases/{id}` (a random seeded case: its timeline, its read audited unless it is a
     protected case); `GET /v1/cases?limit=50` (an audit row per case shown);
     `POST /v1/cases` (a PSM of Tungkap reports a typed-in lansia, LUT; it is assigned to
     Binuang's TKSK in the same transaction); `POST /v1/cases/{id}/verify` (that TKSK verifies
     each case in verification once: the reported ones, topped up with SQL).
   - registry, over 20,000 seeded persons: `GET /healthz`; `POST /v1/persons` (Dinas staff
     register a person with a new valid NIK of Binuang each time); `GET /v1/persons/{id}`;
     `GET /v1/persons?limit=50` (audited per person).
   - training, over 60 dasar batches of Tapin and PSM in training's workers projection:
     `GET /healthz`; `POST /v1/batches/{id}/enrolments` (Dinas staff enrol each PSM once, the
     batches in turn); `GET /v1/batches/{id}`; `GET /v1/batches?limit=50`.
   - notifications, over 20,000 sent deliveries to 300 workers of Tapin: `GET /healthz`;
     `GET /v1/deliveries?limit=50`.
3. Every write again, open loop at `--paced-rate` (200) requests/s for `--duration` s, with the
   Python generator in its own process: each latency counts from the moment the request was due,
   so it includes the queue a server builds when it cannot keep the pace.
4. The service stops; the store goes back to its seeded state (what the requests wrote is
   deleted, the tables rewritten); the floor (`bench.floor`: FastAPI and raw asyncpg issuing the
   same essential statements, no relay) starts on it and gets steps 2 and 3, same settings.

Figures: req/s = answers / run time; p50 and p99 of the latency (wrk: request written → answer
read); non-2xx (wrk: status ≥ 400) must be 0 — else the bench is wrong, and it says so loudly;
ratio = service req/s / floor req/s. The load generator, the server, PostgreSQL and Redis share
this machine's cores: the machine, the versions and the load average are printed with them.

Every run creates its own databases (dropped WITH (FORCE) at the end, unless `--keep`) and its
own stream namespaces (their keys deleted at the end; never FLUSHALL). `--sqlite` runs the
services on SQLite files in a temporary directory instead, without a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench import load, seed, wrk
from bench.bus import cpu_model, load_average
from bench.load import Plan
from bench.seed import Store
from shared.local_redis import free_port
from shared.security import mint_token

SERVICES = ("cases", "registry", "training", "notifications")
ROOT = Path(__file__).resolve().parent.parent
THREADS = 2  # wrk -t
RUN_NUMBERS = 2_000_000  # unique numbers (NIKs) per run: more requests than any run makes
POOL_PER_S = 5000  # items a consuming closed run may need per second of run
SEED_PERSONS = 20_000
SEED_DELIVERIES = 20_000
READY_S = 120.0
SETTLE_S = 120.0
# The shell's settings must not change the figures: the bench sets what the services read.
FOREIGN_SETTINGS = ("KESOS_", "REDIS_", "REGISTRY_", "TRAINING_", "CASES_", "NOTIFICATIONS_")

TUNGKAP = "63.05.01.2003"
REPORT = (
    '{"categories": ["LUT"], "desa": "63.05.01.2003", '
    '"description": "Lansia tinggal sendiri, tidak terurus", "person": {"nik": '
    '"6305014506400003", "name": "Nenek Siti Jubaidah", "sex": "P", "birth_date": "1940-06-05"}}'
)
PERSON = (
    '{"nik": "{nik}", "name": "Ahmad Bench", "sex": "L", "birth_date": "{born}", '
    '"desa": "63.05.01.2003", "categories": ["LUT"]}'
)

Items = Callable[[Store, int], Awaitable[list[str]]]  # (store, at least this many) → lines


@dataclass(frozen=True)
class Operation:
    label: str
    plan: Plan  # method, path, body, token, consume; the run fills in items, base and run tag
    items: Items | None = None
    write: bool = False

    @property
    def name(self) -> str:
        path = re.sub(r"\{\d\}", "{id}", self.plan.path)
        return f"{self.label}: {self.plan.method} {path}"


@dataclass(frozen=True)
class Tokens:
    operator: str  # Dinas staff of Kabupaten Tapin
    psm: str  # a PSM of desa Tungkap
    tksk: str  # the TKSK of kecamatan Binuang, whose reports the cases service assigns

    @classmethod
    def mint(cls, secret: str) -> Tokens:
        def token(sub: str, role: str, wilayah: str) -> str:
            return mint_token(secret, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC))

        return cls(
            operator=token("bench-operator", "operator", seed.TAPIN),
            psm=token("bench-psm-tungkap", "psm", TUNGKAP),
            tksk=token(seed.TKSK, "tksk", seed.BINUANG),
        )


# --- what each service is measured on -----------------------------------------------------------


def listing(read: Callable[[Store], Awaitable[list[str]]]) -> Items:
    async def items(store: Store, wanted: int) -> list[str]:
        return await read(store)

    return items


async def cases_to_verify(store: Store, wanted: int) -> list[str]:
    await seed.top_up_verify_pool(store, wanted)
    return await seed.verify_items(store)


async def seats_to_give(store: Store, wanted: int) -> list[str]:
    await seed.top_up_workers(store, wanted)
    return await seed.enrol_items(store)


def health() -> Operation:
    return Operation("liveness", Plan("GET", "/healthz"))


def cases_operations(tokens: Tokens) -> list[Operation]:
    staff = tokens.operator
    return [
        health(),
        Operation("rekap of Tapin", Plan("GET", "/v1/rekap", token=staff)),
        Operation(
            "read a case", Plan("GET", "/v1/cases/{1}", token=staff), listing(seed.seeded_cases)
        ),
        Operation("list 50 cases", Plan("GET", "/v1/cases?limit=50", token=staff)),
        Operation("report a case", Plan("POST", "/v1/cases", REPORT, token=tokens.psm), write=True),
        Operation(
            "verify a case",
            Plan("POST", "/v1/cases/{1}/verify", "{}", token=tokens.tksk, consume=True),
            cases_to_verify,
            write=True,
        ),
    ]


def registry_operations(tokens: Tokens) -> list[Operation]:
    staff = tokens.operator
    return [
        health(),
        Operation(
            "register a person", Plan("POST", "/v1/persons", PERSON, token=staff), write=True
        ),
        Operation(
            "read a person",
            Plan("GET", "/v1/persons/{1}", token=staff),
            listing(seed.seeded_persons),
        ),
        Operation("list 50 persons", Plan("GET", "/v1/persons?limit=50", token=staff)),
    ]


def training_operations(tokens: Tokens) -> list[Operation]:
    staff = tokens.operator
    enrolment = '{"worker_id": "{2}"}'
    return [
        health(),
        Operation(
            "enrol a PSM",
            Plan("POST", "/v1/batches/{1}/enrolments", enrolment, token=staff, consume=True),
            seats_to_give,
            write=True,
        ),
        Operation(
            "read a batch", Plan("GET", "/v1/batches/{1}", token=staff), listing(seed.batch_items)
        ),
        Operation("list 50 batches", Plan("GET", "/v1/batches?limit=50", token=staff)),
    ]


def notifications_operations(tokens: Tokens) -> list[Operation]:
    return [
        health(),
        Operation(
            "list 50 deliveries", Plan("GET", "/v1/deliveries?limit=50", token=tokens.operator)
        ),
    ]


@dataclass(frozen=True)
class Scenario:
    service: str
    seed: Callable[[Store, argparse.Namespace], Awaitable[str]]  # → what was seeded
    operations: Callable[[Tokens], list[Operation]]


async def seed_cases(store: Store, args: argparse.Namespace) -> str:
    await seed.seed_cases(store, args.rekap_cases)
    return f"{args.rekap_cases:,} seeded cases"


async def seed_registry(store: Store, args: argparse.Namespace) -> str:
    await seed.seed_persons(store, SEED_PERSONS)
    return f"{SEED_PERSONS:,} seeded persons"


async def seed_training(store: Store, args: argparse.Namespace) -> str:
    await seed.seed_batches(store)
    return f"{seed.BATCHES} seeded batches"


async def seed_notifications(store: Store, args: argparse.Namespace) -> str:
    await seed.seed_deliveries(store, SEED_DELIVERIES)
    return f"{SEED_DELIVERIES:,} seeded deliveries"


SCENARIOS = {
    "cases": Scenario("cases", seed_cases, cases_operations),
    "registry": Scenario("registry", seed_registry, registry_operations),
    "training": Scenario("training", seed_training, training_operations),
    "notifications": Scenario("notifications", seed_notifications, notifications_operations),
}


# --- processes ----------------------------------------------------------------------------------


class Process:
    """A server this run started (its own session: Ctrl-C reaches the bench, which stops it)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.port = 0
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int) -> None:
        self.port = port
        with self.log.open("ab") as log:
            self._popen = subprocess.Popen(
                self.command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int | None:
        return None if self._popen is None else self._popen.pid

    def exited(self) -> bool:
        """Not running (any more)."""
        return self._popen is None or self._popen.poll() is not None

    def stop(self) -> None:
        if self._popen is None:
            return
        if self._popen.poll() is None:
            self._popen.terminate()
            try:
                self._popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait()
        self._popen = None

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def wait_until_ready(self, path: str) -> bool:
        """Whether `path` answered 200 (True) before the process exited (False)."""
        deadline = time.monotonic() + READY_S
        async with httpx.AsyncClient(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.exited():
                    return False
                try:
                    if (await client.get(f"{self.url}{path}")).status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name}: {path} not 200 within {READY_S:.0f} s\n{self.log_tail()}")


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_SETTINGS)}


# --- one run of the bench -----------------------------------------------------------------------


@dataclass
class Figures:
    """One closed-loop run, or one paced run, as the generators print them."""

    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    requests: int

    @classmethod
    def of(cls, result: dict[str, Any]) -> Figures:
        return cls(
            rps=float(result["rps"]), p50_ms=float(result["p50_ms"]),
            p99_ms=float(result["p99_ms"]), non_2xx=int(result["non_2xx"]),
            socket_errors=int(result["socket_errors"]), requests=int(result["requests"]),
        )  # fmt: skip


@dataclass
class Row:
    operation: Operation
    service: Figures | None = None
    floor: Figures | None = None
    paced_service: Figures | None = None
    paced_floor: Figures | None = None


@dataclass
class ServiceReport:
    service: str
    seeded: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)


@dataclass
class Run:
    args: argparse.Namespace
    directory: Path
    redis_url: str
    admin_url: str
    base: str = field(default_factory=lambda: f"benchapi-{secrets.token_hex(4)}")
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    wrk_binary: str | None = None
    databases: list[str] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    runs: int = 0

    def namespace(self, service: str) -> str:
        """Each service its own stream namespace: none reads what the one before published."""
        return f"{self.base}-{service}"

    @property
    def tokens(self) -> Tokens:
        return Tokens.mint(self.secret)

    @property
    def floor(self) -> bool:
        return not self.args.sqlite

    def next_run(self) -> int:
        self.runs += 1
        return self.runs

    # stores

    async def create_store(self, service: str) -> str:
        if self.args.sqlite:
            return f"sqlite+aiosqlite:///{self.directory / service}.db"
        name = f"kesos_bench_{service}_{secrets.token_hex(3)}"
        self.databases.append(name)  # dropped at the end, whatever happens next
        await admin(self.admin_url, f'CREATE DATABASE "{name}"')
        return make_url(self.admin_url).set(database=name).render_as_string(False)

    # processes

    async def launch(
        self,
        name: str,
        command: Callable[[int], list[str]],
        env: Callable[[int], dict[str, str]],
        ready: str,
    ) -> Process:
        """Start a server on a free port and wait until `ready` answers 200; again on another
        port if it exits (another process took the port before it could bind), 3 times."""
        for _ in range(3):
            port = free_port()
            process = Process(name, command(port), env(port), self.directory / f"{name}.log")
            self.processes.append(process)
            process.start(port)
            if await process.wait_until_ready(ready):
                await asyncio.sleep(0.5)
                if not process.exited():
                    return process
        raise RuntimeError(f"{name} exited:\n{process.log_tail()}")

    async def start_service(self, service: str, database_url: str) -> Process:
        """`python -m services.<service>` as `_service_env` of the end-to-end tests sets it up."""

        def env(port: int) -> dict[str, str]:
            return {
                **clean_environment(),
                f"{service.upper()}_DATABASE_URL": database_url,
                f"{service.upper()}_PORT": str(port),
                "KESOS_HOST": "127.0.0.1",
                "KESOS_NAMESPACE": self.namespace(service),
                "KESOS_JWT_SECRET": self.secret,
                "KESOS_DEV_MODE": "false",
                "KESOS_GRACEFUL_TIMEOUT_S": "5",
                "REDIS_URL": self.redis_url,
                "NOTIFICATIONS_EXPORT_FILE": str(self.directory / "notifications-outbox.jsonl"),
            }

        command = [sys.executable, "-m", f"services.{service}"]
        return await self.launch(service, lambda port: command, env, "/readyz")

    async def start_floor(self, service: str, database_url: str) -> Process:
        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)

        def command(port: int) -> list[str]:
            return [
                sys.executable, "-m", "bench.floor", "--service", service, "--dsn", dsn,
                "--port", str(port), "--namespace", self.namespace(service),
            ]  # fmt: skip

        floor = f"{service}-floor"
        return await self.launch(floor, command, lambda port: clean_environment(), "/healthz")

    def print_logs(self) -> None:
        for process in self.processes:
            state = "not running" if process.exited() else "running"
            print(
                f"--- {process.name} ({state}), last lines of {process.log}:\n{process.log_tail()}"
            )

    # cleaning up

    async def cleanup(self) -> None:
        """Stop the servers, delete the stream keys, drop the databases (`--keep`: not those)."""
        for process in self.processes:
            process.stop()
        try:
            await delete_keys(self.redis_url, self.base)
        finally:
            for name in self.databases:
                if self.args.keep:
                    print(f"kept database {name}")
                else:
                    await admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def admin(url: str, statement: str) -> Any:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        await engine.dispose()


async def delete_keys(redis_url: str, base: str) -> None:
    """This run's streams and hashes (`<base>-<service>.*`): SCAN and DEL, never FLUSHALL."""
    redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{base}-*.*", count=1000)]
        for start in range(0, len(keys), 500):
            await redis.delete(*keys[start : start + 500])
    finally:
        await redis.aclose()


# --- measuring ----------------------------------------------------------------------------------


async def settle(store: Store, note: Callable[[str], None]) -> None:
    """Wait until the relay has published every outbox row: a run must not pay for the events
    of the one before."""
    deadline = time.monotonic() + SETTLE_S
    query, pending = "SELECT count(*) FROM kesos_outbox WHERE published_at IS NULL", 0
    while time.monotonic() < deadline:
        if not (pending := await store.scalar(query)):
            return
        await asyncio.sleep(0.2)
    note(f"the relay still had {pending:,} outbox rows to publish after {SETTLE_S:.0f} s")


async def analyse(store: Store) -> None:
    """Fresh planner statistics after the bulk inserts (autovacuum would take them mid-run)."""
    if store.postgres:
        await store.run("ANALYZE")


@dataclass
class Load:
    """One operation against one server (`side`): each run's plan, probe and figures."""

    run: Run
    store: Store
    operation: Operation
    side: str  # service | floor
    url: str
    notes: list[str]

    def number(self, plan: Plan) -> tuple[Plan, int]:
        """The plan with its own run number: its NIKs, its Idempotency-Keys and its files."""
        number = self.run.next_run()
        return replace(plan, base=number * RUN_NUMBERS, run=f"r{number}"), number

    async def prepare(self, wanted: int) -> tuple[Plan, int]:
        """The plan of one run, after a probe request; its items are listed from the store now
        (at least `wanted` when it consumes them). Returns it and how many items it has."""
        plan, number = self.number(self.operation.plan)
        if self.operation.items is None:
            await self.probe(plan)
            return plan, 0
        items = await self.operation.items(self.store, wanted)
        await analyse(self.store)  # the items may have been topped up
        if plan.consume:  # the probe takes the last item: the run must not take it again
            await self.probe(replace(plan, items_file=self.file(f"probe-{number}.txt", items[-1:])))
            items = items[:-1]
        plan = replace(plan, items_file=self.file(f"items-{number}.txt", items))
        if not plan.consume:
            await self.probe(plan)
        return plan, len(items)

    def file(self, name: str, lines: Sequence[str]) -> str:
        path = self.run.directory / name
        path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        return str(path)

    async def probe(self, plan: Plan) -> None:
        """One request before the run: a refusal is shown with its body, before any figure."""
        plan, _ = self.number(plan)
        path, headers, body = load.Renderer(plan).parts(0)
        async with httpx.AsyncClient(timeout=60) as client:
            answer = await client.request(
                plan.method, f"{self.url}{path}", headers=headers, content=body
            )
        if not 200 <= answer.status_code < 300:
            self.note(f"!!! probe answered {answer.status_code}: {answer.text[:300]}")

    def note(self, text: str) -> None:
        self.notes.append(f"{self.side}, {self.operation.name}: {text}")

    async def closed(self) -> Figures:
        args = self.run.args
        plan, count = await self.prepare(POOL_PER_S * args.duration)
        if self.run.wrk_binary:
            lua_file = self.run.directory / f"{plan.run}.lua"
            result = await wrk.run(
                self.run.wrk_binary, plan, self.url, threads=min(THREADS, args.connections),
                connections=args.connections, duration_s=args.duration, lua_file=lua_file,
            )  # fmt: skip
        else:
            result = await generator(self.run, plan, self.url, "closed")
        self.check_pool(plan, count, int(result["requests"]))
        return Figures.of(result)

    async def paced(self) -> Figures:
        args = self.run.args
        plan, count = await self.prepare(int(args.paced_rate * args.duration * 1.2) + 100)
        result = await generator(self.run, plan, self.url, "paced")
        self.check_pool(plan, count, int(result["requests"]))
        lag = float(result["duration_s"]) - args.duration  # last answer − last request due
        if lag > 0.5:
            self.note(f"paced: the answers ended {lag:.1f} s late: it could not keep the pace")
        return Figures.of(result)

    def check_pool(self, plan: Plan, count: int, requests: int) -> None:
        if plan.consume and requests > count:
            self.note(
                f"!!! {requests:,} requests for {count:,} items: the last ones took items "
                "again (raise POOL_PER_S)"
            )


async def generator(run: Run, plan: Plan, url: str, mode: str) -> dict[str, Any]:
    """`python -m bench.load` in its own process."""
    args = run.args
    plan_file = load.write_plan(plan, run.directory / f"{plan.run}.json")
    command = [
        sys.executable, "-m", "bench.load", str(plan_file), url, "--mode", mode,
        "--connections", str(args.connections), "--duration", str(args.duration),
        "--rate", str(args.paced_rate),
    ]  # fmt: skip
    return await wrk.result_of(command, cwd=ROOT)


async def measure(run: Run, store: Store, url: str, report: ServiceReport, side: str) -> None:
    """Every operation closed loop, then every write paced, against one server."""

    def load_of(row: Row) -> Load:
        return Load(run, store, row.operation, side, url, report.notes)

    for row in report.rows:
        if side == "service":  # only the service relays its outbox
            await settle(store, report.notes.append)
        setattr(row, side, await load_of(row).closed())
    for row in report.rows:
        if row.operation.write:
            if side == "service":
                await settle(store, report.notes.append)
            setattr(row, f"paced_{side}", await load_of(row).paced())


async def bench_service(run: Run, scenario: Scenario) -> ServiceReport:
    database_url = await run.create_store(scenario.service)
    store = Store(database_url)
    try:
        service = await run.start_service(scenario.service, database_url)
        seeded = await scenario.seed(store, run.args)
        await store.maintain("VACUUM (ANALYZE)")
        rows = [Row(operation) for operation in scenario.operations(run.tokens)]
        report = ServiceReport(scenario.service, seeded, rows)
        await measure(run, store, service.url, report, "service")
        service.stop()
        if run.floor:
            await seed.reset(store, scenario.service)
            floor = await run.start_floor(scenario.service, database_url)
            await measure(run, store, floor.url, report, "floor")
            floor.stop()
        return report
    finally:
        await store.close()


# --- the report ---------------------------------------------------------------------------------


def number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def cell(figures: Figures | None, name: str, digits: int = 0) -> str:
    return number(None if figures is None else getattr(figures, name), digits)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = []
    for cells in (headers, *rows):
        first = f"{cells[0]:<{widths[0]}}"
        rest = (f"{cell:>{width}}" for cell, width in zip(cells[1:], widths[1:], strict=True))
        lines.append("  ".join((first, *rest)))
    return lines


def throughput_rows(report: ServiceReport) -> list[list[str]]:
    rows = []
    for row in report.rows:
        service, floor = row.service, row.floor
        ratio = service.rps / floor.rps if service and floor and floor.rps else None
        rows.append([
            row.operation.name,
            cell(service, "rps"), cell(service, "p50_ms", 1),
            cell(service, "p99_ms", 1), cell(service, "non_2xx"),
            cell(floor, "rps"), cell(floor, "p99_ms", 1),
            number(ratio, 2),
        ])  # fmt: skip
    return rows


def paced_rows(report: ServiceReport) -> list[list[str]]:
    rows = []
    for row in report.rows:
        if not row.operation.write:
            continue
        service, floor = row.paced_service, row.paced_floor
        rows.append([
            row.operation.name,
            cell(service, "p50_ms", 1), cell(service, "p99_ms", 1),
            cell(service, "non_2xx"), cell(floor, "p50_ms", 1),
            cell(floor, "p99_ms", 1),
        ])  # fmt: skip
    return rows


def failures(report: ServiceReport) -> list[str]:
    """Every non-2xx answer and socket error: figures that measured refusals are worthless."""
    found = []
    for row in report.rows:
        for side in ("service", "floor", "paced_service", "paced_floor"):
            figures: Figures | None = getattr(row, side)
            if figures and (figures.non_2xx or figures.socket_errors):
                who = side.replace("paced_", "") + (", paced" if side.startswith("paced") else "")
                found.append(
                    f"!!! {report.service} {who}: {row.operation.name}: {figures.non_2xx:,} "
                    f"non-2xx, {figures.socket_errors:,} socket errors in {figures.requests:,} "
                    "requests — THE BENCH IS WRONG, these figures are not valid"
                )
    return found


def print_report(
    args: argparse.Namespace, facts: dict[str, str], reports: list[ServiceReport]
) -> None:
    store = "SQLite" if args.sqlite else "PostgreSQL"
    print()
    print(" Kesos API bench ".center(110, "-"))
    for report in reports:
        print()
        print(f"{report.service} ({store}, {report.seeded})")
        headers = ["operation", "req/s", "p50 ms", "p99 ms", "non-2xx", "floor req/s",
                   "floor p99 ms", "ratio"]  # fmt: skip
        print("\n".join(table(headers, throughput_rows(report))))
        paced = paced_rows(report)
        if paced:
            rate = f"{args.paced_rate:g} req/s"
            headers = [f"writes paced at {rate}, open loop", "p50 ms", "p99 ms", "non-2xx",
                       "floor p50 ms", "floor p99 ms"]  # fmt: skip
            print()
            print("\n".join(table(headers, paced)))
        for line in [*report.notes, *failures(report)]:
            print(line)
    print()
    width = max(len(name) for name in facts)
    for name, value in facts.items():
        print(f"{name:<{width}}  {value}")


async def machine_facts(run: Run, load_before: str) -> dict[str, str]:
    redis = Redis.from_url(run.redis_url)
    try:
        info = await redis.info("server")
    finally:
        await redis.aclose()
    server_version = info.get("valkey_version") or info.get("redis_version")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    args = run.args
    generator = (
        f"{wrk.version(run.wrk_binary)}, -t{THREADS}"
        if run.wrk_binary
        else "bench.load (the Python generator)"
    )
    packages = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "asyncpg", "pydantic")
    facts = {
        "machine": f"{platform.platform()}, {usable} CPUs ({cpu_model()})",
        "python": f"{platform.python_version()}, "
        + ", ".join(f"{name} {version(name)}" for name in packages),
        "redis": f"{info.get('server_name', 'redis')} {server_version}",
        "store": "SQLite (aiosqlite), no floor"
        if args.sqlite
        else f"PostgreSQL {await admin(run.admin_url, 'SHOW server_version')}",
        "load generator": generator,
        "duration, connections": f"{args.duration} s per run, {args.connections} connections",
        "paced writes": f"{args.paced_rate:g} req/s for {args.duration} s (bench.load, open loop)",
        "load avg 1/5/15 min (start → end)": f"{load_before} → {load_average()}",
    }
    return facts


# --- the command --------------------------------------------------------------------------------


def services_of(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown service: {', '.join(unknown)}")
    return [name for name in SERVICES if name in names]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument(
        "--only", type=services_of, default=list(SERVICES), help="e.g. cases,registry"
    )
    parser.add_argument("--rekap-cases", type=int, default=100_000, help="cases seeded in cases")
    parser.add_argument("--paced-rate", type=float, default=200.0, help="writes per second")
    parser.add_argument("--sqlite", action="store_true", help="SQLite stores, no floor")
    parser.add_argument("--keep", action="store_true", help="keep the databases (and files)")
    parser.add_argument(
        "--generator", choices=("auto", "wrk", "python"), default="auto",
        help="closed-loop load: wrk when installed (auto), or the Python generator",
    )  # fmt: skip
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL")
        or os.environ.get("BENCH_REDIS_URL")
        or "redis://127.0.0.1:6379/0",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL database to connect to while creating the bench's own",
    )
    return parser.parse_args(argv)


def stop_on_sigterm() -> None:
    """SIGTERM, like Ctrl-C, cancels the run: its servers, databases and keys are cleaned up."""
    task = asyncio.current_task()
    if task is not None and hasattr(signal, "SIGTERM"):
        with contextlib.suppress(NotImplementedError):  # Windows
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


def wrk_binary(choice: str) -> str | None:
    found = wrk.available()
    if choice == "wrk" and not found:
        raise SystemExit("wrk is not installed (use --generator python)")
    return None if choice == "python" else found


async def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    stop_on_sigterm()
    directory = Path(tempfile.mkdtemp(prefix="kesos-bench-api-"))
    run = Run(args, directory, args.redis_url, args.database_url)
    run.wrk_binary = wrk_binary(args.generator)
    load_before = load_average()
    reports: list[ServiceReport] = []
    try:
        for name in args.only:
            print(f"{name}: measuring…", flush=True)
            reports.append(await bench_service(run, SCENARIOS[name]))
        facts = await machine_facts(run, load_before)
    except Exception:
        run.print_logs()  # before the files go (not on Ctrl-C: nothing went wrong)
        raise
    finally:
        await run.cleanup()
        if args.keep:
            print(f"kept files in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    print_report(args, facts, reports)


if __name__ == "__main__":
    asyncio.run(main())
