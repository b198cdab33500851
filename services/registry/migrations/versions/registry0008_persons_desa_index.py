"""Registry: the persons' index on desa alone dropped — the duplicate block's index (desa, sex,
birth date) begins with desa and serves the same lookups; one index fewer to keep on every
person registered (an import of a province writes 1.7 million).

Revision ID: registry0008
Revises: registry0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "registry0008"
down_revision: str | Sequence[str] | None = "registry0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_registry_persons_desa", table_name="registry_persons")


def downgrade() -> None:
    op.create_index("ix_registry_persons_desa", "registry_persons", ["desa"])
