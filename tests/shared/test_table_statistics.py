"""Tables grown in bulk are analysed as they grow (shared/persistence/statistics.py): a unit of
work that carried a table past 5,000, 10,000, 20,000 … rows leaves it with planner statistics,
so a lookup of many keys is planned on the table as it is, not as a guess."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.engine import session_factory
from shared.persistence.statistics import Growth, analyse
from shared.persistence.tables import audit
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_table_is_due_at_5000_rows_then_at_every_doubling():
    growth = Growth()
    assert growth.due({"t": 4_999}) == []
    assert growth.due({"t": 1, "u": 500}) == ["t"]
    assert growth.due({"t": 4_999}) == []  # 9,999
    assert growth.due({"t": 10_001, "u": 4_500}) == ["t", "u"]  # 20,000 passed at once: one
    assert growth.due({"t": 19_999}) == []  # 39,999
    assert growth.due({"t": 1}) == ["t"]


def audit_rows(first: int, count: int) -> list[dict[str, object]]:
    return [
        dict(at=NOW, actor="admin", role="admin_dinas", action="person.register",
             record_type="person", record_id=f"p-{n}", wilayah="63.05", reason=None,
             correlation_id=None)
        for n in range(first, first + count)
    ]  # fmt: skip


async def estimated_rows(store) -> float:
    async with store.engine.connect() as connection:
        found = await connection.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'kesos_audit'")
        )
        return float(found.scalar_one())


async def append(uows: UnitOfWorkFactory[UnitOfWork], rows: list[dict[str, object]]) -> None:
    async with uows() as uow:
        for row in rows:
            uow.append(audit, row)
        await uow.commit()


@pytest.mark.integration
async def test_a_table_grown_past_the_threshold_is_analysed_after_the_commit(make_store):
    store = await make_store("postgresql", "statistics")
    uows = UnitOfWorkFactory(
        session_factory(store.engine), namespace="t", service="tests", make=UnitOfWork
    )
    await append(uows, audit_rows(0, 4_000))
    assert await estimated_rows(store) < 0  # never analysed: the planner would guess

    async with uows() as uow:  # rows written and rolled back
        uow.append(audit, audit_rows(4_000, 1)[0])
        await uow.flush()
    assert await estimated_rows(store) < 0

    await append(uows, audit_rows(4_000, 1_500))
    await uows.statistics_settled()  # analysed in a task of its own, after the commit
    assert await estimated_rows(store) == 5_500


@pytest.mark.integration
async def test_a_failed_analysis_is_logged_and_the_committed_work_stands(make_store):
    store = await make_store("postgresql", "statistics")
    async with AsyncSession(store.engine) as session:
        with structlog.testing.capture_logs() as logs:
            await analyse(session, ["kesos_no_such_table"])  # raises nothing
        assert [line["event"] for line in logs] == ["statistics_not_refreshed"]
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1  # still usable
