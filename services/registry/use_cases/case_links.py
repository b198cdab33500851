"""Linking a reported case to its person, from cases' `case_reported` and `person_reported`.

A report either names a registry person (`person_id`) or carries the person as typed
(`person`), on the restricted `person_reported` with all its categories — or, in entries older
than docs/adr/0005, on `case_reported` itself: a known NIK links to the person the registry has,
anything else registers a new one. Each case is linked once (`registry_case_links`), so a
redelivered or replayed report — or the same report seen on both streams — changes nothing,
even after the inbox has forgotten it.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from services.registry.domain.errors import CasePersonUnknown
from services.registry.domain.persons import CaseLink, MatchedBy, Person, PersonForm
from services.registry.domain.reviews import same_person
from services.registry.use_cases.persons import add_categories, register_or_merge
from services.registry.use_cases.ports import RegistryWork
from services.registry.use_cases.reviews import hold_report_for_review
from shared.audit import Actor
from shared.contracts.cases import CaseReported, PersonReported
from shared.contracts.registry import PersonLinked

log = structlog.get_logger(__name__)


Report = CaseReported | PersonReported


async def link_person_for_case(
    uow: RegistryWork, event: Report, *, by: Actor, now: datetime, new_person_id: str
) -> CaseLink | None:
    """The case's new link (published as `person_linked`); None when the case is linked already
    or its report names no person (reports from before persons were linked)."""
    if isinstance(event, CaseReported) and event.intake:
        return None  # its person and categories come as `person_reported` on the intake stream
    if await uow.persons.link_of(event.case_id) is not None:
        return None
    if await _held_for_review(uow, event, now):
        return None
    found = await _person_of(uow, event, by, now, new_person_id)
    if found is None:  # a report from before persons were linked
        log.info("case_reported_without_person", case_id=event.case_id)
        return None
    person, matched_by = found
    return await link_case(uow, event.case_id, person, matched_by, by=by, now=now)


async def link_case(
    uow: RegistryWork,
    case_id: str,
    person: Person,
    matched_by: MatchedBy,
    *,
    by: Actor,
    now: datetime,
) -> CaseLink:
    """The case's one link to its person, published as `person_linked` and audited."""
    link = CaseLink(case_id, person.person_id, matched_by, now)
    await uow.persons.link(link)
    linked = {"case_id": case_id, "person_id": person.person_id, "matched_by": str(matched_by)}
    uow.outbox.add(
        PersonLinked.model_validate(linked)
    )  # no sequence: a case is linked once, there is no order to keep
    await uow.audit(by, "person.link_case", person, now, reason=f"case {case_id}")
    log.info("case_linked", case_id=case_id, person_id=person.person_id, by=matched_by)
    return link


async def _held_for_review(uow: RegistryWork, event: Report, now: datetime) -> bool:
    """A typed-in NIK naming a person with another name, sex or birth date links nothing by
    itself: the Dinas decides (domain.reviews), and that person's categories stay untouched."""
    typed = event.person
    if typed is None or typed.nik is None:
        return False
    known = await uow.persons.with_nik(typed.nik)
    if known is None or same_person(
        known.name, known.birth_date, known.sex, typed.name, typed.birth_date, typed.sex
    ):
        return False
    await hold_report_for_review(uow, event, known, now)
    return True


async def _person_of(
    uow: RegistryWork, event: Report, by: Actor, now: datetime, new_person_id: str
) -> tuple[Person, MatchedBy] | None:
    reason = f"case {event.case_id}"
    if event.person_id is not None:
        named = await uow.persons.get(event.person_id)
        if named is not None and named.merged_into is not None:  # a review found them one
            named = await uow.persons.get(named.merged_into)
        if named is None:
            # Cases only accepts ids from its projection of our person events: fail, so the
            # runner retries and finally dead-letters it for a human to look at.
            raise CasePersonUnknown(event.case_id, event.person_id)
        person = await add_categories(uow, named, event.categories, by, now, reason)
        return person, MatchedBy.PERSON_ID
    if event.person is None:
        return None
    # Judged as of the report (cases checked it then), so clock skew between hosts cannot
    # refuse a newborn reported just after midnight.
    candidate = Person.register(new_person_id, _form(event), max(now, event.at))
    person, created = await register_or_merge(uow, candidate, by, now, reason=reason)
    return person, MatchedBy.NEW if created else MatchedBy.NIK


def _form(event: Report) -> PersonForm:
    assert event.person is not None
    reported = event.person
    return PersonForm(
        nik=reported.nik, name=reported.name, sex=reported.sex, birth_date=reported.birth_date,
        desa=event.desa, categories=event.categories,
    )  # fmt: skip
