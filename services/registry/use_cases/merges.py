"""Merging two records the Dinas found to be one person (a review's decision, `review_decisions`).

One person id is kept. The other record stays, as a pointer to it (`merged_into`: a case or an
import key naming the old id still finds the person) and gives the kept one what it lacked: its
categories, its NIK, its birth date. Its family membership moves to the kept person (or just
ends, when they are in a family already), its cases are linked to the kept person, and
`person_merged` tells cases and notifications, all in the decision's one transaction.
"""

from __future__ import annotations

from datetime import datetime

from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.families import Family
from services.registry.domain.persons import Person
from services.registry.use_cases.events import (
    publish_profile,
    record_family_change,
    record_person_change,
)
from services.registry.use_cases.persons import current
from services.registry.use_cases.ports import RegistryWork
from shared.audit import Actor
from shared.contracts.registry import FamilyChanged, PersonMerged, PersonUpdated


async def merge(
    uow: RegistryWork, record: Person, into: Person, by: Actor, now: datetime, why: str
) -> Person:
    """`record` merged into `into`; the kept person as they are now. Records merged before are
    followed to whom they stand for; two that already stand for one person change nothing."""
    record, into = await current(uow, record), await current(uow, into)
    if record.person_id == into.person_id:
        return into
    kept = into.absorbing(record, now)
    pointer = record.merged(kept or into, now)
    await uow.persons.save(pointer, expected_version=record.version)  # frees the NIK first
    if kept is not None:
        await uow.persons.save(kept, expected_version=into.version)
        await record_person_change(
            uow, PersonUpdated, kept, by=by, action="person.absorb", now=now, reason=why
        )
    kept = kept or into
    await _move_family(uow, pointer, kept, by, now, why)
    await uow.persons.relink_cases(pointer.person_id, kept.person_id)
    cases = (await uow.persons.cases_of([kept.person_id])).get(kept.person_id, [])
    if cases:
        publish_profile(uow, kept)  # the merged record's cases are the kept person's now
    merged = PersonMerged(
        person_id=pointer.person_id, into=kept.person_id, desa=kept.desa,
        kecamatan=kept.kecamatan, cases=tuple(cases),
    )  # fmt: skip
    uow.outbox.add(merged, sequence=pointer.version)
    await uow.audit(by, "person.merge", pointer, now, f"{why}: into {kept.person_id}")
    return kept


async def _move_family(
    uow: RegistryWork, record: Person, kept: Person, by: Actor, now: datetime, why: str
) -> None:
    """The record's place on its KK goes to the kept person, unless they are on one already
    (then the record just leaves it: one current KK per person)."""
    family = await uow.families.of_person(record.person_id)
    if family is None:
        return
    [place] = [m for m in family.members if m.person_id == record.person_id]
    changed: Family = family.without(record.person_id, now)
    joined = []
    if await uow.families.of_person(kept.person_id) is None:
        changed = changed.with_member(kept.person_id, place.relationship, now)
        joined = [m for m in changed.members if m.person_id == kept.person_id]
    if not await uow.families.save(
        changed, expected_version=family.version, joined=joined, left=[record.person_id]
    ):
        raise ConcurrentUpdate()  # the kept person joined a family meanwhile
    await record_family_change(
        uow, FamilyChanged, changed, by=by, action="family.merge_member", now=now, reason=why
    )
