"""Cases' copy of the sex and birth date of persons with a case (registry's restricted profiles
stream), and the case facts the rekap by sex and age band reads."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.tables import cases, profiles
from services.cases.domain.demographics import CaseProfile
from shared.persistence.projection import upsert_if_newer
from shared.persistence.scope import inside


class ProfileProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, person_id: str, sex: str, birth_date: date | None, sequence: int) -> bool:
        values = {"person_id": person_id, "sex": sex, "birth_date": birth_date}
        return await upsert_if_newer(self._session, profiles, {**values, "sequence": sequence})

    async def of_cases(
        self, scope: str, reported_from: datetime | None, reported_before: datetime | None
    ) -> list[CaseProfile]:
        """The cases of a wilayah reported in the period, with their person's profile: the
        registry's, else (not linked yet) the person as the report typed them in."""
        query = (
            select(cases.c.kecamatan, cases.c.categories, cases.c.status, cases.c.person,
                   profiles.c.sex, profiles.c.birth_date)
            .outerjoin(profiles, profiles.c.person_id == cases.c.person_id)
            .where(inside(cases.c.desa, scope))
        )  # fmt: skip
        if reported_from is not None:
            query = query.where(cases.c.reported_at >= reported_from)
        if reported_before is not None:
            query = query.where(cases.c.reported_at < reported_before)
        found = []
        for kecamatan, categories, status, typed, sex, born in await self._session.execute(query):
            if sex is None and typed:
                sex, born = typed.get("sex"), _day(typed.get("birth_date"))
            found.append(CaseProfile(kecamatan, tuple(categories), status, sex, born))
        return found


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
