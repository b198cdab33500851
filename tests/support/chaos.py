"""Replicas that lose nothing (issue 11): two replicas of every service, as real processes, on
PostgreSQL (a database per service) and one Redis with an append-only file, under a steady load
of the Tapin story's writes — PSM report cases, TKSK verify them, operators register persons —
while every service is restarted replica by replica (SIGTERM, a replacement, ready, next), one
replica of each is SIGKILLed, and Redis is restarted. Then every effect is counted against what
the accepted writes imply: 0 lost, 0 duplicated, nothing left pending.

    make chaos                                   # python -m tests.support.chaos
    python -m tests.support.chaos --rate 40 --keep

`tests/faults/test_replica_chaos.py` runs a bounded version in `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from shared.demo.people import psm_workers, tksk_workers
from shared.launcher.processes import ServiceProcess
from shared.local_redis import LocalRedis, free_port
from shared.messaging import topology
from shared.reference.identity import compose_nik
from shared.security import mint_token
from shared.settings import with_password
from tests.support.bus_users import ADMIN, BusUsers, owned_acl_file
from tests.support.infra import PostgresDatabases
from tests.support.stores import scalar

SERVICES = ("registry", "training", "cases", "notifications")
SECRET = "chaos-secret-that-is-long-enough-for-hs256-0123456789abcdef"
TAPIN = "63.05"
RETRYABLE = (httpx.TransportError, httpx.TimeoutException)


def token(sub: str, role: str, wilayah_code: str = TAPIN) -> str:
    now = datetime.now(UTC)
    return mint_token(SECRET, sub=sub, role=role, wilayah=wilayah_code, now=now, ttl_s=6 * 3600)


@dataclass
class Replica:
    service: str
    number: int
    port: int
    process: ServiceProcess

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """The services' replicas, their stores and their Redis."""

    workdir: Path
    redis: LocalRedis
    admin_url: str
    namespace: str
    stores: dict[str, str]
    envs: dict[str, dict[str, str]]
    replicas: dict[str, list[Replica]] = field(default_factory=dict)
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    log: Callable[[str], None] = print

    def start_replica(self, service: str, port: int | None = None) -> Replica:
        number = next(self.numbers)
        port = port or free_port()
        env = {
            **self.envs[service],
            f"{service.upper()}_PORT": str(port),
            "KESOS_CONSUMER": f"{service}-{number}",  # a pod's name: new for every replacement
        }
        log_path = self.workdir / "log" / f"{service}-{number}.log"
        replica = Replica(service, number, port, ServiceProcess(service, env, log_path))
        replica.process.start()
        self.replicas.setdefault(service, []).append(replica)
        return replica

    def urls(self, service: str) -> list[str]:
        return [replica.url for replica in self.replicas[service]]

    async def wait_ready(self, replicas: list[Replica] | None = None) -> None:
        pending = replicas or [r for group in self.replicas.values() for r in group]
        deadline = time.monotonic() + 120
        async with httpx.AsyncClient(timeout=3) as client:
            for replica in pending:
                while not await _ready(client, replica.url):
                    if replica.process.exit_code is not None:
                        raise RuntimeError(f"{replica.service}-{replica.number} exited")
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"{replica.service}-{replica.number} never ready; its last "
                            f"/readyz: {await _readiness(client, replica.url)}; its log ends:\n"
                            + _tail(
                                self.workdir / "log" / f"{replica.service}-{replica.number}.log"
                            )
                        )
                    await asyncio.sleep(0.3)

    async def replace(self, replica: Replica, *, kill: bool) -> None:
        """A pod going away (SIGTERM, or SIGKILL) and its replacement, ready, on its port."""
        how = "SIGKILL" if kill else "SIGTERM"
        self.log(f"  {how} {replica.service}-{replica.number}")
        if kill:
            replica.process.kill()
        else:
            await asyncio.to_thread(replica.process.stop)
        self.replicas[replica.service].remove(replica)
        new = self.start_replica(replica.service, replica.port)
        await self.wait_ready([new])

    async def restart_redis(self) -> None:
        self.log("  Redis restart (its append-only file kept)")
        await asyncio.to_thread(self.redis.stop)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(self.redis.start)
        await self.wait_ready()

    def stop(self) -> None:
        for group in self.replicas.values():
            for replica in group:
                replica.process.stop()


