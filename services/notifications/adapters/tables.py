"""The notifications store: the contacts projection and the deliveries.

Mirrored by `migrations/versions/notifications0001_deliveries.py` (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.persistence.tables import NAMING, BigId
from shared.persistence.types import UtcDateTime

TABLES = MetaData(naming_convention=NAMING)


contacts = Table(
    "contacts",
    TABLES,
    Column("worker_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(32)),  # E.164; kept for a future SMS channel, never logged or shown
    Column("wilayah", String(20), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("sequence", Integer, nullable=False),  # the worker's version in registry
    Column("updated_at", UtcDateTime, nullable=False),
)

# Which TKSK each case waits on, from cases' assignment events: whom to tell when the registry
# finds two of their cases to be about one person (`person_merged`).
case_assignees = Table(
    "case_assignees",
    TABLES,
    Column("case_id", String(64), primary_key=True),
    Column("tksk_id", String(64), nullable=False),
    Column("sequence", Integer, nullable=False),  # the case's version
)

deliveries = Table(
    "deliveries",
    TABLES,
    Column("id", BigId, primary_key=True, autoincrement=True),  # the list's cursor order
    Column("delivery_id", String(36), nullable=False, unique=True),
    Column("cause_event_id", String(36), nullable=False),
    Column("correlation_id", String(100)),
    Column("recipient_id", String(64), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("template", String(60), nullable=False),
    Column("variables", Text, nullable=False),  # JSON: the event's values the template uses
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("lease_until", UtcDateTime),
    Column("text", Text),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    # Redelivery and replay of the cause never make a second message.
    UniqueConstraint("cause_event_id", "recipient_id", "channel", name="uq_deliveries_cause"),
)
Index("ix_deliveries_status_due", deliveries.c.status, deliveries.c.next_attempt_at)
Index("ix_deliveries_recipient", deliveries.c.recipient_id, deliveries.c.id)
