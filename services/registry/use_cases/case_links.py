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

from services.registry.domain.errors import CasePersonUnknown, ConcurrentUpdate
from services.registry.domain.persons import CaseLink, MatchedBy, Person, PersonForm
from services.registry.domain.reviews import same_person
from services.registry.use_cases.events import record_person_change
from services.registry.use_cases.persons import add_categories
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
    (only ever added: another case may be why they hold the rest). A case not linked yet —
    waiting for the Dinas's review — is logged and left: its review links it with the report's
    categories, and the case itself keeps the verified ones."""
    link = await uow.persons.link_of(event.case_id)
    person = None if link is None else await uow.persons.get(link.person_id)
    if person is None:
        log.info("verified_case_not_linked_yet", case_id=event.case_id)
        return
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
    await uow.audit(by, "person.link_case", person, now, reason=f"case {case_id}")
    log.info("case_linked", case_id=case_id, person_id=person.person_id, by=matched_by)
    return link


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
    - a NIK held by someone in the case's desa: that person when the typed facts agree, else
      a review (report-mismatch) and no link until the Dinas decides;
    - a NIK held by someone elsewhere: a new person all the same, its NIK under review — the
      answer the reporter sees is that of a NIK nobody holds, whatever name was typed.
    """
    reason = f"case {event.case_id}"
    for _ in range(2):  # once more if a concurrent report registered the NIK meanwhile
        known = None if candidate.nik is None else await uow.persons.with_nik(candidate.nik)
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
        if not same_person(
            known.name, known.birth_date, known.sex,
            candidate.name, candidate.birth_date, candidate.sex,
        ):  # fmt: skip
            await hold_report_for_review(uow, event, known, now)
            return None
        return await add_categories(uow, known, candidate.categories, by, now, reason), (
            MatchedBy.NIK
        )
    raise ConcurrentUpdate()


def _form(event: Report) -> PersonForm:
    assert event.person is not None
    reported = event.person
    return PersonForm(
        nik=reported.nik, name=reported.name, sex=reported.sex, birth_date=reported.birth_date,
        desa=event.desa, categories=event.categories,
    )  # fmt: skip
