"""What the event backbone costs: `python -m bench.bus` (`make bench`). Prints figures only.

Against one Redis and one PostgreSQL server, in one run:

(a) raw redis-py baseline. N envelopes are XADDed pipelined (500 per pipeline, `MAXLEN ~` as
    the relay does; building the envelopes is not timed) → "raw publish". Then one loop:
    XREADGROUP COUNT 100 → parse the envelopes → one transaction per batch with one inbox
    INSERT for the batch and the projection's upserts as the measured handler makes them (one
    statement for the batch; with `--handler single` one per entry) → one XACK per batch.
    "raw drain" = N / (first read → last ack).
(b) the backbone. N events are committed as outbox rows (500 per unit of work, relay not
    running, not timed). Then the consumer's `ServiceBus` (FastStream subscriber + runner with
    a projecting handler: its batch form, one upsert per batch, or with `--handler single`
    one upsert per event) and the producer's `ServiceBus` (relay) start, in that order.
    "backbone drain" = N / (just before the buses start → the first 50 ms poll of the
    projection that counts N rows). Producer and consumer have their own databases; both buses
    run in this one process and event loop, so the relay and the consumer share a core.
(c) latency. With both buses running, one event per unit of work at a paced rate. Measured
    per event, on one monotonic clock in this process: from right after the writer's
    `uow.commit()` returned (outbox row committed; the relay is woken just after) to right after
    the consumer's batch `uow.commit()` returned with that event's projection row in it (the
    consumer's unit of work notes the time after its commit). So it covers relay wake-up,
    SELECT pending, XADD, mark published, XREADGROUP wake-up, the runner and the batch commit.
    The writer, the relay and the consumer share this process: when it cannot keep the pace, the
    report says so and the latency then includes queueing.

Every run creates its own two databases (dropped WITH (FORCE) at the end) and its own stream
namespace (its keys deleted at the end; never FLUSHALL).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from typing import Any, ClassVar

from redis.asyncio import Redis
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from shared.contracts.catalog import EventCatalog
from shared.contracts.envelope import Envelope, Event
from shared.messaging.bus import ServiceBus
from shared.messaging.inbox import first_deliveries
from shared.messaging.outbox import Outbox, utcnow
from shared.messaging.runner import Handler, HandlerContext
from shared.messaging.streams import events_stream
from shared.messaging.subscriber import create_groups
from shared.observability.logging import configure_logging
from shared.persistence.engine import create_engine, session_factory
from shared.persistence.migrate import migrate_async
from shared.persistence.projection import upsert_if_newer, upsert_many
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from shared.settings import BusSettings

PRODUCER = "bench"  # publishes kesos.bench.* to <ns>.bench.events
CONSUMER = "meter"  # its consumer group, and the service that projects readings
HANDLER_NAME = "meter.project_reading"
BATCH = 100  # XREADGROUP COUNT, as max_records
CHUNK = 500  # events per outbox transaction, per raw XADD pipeline (the relay's batch)
MAXLEN = 1_000_000
POLL_S = 0.05
DEADLINE_S = 600.0

CATALOG = EventCatalog()
TABLES = MetaData()


@CATALOG.register
class ReadingRecorded(Event):
    type: ClassVar[str] = "kesos.bench.reading_recorded.v1"
    subject_field: ClassVar[str] = "meter_id"

    meter_id: str
    value: int


readings = Table(
    "bench_readings",
    TABLES,
    Column("meter_id", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
)


def reading(index: int, prefix: str = "m") -> ReadingRecorded:
    return ReadingRecorded(meter_id=f"{prefix}{index:07d}", value=index)


def projection_row(event: ReadingRecorded, envelope: Envelope) -> dict[str, Any]:
    return {"meter_id": event.meter_id, "value": event.value, "sequence": envelope.sequence or 0}


class MeterUnitOfWork(UnitOfWork):
    """The consumer's unit of work; with `committed_at`, notes when its readings became visible."""

    def __init__(
        self, session: AsyncSession, outbox: Outbox, committed_at: dict[str, float] | None
    ):
        super().__init__(session, outbox)
        self.applied: list[str] = []
        self._committed_at = committed_at

    async def commit(self) -> None:
        await super().commit()
        if self._committed_at is not None:
            now = time.perf_counter()
            for meter_id in self.applied:
                self._committed_at[meter_id] = now


