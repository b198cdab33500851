"""Enrolments and attendance in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.tables import attendance, enrolments
from services.training.domain.enrolments import Attendance, Enrolment, EnrolmentStatus
from shared.persistence.dialects import insert_into


class EnrolmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, enrolment: Enrolment) -> None:
        await self._session.execute(insert(enrolments), _row(enrolment))

    async def get(self, enrolment_id: str) -> Enrolment | None:
        query = select(enrolments).where(enrolments.c.enrolment_id == enrolment_id)
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else _enrolment(row)

    async def seat_of(self, batch_id: str, worker_id: str) -> Enrolment | None:
        """The worker's live enrolment in the batch (not withdrawn), if any."""
        query = select(enrolments).where(
            enrolments.c.batch_id == batch_id,
            enrolments.c.worker_id == worker_id,
            enrolments.c.status != str(EnrolmentStatus.WITHDRAWN),
        )
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else _enrolment(row)

    async def of_batch(self, batch_id: str) -> list[Enrolment]:
        query = (
            select(enrolments)
            .where(enrolments.c.batch_id == batch_id)
            .order_by(enrolments.c.enrolled_at, enrolments.c.enrolment_id)
        )
        return [_enrolment(row) for row in (await self._session.execute(query)).mappings()]

    async def save(self, enrolment: Enrolment) -> None:
        await self._session.execute(
            update(enrolments)
            .where(enrolments.c.enrolment_id == enrolment.enrolment_id)
            .values(
                status=str(enrolment.status),
                version=enrolment.version,
                closed_at=enrolment.closed_at,
                reason=enrolment.reason,
            )
        )


class AttendanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, mark: Attendance) -> None:
        """Insert or replace the mark of one participant at one session."""
        statement = insert_into(self._session, attendance).values(
            session_id=mark.session_id,
            worker_id=mark.worker_id,
            batch_id=mark.batch_id,
            present=mark.present,
            recorded_at=mark.recorded_at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[attendance.c.session_id, attendance.c.worker_id],
            set_={
                "present": statement.excluded.present,
                "recorded_at": statement.excluded.recorded_at,
            },
        )
        await self._session.execute(statement)

    async def of_batch(self, batch_id: str) -> list[Attendance]:
        query = select(attendance).where(attendance.c.batch_id == batch_id)
        return [
            Attendance(
                row["batch_id"],
                row["session_id"],
                row["worker_id"],
                row["present"],
                _utc(row["recorded_at"]),
            )
            for row in (await self._session.execute(query)).mappings()
        ]


def _row(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "enrolment_id": enrolment.enrolment_id,
        "batch_id": enrolment.batch_id,
        "worker_id": enrolment.worker_id,
        "status": str(enrolment.status),
        "version": enrolment.version,
        "enrolled_at": enrolment.enrolled_at,
        "closed_at": enrolment.closed_at,
        "reason": enrolment.reason,
    }


def _enrolment(row: Any) -> Enrolment:
    return Enrolment(
        enrolment_id=row["enrolment_id"],
        batch_id=row["batch_id"],
        worker_id=row["worker_id"],
        enrolled_at=_utc(row["enrolled_at"]),
        status=EnrolmentStatus(row["status"]),
        version=row["version"],
        closed_at=row["closed_at"] and _utc(row["closed_at"]),
        reason=row["reason"],
    )


def _utc(value: datetime) -> datetime:
    """SQLite hands back the naive UTC time it stored; PostgreSQL an aware one."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
