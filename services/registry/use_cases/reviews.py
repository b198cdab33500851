"""Opening a review for the Dinas instead of confirming a NIK elsewhere or linking a report
that does not match (domain.reviews, ADR 0005). Deciding one: `review_decisions`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

import structlog

from services.registry.domain.duplicates import Pair
from services.registry.domain.persons import Person
from services.registry.domain.reviews import Review, ReviewKind
from services.registry.domain.workers import Worker
from services.registry.use_cases.events import record_change, record_person_change
from services.registry.use_cases.ports import RegistryWork
from shared.audit import Actor
from shared.contracts.cases import CaseReported, PersonReported
from shared.contracts.registry import PersonRegistered, WorkerRegistered

log = structlog.get_logger(__name__)

_IDS = uuid.UUID("5d6c8a1e-2f4b-4c3d-9e8f-7a6b5c4d3e2f")


def review_id_for(kind: ReviewKind, record_id: str) -> str:
    """One review per record and kind, the same id however often the cause is redelivered."""
    return str(uuid.uuid5(_IDS, f"{kind}/{record_id}"))


async def hold_person_for_review(
    uow: RegistryWork, candidate: Person, known: Person, by: Actor, now: datetime
) -> Person:
    """The new person is registered with its NIK marked as under review (the store's one
    person per NIK leaves it out), and the Dinas is asked: the same person, or not?"""
    review_id = review_id_for(ReviewKind.NIK_ELSEWHERE, candidate.person_id)
    held = replace(candidate, nik_review=review_id)
    await uow.persons.add(held)
    await record_person_change(
        uow, PersonRegistered, held, by=by, action="person.register", now=now,
        reason=f"NIK under review {review_id}",
    )  # fmt: skip
    await _open(uow, ReviewKind.NIK_ELSEWHERE, held.person_id, held.desa, known, now)
    return held


async def hold_worker_for_review(
    uow: RegistryWork, worker: Worker, known: Worker, by: Actor, now: datetime
) -> Worker:
    review_id = review_id_for(ReviewKind.WORKER_NIK_ELSEWHERE, worker.worker_id)
    held = replace(worker, nik_review=review_id)
    await uow.workers.add(held)
    await record_change(
        uow, WorkerRegistered, held, by=by, action="worker.register", now=now,
        reason=f"NIK under review {review_id}",
    )  # fmt: skip
    await _open(uow, ReviewKind.WORKER_NIK_ELSEWHERE, held.worker_id, held.wilayah, known, now)
    return held


async def hold_report_for_review(
    uow: RegistryWork, event: CaseReported | PersonReported, known: Person, now: datetime
) -> None:
    """A report whose NIK names someone else: nothing is linked, nobody's categories change."""
    assert event.person is not None
    details = {
        **event.person.model_dump(mode="json"),
        "categories": list(event.categories),
        "desa": event.desa,
        "reported_at": event.at.isoformat(),
    }
    await _open(uow, ReviewKind.REPORT_MISMATCH, event.case_id, event.desa, known, now, details)
    log.warning("case_report_does_not_match_its_nik", case_id=event.case_id)


async def open_duplicate_review(
    uow: RegistryWork,
    pair: Pair,
    persons: Mapping[str, Person],
    now: datetime,
    found_by: str,
    *,
    newer: str | None = None,
) -> bool:
    """The pair put to the Dinas, once: the newer record (`newer`, else the one registered
    last) is the one a merge drops unless they say otherwise. False when the pair was put
    before (whatever was decided then)."""
    return await uow.reviews.add(duplicate_review(pair, persons, now, found_by, newer=newer))


def duplicate_review(
    pair: Pair, persons: Mapping[str, Person], now: datetime, found_by: str, *, newer: str | None
) -> Review:
    """The review putting the pair to the Dinas (`open_duplicate_review`)."""
    older, newer_record = sorted(
        (persons[pair.first], persons[pair.second]),
        key=lambda person: (person.person_id == newer, person.registered_at),
    )
    kind = ReviewKind.DUPLICATE
    return Review.open(
        review_id_for(kind, f"{pair.first}/{pair.second}"), kind,
        record_id=newer_record.person_id, wilayah=newer_record.desa, other_id=older.person_id,
        other_wilayah=older.desa, now=now,
        details={"score": round(pair.score), "found_by": found_by},
    )  # fmt: skip


async def _open(
    uow: RegistryWork,
    kind: ReviewKind,
    record_id: str,
    wilayah: str,
    known: Person | Worker,
    now: datetime,
    details: dict[str, object] | None = None,
) -> None:
    other_id = known.person_id if isinstance(known, Person) else known.worker_id
    other_wilayah = known.desa if isinstance(known, Person) else known.wilayah
    review = Review.open(
        review_id_for(kind, record_id), kind, record_id=record_id, wilayah=wilayah,
        other_id=other_id, other_wilayah=other_wilayah, now=now, details=details,
    )  # fmt: skip
    if await uow.reviews.add(review):
        log.info("review_opened", review_id=review.review_id, kind=str(kind))
