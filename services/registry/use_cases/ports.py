"""What the use cases need from a unit of work: `adapters.unit_of_work` provides it, tests fake
it, so the rules run without a store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.registry.domain.workers import Worker, WorkerRole, WorkerStatus
from shared.audit import Actor
from shared.contracts.envelope import Event


@dataclass(frozen=True, slots=True)
class WorkerQuery:
    """Workers whose wilayah lies inside `scope` (dotted code), optionally narrowed."""

    scope: str
    role: WorkerRole | None = None
    status: WorkerStatus | None = None
    tier: str | None = None


class Workers(Protocol):
    async def get(self, worker_id: str) -> Worker | None: ...

    async def with_nik(self, nik: str) -> Worker | None: ...

    async def active_tksk(self, kecamatan: str) -> Worker | None: ...

    async def add(self, worker: Worker) -> bool:
        """Insert; False when a concurrent registration won a uniqueness rule first."""
        ...

    async def save(self, worker: Worker, *, expected_version: int) -> None:
        """Update; `ConcurrentUpdate` when the stored version is no longer `expected_version`."""
        ...

    async def page(self, query: WorkerQuery, *, after: str | None, limit: int) -> list[Worker]:
        """Up to `limit` workers ordered by id, after the id `after`."""
        ...


class EventSink(Protocol):
    def add(self, event: Event, *, sequence: int | None = None) -> object: ...


class RegistryWork(Protocol):
    @property
    def workers(self) -> Workers: ...

    @property
    def outbox(self) -> EventSink: ...

    async def audit(
        self, actor: Actor, action: str, worker: Worker, now: datetime, reason: str | None = None
    ) -> None: ...
