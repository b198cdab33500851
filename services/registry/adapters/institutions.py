"""Receiving institutions in the registry's store, as domain values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.tables import institutions
from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.institutions import Institution, InstitutionKind
from shared.persistence.scope import overlapping


class InstitutionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, institution_id: str) -> Institution | None:
        query = select(institutions).where(institutions.c.institution_id == institution_id)
        row = (await self._session.execute(query)).first()
        return None if row is None else _institution(row)

    async def add(self, institution: Institution) -> None:
        await self._session.execute(insert(institutions).values(**_row(institution)))

    async def save(self, institution: Institution, *, over: Institution) -> None:
        result = await self._session.execute(
            update(institutions)
            .where(institutions.c.institution_id == institution.institution_id)
            .where(institutions.c.version == over.version)
            .values(**_row(institution))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentUpdate()

    async def reaching(
        self, scope: str, kind: InstitutionKind | None, after: str | None, limit: int
    ) -> list[Institution]:
        """Those serving inside `scope` or an area holding it (the province's panti serves every
        kabupaten)."""
        query = select(institutions).where(overlapping(institutions.c.wilayah, scope))
        if kind is not None:
            query = query.where(institutions.c.kind == kind.value)
        if after is not None:
            query = query.where(institutions.c.institution_id > after)
        query = query.order_by(institutions.c.institution_id).limit(limit)
        return [_institution(row) for row in await self._session.execute(query)]


def _row(institution: Institution) -> dict[str, Any]:
    return {
        "institution_id": institution.institution_id, "kind": institution.kind.value,
        "name": institution.name, "wilayah": institution.wilayah,
        "address": institution.address, "phone": institution.phone,
        "active": institution.active, "version": institution.version,
        "created_at": institution.created_at, "updated_at": institution.updated_at,
    }  # fmt: skip


def _institution(row: Any) -> Institution:
    values = dict(row._mapping)
    values["kind"] = InstitutionKind(values["kind"])
    return Institution(**values)
