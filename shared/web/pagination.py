"""Cursor pagination: lists return `items` and an opaque `next_cursor` (absent on the last page).

A cursor is the last item's sort key, base64url-encoded JSON; clients pass it back untouched.
Offsets are not offered: they skip or repeat rows while others write.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from shared.web.problems import Problem

T = TypeVar("T")
K = TypeVar("K")

MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
Cursor = Annotated[str | None, Query(max_length=500, description="`next_cursor` of the last page")]


def encode_cursor(key: Any) -> str:
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    """The sort key a cursor carries, or None for the first page; a bad cursor is the client's."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Problem(
            400, "invalid-cursor", "Invalid cursor", "pass `next_cursor` back as given"
        ) from None


TimeAndId = tuple[datetime, str]


def time_and_id(at: datetime, record_id: str) -> list[str]:
    """The sort key of lists ordered by a time, then an id (to break ties)."""
    return [at.isoformat(), record_id]


def sort_key_after(cursor: str | None, parse: Callable[[Any], K]) -> tuple[K, str] | None:
    """The (value, id) sort key of the previous page's last item, its value read back with
    `parse` (`datetime.fromisoformat`, `date.fromisoformat`); a cursor not made so is refused."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    try:
        value, record_id = key
        return parse(value), str(record_id)
    except (TypeError, ValueError):
        raise Problem(
            400, "invalid-cursor", "Invalid cursor", "pass `next_cursor` back as given"
        ) from None


def time_and_id_after(cursor: str | None) -> TimeAndId | None:
    """The time and id of the previous page's last item, from a `time_and_id` cursor."""
    return sort_key_after(cursor, datetime.fromisoformat)


def page_of(items: list[T], limit: int, key_of: Any) -> Page[T]:
    """Build a page from up to `limit + 1` fetched items: the extra one says there is more."""
    if len(items) <= limit:
        return Page(items=items)
    kept = items[:limit]
    return Page(items=kept, next_cursor=encode_cursor(key_of(kept[-1])))
