"""Wilayah scope in SQL: the twin of `shared.security.within` for queries.

A code is inside a scope when it is the scope or starts with the scope and a dot, so whole code
segments are compared: `63.05.1` never matches `63.05.10…` (codes are digits and dots only, so
LIKE needs no escaping).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_


def inside(column: ColumnElement[Any], scope: str) -> ColumnElement[bool]:
    """Rows whose wilayah code in `column` is `scope` or lies within it."""
    return or_(column == scope, column.like(f"{scope}.%"))


def overlapping(column: ColumnElement[Any], scope: str) -> ColumnElement[bool]:
    """Rows whose code lies within `scope` or holds it (an area serving the whole province
    reaches a kecamatan's caller): the twin of `shared.security.intersects`."""
    parts = scope.split(".")
    holding = [".".join(parts[:n]) for n in range(1, len(parts))]
    return or_(inside(column, scope), column.in_(holding))
