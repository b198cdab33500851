"""The CloudEvents 1.0 envelope every Kesos event travels in, and the base of event payloads.

An envelope is written to a stream entry as one field per attribute (all strings) with `data`
as JSON text, so an agency reading with `redis-cli` sees plain fields (DESIGN.md §3).

`traceparent` and `tracestate` are the CloudEvents distributed-tracing extension: the W3C trace
context of the request or event that caused this one, so its consumers' spans join that trace
(`shared.observability.tracing`). A reader that does not trace ignores them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from shared.ids import new_uuid

SPECVERSION = "1.0"
TYPE_PATTERN = re.compile(
    r"^kesos\.(?P<producer>[a-z][a-z0-9_]*)"
    r"\.(?P<event>[a-z][a-z0-9_]*)"
    r"\.v(?P<version>[1-9][0-9]*)$"
)

# The entry fields of an envelope, in the order they are written: the ones always present, then
# the ones written when they have a value.
OPTIONAL_ATTRIBUTES = (
    "subject",
    "sequence",
    "correlationid",
    "causationid",
    "traceparent",
    "tracestate",
)
ATTRIBUTES = ("id", "source", "type", "specversion", "time", *OPTIONAL_ATTRIBUTES)
REQUIRED_ATTRIBUTES = ("id", "source", "type", "specversion", "time", "data")
# W3C Trace Context: version 00's layout (later versions may append fields after a dash).
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$"
TRACESTATE_MAX = 512  # W3C: 32 list members; vendors may cut at 512 characters


class MalformedEntry(ValueError):
    """A stream entry that is not a Kesos envelope (missing or invalid attributes)."""


def source_of(producer: str) -> str:
    """The CloudEvents `source` of everything a producer publishes: `/kesos/<producer>`."""
    return f"/kesos/{producer}"


def producer_of(event_type: str) -> str:
    """`kesos.registry.worker_registered.v1` → `registry`."""
    match = TYPE_PATTERN.match(event_type)
    if match is None:
        raise ValueError(f"event type {event_type!r} is not kesos.<producer>.<event>.v<n>")
    return match["producer"]


class Event(BaseModel):
    """Base of every event payload (the envelope's `data`).

    Subclasses set `type` and `subject_field` (the field that holds the aggregate id). Payloads
    are frozen and ignore unknown fields: readers tolerate additive changes.

    `stream_channel` is the producer's stream the event travels on: `events`, the public one
    that agencies may be granted, or a restricted one (`shared.messaging.topology`) that only
    the one service that needs its data may read.
    """

    # hide_input: a validation error (a poison entry's dead letter, its log line) names the
    # rule broken, never the value, which may be a name or a NIK.
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    type: ClassVar[str]
    subject_field: ClassVar[str]
    stream_channel: ClassVar[str] = "events"

    @property
    def subject(self) -> str:
        return str(getattr(self, self.subject_field))


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: UUID = Field(default_factory=new_uuid)
    source: str
    type: str
    specversion: str = SPECVERSION
    time: datetime
    subject: str | None = None
    sequence: int | None = None
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    data: dict[str, Any]

    @field_validator("type")
    @classmethod
    def _kesos_type(cls, value: str) -> str:
        producer_of(value)
        return value

    @field_validator("time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("time must carry a timezone")
        return value.astimezone(UTC)

    @field_validator("traceparent", "tracestate", mode="before")
    @classmethod
    def _trace_or_nothing(cls, value: Any, info: ValidationInfo) -> Any:
        """A malformed trace context is dropped, never a reason to refuse the event: tracing
        is an aid to operators, not part of the contract."""
        if value is None:
            return None
        if not isinstance(value, str):
            return None
        if info.field_name == "traceparent":
            return value if re.match(TRACEPARENT_PATTERN, value) else None
        return value if 0 < len(value) <= TRACESTATE_MAX else None

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        time: datetime,
        sequence: int | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        event_id: UUID | None = None,
        trace: Mapping[str, str] | None = None,
    ) -> Envelope:
        """`trace`: the W3C context (`traceparent`, `tracestate`) of the work producing it."""
        event_id = event_id or new_uuid()
        return cls(
            id=event_id,
            source=source,
            type=event.type,
            time=time,
            subject=event.subject,
            sequence=sequence,
            correlationid=correlation_id or str(event_id),
            causationid=causation_id,
            traceparent=(trace or {}).get("traceparent"),
            tracestate=(trace or {}).get("tracestate"),
            data=event.model_dump(mode="json"),
        )

    def to_fields(self) -> dict[str, str]:
        """The stream entry: one string field per present attribute, `data` as JSON text."""
        fields: dict[str, str] = {
            "id": str(self.id),
            "source": self.source,
            "type": self.type,
            "specversion": self.specversion,
            "time": self.time.isoformat().replace("+00:00", "Z"),
        }
        for name in OPTIONAL_ATTRIBUTES:
            value = getattr(self, name)
            if value is not None:
                fields[name] = str(value)
        fields["data"] = json.dumps(self.data, separators=(",", ":"), ensure_ascii=False)
        return fields

    @classmethod
    def from_fields(cls, raw: Mapping[Any, Any]) -> Envelope:
        """Read a stream entry; unknown fields are ignored (tolerant reader)."""
        fields = {_text(k): _text(v) for k, v in raw.items()}
        missing = [name for name in REQUIRED_ATTRIBUTES if name not in fields]
        if missing:
            raise MalformedEntry(f"entry lacks {', '.join(missing)}")
        known = {name: fields[name] for name in ATTRIBUTES if name in fields}
        try:
            return cls.model_validate({**known, "data": json.loads(fields["data"])})
        except (ValidationError, ValueError, TypeError) as error:
            raise MalformedEntry(str(error)) from error


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
