"""What the use cases need from a unit of work: `adapters.unit_of_work` provides it, tests fake
it, so the rules run without a store."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.domain.families import Family, Member
from services.registry.domain.import_rows import RowError
from services.registry.domain.imports import Duplicate, ImportJob
from services.registry.domain.persons import CaseLink, Person
from services.registry.domain.reviews import Review, ReviewKind, ReviewStatus
from services.registry.domain.workers import Worker, WorkerRole, WorkerStatus
from shared.audit import Actor
from shared.contracts.envelope import Event
from shared.glass import GlassGrant


@dataclass(frozen=True, slots=True)
class WorkerQuery:
    """Workers whose wilayah lies inside `scope` (dotted code), optionally narrowed."""

    scope: str
    role: WorkerRole | None = None
    status: WorkerStatus | None = None
    tier: str | None = None


class Workers(Protocol):
    async def get(self, worker_id: str) -> Worker | None: ...

    async def with_nik(self, nik: str) -> Worker | None:
        """The worker holding the NIK (active first), never one under review."""
        ...

    async def all_with_nik(self, nik: str) -> list[Worker]:
        """Every worker record with the NIK, those under review included."""
        ...

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


@dataclass(frozen=True, slots=True)
class PersonQuery:
    """Persons whose desa lies inside `scope` (dotted code), optionally holding a category."""

    scope: str
    category: str | None = None


class Persons(Protocol):
    async def get(self, person_id: str) -> Person | None: ...

    async def get_many(self, person_ids: Collection[str]) -> dict[str, Person]:
        """Those of the persons that exist, by id."""
        ...

    async def with_nik(self, nik: str) -> Person | None:
        """The person holding the NIK, never a record under review."""
        ...

    async def all_with_nik(self, nik: str) -> list[Person]:
        """Every person record with the NIK, those under review included."""
        ...

    async def add(self, person: Person) -> bool:
        """Insert; False when a concurrent registration of the NIK won first."""
        ...

    async def save(self, person: Person, *, expected_version: int) -> None:
        """Update; `ConcurrentUpdate` when the stored version is no longer `expected_version`."""
        ...

    async def page(self, query: PersonQuery, *, after: str | None, limit: int) -> list[Person]:
        """Up to `limit` persons ordered by id, after the id `after`."""
        ...

    async def with_niks(self, niks: Collection[str]) -> dict[str, list[Person]]:
        """NIK → its records (oldest first), for the NIKs on record."""
        ...

    async def add_many(self, added: Sequence[Person]) -> None:
        """New persons in one statement; `IntegrityError` when a NIK was taken meanwhile."""
        ...

    async def in_blocks(self, blocks: Collection[tuple[str, str, int | None]]) -> list[Person]:
        """Persons not merged away in any of the (desa, sex, birth year) blocks."""
        ...

    async def in_block(self, desa: str, sex: str, born: date | None) -> list[Person]:
        """Persons of the desa and sex born the same year (or all without a birth date)."""
        ...

    async def desa_inside(self, scope: str) -> list[str]:
        """The desa inside `scope` where someone (not merged away) lives."""
        ...

    async def in_desa(self, desa: str) -> list[Person]:
        """Who lives in the desa, records merged away left out."""
        ...

    async def link_of(self, case_id: str) -> CaseLink | None: ...

    async def link(self, link: CaseLink) -> None: ...

    async def relink_cases(self, from_person: str, to_person: str) -> None:
        """Every case linked to `from_person` is now about `to_person` (a merge)."""
        ...

    async def cases_of(self, person_ids: list[str]) -> dict[str, list[str]]:
        """The case ids linked to each person (in link order); absent: none."""
        ...


class Reviews(Protocol):
    async def add(self, review: Review) -> bool:
        """False when the record has a review of this kind already (a duplicate: with the
        same other record)."""
        ...

    async def add_many(self, added: Sequence[Review]) -> None:
        """`add` for many at once (those held already are left as they are)."""
        ...

    async def get(self, review_id: str) -> Review | None: ...

    async def of_record(self, kind: ReviewKind, record_id: str) -> Review | None: ...

    async def save_open(self, review: Review) -> None:
        """Store an open review's change (its decision, or its details grown);
        `ConcurrentUpdate` when it was decided meanwhile."""
        ...

    async def page(
        self,
        scope: str,
        status: ReviewStatus | None,
        kind: ReviewKind | None = None,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Review]:
        """Up to `limit` reviews, oldest first, after the (opened_at, id) `after`."""
        ...


class Families(Protocol):
    async def get(self, family_id: str) -> Family | None: ...

    async def with_kk(self, no_kk: str) -> Family | None: ...

    async def with_kks(self, kks: Collection[str]) -> dict[str, Family]:
        """No. KK → its family, for those registered."""
        ...

    async def in_a_family(self, person_ids: Collection[str]) -> set[str]:
        """Those of the persons who belong to a family now."""
        ...

    async def add_many(self, added: Sequence[Family]) -> None:
        """New families and their members; `IntegrityError` when a uniqueness rule was won
        meanwhile."""
        ...

    async def page(self, scope: str, *, after: str | None, limit: int) -> list[Family]:
        """Up to `limit` families inside `scope` ordered by id, after the id `after`."""
        ...

    async def of_person(self, person_id: str) -> Family | None:
        """The family a person currently belongs to."""
        ...

    async def add(self, family: Family) -> bool:
        """Insert with its members; False when a concurrent request took the No. KK or a
        member's one current family first."""
        ...

    async def save(
        self,
        family: Family,
        *,
        expected_version: int,
        joined: Sequence[Member] = (),
        left: Sequence[str] = (),
    ) -> bool:
        """The new version with memberships begun and ended; False when a joining member was
        taken by a concurrent request; `ConcurrentUpdate` when the family changed meanwhile."""
        ...