async def project_reading(event: ReadingRecorded, context: HandlerContext) -> None:
    values = projection_row(event, context.envelope)
    await upsert_if_newer(context.uow.session, readings, values)
    context.uow.applied.append(event.meter_id)


async def project_readings(
    uow: MeterUnitOfWork, items: Sequence[tuple[ReadingRecorded, Envelope]], now: datetime
) -> None:
    """The batch form: one upsert statement for the runner's whole batch."""
    rows = [projection_row(event, envelope) for event, envelope in items]
    await upsert_many(uow.session, readings, rows, newer_by="sequence")
    uow.applied.extend(event.meter_id for event, _ in items)


HANDLERS = {
    "batch": [Handler(HANDLER_NAME, ReadingRecorded, project_reading, project_readings)],
    "single": [Handler(HANDLER_NAME, ReadingRecorded, project_reading)],
}


def unit_of_work_factory(
    engine: AsyncEngine,
    namespace: str,
    service: str,
    committed_at: dict[str, float] | None = None,
) -> UnitOfWorkFactory[MeterUnitOfWork]:
    def make(session: AsyncSession, outbox: Outbox) -> MeterUnitOfWork:
        return MeterUnitOfWork(session, outbox, committed_at)

    return UnitOfWorkFactory(
        session_factory(engine), namespace=namespace, service=service, make=make
    )


def bus_settings(namespace: str) -> BusSettings:
    # model_validate, not the constructor: KESOS_* variables of the shell must not change figures
    return BusSettings.model_validate(
        {
            "namespace": namespace,
            "consumer": f"{CONSUMER}-1",
            "max_records": BATCH,
            "min_idle_ms": 60_000,  # production's: the reclaimer must not steal live batches
            "block_ms": 1000,
            "stream_maxlen": MAXLEN,
        }
    )


@dataclass
class Buses:
    producer: ServiceBus
    consumer: ServiceBus
    writer: UnitOfWorkFactory[MeterUnitOfWork]

    async def start(self) -> None:
        await self.consumer.start()  # groups at 0 and subscribers first, then the relay
        await self.producer.start()

    async def stop(self) -> None:
        await self.consumer.stop()
        await self.producer.stop()


def build_buses(
    env: Env,
    namespace: str,
    engines: tuple[AsyncEngine, AsyncEngine],
    committed_at: dict[str, float] | None = None,
) -> Buses:
    producer_engine, consumer_engine = engines
    settings = bus_settings(namespace)
    writer = unit_of_work_factory(producer_engine, namespace, PRODUCER)
    producer = ServiceBus(
        service=PRODUCER,
        settings=settings,
        redis_url=env.redis_url,
        engine=producer_engine,
        uows=writer,
        catalog=CATALOG,
    )
    consumer = ServiceBus(
        service=CONSUMER,
        settings=settings,
        redis_url=env.redis_url,
        engine=consumer_engine,
        uows=unit_of_work_factory(consumer_engine, namespace, CONSUMER, committed_at),
        catalog=CATALOG,
        handlers=HANDLERS[env.handler],
    )
    return Buses(producer, consumer, writer)


# --- the environment ----------------------------------------------------------------------------


@dataclass
class Env:
    redis_url: str
    admin_url: str
    base: str  # every namespace of this run starts with it
    handler: str = "batch"  # the consumer's handler: its batch form, or one event at a time
    producer_url: str = ""
    consumer_url: str = ""

    def database_url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(False)

    def namespace(self, phase: str) -> str:
        return f"{self.base}-{phase}"

    def engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        return create_engine(self.producer_url), create_engine(self.consumer_url)


