"""What importing a province costs: `python -m bench.import [--persons N]`. Prints figures only.

A synthetic Kalimantan Selatan (every desa of province 63 from the reference data): families of
1–8 on a KK, each with a head who is PMKS and members who may not be; realistic NIKs (the desa's
kecamatan, the birth date, +40 for women) and No. KK; 10 % of persons without a NIK; and 2 %
planted near-duplicates — the same person again, without NIK or KK, the name written another way
(M. for Muhammad, St. for Siti, a title, a missing space, y for i).

Against one PostgreSQL server and one Redis, in one run:
(a) the floor: PostgreSQL `COPY` of the same file's rows into a table of the same columns.
(b) the import: the registry and cases services as processes (their own databases), the file
    uploaded to `POST /v1/imports`, followed until done → "import"; then until cases' projections
    hold every person and family the import published (the events fanned out through the relay,
    Redis and cases' consumer) → "with fan-out". The registry's peak RSS (VmHWM) is printed.
(c) duplicates: the pairs the import listed against the planted ones → recall and precision.

Every run creates its own databases (dropped WITH (FORCE) at the end) and its own stream
namespace (its keys deleted at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import os
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench.api import Process, admin, clean_environment, delete_keys
from bench.bus import cpu_model
from shared.local_redis import free_port
from shared.reference import Level, wilayah
from shared.security import mint_token

HEADER = ("nik", "no_kk", "nama", "jenis_kelamin", "tanggal_lahir", "kode_desa",
          "hubungan_keluarga", "kategori_pmks")  # fmt: skip
SECRET = "bench-import-secret-that-is-long-enough-0123456789"
MEN = [
    "Muhammad",
    "Ahmad",
    "Abdul",
    "Rahmat",
    "Fauzi",
    "Hendra",
    "Syahrani",
    "Jumberi",
    "Gusti",
    "Antung",
    "Yusuf",
    "Ismail",
    "Hasan",
    "Husin",
    "Saberi",
    "Arbani",
    "Taufik",
    "Rizki",
    "Fajar",
    "Budi",
    "Ridwan",
    "Salman",
    "Halidi",
    "Mawardi",
    "Zainal",
    "Basri",
    "Darmawi",
    "Sarbaini",
    "Iberahim",
    "Norhadi",
    "Samsul",
    "Aspiani",
    "Rusdi",
    "Murjani",
]
WOMEN = [
    "Siti",
    "Nur",
    "Masriah",
    "Rahmah",
    "Halimah",
    "Aisyah",
    "Fatimah",
    "Jubaidah",
    "Salasiah",
    "Mariana",
    "Norma",
    "Rusmilawati",
    "Hamidah",
    "Maulida",
    "Rabiatul",
    "Saudah",
    "Khadijah",
    "Aminah",
    "Zubaidah",
    "Nurhayati",
    "Wahdah",
    "Masitah",
    "Rukayah",
    "Hairiyah",
    "Jamilah",
    "Rosidah",
    "Fitriani",
    "Lailatul",
    "Hasanah",
]
SECOND = [
    "Hidayat",
    "Rahman",
    "Hamid",
    "Aziz",
    "Fadillah",
    "Ramadhani",
    "Saputra",
    "Anwar",
    "Kurniawan",
    "Hakim",
    "Maulana",
    "Firdaus",
    "Syarifuddin",
    "Yani",
    "Wahyudi",
    "Noor",
    "Ansyari",
    "Fahmi",
    "Ilmi",
    "Arifin",
    "Hasbi",
    "Zakaria",
    "Mahmud",
    "Sahlan",
    "Jannah",
    "Rizqa",
    "Aulia",
    "Safitri",
    "Lestari",
    "Hartini",
    "Susanti",
    "Sari",
]
PMKS = ("LUT", "PD", "FM", "AT", "AJ", "PRSE", "KAT", "GLD", "PGM", "KMN")
# A household after its head: relationship, sex (None: either), born this many years after them.
MEMBERS = (("istri", "P", (-8, 5)), ("anak", None, (18, 40)), ("anak", None, (18, 40)),
           ("cucu", None, (40, 60)), ("orang tua", None, (-35, -18)), ("anak", None, (18, 40)),
           ("famili lain", None, (-20, 20)))  # fmt: skip


Person = tuple[str, date, str]  # name, birth date, desa: who a row registered
Pair = tuple[int, Person]  # a row's line, and the person it is a likely duplicate of


@dataclass
class Province:
    """What was written, and the truth the duplicate search is judged against."""

    rows: int = 0
    persons: int = 0  # distinct persons (a planted duplicate is a row, not a person)
    families: int = 0
    planted: set[Pair] = field(default_factory=set)


def generate(path: Path, persons: int, seed: int = 63) -> Province:
    """The file, streamed (the generator holds no rows), and what it holds."""
    rng = random.Random(seed)
    desa = [r.code for r in wilayah().regions(Level.DESA) if r.code.startswith("63.")]
    serials: dict[str, int] = {}
    province = Province()
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file, delimiter=";")
        out.writerow(HEADER)
        while province.persons < persons:
            home = rng.choice(desa)
            family = _family(rng, home, serials, min(rng.randint(1, 8), persons - province.persons))
            province.families += 1
            for row in family:
                province.rows += 1
                province.persons += 1
                out.writerow(row)
                if rng.random() < 0.02:
                    province.rows += 1
                    out.writerow(_near_duplicate(rng, row))
                    province.planted.add((province.rows + 1, _as_registered(row)))
    return province


def _as_registered(row: list[str]) -> Person:
    """Who a row registers, as the registry keeps them: the name, the birth date, the desa."""
    for layout in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            born = datetime.strptime(row[4], layout).date()
            break
        except ValueError:
            continue
    desa = row[5] if "." in row[5] else f"{row[5][:2]}.{row[5][2:4]}.{row[5][4:6]}.{row[5][6:]}"
    return (row[2].strip(), born, desa)


def _family(rng: random.Random, home: str, serials: dict[str, int], size: int) -> list[list[str]]:
    kk = _number(home, _day(rng, 1990, 2020), serials, women=False)
    head_born = _day(rng, 1935, 1990)
    rows = [_person(rng, home, kk, "kepala keluarga", "L", head_born, serials, pmks=True)]
    for relation, sex, (earliest, latest) in MEMBERS[: size - 1]:
        born = _day(rng, head_born.year + earliest, head_born.year + latest)
        pmks = rng.random() < 0.3  # the others are household members, no category of their own
        rows.append(_person(rng, home, kk, relation, sex or rng.choice("LP"), born, serials,
                            pmks=pmks))  # fmt: skip
    return rows


def _person(
    rng: random.Random, home: str, kk: str, relation: str, sex: str, born: date,
    serials: dict[str, int], *, pmks: bool,
) -> list[str]:  # fmt: skip
    first = rng.choice(MEN if sex == "L" else WOMEN)
    name = f"{first} {rng.choice(SECOND)}" + (
        f" {rng.choice(SECOND)}" if rng.random() < 0.3 else ""
    )
    nik = "" if rng.random() < 0.10 else _number(home, born, serials, women=sex == "P")
    category = "|".join(rng.sample(PMKS, rng.choice((1, 1, 1, 2)))) if pmks else ""
    layout = rng.choice(("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"))
    code = home if rng.random() < 0.5 else home.replace(".", "")
    return [nik, kk, name, sex, born.strftime(layout), code, relation, category]


def _near_duplicate(rng: random.Random, row: list[str]) -> list[str]:
    """The same person registered again: no NIK, no KK, the name written otherwise."""
    name = row[2]
    variants = [
        name.replace("Muhammad", "M.").replace("Siti", "St.").replace("Abdul", "Abd."),
        ("H. " if row[3] == "L" else "Hj. ") + name,
        name.replace(" ", "", 1),
        name.replace("i", "y", 1) if "i" in name else name + "h",
        name.upper(),
    ]
    changed = [v for v in variants if v != name]
    return ["", "", rng.choice(changed), *row[3:6], "", row[7] or rng.choice(PMKS)]


def _number(home: str, day: date, serials: dict[str, int], *, women: bool) -> str:
    """A NIK (or No. KK) of the desa's kecamatan: its code, the date (+40 for women), a serial."""
    kecamatan = home.replace(".", "")[:6]
    dd = day.day + (40 if women else 0)
    stem = f"{kecamatan}{dd:02d}{day.month:02d}{day.year % 100:02d}"
    serials[stem] = serials.get(stem, 0) + 1
    return f"{stem}{serials[stem]:04d}"


