"""Breaking the glass over HTTP, the same in every service (`shared.glass`): what the caller
sends, what it gets back, and the grant's lifetime, read once when the app is built (a bad
`KESOS_GLASS_TTL_S` stops the start, not an emergency)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from fastapi import Depends, Request
from pydantic import BaseModel, Field, StringConstraints

from shared.glass import GlassGrant
from shared.web.bodies import Body

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class GlassRequest(Body):
    reason: Reason = Field(description="why you must see it; the designated officers read it")


class GlassOut(BaseModel):
    grant_id: str
    record_type: str
    record_id: str
    expires_at: datetime

    @classmethod
    def of(cls, grant: GlassGrant) -> Self:
        return cls(
            grant_id=grant.grant_id, record_type=grant.record_type, record_id=grant.record_id,
            expires_at=grant.expires_at,
        )  # fmt: skip


def _glass_ttl(request: Request) -> int:
    return int(request.app.state.glass_ttl_s)  # set by `create_app`


GlassTtl = Annotated[int, Depends(_glass_ttl)]
