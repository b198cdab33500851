"""The reminder watch: every few minutes, remind the participants of diklat starting tomorrow
(use_cases/reminders.py), on the one replica whose round it is (shared/persistence/watch.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.use_cases.reminders import remind_starting
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.persistence.watch import Watch


class ReminderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRAINING_REMINDERS_", extra="ignore")

    poll_s: float = Field(300.0, gt=0, description="seconds between rounds")
    batch: int = Field(100, ge=1, description="batches per transaction")


def reminder_watch(
    uows: UnitOfWorkFactory[TrainingUnitOfWork],
    settings: ReminderSettings,
    clock: Callable[[], datetime] = utcnow,
) -> Watch[TrainingUnitOfWork]:
    async def work(uow: TrainingUnitOfWork, now: datetime) -> int:
        return await remind_starting(uow, now, settings.batch)

    return Watch("training-reminders", uows, work, poll_s=settings.poll_s, clock=clock)
