"""Each open case's next deadline, and what was announced of it (`cases_deadlines`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, RowMapping, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from services.cases.adapters.cases import FINAL_STATES
from services.cases.adapters.tables import cases, deadlines
from services.cases.domain.actors import ActorRole
from services.cases.domain.deadlines import Awaiting, Deadline, Notice
from services.cases.domain.states import Action


@dataclass(frozen=True, slots=True)
class Held:
    deadline: Deadline
    announced: Notice


class DeadlineBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # What this unit of work kept: a write's answer shows the deadline it just set, unread.
        self._kept: dict[str, Deadline | None] = {}

    async def held(self, case_id: str) -> Deadline | None:
        row = (await self._session.execute(select(deadlines).where(
            deadlines.c.case_id == case_id
        ))).mappings().first()  # fmt: skip
        return None if row is None else _held(row).deadline

    async def of_cases(self, case_ids: Collection[str]) -> dict[str, Deadline]:
        """case id → its deadline, for those open (one query per page, none for those this unit
        of work kept)."""
        known = {i: d for i in case_ids if i in self._kept and (d := self._kept[i]) is not None}
        wanted = sorted({case_id for case_id in case_ids if case_id not in self._kept})
        if not wanted:
            return known
        query = select(deadlines).where(deadlines.c.case_id.in_(wanted))
        rows = (await self._session.execute(query)).mappings()
        return known | {row["case_id"]: _held(row).deadline for row in rows}

    async def keep(self, case_id: str, deadline: Deadline | None, held: Deadline | None) -> None:
        """The case's deadline from now on: a new one starts with nothing announced."""
        self._kept[case_id] = deadline
        if deadline is None:
            await self._session.execute(delete(deadlines).where(deadlines.c.case_id == case_id))
        elif deadline != held:
            dialect = self._session.get_bind().dialect.name
            await self._session.execute(SETTING[dialect], _row(deadline))

    async def falling_due(self, now: datetime, limit: int) -> list[Held]:
        """Deadlines with a notice due at `now`, the earliest first."""
        query = (
            select(deadlines).where(deadlines.c.next_at <= now)
            .order_by(deadlines.c.next_at, deadlines.c.case_id).limit(limit)
        )  # fmt: skip
        return [_held(row) for row in (await self._session.execute(query)).mappings()]

    async def announce(self, held: Held, notice: Notice) -> bool:
        """Record `notice` as announced — only if the deadline is still the one read and nothing
        more was announced meanwhile (another replica, a step): whether this call did it."""
        deadline = held.deadline
        statement = (
            update(deadlines)
            .where(deadlines.c.case_id == deadline.case_id,
                   deadlines.c.set_by == deadline.set_by,
                   deadlines.c.announced == held.announced.value)
            .values(announced=notice.value, next_at=deadline.next_moment(notice))
        )  # fmt: skip
        result = cast(CursorResult[Any], await self._session.execute(statement))
        return result.rowcount == 1

    async def open_without_one(self, limit: int) -> list[str]:
        """Open cases with no deadline recorded (open before deadlines were kept)."""
        query = (
            select(cases.c.case_id)
            .outerjoin(deadlines, deadlines.c.case_id == cases.c.case_id)
            .where(deadlines.c.case_id.is_(None), cases.c.status.not_in(FINAL_STATES))
            .order_by(cases.c.case_id).limit(limit)
        )  # fmt: skip
        return list((await self._session.execute(query)).scalars())


def _row(deadline: Deadline) -> dict[str, Any]:
    return {
        "case_id": deadline.case_id, "set_by": deadline.set_by, "step": deadline.step.value,
        "awaiting_role": deadline.awaiting.role.value, "awaiting_id": deadline.awaiting.worker_id,
        "desa": deadline.desa, "kecamatan": deadline.kecamatan,
        "started_at": deadline.started_at, "due_day": deadline.due_day,
        "due_soon_at": deadline.due_soon_at, "due_at": deadline.due_at,
        "escalate_at": deadline.escalate_at, "holidays_known": deadline.holidays_known,
        "announced": Notice.NONE.value, "next_at": deadline.next_moment(Notice.NONE),
    }  # fmt: skip


def _held(row: RowMapping) -> Held:
    deadline = Deadline(
        case_id=row["case_id"], set_by=row["set_by"], step=Action(row["step"]),
        awaiting=Awaiting(ActorRole(row["awaiting_role"]), row["awaiting_id"]),
        desa=row["desa"], kecamatan=row["kecamatan"], started_at=row["started_at"],
        due_day=row["due_day"], due_soon_at=row["due_soon_at"], due_at=row["due_at"],
        escalate_at=row["escalate_at"], holidays_known=row["holidays_known"],
    )  # fmt: skip
    return Held(deadline, Notice(row["announced"]))


def _setting(dialect: Any) -> Insert:
    """Insert the case's deadline, or replace the one held (built once per dialect)."""
    statement = dialect.insert(deadlines)
    columns = {c.name: statement.excluded[c.name] for c in deadlines.c if c.name != "case_id"}
    return cast(Insert, statement.on_conflict_do_update(index_elements=["case_id"], set_=columns))


SETTING = {"postgresql": _setting(postgresql), "sqlite": _setting(sqlite)}
