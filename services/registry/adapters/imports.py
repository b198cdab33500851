"""Import jobs, their bad rows and the import keys of persons without a NIK, in the store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.tables import (
    import_chunks,
    import_duplicates,
    import_errors,
    import_keys,
    imports,
)
from services.registry.domain.import_rows import RowError
from services.registry.domain.imports import Duplicate, ImportJob, ImportStatus
from shared.persistence.driver import insert_rows
from shared.persistence.keys import one_of
from shared.persistence.projection import upsert

UNFINISHED = (ImportStatus.QUEUED.value, ImportStatus.RUNNING.value)


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: ImportJob) -> None:
        await self._session.execute(insert(imports), _row(job))

    async def keyed(self, submitted_by: str, key: str) -> ImportJob | None:
        """The job a submitter sent under this Idempotency-Key before."""
        found = await self._session.execute(
            select(imports).where(
                imports.c.submitted_by == submitted_by, imports.c.idempotency_key == key
            )
        )
        row = found.mappings().first()
        return None if row is None else _job(row)

    async def get(self, import_id: str) -> ImportJob | None:
        found = await self._session.execute(select(imports).where(imports.c.import_id == import_id))
        row = found.mappings().first()
        return None if row is None else _job(row)

    async def save(self, job: ImportJob) -> None:
        values = _row(job)
        await self._session.execute(
            update(imports).where(imports.c.import_id == job.import_id).values(**values)
        )

    async def claim(self, owner: str, now: datetime, until: datetime) -> ImportJob | None:
        """The oldest unfinished job nobody holds a lease on, now leased to `owner`."""
        free = or_(imports.c.lease_until.is_(None), imports.c.lease_until < now)
        found = await self._session.execute(
            select(imports.c.import_id)
            .where(imports.c.status.in_(UNFINISHED), free)
            .order_by(imports.c.submitted_at)
            .limit(1)
        )
        import_id = found.scalar_one_or_none()
        if import_id is None:
            return None
        taken = cast(
            CursorResult[Any],
            await self._session.execute(
                update(imports)
                .where(imports.c.import_id == import_id, free)
                .values(
                    lease_owner=owner,
                    lease_until=until,
                    status=ImportStatus.RUNNING.value,
                    updated_at=now,
                )
            ),
        )
        return await self.get(import_id) if taken.rowcount == 1 else None

    async def add_chunk(self, import_id: str, seq: int, data: bytes) -> None:
        await self._session.execute(
            insert(import_chunks), {"import_id": import_id, "seq": seq, "data": data}
        )

    async def chunks(self, import_id: str) -> AsyncIterator[bytes]:
        """The file's chunks in order, one query each (a chunk is a megabyte)."""
        seq = 0
        while True:
            found = await self._session.execute(
                select(import_chunks.c.data).where(
                    import_chunks.c.import_id == import_id, import_chunks.c.seq == seq
                )
            )
            data = found.scalar_one_or_none()
            if data is None:
                return
            yield bytes(data)
            seq += 1

    async def drop_chunks(self, import_id: str) -> None:
        await self._session.execute(
            delete(import_chunks).where(import_chunks.c.import_id == import_id)
        )

    async def add_duplicates(self, import_id: str, found: list[Duplicate]) -> None:
        if found:
            await self._session.execute(
                insert(import_duplicates),
                [{"import_id": import_id, **asdict(duplicate)} for duplicate in found],
            )

    async def duplicates_of(self, import_id: str) -> list[Duplicate]:
        found = await self._session.execute(
            select(
                import_duplicates.c.line, import_duplicates.c.person_id,
                import_duplicates.c.other_id, import_duplicates.c.score,
            )
            .where(import_duplicates.c.import_id == import_id)
            .order_by(import_duplicates.c.line, import_duplicates.c.other_id)
        )  # fmt: skip
        return [Duplicate(*row) for row in found]

    async def add_errors(self, import_id: str, errors: list[RowError]) -> None:
        if errors:
            await self._session.execute(
                insert(import_errors),
                [
                    {
                        "import_id": import_id,
                        "line": e.line,
                        "rule": e.rule,
                        "column_name": e.column,
                    }
                    for e in errors
                ],
            )

    async def errors_of(self, import_id: str) -> list[RowError]:
        found = await self._session.execute(
            select(import_errors.c.line, import_errors.c.rule, import_errors.c.column_name)
            .where(import_errors.c.import_id == import_id)
            .order_by(import_errors.c.line)
        )
        return [RowError(line, rule, column) for line, rule, column in found]

    async def person_for(self, row_key: str) -> str | None:
        found = await self._session.execute(
            select(import_keys.c.person_id).where(import_keys.c.row_key == row_key)
        )
        return found.scalar_one_or_none()

    async def persons_for(self, row_keys: Collection[str]) -> dict[str, str]:
        """`person_for` for many keys at once: key → person id, for the keys known."""
        if not row_keys:
            return {}
        found = await self._session.execute(
            select(import_keys.c.row_key, import_keys.c.person_id).where(
                one_of(self._session, import_keys.c.row_key, row_keys)
            )
        )
        return {key: person_id for key, person_id in found}

    async def remember(self, row_key: str, person_id: str) -> None:
        await upsert(self._session, import_keys, {"row_key": row_key, "person_id": person_id})

    async def remember_many(self, keys: Mapping[str, str]) -> None:
        """New keys only (the caller found none of them known)."""
        if keys:
            rows = [{"row_key": key, "person_id": person_id} for key, person_id in keys.items()]
            await insert_rows(self._session, import_keys, rows)


def _row(job: ImportJob) -> dict[str, Any]:
    return {**asdict(job), "status": job.status.value}


def _job(row: Any) -> ImportJob:
    return ImportJob(**{**row, "status": ImportStatus(row["status"])})
