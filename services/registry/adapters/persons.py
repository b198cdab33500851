"""Persons and their case links in the registry's store, as domain values."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CursorResult,
    Date,
    Select,
    String,
    and_,
    bindparam,
    column,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.tables import case_links, persons
from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.persons import CaseLink, MatchedBy, Person
from services.registry.use_cases.ports import PersonQuery
from shared.persistence.driver import insert_rows
from shared.persistence.keys import one_of
from shared.persistence.scope import inside

SEPARATOR = ","


class PersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, person_id: str) -> Person | None:
        return await self._one(select(persons).where(persons.c.person_id == person_id))

    async def get_many(self, person_ids: Collection[str]) -> dict[str, Person]:
        """Those of the persons that exist, by id, in one query."""
        if not person_ids:
            return {}
        query = select(persons).where(one_of(self._session, persons.c.person_id, person_ids))
        return {
            p.person_id: p for p in map(_person, (await self._session.execute(query)).mappings())
        }

    async def with_nik(self, nik: str) -> Person | None:
        """The person holding the NIK; a record under review does not hold it (yet)."""
        query = select(persons).where(persons.c.nik == nik, persons.c.nik_review.is_(None))
        return await self._one(query)

    async def with_niks(self, niks: Collection[str]) -> dict[str, list[Person]]:
        """`all_with_nik` for many NIKs at once: NIK → its records, for the NIKs on record."""
        if not niks:
            return {}
        rows = await self._session.execute(
            select(persons)
            .where(one_of(self._session, persons.c.nik, niks))
            .order_by(persons.c.registered_at)
        )
        found: dict[str, list[Person]] = {}
        for row in rows:
            person = _person(row._mapping)
            found.setdefault(str(person.nik), []).append(person)
        return found

    async def add_many(self, added: Sequence[Person]) -> None:
        """New persons in one statement; `IntegrityError` when one's NIK was taken meanwhile."""
        await insert_rows(self._session, persons, [_row(person) for person in added])

    async def in_blocks(self, blocks: Collection[tuple[str, str, int | None]]) -> list[Person]:
        """`in_block` for many (desa, sex, birth year) blocks at once."""
        ordered = sorted(blocks, key=lambda block: (block[0], block[1], block[2] or 0))
        if self._session.get_bind().dialect.name == "postgresql":
            return await self._in_joined_blocks(ordered)
        found: list[Person] = []
        for start in range(0, len(ordered), 200):
            terms = [_block(*block) for block in ordered[start : start + 200]]
            statement = select(persons).where(persons.c.merged_into.is_(None), or_(*terms))
            found += [_person(row._mapping) for row in await self._session.execute(statement)]
        return found

    async def _in_joined_blocks(
        self, blocks: Sequence[tuple[str, str, int | None]]
    ) -> list[Person]:
        """The blocks as arrays joined to the persons: a statement of fixed text, whatever the
        number of blocks. An OR of each block's terms was built, compiled and cached by
        SQLAlchemy anew for each count (an import's every batch), and its cached copies were
        most of what the process's collector walked (docs/performance.md)."""
        dated = [(desa, sex, year) for desa, sex, year in blocks if year is not None]
        undated = [block for block in blocks if block[2] is None]
        found: list[Person] = []
        if dated:
            years = [year for _, _, year in dated]
            rows = await self._session.execute(_IN_DATED_BLOCKS, {
                "desa": [b[0] for b in dated], "sex": [b[1] for b in dated],
                "born_from": [date(year, 1, 1) for year in years],
                "born_to": [date(year, 12, 31) for year in years],
            })  # fmt: skip
            found += [_person(row._mapping) for row in rows]
        if undated:
            rows = await self._session.execute(_IN_UNDATED_BLOCKS, {
                "desa": [b[0] for b in undated], "sex": [b[1] for b in undated],
            })  # fmt: skip
            found += [_person(row._mapping) for row in rows]
        return found

    async def all_with_nik(self, nik: str) -> list[Person]:
        rows = await self._session.execute(
            select(persons).where(persons.c.nik == nik).order_by(persons.c.registered_at)
        )
        return [_person(row._mapping) for row in rows]

    async def add(self, person: Person) -> bool:
        # A savepoint, so losing the NIK race leaves the transaction usable for linking to the
        # winner (PostgreSQL aborts the whole transaction otherwise).
        try:
            async with self._session.begin_nested():
                await self._session.execute(insert(persons), _row(person))
        except IntegrityError:
            return False
        return True

    async def save(self, person: Person, *, expected_version: int) -> None:
        statement = (
            update(persons)
            .where(persons.c.person_id == person.person_id)
            .where(persons.c.version == expected_version)
            .values(**_row(person))
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        if result.rowcount != 1:
            raise ConcurrentUpdate()

    async def page(self, query: PersonQuery, *, after: str | None, limit: int) -> list[Person]:
        # Whole segments: `63.05.01` covers `63.05.01.2003`, never `63.05.010…`.
        statement = select(persons).where(inside(persons.c.desa, query.scope))
        if query.category is not None:
            listed = literal(SEPARATOR).concat(persons.c.categories).concat(SEPARATOR)
            statement = statement.where(listed.like(f"%{SEPARATOR}{query.category}{SEPARATOR}%"))
        if after is not None:
            statement = statement.where(persons.c.person_id > after)
        rows = await self._session.execute(statement.order_by(persons.c.person_id).limit(limit))
        return [_person(row._mapping) for row in rows]

    async def in_block(self, desa: str, sex: str, born: date | None) -> list[Person]:
        """Who a new record could duplicate: the same desa, sex and birth year (or also none),
        records merged away left out."""
        return await self.in_blocks([(desa, sex, born.year if born else None)])

    async def desa_inside(self, scope: str) -> list[str]:
        """The desa inside `scope` where someone (not merged away) lives."""
        statement = (
            select(persons.c.desa)
            .where(inside(persons.c.desa, scope), persons.c.merged_into.is_(None))
            .distinct()
            .order_by(persons.c.desa)
        )
        return list((await self._session.scalars(statement)).all())

    async def in_desa(self, desa: str) -> list[Person]:
        """Who lives in the desa, records merged away left out."""
        statement = select(persons).where(persons.c.desa == desa, persons.c.merged_into.is_(None))
        return [_person(row._mapping) for row in await self._session.execute(statement)]

    async def link_of(self, case_id: str) -> CaseLink | None:
        found = await self._session.execute(
            select(case_links).where(case_links.c.case_id == case_id)
        )
        row = found.first()
        return None if row is None else _link(row._mapping)

    async def link(self, link: CaseLink) -> None:
        values = {**_fields(link, case_links), "matched_by": str(link.matched_by)}
        await self._session.execute(insert(case_links), values)

    async def relink_cases(self, from_person: str, to_person: str) -> None:
        await self._session.execute(
            update(case_links)
            .where(case_links.c.person_id == from_person)
            .values(person_id=to_person)
        )

    async def cases_of(self, person_ids: list[str]) -> dict[str, list[str]]:
        if not person_ids:
            return {}
        rows = await self._session.execute(
            select(case_links.c.person_id, case_links.c.case_id)
            .where(case_links.c.person_id.in_(person_ids))
            .order_by(case_links.c.linked_at, case_links.c.case_id)
        )
        linked: dict[str, list[str]] = {}
        for person_id, case_id in rows:
            linked.setdefault(person_id, []).append(case_id)
        return linked

    async def _one(self, statement: Select[Any]) -> Person | None:
        row = (await self._session.execute(statement)).first()
        return None if row is None else _person(row._mapping)


def _block(desa: str, sex: str, year: int | None) -> ColumnElement[bool]:
    born = (
        persons.c.birth_date.is_(None)
        if year is None
        else persons.c.birth_date.between(date(year, 1, 1), date(year, 12, 31))
    )
    return and_(persons.c.desa == desa, persons.c.sex == sex, born)


def _in_blocks_joined(*, dated: bool) -> Select[Any]:
    """Persons (not merged away) of the blocks given as one array per column: desa, sex and,
    when `dated`, the birth year's first and last day (else the birth date unknown)."""
    named = ["desa", "sex", *(["born_from", "born_to"] if dated else [])]
    types: dict[str, Any] = {"desa": String, "sex": String, "born_from": Date, "born_to": Date}
    arrays = [bindparam(name, type_=ARRAY(types[name])) for name in named]
    columns = [column(name, types[name]) for name in named]
    block = func.unnest(*arrays).table_valued(*columns).render_derived(name="block")
    born = (
        persons.c.birth_date.between(block.c.born_from, block.c.born_to)
        if dated
        else persons.c.birth_date.is_(None)
    )
    joined = and_(persons.c.desa == block.c.desa, persons.c.sex == block.c.sex, born)
    return select(persons).join(block, joined).where(persons.c.merged_into.is_(None))


_IN_DATED_BLOCKS = _in_blocks_joined(dated=True)
_IN_UNDATED_BLOCKS = _in_blocks_joined(dated=False)


def _fields(value: object, table: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in _names(table)}


@cache
def _names(table: Any) -> tuple[str, ...]:
    """The table's column names (iterating its columns costs an import a few µs per row)."""
    return tuple(column.name for column in table.columns)


def _row(person: Person) -> dict[str, Any]:
    return {**_fields(person, persons), "categories": SEPARATOR.join(person.categories)}


def _person(row: Any) -> Person:
    values = dict(row)
    return Person(
        **{
            **values,
            "categories": tuple(code for code in values["categories"].split(SEPARATOR) if code),
            "registered_at": values["registered_at"],
            "updated_at": values["updated_at"],
        }
    )


def _link(row: Any) -> CaseLink:
    values = dict(row)
    return CaseLink(
        case_id=values["case_id"],
        person_id=values["person_id"],
        matched_by=MatchedBy(values["matched_by"]),
        linked_at=values["linked_at"],
    )