async def admin(env: Env, statement: str) -> None:
    engine = create_async_engine(env.admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def create_databases(env: Env, names: Sequence[str]) -> None:
    for name in names:
        await admin(env, f'CREATE DATABASE "{name}"')
    env.producer_url, env.consumer_url = (env.database_url(name) for name in names)
    for url in (env.producer_url, env.consumer_url):
        await migrate_async(url)  # the kernel outbox and inbox
    engine = create_engine(env.consumer_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(TABLES.create_all)
    finally:
        await engine.dispose()


async def execute(url: str, statement: str) -> Any:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        await engine.dispose()


async def reset_tables(env: Env) -> None:
    """Each repetition starts from empty tables (fresh storage, no dead tuples)."""
    await execute(env.producer_url, "TRUNCATE kesos_outbox RESTART IDENTITY")
    await execute(env.consumer_url, "TRUNCATE kesos_inbox, bench_readings")


async def projection_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        query = select(func.count()).select_from(readings)
        return int((await connection.execute(query)).scalar_one())


async def wait_until(condition: Callable[[], Any], what: str, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {within_s:.0f} s")
        await asyncio.sleep(POLL_S)


# --- (a) raw redis-py ---------------------------------------------------------------------------


async def raw_run(env: Env, namespace: str, n: int) -> tuple[float, float]:
    """Returns (publish ev/s, drain ev/s)."""
    stream = events_stream(namespace, PRODUCER)
    now = utcnow()
    entries: list[dict[Any, Any]] = [
        Envelope.wrap(reading(i), source=f"/kesos/{PRODUCER}", time=now, sequence=1).to_fields()
        for i in range(n)
    ]
    redis = Redis.from_url(env.redis_url)
    engine = create_engine(env.consumer_url)
    try:
        await create_groups(redis, [stream], CONSUMER)
        started = time.perf_counter()
        for chunk in chunks(entries, CHUNK):
            async with redis.pipeline(transaction=False) as pipe:
                for fields in chunk:
                    pipe.xadd(stream, fields, maxlen=MAXLEN, approximate=True)
                await pipe.execute()
        publish_s = time.perf_counter() - started
        drain_s = await raw_drain(redis, engine, stream, n, batched=env.handler == "batch")
    finally:
        await redis.aclose()
        await engine.dispose()
    return n / publish_s, n / drain_s


async def raw_drain(
    redis: Redis, engine: AsyncEngine, stream: str, n: int, *, batched: bool
) -> float:
    sessions = session_factory(engine)
    done = 0
    deadline = time.monotonic() + DEADLINE_S
    started = time.perf_counter()
    while done < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"raw drain: {done}/{n} after {DEADLINE_S:.0f} s")
        reply: Any = await redis.xreadgroup(
            CONSUMER, "raw-1", {stream: ">"}, count=BATCH, block=1000
        )
        if not reply:
            continue
        batch = reply[0][1]
        now = utcnow()
        readings_in_batch = []
        for _, fields in batch:
            envelope = Envelope.from_fields(fields)
            event = CATALOG.parse(envelope)
            if isinstance(event, ReadingRecorded):
                readings_in_batch.append((envelope, event))
        async with sessions() as session, session.begin():
            claims = [(HANDLER_NAME, str(envelope.id)) for envelope, _ in readings_in_batch]
            fresh = await first_deliveries(session, claims, stream, now)
            rows = [
                projection_row(event, envelope)
                for envelope, event in readings_in_batch
                if (HANDLER_NAME, str(envelope.id)) in fresh
            ]
            if batched:  # as the handler's batch form does: one statement
                await upsert_many(session, readings, rows, newer_by="sequence")
            for row in [] if batched else rows:
                await upsert_if_newer(session, readings, row)
        await redis.xack(stream, CONSUMER, *(entry_id for entry_id, _ in batch))
        done += len(batch)
    return time.perf_counter() - started


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- (b) the backbone ---------------------------------------------------------------------------


async def write_outbox(uows: UnitOfWorkFactory[MeterUnitOfWork], n: int) -> None:
    for start in range(0, n, CHUNK):
        async with uows() as uow:
            for i in range(start, min(n, start + CHUNK)):
                uow.outbox.add(reading(i), sequence=1)
            await uow.commit()


async def backbone_run(env: Env, namespace: str, n: int) -> tuple[float, float]:
    """Returns (drain ev/s, relay publish ev/s, seen at the same 50 ms polls)."""
    engines = env.engines()
    try:
        buses = build_buses(env, namespace, engines)
        await write_outbox(buses.writer, n)
        relayed_s = 0.0
        started = time.perf_counter()
        await buses.start()
        try:
            while True:
                if not relayed_s and buses.producer.relay.published >= n:
                    relayed_s = time.perf_counter() - started
                if (count := await projection_count(engines[1])) >= n:
                    break
                if time.perf_counter() - started > DEADLINE_S:
                    raise TimeoutError(f"backbone drain: {count}/{n} after {DEADLINE_S:.0f} s")
                await asyncio.sleep(POLL_S)
            drain_s = time.perf_counter() - started
        finally:
            await buses.stop()
    finally:
        for engine in engines:
            await engine.dispose()
    return n / drain_s, n / (relayed_s or drain_s)


# --- (c) latency --------------------------------------------------------------------------------


@dataclass
class Latency:
    events: int
    achieved_rate: float
    p50_ms: float
    p99_ms: float
    max_ms: float


async def latency_run(env: Env, namespace: str, rate: float, seconds: float) -> Latency:
    committed_at: dict[str, float] = {}
    engines = env.engines()
    try:
        buses = build_buses(env, namespace, engines, committed_at)
        await buses.start()
        try:
            await paced_writes(buses.writer, committed_at, 1, rate, "w")  # warm up connections
            committed_at.clear()
            count = max(1, int(rate * seconds))
            started = time.perf_counter()
            written_at = await paced_writes(buses.writer, committed_at, count, rate, "p")
            achieved = count / (time.perf_counter() - started)
        finally:
            await buses.stop()
    finally:
        for engine in engines:
            await engine.dispose()
    millis = sorted((committed_at[meter] - at) * 1000 for meter, at in written_at.items())
    p99 = statistics.quantiles(millis, n=100)[98] if len(millis) > 1 else millis[0]
    return Latency(count, achieved, statistics.median(millis), p99, millis[-1])


async def paced_writes(
    uows: UnitOfWorkFactory[MeterUnitOfWork],
    committed_at: dict[str, float],
    count: int,
    rate: float,
    prefix: str,
) -> dict[str, float]:
    """One event per unit of work on a fixed schedule; waits until all are projected."""
    written_at: dict[str, float] = {}
    started = time.perf_counter()
    for k in range(count):
        delay = started + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        event = reading(k, prefix)
        async with uows() as uow:
            uow.outbox.add(event, sequence=1)
            await uow.commit()
            written_at[event.meter_id] = time.perf_counter()

    async def all_projected() -> bool:
        return all(meter in committed_at for meter in written_at)

    await wait_until(all_projected, f"{count} paced events projected", within_s=120)
    return written_at


# --- the run ------------------------------------------------------------------------------------


async def machine_facts(env: Env) -> dict[str, str]:
    redis = Redis.from_url(env.redis_url)
    try:
        info = await redis.info("server")
    finally:
        await redis.aclose()
    server = str(info.get("server_name", "redis"))
    server_version = info.get("valkey_version") or info.get("redis_version")
    cpu = cpu_model()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": f"{usable} ({cpu})",
        "redis": f"{server} {server_version}",
        "postgresql": str(await execute(env.consumer_url, "SHOW server_version")),
        "python": f"{platform.python_version()}, faststream {version('faststream')}, "
        f"redis-py {version('redis')}, SQLAlchemy {version('sqlalchemy')}",
    }


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def load_average() -> str:
    """Other work on the machine (a test suite, say) skews every figure: say how busy it was."""
    return "/".join(f"{load:.2f}" for load in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


async def bench(args: argparse.Namespace, env: Env) -> None:
    load_before = load_average()
    raw: list[tuple[float, float]] = []
    backbone: list[tuple[float, float]] = []
    for run in range(1, args.runs + 1):
        await reset_tables(env)
        raw.append(await raw_run(env, env.namespace(f"a{run}"), args.events))
        await reset_tables(env)
        backbone.append(await backbone_run(env, env.namespace(f"b{run}"), args.events))
        print(
            f"run {run}/{args.runs}: raw publish {raw[-1][0]:,.0f} ev/s, raw drain "
            f"{raw[-1][1]:,.0f} ev/s, backbone drain {backbone[-1][0]:,.0f} ev/s",
            flush=True,
        )
    await reset_tables(env)
    latency = await latency_run(env, env.namespace("lat"), args.paced_rate, args.paced_seconds)
    facts = await machine_facts(env)
    facts["load avg 1/5/15 min (start → end)"] = f"{load_before} → {load_average()}"
    report(args, facts, raw, backbone, latency)


def report(
    args: argparse.Namespace,
    facts: dict[str, str],
    raw: list[tuple[float, float]],
    backbone: list[tuple[float, float]],
    latency: Latency,
) -> None:
    raw_drain = statistics.median(r[1] for r in raw)
    backbone_drain = statistics.median(b[0] for b in backbone)
    raw_publish = statistics.median(r[0] for r in raw)
    relay_publish = statistics.median(b[1] for b in backbone)
    paced = f"{args.paced_rate:g} → {latency.achieved_rate:.1f} ev/s"
    if latency.achieved_rate < 0.95 * args.paced_rate:
        paced += " (saturated: the writer could not keep the pace)"
    rows = [
        ("events per run", f"{args.events:,}"),
        ("runs (medians below)", str(args.runs)),
        ("raw publish (pipelined XADD)", f"{raw_publish:,.0f} ev/s"),
        ("raw drain (XREADGROUP 100, 1 tx, XACK)", f"{raw_drain:,.0f} ev/s"),
        ("backbone drain (relay + bus + runner)", f"{backbone_drain:,.0f} ev/s"),
        ("  relay publish within it (outbox → XADD)", f"{relay_publish:,.0f} ev/s"),
        ("ratio backbone / raw drain", f"{backbone_drain / raw_drain:.2f}"),
        ("paced rate (target → achieved)", paced),
        ("paced events", f"{latency.events:,}"),
        ("latency p50 (outbox commit → projection commit)", f"{latency.p50_ms:.1f} ms"),
        ("latency p99", f"{latency.p99_ms:.1f} ms"),
        ("latency max", f"{latency.max_ms:.1f} ms"),
        *((name, value) for name, value in facts.items()),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    print("Kesos bus bench".center(width + 20, "-"))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bus", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="N per throughput run")
    parser.add_argument("--runs", type=int, default=3, help="repetitions; medians are printed")
    parser.add_argument("--paced-seconds", type=float, default=15.0, help="latency phase length")
    parser.add_argument("--paced-rate", type=float, default=200.0, help="latency phase ev/s")
    parser.add_argument(
        "--handler",
        choices=sorted(HANDLERS),
        default="batch",
        help="the consumer's projection: its batch form (set-based upsert per batch) or one "
        "upsert per event",
    )
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    configure_logging("bench", json=False, level=logging.WARNING)
    env = Env(
        redis_url=os.environ.get("BENCH_REDIS_URL")
        or os.environ.get("TEST_REDIS_URL")
        or "redis://127.0.0.1:6379/0",
        admin_url=os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        base=f"bench{uuid.uuid4().hex[:8]}",
        handler=args.handler,
    )
    databases = [f"{env.base}_producer", f"{env.base}_consumer"]
    try:
        await create_databases(env, databases)
        await bench(args, env)
    finally:
        await cleanup(env, databases)


async def cleanup(env: Env, databases: Sequence[str]) -> None:
    redis = Redis.from_url(env.redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{env.base}-*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
    for name in databases:
        await admin(env, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
