"""Families and their memberships in the registry's store, as domain values."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Select, and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.tables import families, family_members
from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.families import Family, Member, Relationship
from shared.persistence.driver import insert_rows
from shared.persistence.keys import one_of
from shared.persistence.scope import inside

CURRENT = family_members.c.left_at.is_(None)


class FamilyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, family_id: str) -> Family | None:
        return await self._one(select(families).where(families.c.family_id == family_id))

    async def with_kk(self, no_kk: str) -> Family | None:
        return await self._one(select(families).where(families.c.no_kk == no_kk))

    async def of_person(self, person_id: str) -> Family | None:
        """The family a person currently belongs to."""
        current = select(family_members.c.family_id).where(
            family_members.c.person_id == person_id, CURRENT
        )
        return await self._one(select(families).where(families.c.family_id.in_(current)))

    async def with_kks(self, kks: Collection[str]) -> dict[str, Family]:
        """`with_kk` for many numbers at once: No. KK → its family, for those registered."""
        if not kks:
            return {}
        rows = (await self._session.execute(
            select(families).where(one_of(self._session, families.c.no_kk, kks))
        )).all()  # fmt: skip
        members = await self._session.execute(
            select(family_members).where(
                one_of(self._session, family_members.c.family_id, [r.family_id for r in rows]),
                CURRENT,
            )
        )
        listed: dict[str, list[Member]] = {}
        for member in members:
            listed.setdefault(member.family_id, []).append(
                Member(member.person_id, Relationship(member.relationship), member.joined_at)
            )
        return {
            row.no_kk: Family(
                **{**row._mapping},
                members=tuple(sorted(listed.get(row.family_id, []), key=Member.kk_order)),
            )
            for row in rows
        }

    async def in_a_family(self, person_ids: Collection[str]) -> set[str]:
        """Those of the persons who belong to a family now."""
        if not person_ids:
            return set()
        query = select(family_members.c.person_id).where(
            one_of(self._session, family_members.c.person_id, person_ids), CURRENT
        )
        return set((await self._session.scalars(query)).all())

    async def add_many(self, added: Sequence[Family]) -> None:
        """New families and their members, a statement per table; `IntegrityError` when a
        uniqueness rule was won meanwhile."""
        if not added:
            return
        await insert_rows(self._session, families, [_row(family) for family in added])
        memberships = [_membership(f, member) for f in added for member in f.members]
        await insert_rows(self._session, family_members, memberships)

    async def page(self, scope: str, *, after: str | None, limit: int) -> list[Family]:
        """Families whose desa lies inside `scope`, by id, after the id `after`."""
        statement = select(families).where(inside(families.c.desa, scope))
        if after is not None:
            statement = statement.where(families.c.family_id > after)
        rows = await self._session.execute(statement.order_by(families.c.family_id).limit(limit))
        return [await self._with_members(row) for row in rows]

    async def add(self, family: Family) -> bool:
        """Insert the family and its members; False when a uniqueness rule (the No. KK, a
        member's one current family) was won by a concurrent request (a savepoint keeps the
        transaction usable)."""
        try:
            async with self._session.begin_nested():
                await self._session.execute(insert(families), _row(family))
                if family.members:
                    await self._session.execute(
                        insert(family_members),
                        [_membership(family, member) for member in family.members],
                    )
        except IntegrityError:
            return False
        return True

    async def save(
        self,
        family: Family,
        *,
        expected_version: int,
        joined: Sequence[Member] = (),
        left: Sequence[str] = (),
    ) -> bool:
        """The family's new version with members joined and left (their rows end, and stay);
        False when a joining member's current-family or the head rule was taken concurrently.
        `ConcurrentUpdate` when the family changed since it was read."""
        try:
            async with self._session.begin_nested():
                await self._bump(family, expected_version)
                for person_id in left:
                    await self._session.execute(
                        update(family_members)
                        .where(family_members.c.family_id == family.family_id)
                        .where(family_members.c.person_id == person_id, CURRENT)
                        .values(left_at=family.updated_at)
                    )
                for member in joined:
                    await self._session.execute(insert(family_members), _membership(family, member))
        except IntegrityError:
            return False
        return True

    async def _bump(self, family: Family, expected_version: int) -> None:
        statement = (
            update(families)
            .where(families.c.family_id == family.family_id)
            .where(families.c.version == expected_version)
            .values(version=family.version, updated_at=family.updated_at)
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        if result.rowcount != 1:
            raise ConcurrentUpdate()

    async def _one(self, statement: Select[Any]) -> Family | None:
        row = (await self._session.execute(statement)).first()
        return None if row is None else await self._with_members(row)

    async def _with_members(self, row: Any) -> Family:
        members = await self._session.execute(
            select(
                family_members.c.person_id,
                family_members.c.relationship,
                family_members.c.joined_at,
            ).where(and_(family_members.c.family_id == row.family_id, CURRENT))
        )
        listed = [Member(pid, Relationship(rel), at) for pid, rel, at in members]
        return Family(**{**row._mapping}, members=tuple(sorted(listed, key=Member.kk_order)))


def _row(family: Family) -> dict[str, Any]:
    return {column.name: getattr(family, column.name) for column in families.columns}


def _membership(family: Family, member: Member) -> dict[str, Any]:
    return {
        "family_id": family.family_id,
        "person_id": member.person_id,
        "relationship": str(member.relationship),
        "joined_at": member.joined_at,
        "left_at": None,
    }
