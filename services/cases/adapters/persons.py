"""Cases' projection of registry's persons: which person ids exist, and where they live."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.tables import persons
from shared.persistence.projection import Projection


@dataclass(frozen=True, slots=True)
class KnownPerson:
    person_id: str
    desa: str  # where the person lives: a report naming them must be inside the caller's wilayah
    kecamatan: str


class PersonProjection(Projection[KnownPerson]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, persons, KnownPerson)
