"""An import of a DTKS-style extract, as a job: who submitted it (its rows must lie inside their
wilayah), how far it got (`next_line`: the checkpoint), what it did, and its lease (one worker
at a time, across replicas; a lease that ran out is taken over, from the checkpoint)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.security import Principal, Role


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FIRST_ROW = 2  # line 1 is the header


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A person a row registered (no NIK) who looks like one registered before."""

    line: int
    person_id: str
    other_id: str
    score: int  # name similarity, 0–100


@dataclass(frozen=True, slots=True)
class ImportJob:
    import_id: str
    submitted_by: str
    role: str
    wilayah: str
    filename: str
    path: str
    sha256: str
    dry_run: bool
    status: ImportStatus
    next_line: int
    rows: int
    persons_created: int
    persons_updated: int
    families: int
    errors: int
    duplicates: int
    submitted_at: datetime
    updated_at: datetime
    lease_owner: str | None = None
    lease_until: datetime | None = None
    finished_at: datetime | None = None
    failure: str | None = None
    idempotency_key: str | None = None

    @classmethod
    def submit(
        cls, import_id: str, by: Principal, filename: str, path: str, sha256: str,
        dry_run: bool, now: datetime, idempotency_key: str | None = None,
    ) -> ImportJob:  # fmt: skip
        return cls(
            import_id=import_id, submitted_by=by.sub, role=str(by.role), wilayah=by.wilayah,
            filename=filename, path=path, sha256=sha256, dry_run=dry_run,
            status=ImportStatus.QUEUED, next_line=FIRST_ROW, rows=0, persons_created=0,
            persons_updated=0, families=0, errors=0, duplicates=0, submitted_at=now,
            updated_at=now,
            idempotency_key=idempotency_key,
        )  # fmt: skip

    @property
    def submitter(self) -> Principal:
        """The rows are applied as the person who submitted them: their scope, their name."""
        return Principal(self.submitted_by, Role(self.role), self.wilayah)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
