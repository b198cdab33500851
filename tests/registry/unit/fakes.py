"""An in-memory unit of work for the use cases: the rules run without a store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.workers import Worker, WorkerRole
from services.registry.use_cases.ports import WorkerQuery
from shared.audit import Actor
from shared.contracts.envelope import Event
from shared.security import within


class FakeWorkers:
    def __init__(self) -> None:
        self.rows: dict[str, Worker] = {}

    async def get(self, worker_id: str) -> Worker | None:
        return self.rows.get(worker_id)

    async def with_nik(self, nik: str) -> Worker | None:
        return next((w for w in self.rows.values() if w.nik == nik), None)

    async def active_tksk(self, kecamatan: str) -> Worker | None:
        return next(
            (
                w
                for w in self.rows.values()
                if w.kecamatan == kecamatan and w.role is WorkerRole.TKSK and w.is_active
            ),
            None,
        )

    async def add(self, worker: Worker) -> bool:
        self.rows[worker.worker_id] = worker
        return True

    async def save(self, worker: Worker, *, expected_version: int) -> None:
        if self.rows[worker.worker_id].version != expected_version:
            raise ConcurrentUpdate()
        self.rows[worker.worker_id] = worker

    async def page(self, query: WorkerQuery, *, after: str | None, limit: int) -> list[Worker]:
        found = sorted(
            (w for w in self.rows.values() if within(w.wilayah, query.scope)),
            key=lambda w: w.worker_id,
        )
        for name in ("role", "status", "tier"):
            if (wanted := getattr(query, name)) is not None:
                found = [w for w in found if getattr(w, name) == wanted]
        return [w for w in found if after is None or w.worker_id > after][:limit]


@dataclass
class FakeOutbox:
    events: list[tuple[Event, int | None]] = field(default_factory=list)

    def add(self, event: Event, *, sequence: int | None = None) -> None:
        self.events.append((event, sequence))


@dataclass
class FakeWork:
    workers: FakeWorkers = field(default_factory=FakeWorkers)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    audited: list[tuple[str, str, str, str | None]] = field(default_factory=list)

    async def audit(
        self, actor: Actor, action: str, worker: Worker, now: datetime, reason: str | None = None
    ) -> None:
        self.audited.append((actor.sub, action, worker.worker_id, reason))

    def published(self) -> list[tuple[str, int | None]]:
        return [(event.type, sequence) for event, sequence in self.outbox.events]
