"""Keeping the persons projection, and recording which registry person a case is about."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import structlog

from services.cases.adapters.persons import KnownPerson
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.actors import SYSTEM
from services.cases.domain.errors import CaseNotFound

log = structlog.get_logger(__name__)


async def project_person(uow: CasesUnitOfWork, person: KnownPerson, sequence: int) -> bool:
    """Record a person's place from a registry event; older versions are ignored."""
    return await uow.persons.apply(person, sequence)


async def project_persons(uow: CasesUnitOfWork, persons: Sequence[tuple[KnownPerson, int]]) -> int:
    """`project_person` for a batch (one statement)."""
    return await uow.persons.apply_many(persons)


async def project_households(
    uow: CasesUnitOfWork, families: Sequence[tuple[str, list[tuple[str, datetime]], int]]
) -> int:
    """`project_household` for a batch (a few set-based statements)."""
    return await uow.households.apply_many(families)


async def project_household(
    uow: CasesUnitOfWork, family_id: str, members: list[tuple[str, datetime]], sequence: int
) -> bool:
    """Record a family's members from a registry event; older versions are ignored."""
    return await uow.households.apply(family_id, members, sequence)


async def link_person(
    uow: CasesUnitOfWork, case_id: str, person_id: str, matched_by: str, now: datetime
) -> bool:
    """The registry's answer to `case_reported`: the case is about `person_id`.

    Idempotent: a case keeps the first person it was linked to (or was reported with). A
    different person later is the registry contradicting itself, which a human must sort out:
    it is logged, not applied, so the case does not silently change whose it is. Returns
    whether the case changed. Links carry no step: the case's version and events stay as they
    are, and its next step's event carries the person id."""
    person_id = await uow.persons.standing_for(person_id)  # a record merged since
    current = await uow.cases.person_link(case_id)
    if current is None:
        # The registry links only cases it read on our stream: a store restored from an old
        # backup. Raising leaves the event to be retried, then dead-lettered for a human.
        raise CaseNotFound()
    desa, linked = current
    if linked is None and await uow.cases.link_person(case_id, person_id):
        await uow.audit(
            SYSTEM.sub, SYSTEM.role.value, "case.person_linked", record_id=case_id, wilayah=desa,
            now=now, reason=f"matched_by={matched_by}",
        )  # fmt: skip
        return True
    if linked != person_id:  # None here: a concurrent link committed first
        log.warning("case_person_link_refused", case_id=case_id, person_id=person_id, kept=linked)
    return False


async def merge_persons(
    uow: CasesUnitOfWork, person_id: str, into: str, case_ids: Collection[str], now: datetime
) -> int:
    """The registry found `person_id` to be `into`: every case about the one is about the other
    (and those the registry listed, not linked here yet, are linked), each change audited; a
    link arriving later follows the merge. Idempotent; returns how many cases changed."""
    await uow.persons.merged(person_id, into, now)
    changed = await uow.cases.relink_merged(person_id, into, case_ids)
    for case_id, desa in changed:
        await uow.audit(
            SYSTEM.sub, SYSTEM.role.value, "case.person_merged", record_id=case_id, wilayah=desa,
            now=now, reason=f"person {person_id} merged into {into}",
        )  # fmt: skip
    return len(changed)