async def _ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(f"{url}/readyz")).status_code == 200
    except RETRYABLE:
        return False


async def _readiness(client: httpx.AsyncClient, url: str) -> str:
    """What a replica that is not ready says of itself (which check fails), for the failure."""
    try:
        return (await client.get(f"{url}/readyz")).text
    except RETRYABLE as error:
        return repr(error)


def _tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass
class Accepted:
    """What the system answered 2xx to: the writes whose effects must all be there, once."""

    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # case id → the case
    verified: set[str] = field(default_factory=set)
    registered: set[str] = field(default_factory=set)  # person ids
    retries: int = 0


class Writer:
    """A client of the replicas: each write carries an Idempotency-Key and is retried — on
    another replica, with the same key — until it is answered, as a real client would."""

    def __init__(self, cluster: Cluster, accepted: Accepted) -> None:
        self._cluster = cluster
        self._accepted = accepted
        self._client = httpx.AsyncClient(timeout=10)
        self._turn = itertools.count()

    async def close(self) -> None:
        await self._client.aclose()

    async def post(self, service: str, path: str, body: Any, *, key: str, bearer: str) -> Any:
        headers = {"Authorization": f"Bearer {bearer}", "Idempotency-Key": key}
        deadline = time.monotonic() + 90
        while True:
            urls = self._cluster.urls(service)
            url = urls[next(self._turn) % len(urls)]
            try:
                answer = await self._client.post(url + path, json=body, headers=headers)
                if answer.status_code < 300:
                    return answer.json()
                # 409: the case moved under this write (a consumer updated it meanwhile), or is
                # not there yet for the step: send again; one that never passes times out below
                if answer.status_code < 500 and answer.status_code != 409:
                    raise AssertionError(f"{path}: {answer.status_code} {answer.text[:300]}")
            except RETRYABLE:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} with key {key}: never answered")
            self._accepted.retries += 1
            await asyncio.sleep(0.2)


@dataclass
class People:
    """The Tapin workers registered before the load: a TKSK per kecamatan, and PSM."""

    tksk: dict[str, dict[str, Any]]  # kecamatan → worker
    psm: list[dict[str, Any]]


def born_on(number: int) -> date:
    return date(1940, 1, 1) + timedelta(days=number * 37 % 20000)


async def register_people(writer: Writer) -> People:
    operator = token("chaos-operator", "operator")
    tksk: dict[str, dict[str, Any]] = {}
    for worker in tksk_workers():
        made = await writer.post("registry", "/v1/workers", worker.registration(),
                                 key=f"worker-{worker.nik}", bearer=operator)  # fmt: skip
        tksk[worker.wilayah] = made
    psm = []
    for worker in psm_workers():
        made = await writer.post("registry", "/v1/workers", worker.registration(),
                                 key=f"worker-{worker.nik}", bearer=operator)  # fmt: skip
        psm.append(made)
    return People(tksk, psm)


