"""The Dinas's reviews in the registry's store, as domain values."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.tables import reviews
from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.reviews import Decision, Review, ReviewKind, ReviewStatus
from shared.persistence.dialects import insert_into
from shared.persistence.scope import inside


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, review: Review) -> bool:
        """False when the record has a review of this kind already (a redelivered report)."""
        try:
            async with self._session.begin_nested():
                await self._session.execute(insert(reviews), _row(review))
        except IntegrityError:
            return False
        return True

    async def add_many(self, added: Sequence[Review]) -> None:
        """The reviews in one statement; a pair put before (by a scan, or an earlier run) keeps
        the review it has."""
        if not added:
            return
        statement = insert_into(self._session, reviews).on_conflict_do_nothing()
        await self._session.execute(statement, [_row(review) for review in added])

    async def get(self, review_id: str) -> Review | None:
        row = (await self._session.execute(
            select(reviews).where(reviews.c.review_id == review_id)
        )).first()  # fmt: skip
        return None if row is None else _review(row._mapping)

    async def of_record(self, kind: ReviewKind, record_id: str) -> Review | None:
        query = select(reviews).where(reviews.c.kind == kind, reviews.c.record_id == record_id)
        row = (await self._session.execute(query)).first()
        return None if row is None else _review(row._mapping)

    async def save_open(self, review: Review) -> None:
        statement = (
            update(reviews)
            .where(reviews.c.review_id == review.review_id, reviews.c.status == "open")
            .values(**_row(review))
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        if result.rowcount != 1:
            raise ConcurrentUpdate()

    async def page(
        self,
        scope: str,
        status: ReviewStatus | None,
        kind: ReviewKind | None = None,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Review]:
        """Reviews whose every place lies inside `scope`, oldest first (then by id)."""
        statement = select(reviews).where(
            inside(reviews.c.wilayah, scope),
            or_(reviews.c.other_wilayah.is_(None), inside(reviews.c.other_wilayah, scope)),
        )
        if status is not None:
            statement = statement.where(reviews.c.status == str(status))
        if kind is not None:
            statement = statement.where(reviews.c.kind == str(kind))
        if after is not None:
            at, review_id = after
            statement = statement.where(
                or_(
                    reviews.c.opened_at > at,
                    and_(reviews.c.opened_at == at, reviews.c.review_id > review_id),
                )
            )
        ordered = statement.order_by(reviews.c.opened_at, reviews.c.review_id)
        rows = await self._session.execute(ordered.limit(limit))
        return [_review(row._mapping) for row in rows]


def _row(review: Review) -> dict[str, Any]:
    return {
        "review_id": review.review_id, "kind": str(review.kind), "status": str(review.status),
        "record_type": review.record_type, "record_id": review.record_id,
        "other_id": review.other_id, "wilayah": review.wilayah,
        "other_wilayah": review.other_wilayah,
        "details": None if review.details is None else json.dumps(dict(review.details)),
        "opened_at": review.opened_at, "resolved_at": review.resolved_at,
        "resolved_by": review.resolved_by,
        "decision": None if review.decision is None else str(review.decision),
        "note": review.note,
    }  # fmt: skip


def _review(row: Any) -> Review:
    values = dict(row)
    return Review(
        **{
            **values,
            "kind": ReviewKind(values["kind"]),
            "status": ReviewStatus(values["status"]),
            "details": None if values["details"] is None else json.loads(values["details"]),
            "decision": None if values["decision"] is None else Decision(values["decision"]),
        }
    )
