"""An in-memory unit of work for the use cases: the rules run without a store."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.persons import CaseLink, Person
from services.registry.domain.reviews import Review, ReviewKind, ReviewStatus
from services.registry.domain.workers import Worker, WorkerRole
from services.registry.use_cases.ports import PersonQuery, WorkerQuery
from shared.audit import Actor
from shared.contracts.envelope import Event
from shared.glass import GlassGrant
from shared.security import within


class FakeWorkers:
    def __init__(self) -> None:
        self.rows: dict[str, Worker] = {}

    async def get(self, worker_id: str) -> Worker | None:
        return self.rows.get(worker_id)

    async def with_nik(self, nik: str) -> Worker | None:
        held = [w for w in self.rows.values() if w.nik == nik and w.nik_review is None]
        return sorted(held, key=lambda w: (not w.is_active, w.registered_at))[0] if held else None

    async def all_with_nik(self, nik: str) -> list[Worker]:
        return [w for w in self.rows.values() if w.nik == nik]

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


class FakePersons:
    def __init__(self) -> None:
        self.rows: dict[str, Person] = {}
        self.links: dict[str, CaseLink] = {}

    async def get(self, person_id: str) -> Person | None:
        return self.rows.get(person_id)

    async def get_many(self, person_ids: Collection[str]) -> dict[str, Person]:
        return {i: self.rows[i] for i in person_ids if i in self.rows}

    async def with_nik(self, nik: str) -> Person | None:
        return next((p for p in self.rows.values() if p.nik == nik and not p.nik_review), None)

    async def all_with_nik(self, nik: str) -> list[Person]:
        return [p for p in self.rows.values() if p.nik == nik]

    async def add(self, person: Person) -> bool:
        held = person.nik is not None and person.nik_review is None
        if held and await self.with_nik(person.nik or "") is not None:
            return False
        self.rows[person.person_id] = person
        return True

    async def save(self, person: Person, *, expected_version: int) -> None:
        if self.rows[person.person_id].version != expected_version:
            raise ConcurrentUpdate()
        self.rows[person.person_id] = person

    async def page(self, query: PersonQuery, *, after: str | None, limit: int) -> list[Person]:
        found = sorted(
            (p for p in self.rows.values() if within(p.desa, query.scope)),
            key=lambda p: p.person_id,
        )
        if query.category is not None:
            found = [p for p in found if query.category in p.categories]
        return [p for p in found if after is None or p.person_id > after][:limit]

    async def link_of(self, case_id: str) -> CaseLink | None:
        return self.links.get(case_id)

    async def link(self, link: CaseLink) -> None:
        assert link.case_id not in self.links, "the store's primary key refuses a second link"
        self.links[link.case_id] = link

    async def cases_of(self, person_ids: list[str]) -> dict[str, list[str]]:
        linked: dict[str, list[str]] = {}
        for link in self.links.values():
            if link.person_id in person_ids:
                linked.setdefault(link.person_id, []).append(link.case_id)
        return linked


class FakeReviews:
    def __init__(self) -> None:
        self.rows: dict[str, Review] = {}

    async def add(self, review: Review) -> bool:
        if await self.of_record(review.kind, review.record_id) is not None:
            return False
        self.rows[review.review_id] = review
        return True

    async def get(self, review_id: str) -> Review | None:
        return self.rows.get(review_id)

    async def of_record(self, kind: ReviewKind, record_id: str) -> Review | None:
        return next(
            (r for r in self.rows.values() if r.kind == kind and r.record_id == record_id), None
        )

    async def save_open(self, review: Review) -> None:
        if self.rows[review.review_id].status is not ReviewStatus.OPEN:
            raise ConcurrentUpdate()
        self.rows[review.review_id] = review

    async def page(
        self,
        scope: str,
        status: ReviewStatus | None,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Review]:
        found = sorted(
            (r for r in self.rows.values() if all(within(p, scope) for p in r.places)),
            key=lambda r: (r.opened_at, r.review_id),
        )
        found = [r for r in found if status is None or r.status is status]
        return [r for r in found if after is None or (r.opened_at, r.review_id) > after][:limit]


@dataclass
class FakeOutbox:
    events: list[tuple[Event, int | None]] = field(default_factory=list)

    def add(self, event: Event, *, sequence: int | None = None) -> None:
        self.events.append((event, sequence))


@dataclass
class FakeWork:
    workers: FakeWorkers = field(default_factory=FakeWorkers)
    persons: FakePersons = field(default_factory=FakePersons)
    reviews: FakeReviews = field(default_factory=FakeReviews)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    audited: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    grants: list[GlassGrant] = field(default_factory=list)

    async def audit(
        self,
        actor: Actor,
        action: str,
        record: Worker | Person,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        record_id = record.person_id if isinstance(record, Person) else record.worker_id
        self.audited.append((actor.sub, action, record_id, reason))

    async def audit_reads(
        self, actor: Actor, action: str, reads: Sequence[tuple[Worker | Person, str]], now: datetime
    ) -> None:
        for record, why in reads:
            await self.audit(actor, action, record, now, why)

    async def audit_search(
        self, actor: Actor, action: str, nik: str, wilayah: str, now: datetime
    ) -> None:
        self.audited.append((actor.sub, action, nik[:6], "no match"))

    async def glass_grants(
        self, sub: str, record_type: str, record_ids: Iterable[str], now: datetime
    ) -> dict[str, str]:
        wanted = set(record_ids)
        return {
            g.record_id: g.grant_id
            for g in self.grants
            if g.actor == sub and g.record_type == record_type
            and g.record_id in wanted and g.expires_at > now
        }  # fmt: skip

    async def break_glass(
        self, actor: Actor, record: Person, reason: str, now: datetime, ttl_s: int
    ) -> GlassGrant:
        grant = GlassGrant(
            f"g-{len(self.grants) + 1}", actor.sub, actor.role, "person", record.person_id,
            record.desa, reason, now, now + timedelta(seconds=ttl_s),
        )  # fmt: skip
        self.grants.append(grant)
        await self.audit(actor, "glass.open", record, now, reason)
        return grant

    def published(self) -> list[tuple[str, int | None]]:
        return [(event.type, sequence) for event, sequence in self.outbox.events]
