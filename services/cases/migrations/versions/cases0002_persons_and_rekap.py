"""Cases: persons projection, cases reported by registry person id, categories for the rekap.

- `cases_persons`: registry's persons as cases needs them (id and where they live).
- `cases_cases.person` becomes nullable: a case reported by registry person id has no typed-in
  person.
- `cases_case_categories`: one row per case and PMKS category, so the rekap is a GROUP BY;
  backfilled from `cases_cases.categories` in batches (plain SQL reads and inserts, the same on
  SQLite and PostgreSQL, and never the whole table in memory).

Revision ID: cases0002
Revises: cases0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cases0002"
down_revision: str | Sequence[str] | None = "cases0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000

# The tables as this revision sees them, whatever the service's MetaData says later.
CASES = sa.table("cases_cases", sa.column("case_id", sa.String), sa.column("categories", sa.JSON))
CASE_CATEGORIES = sa.table(
    "cases_case_categories", sa.column("case_id", sa.String), sa.column("category", sa.String)
)


def upgrade() -> None:
    _persons()
    with op.batch_alter_table("cases_cases") as cases:  # SQLite: rebuilds the table
        cases.alter_column("person", existing_type=sa.JSON, nullable=True)
    _case_categories()
    _backfill_categories()


def _persons() -> None:
    op.create_table(
        "cases_persons",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("desa", sa.String(20), nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_cases_persons"),
    )


def _case_categories() -> None:
    op.create_table(
        "cases_case_categories",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("category", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "category", name="pk_cases_case_categories"),
    )
    op.create_index(
        "ix_cases_case_categories_category", "cases_case_categories", ["category", "case_id"]
    )


def _backfill_categories() -> None:
    """Every existing case's categories, read in case id order, BATCH cases at a time."""
    connection = op.get_bind()
    after = ""
    while True:
        query = (
            sa.select(CASES.c.case_id, CASES.c.categories)
            .where(CASES.c.case_id > after)
            .order_by(CASES.c.case_id)
            .limit(BATCH)
        )
        rows = connection.execute(query).all()
        if not rows:
            return
        pairs = [
            {"case_id": case_id, "category": code}
            for case_id, categories in rows
            for code in dict.fromkeys(categories)  # each once, as the primary key wants
        ]
        if pairs:
            connection.execute(sa.insert(CASE_CATEGORIES), pairs)
        after = rows[-1].case_id


def downgrade() -> None:
    # Fails while a case reported by registry person id exists: it has no typed-in person.
    op.drop_table("cases_case_categories")
    with op.batch_alter_table("cases_cases") as cases:
        cases.alter_column("person", existing_type=sa.JSON, nullable=False)
    op.drop_table("cases_persons")