def _day(rng: random.Random, first_year: int, last_year: int) -> date:
    first_year, last_year = max(first_year, 1925), min(last_year, 2024)
    start, end = date(min(first_year, last_year), 1, 1), date(last_year, 12, 31)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


# --- the floor ---------------------------------------------------------------------------------


async def copy_floor(dsn: str, path: Path) -> float:
    """Seconds to COPY the file's rows into a table of the same columns (in the given database)."""
    connection = await asyncpg.connect(dsn)
    try:
        columns = ", ".join(f"{name} text" for name in HEADER)
        await connection.execute(f"CREATE TABLE copy_floor ({columns})")
        started = time.perf_counter()
        await connection.copy_to_table(
            "copy_floor", source=path, format="csv", delimiter=";", header=True
        )
        return time.perf_counter() - started
    finally:
        await connection.close()


# --- the import through the services ----------------------------------------------------------


@dataclass
class Figures:
    import_s: float = 0.0
    fan_out_s: float = 0.0
    job: dict[str, object] = field(default_factory=dict)
    peak_rss_mib: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)  # each service's CPU time, to the end
    found: set[Pair] = field(default_factory=set)
    statements: list[tuple[str, str, float]] = field(default_factory=list)  # sampler.top()


class StatementSampler:
    """Where PostgreSQL's time goes, without `pg_stat_statements` (it needs a restart to load):
    every few milliseconds, which statements the services' backends are running
    (`pg_stat_activity`). A statement's share of the samples in which some backend was busy is
    its share of the server's busy time — a sampling profiler of the server, by statement."""

    def __init__(self, admin_url: str, database_urls: list[str], every_s: float = 0.005) -> None:
        self._dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(False)
        self._databases = [make_url(url).database for url in database_urls]
        self._every_s = every_s
        self._counts: Counter[tuple[str, str]] = Counter()
        self._busy = 0
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        try:
            while not self._stop.is_set():
                rows = await connection.fetch(
                    "SELECT datname, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q "
                    "FROM pg_stat_activity WHERE state = 'active' AND datname = ANY($1::text[])",
                    self._databases,
                )  # fmt: skip
                self._busy += bool(rows)
                self._counts.update((row["datname"], row["q"]) for row in rows)
                await asyncio.sleep(self._every_s)
        finally:
            await connection.close()

    def top(self, count: int = 8) -> list[tuple[str, str, float]]:
        """(service, statement, share of the busy samples), the busiest first."""
        return [
            (database.split("_")[2], query, seen / max(self._busy, 1))
            for (database, query), seen in self._counts.most_common(count)
        ]


