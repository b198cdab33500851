"""The Dinas's reviews (domain.reviews): list, read, decide. Dinas staff only, and only reviews
whose every place lies inside the caller's wilayah; reading one shows identities, so it is
audited like a read of the persons it names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.domain.persons import Person
from services.registry.domain.reviews import Review, ReviewKind, ReviewStatus
from services.registry.entrypoints.deps import UnitsOfWork
from services.registry.entrypoints.persons import answer
from services.registry.entrypoints.schemas import PersonOut
from services.registry.use_cases import review_decisions
from services.registry.use_cases.duplicates import scan_for_duplicates
from services.registry.use_cases.persons import views_of
from shared.audit import Actor, record_reads
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.security import Principal, Role
from shared.security.disclosure import Audience, audience_of, is_protected
from shared.web.auth import allow
from shared.web.bodies import Body
from shared.web.exports import export_scope
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import Cursor, Limit, Page, page_of, time_and_id, time_and_id_after

Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
ReviewId = Annotated[str, Path(max_length=64)]
KindFilter = Annotated[
    Literal["nik-elsewhere", "worker-nik-elsewhere", "report-mismatch", "duplicate"] | None,
    Query(description="only reviews of this kind"),
]


class ReviewOut(BaseModel):
    protected: bool = Field(
        description="a protected category is involved: the details only for the designated "
        "officers (docs/adr/0005)"
    )
    review_id: str
    kind: str = Field(
        description="nik-elsewhere, worker-nik-elsewhere, report-mismatch or duplicate"
    )
    status: Literal["open", "resolved"]
    record_type: str
    record_id: str = Field(description="the new person or worker, or the reported case")
    other_id: str | None = Field(description="the person or worker already holding the NIK")
    wilayah: str
    other_wilayah: str | None
    details: dict[str, Any] | None = Field(
        description="report-mismatch: the report's typed-in person; duplicate: the names' "
        "score (of 100), what found the pair and, once decided the same, the person kept"
    )
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    decision: str | None
    note: str | None = Field(
        description="why it was decided; withheld with the details (it may name what they do)"
    )
    persons: list[PersonOut] = Field(
        default=[], description="a duplicate's two records side by side, the newer first"
    )

    @classmethod
    def of(
        cls, review: Review, *, protected: bool, withheld: bool, persons: list[PersonOut]
    ) -> ReviewOut:
        values = {name: getattr(review, name) for name in cls.model_fields if name in FIELDS}
        details = dict(review.details) if review.details and not withheld else None
        note = None if withheld else review.note
        return cls.model_validate(
            {**values, "details": details, "note": note, "protected": protected,
             "persons": persons}
        )  # fmt: skip


FIELDS = frozenset(ReviewOut.model_fields) - {"protected", "persons"}


class Decision(Body):
    decision: Literal["same_person", "different_persons"]
    note: str = Field(min_length=1, max_length=2000, description="why: kept on the review")
    keep: str | None = Field(
        None,
        max_length=64,
        description="a duplicate found to be one person: which of the two stays (by default "
        "the one registered first); the other is merged into it",
    )


class ScanRequest(Body):
    wilayah: str | None = Field(
        None, max_length=20, description="a part of your wilayah; all of it by default"
    )


class ScanOut(BaseModel):
    wilayah: str
    desa: int = Field(description="desa with persons, scanned")
    persons: int
    pairs: int = Field(description="likely pairs found, those put to the Dinas before included")
    opened: int = Field(description="duplicate reviews opened: pairs never put before")


async def list_reviews(
    caller: Staff,
    uows: UnitsOfWork,
    status: Literal["open", "resolved"] | None = "open",
    kind: KindFilter = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ReviewOut]:
    wanted = ReviewStatus(status) if status else None
    async with uows() as uow:
        found = await review_decisions.list_reviews(
            uow, caller, wanted, ReviewKind(kind) if kind else None,
            after=time_and_id_after(cursor), limit=limit + 1,
        )  # fmt: skip
        page = page_of(found, limit, lambda review: time_and_id(review.opened_at, review.review_id))
        items = await shown_all(uow, caller, page.items)
        await uow.commit()  # the audit rows of what was shown
    return Page[ReviewOut](items=items, next_cursor=page.next_cursor)


async def get_review(review_id: ReviewId, caller: Staff, uows: UnitsOfWork) -> ReviewOut:
    async with uows() as uow:
        review = await review_decisions.read_review(uow, review_id, caller)
        out = await shown(uow, caller, review)
        await uow.commit()
    return out


async def decide(
    request: Request,
    key: IdempotencyKey,
    review_id: ReviewId,
    body: Decision,
    caller: Staff,
    uows: UnitsOfWork,
) -> Response:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, ReviewOut]:
        decided = await review_decisions.decide(
            uow, review_id, body.decision, body.note, caller, utcnow(), new_id(),
            keep=body.keep,
        )  # fmt: skip
        return 200, await shown(uow, caller, decided, audit=False)

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def scan(
    request: Request, key: IdempotencyKey, body: ScanRequest, caller: Staff, uows: UnitsOfWork
) -> Response:
    """Every desa of the wilayah compared within itself; each new likely pair becomes a
    duplicate review. Scanning again opens only pairs never put before."""
    scope = export_scope(caller, body.wilayah)

    async def write(uow: RegistryUnitOfWork) -> tuple[int, ScanOut]:
        done = await scan_for_duplicates(uow, scope, caller, utcnow())
        return 200, ScanOut.model_validate(done, from_attributes=True)

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def shown(
    uow: RegistryUnitOfWork, by: Principal, review: Review, *, audit: bool = True
) -> ReviewOut:
    [out] = await shown_all(uow, by, [review], audit=audit)
    return out


async def shown_all(
    uow: RegistryUnitOfWork, by: Principal, found: Sequence[Review], *, audit: bool = True
) -> list[ReviewOut]:
    """The reviews as `by` may see them. They name persons, and a report's typed-in person:
    reading them is a read of them (audited); when a protected category is involved, the typed
    details are for the designated officers only, like the protected records themselves. One
    query for the persons of a whole page, one statement per kind of audit row."""
    ids = {i for review in found for i in (review.record_id, review.other_id) if i}
    persons = await uow.persons.get_many(ids)
    side_by_side = await _duplicates_side_by_side(uow, by, found, persons)
    shown: list[ReviewOut] = []
    read_persons: list[tuple[Person, str]] = []
    read_cases: list[tuple[str, str | None, str | None]] = []
    for review in found:
        involved = [persons[i] for i in (review.record_id, review.other_id) if i in persons]
        typed = (review.details or {}).get("categories", [])
        protected = is_protected([*typed, *(c for p in involved for c in p.categories)])
        withheld = protected and audience_of(by) is not Audience.OFFICER
        if not withheld:
            why = f"review {review.review_id}"
            read_persons += [(p, why) for p in involved]
            if review.details:  # the typed-in person of a report, kept under its case
                read_cases.append((review.record_id, review.wilayah, why))
        pair = side_by_side.get(review.review_id, []) if not withheld else []
        shown.append(ReviewOut.of(review, protected=protected, withheld=withheld, persons=pair))
    if audit:
        actor, now = Actor.of(by), utcnow()
        await uow.audit_reads(actor, "person.read", read_persons, now)
        await record_reads(
            uow.session, actor, "person.read", record_type="case", records=read_cases, now=now
        )
    return shown


async def _duplicates_side_by_side(
    uow: RegistryUnitOfWork, by: Principal, found: Sequence[Review], persons: dict[str, Person]
) -> dict[str, list[PersonOut]]:
    """The two records of each duplicate, as `by` may see them (their reads are audited with
    the review's)."""
    pairs = {
        review.review_id: [persons[i] for i in (review.record_id, review.other_id) if i in persons]
        for review in found
        if review.kind is ReviewKind.DUPLICATE
    }
    if not pairs:
        return {}
    involved = list({p.person_id: p for pair in pairs.values() for p in pair}.values())
    shown = await answer(uow, await views_of(uow, involved), by, audit=False)
    out = {view.person_id: view for view in shown}
    return {rid: [out[p.person_id] for p in pair] for rid, pair in pairs.items()}


def reviews_router() -> APIRouter:
    router = APIRouter(prefix="/v1/reviews", tags=["reviews"])
    route = router.add_api_route
    route(
        "",
        list_reviews,
        methods=["GET"],
        response_model=Page[ReviewOut],
        summary="What the Dinas must decide about identities, inside your wilayah",
    )
    route(
        "/duplicates/scan",
        scan,
        methods=["POST"],
        response_model=ScanOut,
        summary="Find likely duplicate persons in your wilayah and open a review for each pair",
    )
    route("/{review_id}", get_review, methods=["GET"], response_model=ReviewOut, summary="A review")
    route(
        "/{review_id}/resolve",
        decide,
        methods=["POST"],
        response_model=ReviewOut,
        summary="Decide: the same person, or different persons",
    )
    return router
