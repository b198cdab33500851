"""The dispatcher's settings (`NOTIFICATIONS_*`); the store, Redis and port are ServiceSettings."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.notifications.domain.deliveries import RetryPolicy


class DispatcherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    export_file: Path = Path("var/notifications/outbox.jsonl")
    max_attempts: int = Field(5, ge=1, le=100)
    backoff_base_s: float = Field(2.0, gt=0)
    backoff_max_s: float = Field(300.0, gt=0)
    batch_size: int = Field(50, ge=1, le=1000)
    poll_s: float = Field(1.0, gt=0)  # the fallback: commits that make deliveries ready ring
    send_timeout_s: float = Field(20.0, gt=0)
    lease_s: float = Field(60.0, gt=0)
    officers_file: Path | None = None  # the designated officers (domain.officers)
    operators_file: Path | None = None  # the Dinas's operators (domain.deadline_notices)

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> Self:
        # A lease shorter than a send would let another replica send the same delivery again.
        if self.lease_s <= self.send_timeout_s:
            raise ValueError("NOTIFICATIONS_LEASE_S must exceed NOTIFICATIONS_SEND_TIMEOUT_S")
        return self

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, self.backoff_base_s, self.backoff_max_s)