class Run:
    def __init__(self, args: argparse.Namespace, directory: Path) -> None:
        self.args, self.directory = args, directory
        self.admin_url = args.database_url
        self.base = f"benchimport{secrets.token_hex(3)}"
        self.namespace = f"{self.base}-kesos"  # its keys: `<base>-*`, as delete_keys finds them
        self.databases: list[str] = []
        self.processes: list[Process] = []
        self.token = mint_token(SECRET, sub="bench", role="operator", wilayah="63",
                                now=datetime.now(UTC))  # fmt: skip

    async def database(self, purpose: str) -> str:
        name = f"kesos_bench_{purpose}_{secrets.token_hex(3)}"
        self.databases.append(name)
        await admin(self.admin_url, f'CREATE DATABASE "{name}"')
        return make_url(self.admin_url).set(database=name).render_as_string(False)

    async def service(self, name: str, database_url: str) -> Process:
        port = free_port()
        env = {
            **clean_environment(),
            f"{name.upper()}_DATABASE_URL": database_url,
            f"{name.upper()}_PORT": str(port),
            "KESOS_HOST": "127.0.0.1",
            "KESOS_NAMESPACE": self.namespace,
            "KESOS_JWT_SECRET": SECRET,
            "KESOS_DEV_MODE": "false",
            "REDIS_URL": self.args.redis_url,
            "REGISTRY_IMPORT_DIR": str(self.directory / "imports"),
            "REGISTRY_IMPORT_POLL_S": "0.2",
            "REGISTRY_IMPORT_BATCH": str(self.args.batch),
        }
        process = Process(name, [sys.executable, "-m", f"services.{name}"], env,
                          self.directory / f"{name}.log")  # fmt: skip
        self.processes.append(process)
        process.start(port)
        if not await process.wait_until_ready("/readyz"):
            raise RuntimeError(f"{name} exited:\n{process.log_tail()}")
        return process

    async def close(self) -> None:
        for process in self.processes:
            process.stop()
        for name in self.databases:
            await admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await delete_keys(self.args.redis_url, self.base)


