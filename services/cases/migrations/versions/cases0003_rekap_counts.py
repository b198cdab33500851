"""Cases: the rekap's counts, kept with every case write instead of grouping every case.

- `cases_rekap_counts`: cases per kecamatan (depth 3) and per desa (depth 4) × PMKS category ×
  status (and `*protected`, the cases holding a protected category, counted once), each count
  spread over a few slots.
- backfilled from `cases_cases`, read in case id order BATCH at a time and counted in memory
  (a province holds a few thousand desa × category × status keys, whatever its case count).
  Which categories are protected is read from the reference data at upgrade time.

Revision ID: cases0003
Revises: cases0002
Create Date: 2026-11-30
"""

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.reference import pmks_categories

revision: str = "cases0003"
down_revision: str | Sequence[str] | None = "cases0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
ANY_PROTECTED = "*protected"

# The tables as this revision sees them, whatever the service's MetaData says later.
CASES = sa.table(
    "cases_cases",
    sa.column("case_id", sa.String),
    sa.column("categories", sa.JSON),
    sa.column("desa", sa.String),
    sa.column("kecamatan", sa.String),
    sa.column("status", sa.String),
)
COUNTS = sa.table(
    "cases_rekap_counts",
    *(
        sa.column(name)
        for name in ("depth", "area", "category", "status", "slot", "kecamatan", "cases")
    ),
)


def upgrade() -> None:
    op.create_table(
        "cases_rekap_counts",
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("area", sa.String(20), nullable=False),
        sa.Column("category", sa.String(10), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("slot", sa.Integer, nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("cases", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(
            "depth", "area", "category", "status", "slot", name="pk_cases_rekap_counts"
        ),
    )
    counts = _counted()
    if counts:
        op.bulk_insert(
            COUNTS,
            [
                {"depth": area.count(".") + 1, "area": area, "category": category,
                 "status": status, "slot": 0, "kecamatan": kecamatan, "cases": n}
                for (area, kecamatan, category, status), n in sorted(counts.items())
            ],
        )  # fmt: skip


def _counted() -> Counter[tuple[str, str, str, str]]:
    connection = op.get_bind()
    sensitive = pmks_categories().sensitive()
    counts: Counter[tuple[str, str, str, str]] = Counter()
    after = ""
    while True:
        query = (
            sa.select(CASES).where(CASES.c.case_id > after).order_by(CASES.c.case_id).limit(BATCH)
        )
        rows = connection.execute(query).all()
        if not rows:
            return counts
        for row in rows:
            codes = set(row.categories)
            if not sensitive.isdisjoint(codes):
                codes.add(ANY_PROTECTED)
            for code in codes:
                for area in (row.kecamatan, row.desa):
                    counts[(area, row.kecamatan, code, row.status)] += 1
        after = rows[-1].case_id


def downgrade() -> None:
    op.drop_table("cases_rekap_counts")
