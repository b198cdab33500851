"""`GET /v1/audit`: the audit trail of a service, for its auditors (ADR 0005).

Who looked at this person, who opened that case, what did this user do: every write, every read
of personal data and every broken glass is a row (who, role, action, record, wilayah, when, why).
Admins and the Dinas's designated officers (grant `protected-data`) read the rows inside their
wilayah, newest first; reading the trail is itself audited. The *why* of a row is free text (a
visit's note, a rejection's reason, the reason a glass was broken) that may describe a protected
person's situation: only the designated officers read it; an admin sees who, what and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from shared.audit import Actor, AuditQuery, audit_entries, record_audit
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.security import Principal, Role
from shared.security.disclosure import OFFICER_GRANT
from shared.web.auth import Caller
from shared.web.pagination import Cursor, Limit, Page, decode_cursor, page_of
from shared.web.problems import Problem, forbidden

Text = Annotated[str | None, Query(min_length=1, max_length=200)]


class AuditLine(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    record_type: str
    record_id: str
    wilayah: str | None
    reason: str | None = Field(description="why — shown to the designated officers only")
    correlation_id: str | None


async def auditor(caller: Caller) -> Principal:
    if caller.role is Role.ADMIN or (
        caller.role is Role.OPERATOR and caller.has_grant(OFFICER_GRANT)
    ):
        return caller
    raise forbidden("the audit trail is for admins and the Dinas's designated officers")


def audit_router(uows: UnitOfWorkFactory[Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/audit", tags=["audit"])

    @router.get("", response_model=Page[AuditLine], summary="Who did or saw what (audited)")
    async def trail(
        caller: Annotated[Principal, Depends(auditor)],
        record_type: Text = None,
        record_id: Text = None,
        actor: Text = None,
        action: Text = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Any:
        query = AuditQuery(
            scope=caller.wilayah, record_type=record_type, record_id=record_id, actor=actor,
            action=action, before=_before(cursor), limit=limit + 1,
        )  # fmt: skip
        async with uows() as uow:
            found = await audit_entries(uow.session, query)
            await record_audit(
                uow.session, Actor.of(caller), "audit.read", record_type=record_type or "*",
                record_id=record_id or actor or "*", wilayah=caller.wilayah, now=utcnow(),
            )  # fmt: skip
            await uow.commit()
        officer = caller.has_grant(OFFICER_GRANT)
        lines = [
            AuditLine(**{**entry.__dict__, "reason": entry.reason if officer else None})
            for entry in found
        ]
        return page_of(lines, limit, lambda line: line.id)

    return router


def _before(cursor: str | None) -> int | None:
    key = decode_cursor(cursor)
    if key is not None and (not isinstance(key, int) or isinstance(key, bool)):
        raise Problem(400, "invalid-cursor", "Invalid cursor", "pass `next_cursor` back as given")
    return key
