"""Cases' own tables (mirrored exactly by `migrations/versions/cases0001_cases.py`)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from shared.persistence.tables import NAMING
from shared.persistence.types import UtcDateTime

TABLES = MetaData(naming_convention=NAMING)

# Cases' projection of registry's workers: enough to find a kecamatan's active TKSK.
workers = Table(
    "cases_workers",
    TABLES,
    Column("worker_id", String(64), primary_key=True),
    Column("role", String(10), nullable=False),
    Column("wilayah", String(20), nullable=False),
    Column("kecamatan", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("sequence", BigInteger, nullable=False),  # the worker's registry version
)
Index("ix_cases_workers_kecamatan", workers.c.kecamatan, workers.c.role, workers.c.status)

cases = Table(
    "cases_cases",
    TABLES,
    Column("case_id", String(36), primary_key=True),
    Column("categories", JSON, nullable=False),
    Column("desa", String(20), nullable=False),
    Column("kecamatan", String(20), nullable=False),
    Column("status", String(30), nullable=False),
    Column("reported_by", String(64), nullable=False),
    Column("reporter_role", String(20), nullable=False),
    Column("assigned_tksk_id", String(64)),
    Column("person_ref", String(64), nullable=False),  # the case's own reference to the person
    Column("person_id", String(64)),  # registry's person id, once linked
    # The person as reported (NIK optional, name, sex, birth date): stays in this store.
    Column("person", JSON, nullable=False),
    Column("description", Text, nullable=False),
    Column("risk_level", String(10)),
    Column("needs", JSON, nullable=False),
    Column("referrals", JSON, nullable=False),
    Column("follow_ups", Integer, nullable=False),
    Column("rejection_reason", String(40)),
    Column("closure_reason", String(40)),
    Column("version", Integer, nullable=False),
    Column("reported_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
)
Index("ix_cases_cases_desa", cases.c.desa)
Index("ix_cases_cases_listing", cases.c.reported_at, cases.c.case_id)
Index("ix_cases_cases_waiting", cases.c.kecamatan, cases.c.status)
Index("ix_cases_cases_assigned", cases.c.assigned_tksk_id)

# One row per step of a case (CaseTransitioned), free text included: the case's timeline.
steps = Table(
    "cases_steps",
    TABLES,
    Column("case_id", String(36), primary_key=True),
    Column("sequence", Integer, primary_key=True),
    Column("action", String(30), nullable=False),
    Column("from_state", String(30)),
    Column("to_state", String(30), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("reason", Text),
    Column("details", JSON, nullable=False),
)
