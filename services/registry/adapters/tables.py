"""The registry's own tables (its own MetaData); `migrations/versions` mirrors them exactly."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from services.registry.domain.families import Relationship
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
    Column("nik_review", String(36)),  # the Dinas's review while the NIK is a worker's elsewhere
    CheckConstraint("role IN ('psm', 'tksk')", name="role"),
    CheckConstraint("status IN ('active', 'inactive')", name="status"),
    CheckConstraint("sex IN ('L', 'P')", name="sex"),
)

# The store enforces the two uniqueness rules too, so concurrent registrations cannot both pass.
# One active worker per NIK — leaving out the records the Dinas is reviewing (ADR 0005).
ACTIVE_TKSK = text("role = 'tksk' AND status = 'active'")
WORKER_NIK = text("status = 'active' AND nik_review IS NULL")
Index(
    "uq_registry_workers_nik",
    workers.c.nik,
    unique=True,
    postgresql_where=WORKER_NIK,
    sqlite_where=WORKER_NIK,
)
Index("ix_registry_workers_nik", workers.c.nik)
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
    Column("nik_review", String(36)),  # the Dinas's review while the NIK is another's elsewhere
    Column("merged_into", String(36)),  # the person a review found this record to be
    CheckConstraint("sex IN ('L', 'P')", name="sex"),
)

# One person per NIK, enforced by the store so concurrent reports cannot both register; persons
# without a NIK are never matched, and records under review wait for the Dinas.
NIK_RECORDED = text("nik IS NOT NULL AND nik_review IS NULL")
Index(
    "uq_registry_persons_nik",
    persons.c.nik,
    unique=True,
    postgresql_where=NIK_RECORDED,
    sqlite_where=NIK_RECORDED,
)
Index("ix_registry_persons_nik", persons.c.nik)  # every record of a NIK, those under review too
# A duplicate block: the same desa, sex and birth year (domain.duplicates); and, by its first
# column, every lookup by desa.
Index("ix_registry_persons_block", persons.c.desa, persons.c.sex, persons.c.birth_date)

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

# What the Dinas must decide (domain.reviews): a NIK held elsewhere, a report not matching the
# person its NIK names. `details` holds the reported identity, which stays in this store.
reviews = Table(
    "registry_reviews",
    TABLES,
    Column("review_id", String(36), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("status", String(10), nullable=False),
    Column("record_type", String(10), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("other_id", String(36)),
    Column("wilayah", String(20), nullable=False),
    Column("other_wilayah", String(20)),
    Column("details", Text),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    Column("resolved_by", String(200)),
    Column("decision", String(30)),
    Column("note", Text),
    CheckConstraint("status IN ('open', 'resolved')", name="status"),
)
Index("ix_registry_reviews_listing", reviews.c.status, reviews.c.opened_at, reviews.c.review_id)
Index(
    "uq_registry_reviews_record",
    reviews.c.kind,
    reviews.c.record_id,
    reviews.c.other_id,
    unique=True,
)

# Families as on the Kartu Keluarga (domain.families). A membership row stays when it ends
# (`left_at`): the KK's history. One current family per person, one current head per family,
# one family per recorded No. KK: all enforced by the store, so concurrent requests cannot break
# them.
families = Table(
    "registry_families",
    TABLES,
    Column("family_id", String(36), primary_key=True),
    Column("no_kk", String(16)),  # null: the KK number is not yet recorded
    Column("desa", String(20), nullable=False),
    Column("kecamatan", String(20), nullable=False),
    Column("version", Integer, nullable=False),  # the optimistic lock and the events' sequence
    Column("registered_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
KK_RECORDED = text("no_kk IS NOT NULL")
Index(
    "uq_registry_families_no_kk",
    families.c.no_kk,
    unique=True,
    postgresql_where=KK_RECORDED,
    sqlite_where=KK_RECORDED,
)
Index("ix_registry_families_desa", families.c.desa)

RELATIONSHIPS = tuple(relationship.value for relationship in Relationship)
family_members = Table(
    "registry_family_members",
    TABLES,
    Column("family_id", String(36), ForeignKey(families.c.family_id), primary_key=True),
    Column("person_id", String(36), ForeignKey(persons.c.person_id), primary_key=True),
    Column("joined_at", UtcDateTime, primary_key=True),
    Column("relationship", String(20), nullable=False),
    Column("left_at", UtcDateTime),
    CheckConstraint(
        "relationship IN (" + ", ".join(f"'{name}'" for name in RELATIONSHIPS) + ")",
        name="relationship",
    ),
)
CURRENT = text("left_at IS NULL")
CURRENT_HEAD = text("left_at IS NULL AND relationship = 'kepala_keluarga'")
Index(
    "uq_registry_family_members_person",
    family_members.c.person_id,
    unique=True,
    postgresql_where=CURRENT,
    sqlite_where=CURRENT,
)
Index(
    "uq_registry_family_members_head",
    family_members.c.family_id,
    unique=True,
    postgresql_where=CURRENT_HEAD,
    sqlite_where=CURRENT_HEAD,
)

# Imports of DTKS-style extracts (use_cases/imports.py). `next_line` is the checkpoint: every row
# before it is applied, in the same transactions as its effects, so a killed import resumes there.
imports = Table(
    "registry_imports",
    TABLES,
    Column("import_id", String(36), primary_key=True),
    Column("submitted_by", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("wilayah", String(20), nullable=False),  # the submitter's: every row must be inside
    Column("filename", String(200), nullable=False),
    Column("path", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("status", String(10), nullable=False),
    Column("next_line", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("persons_created", Integer, nullable=False),
    Column("persons_updated", Integer, nullable=False),
    Column("families", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("lease_owner", String(200)),
    Column("lease_until", UtcDateTime),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("failure", Text),
    Column("idempotency_key", String(200)),  # an upload sent again is the same job
    CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
)
Index("ix_registry_imports_status", imports.c.status, imports.c.submitted_at)
KEYED = text("idempotency_key IS NOT NULL")
Index(
    "uq_registry_imports_key",
    imports.c.submitted_by,
    imports.c.idempotency_key,
    unique=True,
    postgresql_where=KEYED,
    sqlite_where=KEYED,
)
import_errors = Table(
    "registry_import_errors",
    TABLES,
    Column("import_id", String(36), ForeignKey(imports.c.import_id), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("rule", String(60), nullable=False),
    Column("column_name", String(40)),
)
# Persons an import registered without a NIK who look like a person already registered: for the
# Dinas to check (domain.duplicates).
import_duplicates = Table(
    "registry_import_duplicates",
    TABLES,
    Column("import_id", String(36), ForeignKey(imports.c.import_id), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("other_id", String(36), primary_key=True),
    Column("person_id", String(36), nullable=False),
    Column("score", Integer, nullable=False),
)
# The uploaded file itself, in chunks: any replica can apply (or resume) a job, and a backup of
# the store holds what was imported. Removed once the job is finished.
import_chunks = Table(
    "registry_import_chunks",
    TABLES,
    Column("import_id", String(36), ForeignKey(imports.c.import_id), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
# A person without a NIK, by what the row said of them: importing a file again finds them.
import_keys = Table(
    "registry_import_keys",
    TABLES,
    Column("row_key", String(64), primary_key=True),
    Column("person_id", String(36), ForeignKey(persons.c.person_id), nullable=False),
)

# Receiving institutions (domain/institutions.py): reference data the Dinas keeps.
institutions = Table(
    "registry_institutions",
    TABLES,
    Column("institution_id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("wilayah", String(20), nullable=False),  # the area it serves
    Column("address", Text),
    Column("phone", String(30)),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),  # the optimistic lock and the events' sequence
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_registry_institutions_wilayah", institutions.c.wilayah)
