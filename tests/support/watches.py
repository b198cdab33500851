"""For tests of a service's watch (shared/persistence/watch.py): a clock the test sets, replicas
running a round together, and the events a round wrote to the outbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.persistence.tables import outbox


class Clock:
    """Now is whatever the test set last."""

    def __init__(self) -> None:
        self.now = datetime.min

    def __call__(self) -> datetime:
        return self.now


async def together(kind: str, *rounds: Awaitable[Any]) -> None:
    """Replicas' rounds at the same time on PostgreSQL; one after another on SQLite, where one
    process is assumed (DESIGN.md §4)."""
    if kind == "postgresql":
        await asyncio.gather(*rounds)
    else:
        for round_ in rounds:
            await round_


async def outbox_events(engine: AsyncEngine) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of every event in the service's outbox, in the order written."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(outbox.c.type, outbox.c.fields).order_by(outbox.c.id)
        )
    return [(kind, json.loads(json.loads(fields)["data"])) for kind, fields in rows]
