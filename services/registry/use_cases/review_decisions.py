"""The Dinas reads and decides its reviews (domain.reviews): each decision is applied in the
review's own transaction, with its events and audit rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime

from services.registry.domain.errors import PersonNotFound, ReviewNotFound, WorkerNotFound
from services.registry.domain.persons import MatchedBy, Person, PersonForm
from services.registry.domain.reviews import Decision, Review, ReviewKind, ReviewStatus
from services.registry.domain.workers import Worker
from services.registry.use_cases.case_links import link_case
from services.registry.use_cases.events import record_change, record_person_change
from services.registry.use_cases.merges import merge
from services.registry.use_cases.persons import add_categories, register_or_merge
from services.registry.use_cases.ports import RegistryWork
from shared.audit import Actor
from shared.contracts.registry import PersonUpdated, WorkerDeactivated
from shared.security import Principal

Apply = Callable[[RegistryWork, Review, Actor, datetime, str], Awaitable[None]]


def require_visible_review(by: Principal, review: Review | None) -> Review:
    """A review names records in every place it involves: only who covers them all sees it."""
    if review is None or not all(by.covers(place) for place in review.places):
        raise ReviewNotFound()
    return review


async def read_review(uow: RegistryWork, review_id: str, by: Principal) -> Review:
    return require_visible_review(by, await uow.reviews.get(review_id))


async def list_reviews(
    uow: RegistryWork,
    by: Principal,
    status: ReviewStatus | None,
    kind: ReviewKind | None = None,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Review]:
    return await uow.reviews.page(by.wilayah, status, kind, after=after, limit=limit)


async def decide(
    uow: RegistryWork,
    review_id: str,
    decision: str,
    note: str,
    by: Principal,
    now: datetime,
    new_person_id: str,
    keep: str | None = None,
) -> Review:
    """The review decided (who, when, what, why are kept on it) and its decision applied; every
    change it makes is audited with the review's id as its reason. `keep`: which of a duplicate
    pair found to be one person stays (by default the one registered first)."""
    review = await read_review(uow, review_id, by)
    decided = review.resolved(decision, by.sub, note, now, keep)
    await uow.reviews.save_open(decided)
    await APPLY[review.kind](uow, decided, Actor.of(by), now, new_person_id)
    return decided


async def _nik_elsewhere(
    uow: RegistryWork, review: Review, by: Actor, now: datetime, _: str
) -> None:
    held, other = await _person(uow, review.record_id), await _person(uow, review.other_id)
    why = f"review {review.review_id}"
    if review.decision is Decision.SAME_PERSON:
        # One person: the registration becomes a pointer to the one who held the NIK.
        await merge(uow, held, other, by, now, why)
        return
    # Different persons: the NIK was typed for the wrong one; the new record waits for its own.
    cleared = replace(held, nik=None, nik_review=None, version=held.version + 1, updated_at=now)
    await uow.persons.save(cleared, expected_version=held.version)
    await record_person_change(
        uow, PersonUpdated, cleared, by=by, action="person.nik_cleared", now=now, reason=why
    )


async def _worker_nik_elsewhere(
    uow: RegistryWork, review: Review, by: Actor, now: datetime, _: str
) -> None:
    held, other = await _worker(uow, review.record_id), await _worker(uow, review.other_id)
    why = f"review {review.review_id}"
    if review.decision is Decision.SAME_PERSON:
        # The worker moved: the earlier record ends, the new one holds the NIK from now on.
        if other.is_active:
            await _deactivate(uow, other, by, now, f"{why}: pindah, terdaftar baru")
        kept = replace(held, nik_review=None, version=held.version + 1, updated_at=now)
        await uow.workers.save(kept, expected_version=held.version)
        await uow.audit(by, "worker.nik_confirmed", kept, now, why)
        return
    await _deactivate(uow, held, by, now, f"{why}: registrasi keliru")


async def _report_mismatch(
    uow: RegistryWork, review: Review, by: Actor, now: datetime, new_person_id: str
) -> None:
    details = dict(review.details or {})
    categories = tuple(details.get("categories", ()))
    why = f"review {review.review_id}"
    if review.decision is Decision.SAME_PERSON:
        person = await add_categories(
            uow, await _person(uow, review.other_id), categories, by, now, why
        )
        await link_case(uow, review.record_id, person, MatchedBy.NIK, by=by, now=now)
        return
    # Someone else: registered from the report, without the NIK that named another person.
    born = details.get("birth_date")
    form = PersonForm(
        nik=None, name=str(details["name"]), sex=str(details["sex"]),
        birth_date=date.fromisoformat(born) if born else None, desa=str(details["desa"]),
        categories=categories,
    )  # fmt: skip
    candidate = Person.register(new_person_id, form, now)
    person, _ = await register_or_merge(uow, candidate, by, now, reason=why)
    await link_case(uow, review.record_id, person, MatchedBy.NEW, by=by, now=now)


async def _duplicate(uow: RegistryWork, review: Review, by: Actor, now: datetime, _: str) -> None:
    if review.decision is not Decision.SAME_PERSON:
        return  # two people: the decided review keeps the pair from being proposed again
    pair = {review.record_id, review.other_id}
    kept = review.kept
    [dropped] = pair - {kept}
    why = f"review {review.review_id}"
    await merge(uow, await _person(uow, dropped), await _person(uow, kept), by, now, why)


APPLY: dict[ReviewKind, Apply] = {
    ReviewKind.NIK_ELSEWHERE: _nik_elsewhere,
    ReviewKind.WORKER_NIK_ELSEWHERE: _worker_nik_elsewhere,
    ReviewKind.REPORT_MISMATCH: _report_mismatch,
    ReviewKind.DUPLICATE: _duplicate,
}


async def _deactivate(
    uow: RegistryWork, worker: Worker, by: Actor, now: datetime, why: str
) -> None:
    changed = worker.deactivated(now)
    await uow.workers.save(changed, expected_version=worker.version)
    await record_change(
        uow, WorkerDeactivated, changed, by=by, action="worker.deactivate", now=now, reason=why
    )


async def _person(uow: RegistryWork, person_id: str | None) -> Person:
    person = None if person_id is None else await uow.persons.get(person_id)
    if person is None:
        raise PersonNotFound()
    return person


async def _worker(uow: RegistryWork, worker_id: str | None) -> Worker:
    worker = None if worker_id is None else await uow.workers.get(worker_id)
    if worker is None:
        raise WorkerNotFound()
    return worker