class Load:
    """The steady writes: every tick a report; every other tick a verification of an earlier
    report and a person registration."""

    def __init__(self, writer: Writer, people: People, accepted: Accepted, rate: float) -> None:
        self._writer, self._people, self._accepted = writer, people, accepted
        self._interval = 1 / rate
        self._stop = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self.failures: list[BaseException] = []

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        for tick in itertools.count():
            if self._stop.is_set():
                break
            self._spawn(self._report(tick))
            if tick % 2 == 1:
                self._spawn(self._register(tick))
                self._spawn(self._verify_one())
            await asyncio.sleep(self._interval)
        await asyncio.gather(*self._inflight, return_exceptions=True)
        if self.failures:  # a write the system refused or never answered: the run is void
            raise self.failures[0]

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._inflight.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failures.append(task.exception())  # type: ignore[arg-type]

    async def _report(self, tick: int) -> None:
        reporter = self._people.psm[tick % len(self._people.psm)]
        desa = reporter["wilayah"]  # a PSM reports in their own desa
        born = born_on(tick)
        body = {
            "categories": ["LUT"] if tick % 3 else ["PD"],
            "desa": desa,
            "description": "Lansia tinggal sendiri (chaos)",
            "person": {"nik": compose_nik(desa[:8], born, female=True, serial=tick % 9000 + 1),
                       "name": f"Warga Chaos {tick}", "sex": "P",
                       "birth_date": born.isoformat()},
        }  # fmt: skip
        bearer = token(reporter["worker_id"], "psm", reporter["wilayah"])
        case = await self._writer.post("cases", "/v1/cases", body, key=f"r-{tick}", bearer=bearer)
        self._accepted.reports[case["case_id"]] = case

    async def _register(self, tick: int) -> None:
        born = born_on(tick + 50_000)
        body = {
            "nik": compose_nik("63.05.02", born, female=False, serial=tick % 9000 + 1),
            "name": f"Bapak Chaos {tick}",
            "sex": "L", "birth_date": born.isoformat(), "desa": "63.05.02.2001",
            "categories": ["LUT"],
        }  # fmt: skip
        bearer = token("chaos-operator", "operator")
        made = await self._writer.post("registry", "/v1/persons", body, key=f"p-{tick}",
                                       bearer=bearer)  # fmt: skip
        self._accepted.registered.add(made["person_id"])

    async def _verify_one(self) -> None:
        done = self._accepted.verified
        waiting = [
            case for case in self._accepted.reports.values()
            if case["case_id"] not in done and case.get("assigned_tksk_id")
        ]  # fmt: skip
        if not waiting:
            return
        case = random.choice(waiting)
        self._accepted.verified.add(case["case_id"])  # claimed: no other tick picks it
        tksk = case["assigned_tksk_id"]
        bearer = token(tksk, "tksk", case["kecamatan"])
        path = f"/v1/cases/{case['case_id']}/verify"
        await self._writer.post("cases", path, {}, key=f"v-{case['case_id']}", bearer=bearer)


async def faults(cluster: Cluster, log: Callable[[str], None], *, whole_roll: bool) -> None:
    """A rolling restart (of every replica, or — bounded — of the first of each service, so
    the SIGKILL that follows takes the other: both original replicas go either way), a SIGKILL
    of a replica of each service, and a Redis restart. The services go through each step
    together (as a cluster's deployments roll at once), each one replica at a time."""
    rounds = len(cluster.replicas[SERVICES[0]]) if whole_roll else 1
    log("rolling restart of every service, one replica at a time")
    for _ in range(rounds):  # the oldest replica of each service; its replacement goes last
        await asyncio.gather(
            *(cluster.replace(cluster.replicas[s][0], kill=False) for s in SERVICES)
        )
    log("SIGKILL of one replica of each service")
    await asyncio.gather(*(cluster.replace(cluster.replicas[s][0], kill=True) for s in SERVICES))
    await cluster.restart_redis()


class Leadership:
    """Samples every replica's `kesos_relay_leading` while the faults run: how many relays of a
    service publish at the same moment (one at most), and which replicas led in turn.

    The replicas are read one after the other, so a handover between two reads shows two
    leaders (the first read before it stepped down, the second after the other took over; on a
    slow machine reads are a second apart). Two leaders are read again in the same order: a
    relay steps down (gauge 0) before it releases the lock, so after a handover the first reads
    0 now — only two relays really publishing at once both read 1 again."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self.most_at_once: Counter[str] = Counter()
        self.leaders: dict[str, set[int]] = {service: set() for service in SERVICES}
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=2) as client:
            while not self._stop.is_set():
                for service in SERVICES:
                    replicas = list(self._cluster.replicas[service])
                    leading = [r for r in replicas if await _leads(client, r, service)]
                    self.leaders[service].update(r.number for r in leading)
                    if len(leading) > 1:  # or a handover between two reads: read them again
                        leading = [r for r in leading if await _leads(client, r, service)]
                    self.most_at_once[service] = max(self.most_at_once[service], len(leading))
                await asyncio.sleep(0.2)


async def _leads(client: httpx.AsyncClient, replica: Replica, service: str) -> bool:
    try:
        metrics = (await client.get(f"{replica.url}/metrics")).text
    except RETRYABLE:
        return False
    return f'kesos_relay_leading{{service="{service}"}} 1.0' in metrics


@dataclass
class Counts:
    figures: dict[str, Any]
    problems: list[str]


async def settle(cluster: Cluster, timeout_s: float = 180) -> None:
    """Until every group has read and acknowledged everything and every outbox is published."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await _quiet(cluster):
            return
        await asyncio.sleep(1.0)
    raise TimeoutError("the system never settled: entries still unread or pending")