async def import_through_services(run: Run, path: Path) -> Figures:
    registry_url, cases_url = await run.database("registry"), await run.database("cases")
    registry = await run.service("registry", registry_url)
    await run.service("cases", cases_url)
    figures = Figures()
    headers = {"Authorization": f"Bearer {run.token}"}
    sampler = StatementSampler(run.admin_url, [registry_url, cases_url])
    sampling = asyncio.create_task(sampler.run())
    async with httpx.AsyncClient(base_url=registry.url, headers=headers, timeout=600) as client:
        started, server_before = time.perf_counter(), _postgres_cpu_s()
        answer = await client.post(
            "/v1/imports", content=_chunks(path), params={"filename": path.name}
        )
        answer.raise_for_status()
        job_path = f"/v1/imports/{answer.json()['import_id']}"
        figures.job = await _followed(client, job_path, registry)
        figures.import_s = time.perf_counter() - started
        figures.peak_rss_mib = _peak_rss_mib(registry)
        await _fanned_out(cases_url, figures.job)
        figures.fan_out_s = time.perf_counter() - started
        figures.cpu_s = {process.name: _cpu_s(process.pid) for process in run.processes}
        figures.cpu_s["PostgreSQL (every backend)"] = _postgres_cpu_s() - server_before
        sampler.stop()
        await sampling
        figures.statements = sampler.top()
        report = (await client.get(f"{job_path}/duplicates")).text.removeprefix("\ufeff")
    figures.found = await _found_pairs(registry_url, report)
    return figures


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    """The file streamed as the request's body, 1 MiB at a time."""
    with path.open("rb") as file:
        while chunk := file.read(2**20):
            yield chunk


async def _followed(client: httpx.AsyncClient, job_path: str, registry: Process) -> dict:
    last = 0.0
    while True:
        job = (await client.get(job_path)).json()
        if job["status"] in ("done", "failed"):
            return dict(job)
        if time.monotonic() - last > 15:
            last = time.monotonic()
            print(f"  … {job['rows']} rows, registry RSS peak {_peak_rss_mib(registry):.0f} MiB")
        await asyncio.sleep(0.5)


def _peak_rss_mib(process: Process) -> float:
    status = Path(f"/proc/{process.pid}/status").read_text()
    [line] = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def _cpu_s(pid: int | str | None) -> float:
    """User + system CPU seconds a process used (with its children waited for, as PostgreSQL's
    postmaster waits for its backends): steadier than a rate on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(tick) for tick in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu_s() -> float:
    """CPU seconds of the local PostgreSQL server: its processes and the backends that ended."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if stat.read_text().split(" ", 2)[1] in ("(postgres)", "(postmaster)"):
                total += _cpu_s(stat.parent.name)
    return total


