"""Ids of the records the services make, and of their events: UUIDv7 (RFC 9562).

As unguessable to a reader as a UUIDv4 (74 random bits), but made in time order, so a primary
key, a foreign key or an index on them grows at its right edge: an insert touches the pages the
last ones touched, not a random page of an index larger than the server's cache (ADR 0013).
"""

from __future__ import annotations

from uuid import UUID

import uuid_utils
from uuid_utils.compat import uuid7


def new_uuid() -> UUID:
    """A new event's id, as the standard library's UUID (the envelope's field type)."""
    return uuid7()


def new_id() -> str:
    """A new record's id, as the stores keep it (36 characters). `uuid_utils`' own UUID type:
    its text costs a fifth of the standard library's (an import makes one per row)."""
    return str(uuid_utils.uuid7())
