"""The registry's own tables (its own MetaData); `migrations/versions` mirrors them exactly."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
)

from shared.persistence.tables import NAMING
from shared.persistence.types import UtcDateTime

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
    Column("registered_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
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

persons = Table(
    "registry_persons",
    TABLES,
    Column("person_id", String(36), primary_key=True),
    Column("nik", String(16)),  # null: NIK not yet recorded (DOMAIN.md §3.1)
    Column("name", String(200), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_date", Date),
    Column("desa", String(20), nullable=False),
    Column("kecamatan", String(20), nullable=False),
    # Comma-separated PMKS codes ("LUT,PD"): a person holds a handful at most, and a category
    # filter matches `,LUT,` inside `,` || categories || `,` on SQLite and PostgreSQL alike.
    Column("categories", String(300), nullable=False),
    Column("version", Integer, nullable=False),  # the optimistic lock and the events' sequence
    Column("registered_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("sex IN ('L', 'P')", name="sex"),
)

# One person per NIK, enforced by the store so concurrent reports cannot both register; persons
# without a NIK are never matched, so the index leaves them out.
NIK_RECORDED = text("nik IS NOT NULL")
Index(
    "uq_registry_persons_nik",
    persons.c.nik,
    unique=True,
    postgresql_where=NIK_RECORDED,
    sqlite_where=NIK_RECORDED,
)
Index("ix_registry_persons_desa", persons.c.desa)

# One row per reported case: register-or-link stays idempotent after the inbox forgot the event.
case_links = Table(
    "registry_case_links",
    TABLES,
    Column("case_id", String(64), primary_key=True),
    Column("person_id", String(36), ForeignKey(persons.c.person_id), nullable=False),
    Column("matched_by", String(10), nullable=False),
    Column("linked_at", UtcDateTime, nullable=False),
    CheckConstraint("matched_by IN ('new', 'nik', 'person_id')", name="matched_by"),
)
Index("ix_registry_case_links_person_id", case_links.c.person_id)