async def _quiet(cluster: Cluster) -> bool:
    for service in SERVICES:
        unpublished = await scalar(
            cluster.stores[service], "SELECT count(*) FROM kesos_outbox WHERE published_at IS NULL"
        )
        if unpublished:
            return False
    async with Redis.from_url(cluster.admin_url, decode_responses=True) as redis:
        for service in SERVICES:
            for stream in topology.streams_read(cluster.namespace, service):
                if not await redis.exists(stream):
                    continue
                last = (await redis.xinfo_stream(stream))["last-generated-id"]
                for group in await redis.xinfo_groups(stream):
                    if group["pending"] or group["last-delivered-id"] != last:
                        return False
    return True


async def count_effects(cluster: Cluster, accepted: Accepted) -> Counts:
    cases, registry, notes = (cluster.stores[s] for s in ("cases", "registry", "notifications"))
    reports, verified = len(accepted.reports), len(accepted.verified)
    figures = {
        "reports accepted": reports,
        "verifications accepted": verified,
        "persons registered": len(accepted.registered),
        "client retries": accepted.retries,
        "cases stored": await scalar(cases, "SELECT count(*) FROM cases_cases"),
        "cases verified": await scalar(
            cases, "SELECT count(*) FROM cases_cases WHERE status = 'verified'"
        ),
        "cases not linked to a registry person": await scalar(
            cases, "SELECT count(*) FROM cases_cases WHERE person_id IS NULL"
        ),
        "registry persons": await scalar(registry, "SELECT count(*) FROM registry_persons"),
        "registry case links": await scalar(registry, "SELECT count(*) FROM registry_case_links"),
        "cases' projection of persons": await scalar(cases, "SELECT count(*) FROM cases_persons"),
        "case_assigned messages": await scalar(
            notes, "SELECT count(*) FROM deliveries WHERE template = 'case_assigned'"
        ),
        "case_verified messages": await scalar(
            notes, "SELECT count(*) FROM deliveries WHERE template = 'case_verified'"
        ),
    }
    # At least once: a relay killed between its XADD and marking its rows, or Redis restarting
    # between them, publishes those rows again; the consumers' inboxes absorb them (above).
    figures["stream entries"], figures["entries published again"] = await _published(cluster)
    figures["consumers of gone replicas"] = await _gone_consumers(cluster)
    figures["error lines in the replicas' logs"] = _error_lines(cluster.workdir / "log")
    expected = {
        "cases stored": reports,
        "cases verified": verified,
        "cases not linked to a registry person": 0,
        "registry persons": reports + len(accepted.registered),  # intake: a person per report
        "registry case links": reports,
        "cases' projection of persons": reports + len(accepted.registered),
        "case_assigned messages": reports,
        "case_verified messages": verified,
        "consumers of gone replicas": 0,
        "error lines in the replicas' logs": 0,  # an expected outage is a warning, not an error
    }
    problems = [
        f"{name}: {figures[name]}, expected {value}"
        for name, value in expected.items()
        if figures[name] != value
    ]
    return Counts(figures, problems)


async def _published(cluster: Cluster) -> tuple[int, int]:
    """Entries in the services' streams, and how many repeat an event id."""
    total, ids = 0, Counter[str]()
    async with Redis.from_url(cluster.admin_url, decode_responses=True) as redis:
        streams = {
            s for service in SERVICES for s in topology.streams_read(cluster.namespace, service)
        }
        for stream in sorted(streams):
            entries: Any = await redis.xrange(stream)
            for _, fields in entries:
                total += 1
                ids[fields["id"]] += 1
    return total, sum(n - 1 for n in ids.values() if n > 1)


