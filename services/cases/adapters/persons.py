"""Cases' projection of registry's persons: which person ids exist, and where they live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.tables import person_merges, persons
from shared.persistence.projection import Projection, upsert


@dataclass(frozen=True, slots=True)
class KnownPerson:
    person_id: str
    desa: str  # where the person lives: a report naming them must be inside the caller's wilayah
    kecamatan: str


class PersonProjection(Projection[KnownPerson]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, persons, KnownPerson)
        self._session = session

    async def merged(self, person_id: str, into: str, now: datetime) -> None:
        values = {"person_id": person_id, "merged_into": into, "merged_at": now}
        await upsert(self._session, person_merges, values)

    async def standing_for(self, person_id: str) -> str:
        """The person a record stands for: itself, or whom the registry merged it into (a chain
        of merges followed to its end)."""
        seen = {person_id}
        while True:
            into = await self._session.scalar(
                select(person_merges.c.merged_into).where(person_merges.c.person_id == person_id)
            )
            if into is None or into in seen:
                return person_id
            seen.add(into)
            person_id = into
