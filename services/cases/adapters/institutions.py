"""Cases' projection of registry's receiving institutions: which one a referral may name."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.tables import institutions
from shared.persistence.projection import upsert_if_newer


@dataclass(frozen=True, slots=True)
class KnownInstitution:
    institution_id: str
    kind: str
    name: str
    wilayah: str  # the area it serves
    active: bool


class InstitutionProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, institution: KnownInstitution, sequence: int) -> bool:
        """The institution's state at `sequence`; nothing when a newer one is held."""
        values = {**asdict(institution), "sequence": sequence}
        return await upsert_if_newer(self._session, institutions, values)

    async def get(self, institution_id: str) -> KnownInstitution | None:
        query = select(institutions).where(institutions.c.institution_id == institution_id)
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values.pop("sequence")
        return KnownInstitution(**values)
