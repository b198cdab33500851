"""The notifications API: deliveries (scoped to the caller) and the templates they are sent from.

Admin and operator see the deliveries of recipients inside their wilayah (the contact's
wilayah); a PSM or TKSK sees only their own. A delivery outside that is a 404, like a missing
one. The message text goes only to admin/operator and to its recipient (an officers' message
only to its recipient and the other officers); the phone never leaves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.notifications.adapters.read_model import (
    DeliveryFilter,
    find_deliveries,
    find_delivery,
)
from services.notifications.adapters.unit_of_work import NotificationsUnitOfWork
from services.notifications.domain.deliveries import DeliveryStatus
from services.notifications.domain.officers import OVERSIGHT_TEMPLATE
from services.notifications.domain.templates import TemplateBook
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.security import Principal, Role
from shared.security.disclosure import Audience, audience_of
from shared.web.auth import allow
from shared.web.pagination import Cursor, Limit, Page, decode_cursor, page_of
from shared.web.problems import Problem, not_found

STAFF = (Role.ADMIN, Role.OPERATOR)
READERS = (*STAFF, Role.PSM, Role.TKSK)
ANYONE = (*READERS, Role.INTEGRATION)


class DeliveryView(BaseModel):
    delivery_id: str
    recipient_id: str
    channel: str
    template: str
    status: DeliveryStatus
    attempts: int
    text: str | None  # null for callers who may not read the message
    cause_event_id: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None


class TemplateView(BaseModel):
    name: str
    description: str
    text: str
    placeholders: list[str]


class TemplateList(BaseModel):
    version: int
    language: str
    items: list[TemplateView]


def deliveries_router(uows: UnitOfWorkFactory[NotificationsUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])

    @router.get("", response_model=Page[DeliveryView])
    async def list_deliveries(
        caller: Annotated[Principal, Depends(allow(*READERS))],
        recipient_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        status: DeliveryStatus | None = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Any:
        where = _scoped(caller, recipient_id, status, _after(cursor))
        if where is None:
            return Page[DeliveryView](items=[])
        async with uows() as uow:
            rows = await find_deliveries(uow.session, where, limit + 1)
        page = page_of([row for row in rows if _visible(caller, row)], limit, lambda r: r["id"])
        views = [_view(caller, row) for row in page.items]
        return Page[DeliveryView](items=views, next_cursor=page.next_cursor)

    @router.get("/{delivery_id}", response_model=DeliveryView)
    async def get_delivery(
        delivery_id: str, caller: Annotated[Principal, Depends(allow(*READERS))]
    ) -> Any:
        async with uows() as uow:
            row = await find_delivery(uow.session, delivery_id)
        if row is None or not _visible(caller, row):
            raise not_found("delivery")
        return _view(caller, row)

    return router


def templates_router(book: TemplateBook) -> APIRouter:
    router = APIRouter(prefix="/v1/templates", tags=["templates"])
    listing = TemplateList(
        version=book.version,
        language=book.language,
        items=[
            TemplateView(
                name=t.name,
                description=t.description,
                text=t.text,
                placeholders=sorted(t.placeholders),
            )
            for t in book.templates.values()
        ],
    )

    @router.get("", response_model=TemplateList)
    async def list_templates(_: Annotated[Principal, Depends(allow(*ANYONE))]) -> Any:
        return listing

    return router


def _scoped(
    caller: Principal, recipient_id: str | None, status: DeliveryStatus | None, after: int | None
) -> DeliveryFilter | None:
    """The caller's filter, or None when it can match nothing (a worker asking for another)."""
    status_value = None if status is None else str(status)
    if caller.is_worker:
        if recipient_id not in (None, caller.sub):
            return None
        return DeliveryFilter(recipient_id=caller.sub, status=status_value, after=after)
    return DeliveryFilter(caller.wilayah, recipient_id, status_value, after)


def _visible(caller: Principal, row: dict[str, Any]) -> bool:
    if caller.is_worker:
        return bool(row["recipient_id"] == caller.sub)
    return caller.covers(row["wilayah"])  # unknown contact → no wilayah → not covered


def _view(caller: Principal, row: dict[str, Any]) -> DeliveryView:
    text = row["text"] if _reads_text(caller, row) else None
    return DeliveryView.model_validate({**row, "text": text})


def _reads_text(caller: Principal, row: dict[str, Any]) -> bool:
    if row["recipient_id"] == caller.sub:
        return True
    if row["template"] == OVERSIGHT_TEMPLATE:
        return audience_of(caller) is Audience.OFFICER
    return caller.role in STAFF


def _after(cursor: str | None) -> int | None:
    after = decode_cursor(cursor)
    if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
        raise Problem(400, "invalid-cursor", "Invalid cursor", "pass `next_cursor` back as given")
    return after
