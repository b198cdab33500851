"""What the Dinas's designated officers are told: a protected record was opened by breaking the
glass (docs/adr/0005). Each producer publishes its own type on its restricted `oversight`
channel, read by notifications alone — an agency must not learn which records are protected.

No reason text and no identity: the reason is free text and stays in the audit trail, where the
officer reads it (`GET /v1/audit?action=glass.open`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.contracts.envelope import Event


class ProtectedRecordOpened(Event):
    subject_field: ClassVar[str] = "record_id"
    stream_channel: ClassVar[str] = "oversight"

    grant_id: str
    record_type: str = Field(description="person or case")
    record_id: str
    wilayah: str = Field(description="the record's desa code")
    opened_by: str = Field(description="the token subject who broke the glass")
    opened_by_role: str
    opened_at: datetime
    expires_at: datetime