async def _fanned_out(cases_url: str, job: dict) -> None:
    """Until cases' projections hold every person and family the import published."""
    dsn = make_url(cases_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn)
    try:
        while True:
            persons = await connection.fetchval("SELECT count(*) FROM cases_persons")
            families = await connection.fetchval("SELECT count(*) FROM cases_households")
            if persons >= job["persons_created"] and families >= job["families"]:
                return
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


async def _found_pairs(registry_url: str, report: str) -> set[Pair]:
    """The import's pairs as (the row's line, the other person as the file wrote them)."""
    rows = list(csv.DictReader(io.StringIO(report)))
    dsn = make_url(registry_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn)
    try:
        records = await connection.fetch(
            "SELECT person_id, name, birth_date, desa FROM registry_persons "
            "WHERE person_id = ANY($1::text[])", list({r["other_id"] for r in rows}),
        )  # fmt: skip
    finally:
        await connection.close()
    who = {r["person_id"]: (r["name"], r["birth_date"], r["desa"]) for r in records}
    return {(int(r["line"]), who[r["other_id"]]) for r in rows}


# --- the run ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.import", description=__doc__)
    parser.add_argument("--persons", type=int, default=1_700_000)
    parser.add_argument(
        "--database-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server this run may create and drop databases on",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--batch", type=int, default=500, help="rows per import transaction")
    return parser.parse_args(argv)


async def bench(args: argparse.Namespace, directory: Path) -> None:
    path = directory / "dtks-kalsel.csv"
    started = time.perf_counter()
    province = generate(path, args.persons)
    print(
        f"province: {province.persons} persons in {province.families} families, "
        f"{province.rows} rows ({len(province.planted)} planted near-duplicates), "
        f"{path.stat().st_size / 2**20:.0f} MiB, generated in {time.perf_counter() - started:.0f} s"
    )
    run = Run(args, directory)
    try:
        floor_url = await run.database("floor")
        dsn = make_url(floor_url).set(drivername="postgresql").render_as_string(False)
        floor_s = await copy_floor(dsn, path)
        print(_timed("floor: PostgreSQL COPY of the rows", floor_s, province.rows))
        figures = await import_through_services(run, path)
    finally:
        await run.close()
    job = figures.job
    print(_timed("import (registry)", figures.import_s, province.rows, floor_s))
    print(_timed("  with fan-out to cases' projections", figures.fan_out_s, province.rows, floor_s))
    print(
        f"  job: {job['rows']} rows, {job['persons_created']} persons created, "
        f"{job['persons_updated']} updated, {job['families']} families, {job['errors']} bad rows, "
        f"{job['duplicates']} duplicate candidates"
    )
    print(f"  registry peak RSS {figures.peak_rss_mib:.0f} MiB")
    for name, seconds in figures.cpu_s.items():
        print(f"  {name} CPU {seconds:.1f} s ({seconds / province.rows * 1e6:.0f} µs a row)")
    print("  PostgreSQL's busy time by statement (pg_stat_activity sampled):")
    for service, query, share in figures.statements:
        print(f"    {share:6.1%}  {service:<8} {query}")
    hits = len(figures.found & province.planted)
    recall = hits / len(province.planted) if province.planted else 1.0
    precision = hits / len(figures.found) if figures.found else 1.0
    print(f"duplicates: recall {recall:.3f} ({hits}/{len(province.planted)} planted), "
          f"precision {precision:.3f} ({hits}/{len(figures.found)} listed)")  # fmt: skip


def _timed(what: str, seconds: float, rows: int, floor_s: float | None = None) -> str:
    ratio = "" if floor_s is None else f"  ×{seconds / floor_s:.1f} the floor"
    return f"{what:<38} {seconds:8.1f} s  {rows / seconds:9.0f} rows/s{ratio}"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"bench.import on {cpu_model()}, {args.persons} persons")
    with tempfile.TemporaryDirectory(prefix="kesos-bench-import-") as directory:
        asyncio.run(bench(args, Path(directory)))


if __name__ == "__main__":
    main()
