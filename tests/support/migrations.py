"""Does a service's Alembic branch create exactly the tables its MetaData describes?"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData


def differences(connection: Connection, tables: MetaData) -> list[Any]:
    """Alembic's diff between the database and `tables`, limited to the service's own tables
    (the test template also holds the kernel's and the test domain's)."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [diff for diff in compare_metadata(context, tables) if _table_of(diff, tables)]


def _table_of(diff: Any, tables: MetaData) -> str | None:
    """The service table a difference is about: a name, a Table, or a column or index of one."""
    change = diff[0] if isinstance(diff, list) else diff  # type changes come as lists
    for part in change[1:]:
        if isinstance(part, str) and part in tables.tables:
            return part
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name) if table.name in tables.tables else None
        if getattr(part, "name", None) in tables.tables:
            return str(part.name)
    return None
