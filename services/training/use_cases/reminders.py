"""Reminding participants of a diklat: the day before it starts, from office opening (WITA).

Called by the reminder watch (shared/persistence/watch.py). A batch is reminded once per start
date: the record of it is written with the `batch_starting` event, and refused if another
replica wrote it first. A watch that was down reminds on the first day still worth it — the
start day itself — and not after.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.training.adapters.unit_of_work import TrainingUnitOfWork
from shared.contracts.training import BatchStarting
from shared.reference.calendar import office_opens, wita_day

DAY = timedelta(days=1)


async def remind_starting(uow: TrainingUnitOfWork, now: datetime, limit: int = 100) -> int:
    """Remind the participants of batches starting tomorrow (or today); how many batches."""
    today = wita_day(now)
    reminded = 0
    for batch in await uow.reminders.not_reminded((today, today + DAY), limit):
        if now < office_opens(batch.starts_on - DAY):
            continue  # tomorrow's batch, before office hours today
        if not await uow.reminders.remember(batch, now):
            continue
        participants = await uow.reminders.participants(batch.batch_id)
        if participants:
            uow.outbox.add(BatchStarting(
                batch_id=batch.batch_id, tier=batch.tier, batch_title=batch.title,
                starts_on=batch.starts_on, ends_on=batch.ends_on, venue=batch.venue,
                participants=tuple(participants),
            ))  # fmt: skip
        reminded += 1
    return reminded