class Imports(Protocol):
    async def add(self, job: ImportJob) -> None: ...

    async def get(self, import_id: str) -> ImportJob | None: ...

    async def keyed(self, submitted_by: str, key: str) -> ImportJob | None: ...

    async def save(self, job: ImportJob) -> None: ...

    async def add_chunk(self, import_id: str, seq: int, data: bytes) -> None: ...

    async def drop_chunks(self, import_id: str) -> None: ...

    async def add_errors(self, import_id: str, errors: list[RowError]) -> None: ...

    async def add_duplicates(self, import_id: str, found: list[Duplicate]) -> None: ...

    async def errors_of(self, import_id: str) -> list[RowError]: ...

    async def person_for(self, row_key: str) -> str | None:
        """The person an earlier import registered for a row without a NIK."""
        ...

    async def persons_for(self, row_keys: Collection[str]) -> dict[str, str]:
        """Key → person id, for the keys known."""
        ...

    async def remember(self, row_key: str, person_id: str) -> None: ...

    async def remember_many(self, keys: Mapping[str, str]) -> None:
        """New keys (key → person id)."""
        ...


class EventSink(Protocol):
    def add(self, event: Event, *, sequence: int | None = None) -> object: ...


class RegistryWork(Protocol):
    @property
    def workers(self) -> Workers: ...

    @property
    def persons(self) -> Persons: ...

    @property
    def reviews(self) -> Reviews: ...

    @property
    def families(self) -> Families: ...

    @property
    def imports(self) -> Imports: ...

    @property
    def session(self) -> AsyncSession:
        """For savepoints: a row of an import that breaks a rule is rolled back alone."""
        ...

    async def flush(self) -> None: ...

    def discard_unflushed(self) -> None: ...

    async def audit_import(self, actor: Actor, action: str, job: ImportJob, now: datetime) -> None:
        """An audit row for an import job (its submitter's wilayah)."""
        ...

    @property
    def outbox(self) -> EventSink: ...

    async def audit(
        self,
        actor: Actor,
        action: str,
        record: Worker | Person | Family,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        """An audit row naming the record and its wilayah (a worker's, a person's desa)."""
        ...

    async def audit_search(
        self, actor: Actor, action: str, nik: str, wilayah: str, now: datetime
    ) -> None:
        """A search that found nothing: the NIK's region only, and where the caller searched."""
        ...

    async def audit_reads(
        self,
        actor: Actor,
        action: str,
        reads: Sequence[tuple[Worker | Person | Family, str]],
        now: datetime,
    ) -> None:
        """One audit row per record read, each with why it could be read."""
        ...

    async def glass_grants(
        self, sub: str, record_type: str, record_ids: Iterable[str], now: datetime
    ) -> dict[str, str]:
        """record id → grant id of `sub`'s unexpired break-the-glass grants."""
        ...

    async def break_glass(
        self, actor: Actor, record: Person, reason: str, now: datetime, ttl_s: int
    ) -> GlassGrant:
        """A grant on the record for `actor`, audited."""
        ...