def _error_lines(directory: Path) -> int:
    lines = 0
    for path in directory.glob("*.log"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            lines += '"level": "error"' in line or '"level": "critical"' in line
            lines += line.startswith("Traceback")
    return lines


async def _gone_consumers(cluster: Cluster) -> int:
    """Consumers in the groups that are not a running replica (the janitor removes them once
    idle and holding nothing)."""
    alive = {f"{r.service}-{r.number}" for group in cluster.replicas.values() for r in group}
    gone = 0
    async with Redis.from_url(cluster.admin_url, decode_responses=True) as redis:
        for service in SERVICES:
            for stream in topology.streams_read(cluster.namespace, service):
                for consumer in await redis.xinfo_consumers(stream, service):
                    gone += consumer["name"] not in alive
    return gone


async def start_cluster(
    workdir: Path, postgres: PostgresDatabases, log: Callable[[str], None]
) -> Cluster:
    namespace = f"chaos{random.randrange(10**6)}"
    acl_file, password = owned_acl_file(workdir / "acl")
    redis = LocalRedis(workdir / "redis", fsync="always", acl_file=acl_file)
    redis.start()
    admin_url = with_password(f"redis://{ADMIN}@127.0.0.1:{redis.port}/0", password)
    users = BusUsers(admin_url, namespace, workdir / "secrets")
    stores, envs = {}, {}
    for service in SERVICES:
        stores[service] = postgres.url(await postgres.create(f"chaos_{service}"))
        access = await users.service(service)
        envs[service] = {
            **access.env(),
            f"{service.upper()}_DATABASE_URL": stores[service],
            "KESOS_NAMESPACE": namespace,
            "KESOS_JWT_SECRET": SECRET,
            "KESOS_MIN_IDLE_MS": "1500",
            "KESOS_RECLAIM_INTERVAL_S": "0.5",
            "KESOS_IDLE_CONSUMER_S": "3",
            "KESOS_RELAY_POLL_S": "0.5",
            "KESOS_BLOCK_MS": "500",
            "KESOS_GRACEFUL_TIMEOUT_S": "10",
            "NOTIFICATIONS_EXPORT_FILE": str(workdir / "notifications.jsonl"),
            "NOTIFICATIONS_SEND_TIMEOUT_S": "3",
            "NOTIFICATIONS_LEASE_S": "6",
        }
    cluster = Cluster(workdir, redis, admin_url, namespace, stores, envs, log=log)
    for service in SERVICES:
        cluster.start_replica(service)
        cluster.start_replica(service)
    return cluster


async def run_chaos(
    postgres: PostgresDatabases,
    workdir: Path,
    *,
    rate: float,
    log: Callable[[str], None] = print,
    whole_roll: bool = True,
) -> Counts:
    started = time.monotonic()
    cluster = await start_cluster(workdir, postgres, log)
    accepted = Accepted()
    writer = Writer(cluster, accepted)
    try:
        await cluster.wait_ready()
        log(f"8 replicas ready ({time.monotonic() - started:.0f} s); registering Tapin's workers")
        people = await register_people(writer)
        await asyncio.sleep(3)  # the projections take the TKSK in before the first report
        load = Load(writer, people, accepted, rate)
        leadership = Leadership(cluster)
        running = asyncio.gather(load.run(), leadership.run())
        await asyncio.sleep(3)
        await faults(cluster, log, whole_roll=whole_roll)
        await asyncio.sleep(3)
        load.stop()
        leadership.stop()
        await running
        log(f"load stopped after {len(accepted.reports)} reports; waiting for the system to settle")
        await settle(cluster)
        await asyncio.sleep(2 * float(cluster.envs["cases"]["KESOS_IDLE_CONSUMER_S"]) + 2)
        counts = await count_effects(cluster, accepted)
        most = max(leadership.most_at_once.values())
        counts.figures["most relays of a service leading at once"] = most
        counts.figures["replicas that led a relay in turn"] = sum(
            map(len, leadership.leaders.values())
        )
        if most != 1:
            counts.problems.append(f"relays leading at once: {most}, expected 1")
        counts.figures["seconds"] = round(time.monotonic() - started)
        return counts
    finally:
        await writer.close()
        await asyncio.to_thread(cluster.stop)
        await asyncio.to_thread(cluster.redis.stop)
        for url in cluster.stores.values():
            await postgres.drop(url.rsplit("/", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=30.0, help="reports per second")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kesos-chaos-"))
    try:
        counts = asyncio.run(
            run_chaos(PostgresDatabases(args.database_url), workdir, rate=args.rate)
        )
    finally:
        if args.keep:
            print(f"logs in {workdir / 'log'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    width = max(map(len, counts.figures))
    for name, value in counts.figures.items():
        print(f"{name:<{width}}  {value:>8}")
    print("\n".join(counts.problems) or "0 lost, 0 duplicated, nothing pending")
    raise SystemExit(1 if counts.problems else 0)


if __name__ == "__main__":
    main()
