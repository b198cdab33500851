"""Looking many keys up at once, as one statement of fixed text."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ARRAY, any_, bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement


def one_of(session: AsyncSession, column: ColumnElement[Any], values: Collection[Any]) -> Any:
    """Whether `column` holds one of `values`. On PostgreSQL `= ANY($1)`, the values one array:
    the statement's text is the same for any number of them, so the server parses and plans it
    once — an IN list is a statement of its own for every count, and an import's batch looks up
    hundreds of NIKs, keys and No. KKs at each turn. Elsewhere an IN list."""
    wanted = sorted(set(values))
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, wanted, type_=ARRAY(column.type)))
    return column.in_(wanted)
