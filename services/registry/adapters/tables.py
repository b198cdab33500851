"""The registry's own tables (its own MetaData); `migrations/versions` mirrors them exactly."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
)

from shared.persistence.tables import NAMING

TABLES = MetaData(naming_convention=NAMING)

workers = Table(
    "registry_workers",
    TABLES,
    Column("worker_id", String(36), primary_key=True),
    Column("role", String(10), nullable=False),
    Column("nik", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("phone", String(20)),
    Column("wilayah", String(20), nullable=False),
    Column("kecamatan", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("tier", String(20)),
    Column("version", Integer, nullable=False),  # the optimistic lock and the events' sequence
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("role IN ('psm', 'tksk')", name="role"),
    CheckConstraint("status IN ('active', 'inactive')", name="status"),
    CheckConstraint("sex IN ('L', 'P')", name="sex"),
)

# The store enforces the two uniqueness rules too, so concurrent registrations cannot both pass.
ACTIVE_TKSK = text("role = 'tksk' AND status = 'active'")
Index("uq_registry_workers_nik", workers.c.nik, unique=True)
Index(
    "uq_registry_workers_active_tksk",
    workers.c.kecamatan,
    unique=True,
    postgresql_where=ACTIVE_TKSK,
    sqlite_where=ACTIVE_TKSK,
)
Index("ix_registry_workers_wilayah", workers.c.wilayah)
