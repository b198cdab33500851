"""Cases' projection of registry's persons: which person ids exist, and where they live."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.tables import persons
from shared.persistence.projection import upsert_if_newer


@dataclass(frozen=True, slots=True)
class KnownPerson:
    person_id: str
    desa: str  # where the person lives: a report naming them must be inside the caller's wilayah
    kecamatan: str


class PersonProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, person: KnownPerson, sequence: int) -> bool:
        """Record where the person lives unless a newer state (higher registry version) is held."""
        return await upsert_if_newer(
            self._session, persons, {**asdict(person), "sequence": sequence}
        )

    async def get(self, person_id: str) -> KnownPerson | None:
        query = select(persons.c.person_id, persons.c.desa, persons.c.kecamatan).where(
            persons.c.person_id == person_id
        )
        row = (await self._session.execute(query)).first()
        return None if row is None else KnownPerson(*row)
