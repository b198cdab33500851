"""The Dinas's reviews (domain.reviews): list, read, decide. Dinas staff only, and only reviews
whose every place lies inside the caller's wilayah; reading one shows identities, so it is
audited like a read of the persons it names."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.domain.reviews import Review, ReviewStatus
from services.registry.entrypoints.deps import UnitsOfWork, id_after
from services.registry.use_cases import review_decisions
from services.registry.use_cases.workers import actor
from shared.messaging.outbox import utcnow
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.bodies import Body
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import Cursor, Limit, Page, page_of

Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
ReviewId = Annotated[str, Path(max_length=64)]


class ReviewOut(BaseModel):
    review_id: str
    kind: str = Field(description="nik-elsewhere, worker-nik-elsewhere or report-mismatch")
    status: Literal["open", "resolved"]
    record_type: str
    record_id: str = Field(description="the new person or worker, or the reported case")
    other_id: str | None = Field(description="the person or worker already holding the NIK")
    wilayah: str
    other_wilayah: str | None
    details: dict[str, Any] | None = Field(description="the report's typed-in person")
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    decision: str | None
    note: str | None

    @classmethod
    def of(cls, review: Review) -> ReviewOut:
        values = {name: getattr(review, name) for name in cls.model_fields}
        return cls.model_validate(
            {**values, "details": dict(review.details) if review.details else None}
        )


class Decision(Body):
    decision: Literal["same_person", "different_persons"]
    note: str = Field(min_length=1, max_length=2000, description="why: kept on the review")


async def list_reviews(
    caller: Staff,
    uows: UnitsOfWork,
    status: Literal["open", "resolved"] | None = "open",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ReviewOut]:
    wanted = ReviewStatus(status) if status else None
    async with uows() as uow:
        found = await review_decisions.list_reviews(
            uow, caller, wanted, after=id_after(cursor), limit=limit + 1
        )
        page = page_of(found, limit, lambda review: review.review_id)
        await _audit_reads(uow, caller, page.items)
        await uow.commit()
    return Page[ReviewOut](
        items=[ReviewOut.of(r) for r in page.items], next_cursor=page.next_cursor
    )


async def get_review(review_id: ReviewId, caller: Staff, uows: UnitsOfWork) -> ReviewOut:
    async with uows() as uow:
        review = await review_decisions.read_review(uow, review_id, caller)
        await _audit_reads(uow, caller, [review])
        await uow.commit()
    return ReviewOut.of(review)


async def decide(
    request: Request,
    key: IdempotencyKey,
    review_id: ReviewId,
    body: Decision,
    caller: Staff,
    uows: UnitsOfWork,
) -> JSONResponse:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, ReviewOut]:
        decided = await review_decisions.decide(
            uow, review_id, body.decision, body.note, caller, utcnow(), str(uuid.uuid4())
        )
        return 200, ReviewOut.of(decided)

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def _audit_reads(uow: RegistryUnitOfWork, by: Principal, reviews: list[Review]) -> None:
    """A review names persons (and, for a report, who was typed in): a read of them."""
    for review in reviews:
        for person_id in (review.record_id, review.other_id):
            person = await uow.persons.get(person_id) if person_id else None
            if person is not None:
                await uow.audit(
                    actor(by), "person.read", person, utcnow(), f"review {review.review_id}"
                )


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
    route("/{review_id}", get_review, methods=["GET"], response_model=ReviewOut, summary="A review")
    route(
        "/{review_id}/resolve",
        decide,
        methods=["POST"],
        response_model=ReviewOut,
        summary="Decide: the same person, or different persons",
    )
    return router
