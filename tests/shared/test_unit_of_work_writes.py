"""What a unit of work queued is written in its own transaction, on both stores — on PostgreSQL
by the driver itself (shared/persistence/driver.py), which must behave as the session would:
its rows roll back with the transaction, its errors are SQLAlchemy's, a dead connection is
invalidated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from shared.contracts.envelope import Event
from shared.persistence.driver import compiled
from shared.persistence.engine import session_factory
from shared.persistence.tables import audit, idempotency, outbox
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory

pytestmark = pytest.mark.integration


class Noted(Event):
    type: ClassVar[str] = "kesos.tests.noted.v1"
    subject_field: ClassVar[str] = "note_id"

    note_id: str


NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def answer(key: str) -> dict[str, object]:
    return dict(
        caller="psm-1", key=key, request_hash="h" * 64, status_code=201, response="{}",
        created_at=NOW,
    )  # fmt: skip


def audit_of(record_id: str) -> dict[str, object]:
    return dict(
        at=NOW, actor="psm-1", role="psm", action="case.report", record_type="case",
        record_id=record_id, wilayah="63.05", reason=None, correlation_id=None,
    )  # fmt: skip


async def count(store, table: Table) -> int:
    async with store.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar())


def factory(store) -> UnitOfWorkFactory[UnitOfWork]:
    return UnitOfWorkFactory(
        session_factory(store.engine), namespace="t", service="tests", make=UnitOfWork
    )


async def test_queued_rows_roll_back_with_their_transaction(make_store, store_kind):
    # Nothing else was sent in the transaction first: on PostgreSQL the driver's rows must not
    # run outside it (SQLAlchemy begins it lazily, with its first statement).
    store = await make_store(store_kind, "queued")
    uows = factory(store)
    async with uows() as uow:
        uow.append(idempotency, answer("left"))
        uow.append(audit, audit_of("case-1"))
        await uow.flush()  # written, then left without commit
    assert await count(store, idempotency) == 0 and await count(store, audit) == 0

    async with uows() as uow:
        uow.append(idempotency, answer("kept"))
        uow.append(audit, audit_of("case-1"))
        uow.append(audit, audit_of("case-2"))
        uow.outbox.add(Noted(note_id="n-1"))
        await uow.commit()
    assert uow.events_written == 1
    assert (await count(store, idempotency), await count(store, audit)) == (1, 2)
    assert await count(store, outbox) == 1


async def test_a_repeated_key_is_the_sessions_integrity_error(make_store, store_kind):
    store = await make_store(store_kind, "repeated")
    uows = factory(store)
    async with uows() as uow:
        uow.append(idempotency, answer("once"))
        await uow.commit()
    with pytest.raises(IntegrityError) as raised:
        async with uows() as uow:
            uow.append(audit, audit_of("case-1"))
            uow.append(idempotency, answer("once"))
            await uow.commit()
    if store_kind == "postgresql":
        assert raised.value.orig.sqlstate == "23505"  # type: ignore[union-attr]
    assert "psm-1" not in str(raised.value)  # statements, never their values, in errors
    assert await count(store, audit) == 0  # the whole write rolled back


async def test_a_connection_the_server_dropped_is_invalidated(make_store):
    store = await make_store("postgresql", "dropped")
    uows = factory(store)
    admin = create_async_engine(store.url, isolation_level="AUTOCOMMIT")
    try:
        with pytest.raises(DBAPIError) as raised:
            async with uows() as uow:
                pid = (await uow.session.execute(text("SELECT pg_backend_pid()"))).scalar()
                async with admin.connect() as connection:
                    await connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                uow.append(idempotency, answer("lost"))
                await uow.commit()
        assert raised.value.connection_invalidated  # the chassis answers 503, retryable
        async with uows() as uow:  # the pool does not hand the dead connection out again
            uow.append(idempotency, answer("after"))
            await uow.commit()
        assert await count(store, idempotency) == 1
    finally:
        await admin.dispose()


def test_a_column_the_session_would_fill_in_is_refused():
    table = Table(
        "with_default", MetaData(), Column("id", String, primary_key=True),
        Column("tries", Integer, default=0),
    )  # fmt: skip
    with pytest.raises(ValueError, match="tries"):
        compiled(table, ("id",), asyncpg.dialect())
    assert compiled(table, ("id", "tries"), asyncpg.dialect()).keys == ("id", "tries")
