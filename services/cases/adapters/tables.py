"""Cases' own tables (mirrored exactly by the migrations in `migrations/versions/`)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

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

# Cases' projection of registry's persons: enough to accept a report naming a registry person
# (the person exists, and lives inside the reporter's wilayah). No identity: none is published.
persons = Table(
    "cases_persons",
    TABLES,
    Column("person_id", String(64), primary_key=True),
    Column("desa", String(20), nullable=False),
    Column("kecamatan", String(20), nullable=False),
    Column("sequence", BigInteger, nullable=False),  # the person's registry version
)

# The registry's merges: `person_id` is a record the Dinas found to be `merged_into`. A case
# linked to it (a link arriving after the merge) is linked to that person instead.
person_merges = Table(
    "cases_person_merges",
    TABLES,
    Column("person_id", String(64), primary_key=True),
    Column("merged_into", String(64), nullable=False),
    Column("merged_at", UtcDateTime, nullable=False),
)

# Cases' projection of registry's families: a household's size (a case shows it), and which
# household each person is in now. `joined_at` keeps a person in the family they joined last,
# whatever order two families' events arrive in; a household's `sequence` keeps its newest state.
households = Table(
    "cases_households",
    TABLES,
    Column("family_id", String(36), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("sequence", BigInteger, nullable=False),  # the family's registry version
)
household_members = Table(
    "cases_household_members",
    TABLES,
    Column("person_id", String(64), primary_key=True),
    Column("family_id", String(36), nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
)
Index("ix_cases_household_members_family_id", household_members.c.family_id)

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
    # The person as typed in (NIK optional, name, sex, birth date): stays in this store. NULL
    # when the report named a registry person (`person_id`) instead; SQL NULL, not JSON null.
    Column("person", JSON(none_as_null=True)),
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
    Column("plan", JSON(none_as_null=True)),  # the intervention plan's items; NULL: none yet
)
Index("ix_cases_cases_desa", cases.c.desa)
Index("ix_cases_cases_listing", cases.c.reported_at, cases.c.case_id)
Index("ix_cases_cases_waiting", cases.c.kecamatan, cases.c.status)
Index("ix_cases_cases_assigned", cases.c.assigned_tksk_id)

# A case's PMKS categories, one row each, kept in step with `cases.categories` on every write:
# the rekap groups and counts them in SQL instead of loading every case of a province.
case_categories = Table(
    "cases_case_categories",
    TABLES,
    Column("case_id", String(36), primary_key=True),
    Column("category", String(10), primary_key=True),
)
Index("ix_cases_case_categories_category", case_categories.c.category, case_categories.c.case_id)

# How many cases each kecamatan (depth 3) and each desa (depth 4) holds per PMKS category and
# status, changed in the transaction of every case write: a rekap sums the rows of one depth —
# a kabupaten's, its kecamatan's few thousand — not a province's cases. `category` is a PMKS
# code, or ANY_PROTECTED for the cases holding one protected code or more (counted once: the
# rekap non-officers see). Each count is spread over SLOTS rows, so that concurrent reports in
# one place and category do not queue on one row's lock.
rekap_counts = Table(
    "cases_rekap_counts",
    TABLES,
    Column("depth", Integer, primary_key=True),
    Column("area", String(20), primary_key=True),
    Column("category", String(10), primary_key=True),
    Column("status", String(30), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("kecamatan", String(20), nullable=False),
    Column("cases", Integer, nullable=False),
)
ANY_PROTECTED = "*protected"
SLOTS = 8
KECAMATAN, DESA = 3, 4  # the depths: parts of the area's Kemendagri code

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

# Each open case's next deadline (services/cases/domain/deadlines.py), rewritten by each step,
# and which of its notices were announced: `next_at` is when the next one falls due (NULL when
# all were), what the deadline watch looks for. `set_by` (the version whose step set it) is the
# deadline's identity: a notice is announced only for the deadline it was computed from.
deadlines = Table(
    "cases_deadlines",
    TABLES,
    Column("case_id", String(36), primary_key=True),
    Column("set_by", Integer, nullable=False),
    Column("step", String(30), nullable=False),
    Column("awaiting_role", String(10), nullable=False),  # tksk | psm | operator
    Column("awaiting_id", String(64)),  # the worker; NULL: any operator of the wilayah
    Column("desa", String(20), nullable=False),
    Column("kecamatan", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("due_day", Date, nullable=False),
    Column("due_soon_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("escalate_at", UtcDateTime, nullable=False),
    Column("holidays_known", Boolean, nullable=False),
    Column("announced", Integer, nullable=False),  # deadlines.Notice
    Column("next_at", UtcDateTime),
)
Index("ix_cases_deadlines_next_at", deadlines.c.next_at)
Index("ix_cases_deadlines_awaiting", deadlines.c.awaiting_role, deadlines.c.awaiting_id,
      deadlines.c.due_at)  # fmt: skip
Index("ix_cases_deadlines_due_at", deadlines.c.due_at)

# Cases' projection of registry's receiving institutions: which a referral may name.
institutions = Table(
    "cases_institutions",
    TABLES,
    Column("institution_id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("wilayah", String(20), nullable=False),  # the area it serves
    Column("active", Boolean, nullable=False),
    Column("sequence", BigInteger, nullable=False),  # the institution's registry version
)

# From registry's restricted profiles stream: the sex and birth date of persons with a case, for
# the rekap by sex and age band (ADR 0012). Nothing else of them: no name, no NIK.
profiles = Table(
    "cases_profiles",
    TABLES,
    Column("person_id", String(64), primary_key=True),
    Column("sex", String(1), nullable=False),
    Column("birth_date", Date),
    Column("sequence", BigInteger, nullable=False),  # the person's registry version
)

# Each referral to a receiving institution, kept in step with the case's `referrals` on every
# write: what an institution's client lists as its own (`GET /v1/referrals`).
referrals = Table(
    "cases_referrals",
    TABLES,
    Column("referral_id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("institution_id", String(36), nullable=False),
    Column("status", String(20), nullable=False),
    Column("referred_at", UtcDateTime, nullable=False),
)
Index("ix_cases_referrals_institution", referrals.c.institution_id, referrals.c.referred_at)
