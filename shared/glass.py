"""Break the glass: Dinas staff open a protected record, with a reason, for a limited time.

A record in a protected category shows who and why only to its assigned TKSK, its reporting PSM
and the Dinas's designated officers (`shared.security.disclosure`). Anyone else on the Dinas's
staff who must act on it — an emergency, the officer away — opens it here: the grant names the
caller, the record and the reason, is audited in the same transaction, ends by itself after
`KESOS_GLASS_TTL_S` (3 hours, as DHIS2 does), and the service reports it to the designated
officers (an oversight event, ADR 0005). Every read made through a grant is audited with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import Actor, record_audit
from shared.contracts.oversight import ProtectedRecordOpened
from shared.ids import new_id
from shared.persistence.tables import glass

Opened = TypeVar("Opened", bound=ProtectedRecordOpened)


class GlassSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KESOS_", extra="ignore")

    glass_ttl_s: int = Field(3 * 3600, ge=60, le=24 * 3600)


@dataclass(frozen=True)
class GlassGrant:
    grant_id: str
    actor: str
    role: str
    record_type: str
    record_id: str
    wilayah: str
    reason: str
    opened_at: datetime
    expires_at: datetime

    def announced(self, event: type[Opened]) -> Opened:
        """The oversight event that tells the designated officers (the reason stays in the
        audit trail: it is free text)."""
        return event(
            grant_id=self.grant_id, record_type=self.record_type, record_id=self.record_id,
            wilayah=self.wilayah, opened_by=self.actor, opened_by_role=self.role,
            opened_at=self.opened_at, expires_at=self.expires_at,
        )  # fmt: skip


async def break_glass(
    session: AsyncSession,
    by: Actor,
    *,
    record_type: str,
    record_id: str,
    wilayah: str,
    reason: str,
    now: datetime,
    ttl_s: int,
) -> GlassGrant:
    """A new grant for `by` on the record, and its audit row, in the caller's transaction."""
    grant = GlassGrant(
        grant_id=new_id(), actor=by.sub, role=by.role, record_type=record_type,
        record_id=record_id, wilayah=wilayah, reason=reason, opened_at=now,
        expires_at=now + timedelta(seconds=ttl_s),
    )  # fmt: skip
    await session.execute(insert(glass), grant.__dict__)
    await record_audit(
        session, by, "glass.open", record_type=record_type, record_id=record_id,
        wilayah=wilayah, now=now, reason=f"{reason} (grant {grant.grant_id}, until "
        f"{grant.expires_at.isoformat()})",
    )  # fmt: skip
    return grant


async def open_grants(
    session: AsyncSession, sub: str, record_type: str, record_ids: Iterable[str], now: datetime
) -> dict[str, str]:
    """record id → grant id, for the records `sub` holds an unexpired grant on."""
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        return {}
    query = select(glass.c.record_id, glass.c.grant_id).where(
        glass.c.actor == sub,
        glass.c.record_type == record_type,
        glass.c.record_id.in_(ids),
        glass.c.expires_at > now,
    )
    return {row.record_id: row.grant_id for row in await session.execute(query)}
