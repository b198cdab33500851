"""Tables every service has, from the shared Alembic branch: outbox, inbox, audit, idempotency
and break-the-glass grants.

Services keep their own tables in their own MetaData; these live in `KERNEL`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KERNEL = MetaData(naming_convention=NAMING)

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "kesos_outbox",
    KERNEL,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("stream", String(200), nullable=False),
    Column("type", String(200), nullable=False),
    Column("subject", String(200)),
    Column("fields", Text, nullable=False),  # the entry, as JSON: the relay XADDs it as is
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
)
Index(
    "ix_kesos_outbox_pending",
    outbox.c.id,
    postgresql_where=outbox.c.published_at.is_(None),
    sqlite_where=outbox.c.published_at.is_(None),
)
Index("ix_kesos_outbox_published_at", outbox.c.published_at)

inbox = Table(
    "kesos_inbox",
    KERNEL,
    Column("handler", String(200), primary_key=True),  # the handler's stable logical name
    Column("event_id", String(36), primary_key=True),
    Column("stream", String(200), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

audit = Table(
    "kesos_audit",
    KERNEL,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),  # the token's `sub`
    Column("role", String(40), nullable=False),
    Column("action", String(100), nullable=False),  # e.g. `case.verify`, `worker.read`
    Column("record_type", String(100), nullable=False),
    Column("record_id", String(100), nullable=False),
    Column("wilayah", String(20)),
    Column("reason", Text),
    Column("correlation_id", String(100)),
)
Index("ix_kesos_audit_record", audit.c.record_type, audit.c.record_id, audit.c.id)
Index("ix_kesos_audit_actor", audit.c.actor, audit.c.id)

# Break the glass: who opened which protected record, why, until when (shared.glass).
glass = Table(
    "kesos_glass",
    KERNEL,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("grant_id", String(36), nullable=False, unique=True),
    Column("actor", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("record_type", String(100), nullable=False),
    Column("record_id", String(100), nullable=False),
    Column("wilayah", String(20)),
    Column("reason", Text, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index(
    "ix_kesos_glass_holder",
    glass.c.actor,
    glass.c.record_type,
    glass.c.record_id,
    glass.c.expires_at,
)

idempotency = Table(
    "kesos_idempotency",
    KERNEL,
    Column("caller", String(200), primary_key=True),  # keys are per caller: never shared
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
