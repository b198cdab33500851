"""A tiny two-service domain that exercises the bus the way real services will.

`counter` (the producer) owns counters and publishes `kesos.counter.counter_set.v1` through its
outbox; `tally` (the consumer) projects them order-tolerantly and logs every effect it applies in
`tally_effects`, so a duplicate effect shows as a second row.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

import structlog
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.catalog import EventCatalog
from shared.contracts.envelope import Envelope, Event
from shared.messaging.runner import Handler, HandlerContext
from shared.persistence.migrate import migrate_async
from shared.persistence.projection import upsert_if_newer, upsert_many
from shared.persistence.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

CATALOG = EventCatalog()
TABLES = MetaData()


@CATALOG.register
class CounterSet(Event):
    type: ClassVar[str] = "kesos.counter.counter_set.v1"
    subject_field: ClassVar[str] = "counter_id"

    counter_id: str
    value: int


@CATALOG.register
class CounterAudited(Event):
    """Published by the tally in reaction to CounterSet: a handler that produces events."""

    type: ClassVar[str] = "kesos.tally.counter_audited.v1"
    subject_field: ClassVar[str] = "counter_id"

    counter_id: str
    value: int


counters = Table(
    "counter_counters",
    TABLES,
    Column("counter_id", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)
projection = Table(
    "tally_counters",
    TABLES,
    Column("counter_id", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
)
effects = Table(
    "tally_effects",
    TABLES,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("counter_id", String(64), nullable=False),
    Column("value", Integer, nullable=False),
    Column("consumer", String(100), nullable=False),
)


async def prepare_store(url: str, engine: AsyncEngine) -> None:
    await migrate_async(url)
    async with engine.begin() as connection:
        await connection.run_sync(TABLES.create_all)


# --- the producer's use case ------------------------------------------------------------------


class SetCounterFailed(RuntimeError):
    pass


async def set_counter(
    uow: UnitOfWork, counter_id: str, value: int, *, fail_after_write: bool = False
) -> None:
    """State and event in one transaction; a failure after both writes must publish nothing."""
    version = await uow.session.scalar(
        select(counters.c.version).where(counters.c.counter_id == counter_id)
    )
    if version is None:
        version = 1
        await uow.session.execute(
            insert(counters).values(counter_id=counter_id, value=value, version=1)
        )
    else:
        version += 1
        await uow.session.execute(
            update(counters)
            .where(counters.c.counter_id == counter_id)
            .values(value=value, version=version)
        )
    uow.outbox.add(CounterSet(counter_id=counter_id, value=value), sequence=version)
    await uow.flush()
    if fail_after_write:
        raise SetCounterFailed(counter_id)


# --- the consumer's handlers --------------------------------------------------------------------


class Faults:
    """What the tally's handler should do wrong, set by a test (or by env in a subprocess)."""

    fail_values: ClassVar[set[int]] = set()
    fail_late_values: ClassVar[set[int]] = set()  # fail after the effect and its event queued
    hold: ClassVar[asyncio.Event | None] = None  # set → handler signals and blocks forever
    held: ClassVar[list[Any]] = []
    gate: ClassVar[asyncio.Event | None] = None  # set → handler waits for it before applying
    batches: ClassVar[list[int]] = []  # the sizes of the batches the batch form applied


async def project_counter(event: CounterSet, context: HandlerContext) -> None:
    if Faults.hold is not None:
        Faults.held.append(event)
        Faults.hold.set()
        await asyncio.Event().wait()
    if Faults.gate is not None:
        Faults.held.append(event)
        await Faults.gate.wait()
    if event.value in Faults.fail_values:
        raise RuntimeError(f"tally refuses value {event.value}")
    session = context.uow.session
    effect = {"event_id": str(context.envelope.id), "counter_id": event.counter_id}
    effect["value"] = event.value
    consumer = os.environ.get("KESOS_CONSUMER", "in-process")
    await session.execute(insert(effects), {**effect, "consumer": consumer})
    await upsert_if_newer(
        session,
        projection,
        {
            "counter_id": event.counter_id,
            "value": event.value,
            "sequence": context.envelope.sequence or 0,
        },
    )
    context.uow.outbox.add(CounterAudited(counter_id=event.counter_id, value=event.value))
    if event.value in Faults.fail_late_values:  # its event and a queued row must vanish too
        context.uow.append(effects, {**effect, "consumer": "queued, then failed"})
        raise RuntimeError(f"tally refuses value {event.value} late")
    log.info("counter_projected", counter_id=event.counter_id)


async def project_counters(
    uow: UnitOfWork, items: Sequence[tuple[CounterSet, Envelope]], now: datetime
) -> None:
    """`project_counter`'s batch form: one statement per table for the whole batch."""
    refused = [event.value for event, _ in items if event.value in Faults.fail_values]
    if refused:
        raise RuntimeError(f"tally refuses values {refused}")
    consumer = os.environ.get("KESOS_CONSUMER", "in-process")
    await uow.session.execute(insert(effects), [
        {"event_id": str(envelope.id), "counter_id": event.counter_id, "value": event.value,
         "consumer": consumer}
        for event, envelope in items
    ])  # fmt: skip
    rows = [{"counter_id": event.counter_id, "value": event.value,
             "sequence": envelope.sequence or 0} for event, envelope in items]  # fmt: skip
    await upsert_many(uow.session, projection, rows, newer_by="sequence")
    for event, _ in items:
        uow.outbox.add(CounterAudited(counter_id=event.counter_id, value=event.value))
    Faults.batches.append(len(items))


HANDLERS = [Handler("tally.project_counter", CounterSet, project_counter)]
BATCHED = [Handler("tally.project_counter", CounterSet, project_counter, project_counters)]


# --- what tests read back -----------------------------------------------------------------------


async def effect_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(effects))).scalar_one()
        )


async def duplicate_effects(engine: AsyncEngine) -> list[Any]:
    query = (
        select(effects.c.event_id, func.count())
        .group_by(effects.c.event_id)
        .having(func.count() > 1)
    )
    async with engine.connect() as connection:
        return list((await connection.execute(query)).all())


async def projected(engine: AsyncEngine) -> dict[str, tuple[int, int]]:
    async with engine.connect() as connection:
        rows = (await connection.execute(select(projection))).all()
    return {row.counter_id: (row.value, row.sequence) for row in rows}
