"""Cases' projection of registry's families: each household's size, and each person's household."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.tables import household_members, households
from shared.persistence.keys import one_of
from shared.persistence.projection import upsert, upsert_if_newer, upsert_many


class HouseholdProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(
        self, family_id: str, members: Sequence[tuple[str, datetime]], sequence: int
    ) -> bool:
        """A family's state at `sequence`; nothing when a newer one is held. A person is kept
        in the family they joined last: a late event of a family they left cannot take them
        back, nor drop them from the one they moved to."""
        values = {"family_id": family_id, "size": len(members), "sequence": sequence}
        if not await upsert_if_newer(self._session, households, values):
            return False
        current = [person_id for person_id, _ in members]
        await self._session.execute(
            delete(household_members)
            .where(household_members.c.family_id == family_id)
            .where(household_members.c.person_id.not_in(current))
        )
        for person_id, joined_at in members:
            row = {"person_id": person_id, "family_id": family_id, "joined_at": joined_at}
            await upsert(self._session, household_members, row, newer_by="joined_at")
        return True

    async def apply_many(
        self, families: Sequence[tuple[str, Sequence[tuple[str, datetime]], int]]
    ) -> int:
        """`apply` for a batch of families' states (id, members, sequence) in a few set-based
        statements, with the same outcome; how many families changed."""
        rows = [{"family_id": family_id, "size": len(members), "sequence": sequence}
                for family_id, members, sequence in families]  # fmt: skip
        changed = set(await upsert_many(self._session, households, rows, newer_by="sequence"))
        if not changed:
            return 0
        newest: dict[str, tuple[Sequence[tuple[str, datetime]], int]] = {}
        for family_id, members, sequence in families:
            if family_id in changed and sequence >= newest.get(family_id, ((), -1))[1]:
                newest[family_id] = (members, sequence)
        current = {(family_id, person_id) for family_id, (members, _) in newest.items()
                   for person_id, _ in members}  # fmt: skip
        in_changed = one_of(self._session, household_members.c.family_id, changed)
        held = await self._session.execute(
            select(household_members.c.family_id, household_members.c.person_id).where(in_changed)
        )
        # Compared here, not in SQL: a NOT IN of the batch's pairs is a filter per row there.
        gone = sorted(person for family, person in held if (family, person) not in current)
        if gone:
            await self._session.execute(
                delete(household_members).where(
                    one_of(self._session, household_members.c.person_id, gone), in_changed
                )
            )
        joined = [{"person_id": person_id, "family_id": family_id, "joined_at": joined_at}
                  for family_id, (members, _) in newest.items()
                  for person_id, joined_at in members]  # fmt: skip
        await upsert_many(self._session, household_members, joined, newer_by="joined_at")
        return len(changed)

    async def sizes_of(self, person_ids: Collection[str]) -> dict[str, int]:
        """person id → the size of their household, for those in one (one query per page)."""
        wanted = sorted({person_id for person_id in person_ids if person_id})
        if not wanted:
            return {}
        query = (
            select(household_members.c.person_id, households.c.size)
            .join(households, households.c.family_id == household_members.c.family_id)
            .where(household_members.c.person_id.in_(wanted))
        )
        return {person_id: size for person_id, size in await self._session.execute(query)}
