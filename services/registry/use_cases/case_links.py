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

from services.registry.domain.errors import (
    CaseNotLinkedYet,
    CasePersonUnknown,
    ConcurrentUpdate,
)
from services.registry.domain.persons import CaseLink, MatchedBy, Person, PersonForm
from services.registry.domain.reviews import ReviewKind, ReviewStatus, same_person
from services.registry.use_cases.events import publish_profile, record_person_change
from services.registry.use_cases.persons import add_categories, current
from services.registry.use_cases.ports import RegistryWork
from services.registry.use_cases.reviews import hold_person_for_review, hold_report_for_review
from shared.audit import Actor
from shared.contracts.cases import CaseCategoriesVerified, CaseReported, PersonReported
from shared.contracts.registry import PersonLinked, PersonRegistered

log = structlog.get_logger(__name__)


Report = CaseReported | PersonReported


async def link_person_for_case(
    uow: RegistryWork, event: Report, *, by: Actor, now: datetime, new_person_id: str
) -> CaseLink | None:
    """The case's new link (published as `person_linked`); None when the case is linked already,
    its report names no person (reports from before persons were linked), or the Dinas must
    decide who it is about first (a review)."""
    if isinstance(event, CaseReported) and event.intake:
        return None  # its person and categories come as `person_reported` on the intake stream
    if await uow.persons.link_of(event.case_id) is not None:
        return None
    found = await _person_of(uow, event, by, now, new_person_id)
    if found is None:
        return None
    person, matched_by = found
    return await link_case(uow, event.case_id, person, matched_by, by=by, now=now)


async def categories_verified(
    uow: RegistryWork, event: CaseCategoriesVerified, *, by: Actor, now: datetime
) -> None:
    """The TKSK's home visit confirmed the case's categories: the linked person holds them too
    (only ever added: another case may be why they hold the rest). A protected one found on the
    visit must reach the person whatever the timing: a case waiting for the Dinas's review keeps
    them on the review, which links it with them; a case whose report is still on its way
    (retried) is retried until it is linked."""
    link = await uow.persons.link_of(event.case_id)
    if link is None:
        review = await uow.reviews.of_record(ReviewKind.REPORT_MISMATCH, event.case_id)
        if review is None or review.status is not ReviewStatus.OPEN:
            raise CaseNotLinkedYet(event.case_id)
        await uow.reviews.save_open(review.with_categories(event.categories))
        return
    person = await current(uow, await uow.persons.get(link.person_id))
    await add_categories(uow, person, event.categories, by, now, f"case {event.case_id} verified")


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
    publish_profile(uow, await uow.persons.get(person.person_id) or person)  # as stored now
    await uow.audit(by, "person.link_case", person, now, reason=f"case {case_id}")
    log.info("case_linked", case_id=case_id, person_id=person.person_id, by=matched_by)
    return link


async def _person_of(
    uow: RegistryWork, event: Report, by: Actor, now: datetime, new_person_id: str
) -> tuple[Person, MatchedBy] | None:
    reason = f"case {event.case_id}"
    if event.person_id is not None:
        named = await uow.persons.get(event.person_id)
        if named is None:
            # Cases only accepts ids from its projection of our person events: fail, so the
            # runner retries and finally dead-letters it for a human to look at.
            raise CasePersonUnknown(event.case_id, event.person_id)
        await add_categories(uow, await current(uow, named), event.categories, by, now, reason)
        # Linked as named: a record merged into someone elsewhere must not show the reporter
        # whom it was merged into.
        return named, MatchedBy.PERSON_ID
    if event.person is None:
        log.info("case_reported_without_person", case_id=event.case_id)
        return None
    # Judged as of the report (cases checked it then), so clock skew between hosts cannot
    # refuse a newborn reported just after midnight.
    candidate = Person.register(new_person_id, _form(event), max(now, event.at))
    return await _typed_person(uow, event, candidate, by, now)


async def _typed_person(
    uow: RegistryWork, event: Report, candidate: Person, by: Actor, now: datetime
) -> tuple[Person, MatchedBy] | None:
    """Who a typed-in report is about, so that no outcome tells the reporter anything of a
    person outside the case's desa (a PSM's whole wilayah; docs/adr/0005):

    - a NIK nobody holds: a new person;
    - a NIK on a record in the case's desa (held under review too): that person when the typed
      facts agree, else a review (report-mismatch) and no link until the Dinas decides;
    - a NIK held by someone elsewhere: a new person all the same, its NIK under review — the
      answer the reporter sees is that of a NIK nobody holds, whatever name was typed.
    """
    reason = f"case {event.case_id}"
    for _ in range(2):  # once more if a concurrent report registered the NIK meanwhile
        known = await _on_record(uow, candidate)
        if known is None:
            if await uow.persons.add(candidate):
                await record_person_change(
                    uow, PersonRegistered, candidate,
                    by=by, action="person.register", now=now, reason=reason,
                )  # fmt: skip
                return candidate, MatchedBy.NEW
            continue
        if known.desa != candidate.desa:
            return await hold_person_for_review(uow, candidate, known, by, now), MatchedBy.NEW
        if not _agrees(known, candidate):
            await hold_report_for_review(uow, event, known, now)
            return None
        await add_categories(uow, await current(uow, known), candidate.categories, by, now, reason)
        return known, MatchedBy.NIK
    raise ConcurrentUpdate()


async def _on_record(uow: RegistryWork, candidate: Person) -> Person | None:
    """The record the typed NIK names: one in the case's desa the typed facts agree with first
    (a second report of someone whose NIK is under review finds them), else whoever holds it."""
    if candidate.nik is None:
        return None
    records = await uow.persons.all_with_nik(candidate.nik)
    here = (p for p in records if p.desa == candidate.desa and _agrees(p, candidate))
    holder = (p for p in records if p.nik_review is None)
    return next(here, None) or next(holder, None)


def _agrees(known: Person, candidate: Person) -> bool:
    return same_person(
        known.name, known.birth_date, known.sex,
        candidate.name, candidate.birth_date, candidate.sex,
    )  # fmt: skip


def _form(event: Report) -> PersonForm:
    assert event.person is not None
    reported = event.person
    return PersonForm(
        nik=reported.nik, name=reported.name, sex=reported.sex, birth_date=reported.birth_date,
        desa=event.desa, categories=event.categories,
    )  # fmt: skip
