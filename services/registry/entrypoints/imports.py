"""Imports over HTTP, and the worker that applies them.

`POST /v1/imports?filename=&dry_run=` takes the file itself as the body (CSV or XLSX, at most
`REGISTRY_IMPORT_MAX_BYTES`), keeps it in the store (so any replica can apply it) and answers
202 with the job;
`GET /v1/imports/{id}` is its status and progress; `GET /v1/imports/{id}/errors` the bad rows
(`line,rule,column`, CSV). Dinas staff only, each seeing the jobs inside their wilayah.

The worker (one per replica) takes the oldest job nobody holds a lease on and applies it batch
by batch from its checkpoint, renewing the lease with each batch: a replica killed mid-import
leaves a lease that runs out, and another (or the same, restarted) resumes where the last
committed batch ended. On PostgreSQL a batch is staged while the one before is written
(`ImportWorker.apply`, ADR 0013).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import IntegrityError

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.domain.errors import RegistryError
from services.registry.domain.import_rows import ImportRow, RowError
from services.registry.domain.imports import ImportJob, ImportStatus
from services.registry.entrypoints.deps import UnitsOfWork
from services.registry.entrypoints.http import problem_of
from services.registry.use_cases import imports
from shared.audit import Actor
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.reference import InvalidReference
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.exports import ExportFormat, Pages, export_response
from shared.web.idempotency import IdempotencyKey
from shared.web.problems import Problem, not_found

log = structlog.get_logger(__name__)

Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
IMPORTS_PATH = "/v1/imports"
CHUNK_BYTES = 1024 * 1024
Rows = Iterator[ImportRow | RowError]


class ImportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_IMPORT_", extra="ignore")

    dir: Path = Path("var/imports")
    max_bytes: int = Field(512 * 1024 * 1024, ge=1024)
    batch: int = Field(500, ge=1)
    lease_s: float = Field(60.0, gt=0)
    poll_s: float = Field(2.0, gt=0)
    # How long a staged batch keeps its new persons uncommitted while the batch before is
    # written (`ImportWorker._once_written`); past it, it lets them go and is staged again.
    hold_s: float = Field(2.0, gt=0)


class ImportOut(BaseModel):
    import_id: str
    filename: str
    dry_run: bool
    status: str
    rows: int = Field(description="rows read so far (the header not counted)")
    persons_created: int
    persons_updated: int
    families: int = Field(description="families registered")
    errors: int = Field(description="bad rows; their lines and rules: /errors")
    duplicates: int = Field(
        description="persons registered without a NIK who look like one registered before: "
        "/duplicates"
    )
    submitted_by: str
    submitted_at: str
    finished_at: str | None

    @classmethod
    def of(cls, job: ImportJob) -> ImportOut:
        return cls(
            import_id=job.import_id, filename=job.filename, dry_run=job.dry_run,
            status=job.status.value, rows=job.rows, persons_created=job.persons_created,
            persons_updated=job.persons_updated, families=job.families, errors=job.errors,
            duplicates=job.duplicates,
            submitted_by=job.submitted_by, submitted_at=job.submitted_at.isoformat(),
            finished_at=job.finished_at.isoformat() if job.finished_at else None,
        )  # fmt: skip


def rule_of(error: Exception) -> str:
    """The problem type a row's error would have as a request (`nik-invalid-format`, …)."""
    if isinstance(error, InvalidReference):
        return str(error.rule)
    assert isinstance(error, RegistryError)
    return problem_of(error).rule


def imports_router(settings: ImportSettings, doorbell: asyncio.Event) -> APIRouter:
    router = APIRouter(prefix=IMPORTS_PATH, tags=["imports"])

    @router.post("", status_code=202, response_model=ImportOut, summary="Import an extract")
    async def submit(
        request: Request,
        caller: Staff,
        uows: UnitsOfWork,
        key: IdempotencyKey,
        filename: Annotated[str, Query(min_length=1, max_length=200)] = "extract.csv",
        dry_run: bool = False,
    ) -> JSONResponse:
        if key is not None:  # sent again (a timeout, a retry): the job it started, not another
            async with uows() as uow:
                earlier = await uow.imports.keyed(caller.sub, key)
            if earlier is not None:
                return _accepted(earlier)
        import_id = new_id()
        path, digest = await _store(request, settings, import_id)
        job = ImportJob.submit(
            import_id, caller, filename, path.name, digest, dry_run, utcnow(), key
        )
        try:
            async with uows() as uow:
                await imports.submit(uow, job, utcnow())
                for seq, chunk in enumerate(_chunks_of(path)):  # any replica may apply it
                    await uow.imports.add_chunk(import_id, seq, chunk)
                await uow.commit()
        except IntegrityError:  # the same key sent twice at once: the other request's job
            path.unlink(missing_ok=True)
            async with uows() as uow:
                earlier = await uow.imports.keyed(caller.sub, key or "")
            if earlier is None:
                raise
            return _accepted(earlier)
        doorbell.set()
        return _accepted(job)

    @router.get("/{import_id}", response_model=ImportOut, summary="An import's progress")
    async def status(import_id: str, caller: Staff, uows: UnitsOfWork) -> ImportOut:
        async with uows() as uow:
            return ImportOut.of(await _visible(uow, import_id, caller))

    @router.get("/{import_id}/errors", summary="An import's bad rows, as CSV: line, rule, column")
    async def errors(import_id: str, caller: Staff, uows: UnitsOfWork) -> Response:
        async with uows() as uow:
            await _visible(uow, import_id, caller)
            found = await uow.imports.errors_of(import_id)

        async def pages() -> Pages:
            yield [{"line": e.line, "rule": e.rule, "column": e.column} for e in found]

        return await export_response(
            pages(), ("line", "rule", "column"), name=f"import-{import_id}-errors",
            format=ExportFormat.CSV,
        )  # fmt: skip

    @router.get(
        "/{import_id}/duplicates",
        summary="Persons the import registered without a NIK who look like one registered "
        "before, as CSV: line, person_id, other_id, score",
    )
    async def duplicates(import_id: str, caller: Staff, uows: UnitsOfWork) -> Response:
        async with uows() as uow:
            await _visible(uow, import_id, caller)
            found = await uow.imports.duplicates_of(import_id)

        async def pages() -> Pages:
            yield [asdict(duplicate) for duplicate in found]

        columns = ("line", "person_id", "other_id", "score")
        return await export_response(
            pages(), columns, name=f"import-{import_id}-duplicates", format=ExportFormat.CSV
        )

    return router


def _accepted(job: ImportJob) -> JSONResponse:
    return JSONResponse(ImportOut.of(job).model_dump(mode="json"), status_code=202)


async def _visible(uow: RegistryUnitOfWork, import_id: str, caller: Principal) -> ImportJob:
    job = await uow.imports.get(import_id)
    if job is None or not caller.covers(job.wilayah):
        raise not_found("import")
    return job


def local_copy(settings: ImportSettings, import_id: str) -> Path:
    """Where this process keeps a job's file while it reads it (the store holds the file)."""
    return settings.dir / f"{import_id}.upload"


def _chunks_of(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


async def _store(request: Request, settings: ImportSettings, import_id: str) -> tuple[Path, str]:
    """The body to a file of its own, within the size limit; its SHA-256."""
    settings.dir.mkdir(parents=True, exist_ok=True)
    path = local_copy(settings, import_id)
    digest, size = hashlib.sha256(), 0
    with path.open("wb") as file:
        async for chunk in request.stream():
            size += len(chunk)
            if size > settings.max_bytes:
                file.close()
                path.unlink(missing_ok=True)
                raise Problem(413, "payload-too-large", "File too large",
                              f"at most {settings.max_bytes} bytes")  # fmt: skip
            digest.update(chunk)
            file.write(chunk)
    if size == 0:
        path.unlink(missing_ok=True)
        raise Problem(422, "import-file-empty", "Empty file", "send the file as the body")
    return path, digest.hexdigest()


@dataclass
class _Staged:
    """A batch staged in its own transaction (`opened` ends it), waiting to be written."""

    uow: RegistryUnitOfWork
    opened: AsyncExitStack
    prepared: imports.Prepared


@dataclass(frozen=True)
class _Writing:
    """A staged batch being written. `overlaps`: the next one may be staged meanwhile — on
    PostgreSQL, when this one was staged (the next is staged knowing what it writes); SQLite has
    one writer and one connection, so there the next waits for this one, as it does after a
    batch going row by row."""

    task: asyncio.Task[tuple[ImportJob, bool]]
    prepared: imports.Prepared
    overlaps: bool


async def _written(writing: _Writing | None, job: ImportJob) -> ImportJob:
    """The job as the batch in flight left it (or as it is, with none)."""
    if writing is None:
        return job
    advanced, _ = await writing.task
    return advanced


class ImportWorker:
    def __init__(
        self,
        uows: UnitOfWorkFactory[RegistryUnitOfWork],
        settings: ImportSettings,
        doorbell: asyncio.Event,
    ) -> None:
        self._uows = uows
        self._settings = settings
        self._doorbell = doorbell
        self._owner = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True
        self._doorbell.set()

    async def run(self) -> None:
        while not self._stopping:
            self._doorbell.clear()
            try:
                job = await self._claim()
                if job is not None:
                    await self.apply(job)
                    continue
            except Exception as error:  # the store is down: try again later
                log.warning("import_round_failed", error=repr(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._doorbell.wait(), self._settings.poll_s)

    async def _claim(self) -> ImportJob | None:
        now = utcnow()
        async with self._uows() as uow:
            job = await uow.imports.claim(self._owner, now, now + self._lease())
            await uow.commit()
        return job

    def _lease(self) -> timedelta:
        return timedelta(seconds=self._settings.lease_s)

    async def apply(self, job: ImportJob) -> ImportJob:
        """From the job's checkpoint to its end, a batch per transaction, in a pipeline: a batch
        is read from the file while the one before is staged, and staged while the one before
        that is written and committed — each in its own transaction, committed in order — so
        the store's work on one batch overlaps this process's on the next."""
        path = await self._local(job)
        rows = imports.rows_of(path, today=utcnow().date())
        log.info("import_started", import_id=job.import_id, from_line=job.next_line)
        reading = asyncio.ensure_future(asyncio.to_thread(self._next_batch, rows, job.next_line))
        writing: _Writing | None = None
        staged: _Staged | None = None  # staged, not yet handed to its write
        try:
            while not self._stopping:
                batch = await reading
                if not batch:
                    job = await _written(writing, job)
                    return await self._finish(job, ImportStatus.DONE)
                reading = asyncio.ensure_future(asyncio.to_thread(self._next_batch, rows, 0))
                if writing is not None and not writing.overlaps:
                    job, writing = await _written(writing, job), None
                staged = await self._stage(job, batch, after=writing)
                if writing is not None:
                    job = await self._once_written(job, writing, staged)
                writing, staged = self._write(job, staged), None
            job = await _written(writing, job)
        except (OSError, ValueError) as error:  # an unreadable file: nothing to retry
            job = await _written(writing, job)
            log.warning("import_failed", import_id=job.import_id, error=repr(error))
            return await self._finish(job, ImportStatus.FAILED, type(error).__name__)
        finally:
            reading.cancel()  # a stop or a failed batch: its read, if any, is not needed
            if staged is not None:  # a failure: its transaction ends with nothing written
                await staged.opened.aclose()
            if writing is not None:  # a failure: let the batch in flight end, as it may
                await asyncio.gather(writing.task, return_exceptions=True)
        return job

    async def _local(self, job: ImportJob) -> Path:
        """The job's file on this replica's disk: the one uploaded here, else a copy from the
        store (a job resumed by another replica, or after a restart)."""
        path = local_copy(self._settings, job.import_id)
        if path.exists():
            return path
        self._settings.dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        async with self._uows() as uow:
            with partial.open("wb") as file:
                async for chunk in uow.imports.chunks(job.import_id):
                    file.write(chunk)
        partial.rename(path)
        return path

    def _next_batch(self, rows: Rows, from_line: int) -> list[ImportRow | RowError]:
        wanted = (row for row in rows if row.line >= from_line)
        return list(islice(wanted, self._settings.batch))

    async def _stage(
        self, job: ImportJob, batch: list[ImportRow | RowError], after: _Writing | None
    ) -> _Staged:
        """The batch read and staged in a transaction of its own, left open for its write."""
        opened = AsyncExitStack()
        try:
            uow = await opened.enter_async_context(self._uows())
            before = None if after is None else after.prepared
            prepared = await imports.prepare_batch(uow, job, batch, utcnow(), rule_of, after=before)
        except BaseException:
            await opened.aclose()
            raise
        return _Staged(uow, opened, prepared)

    async def _once_written(self, job: ImportJob, writing: _Writing, staged: _Staged) -> ImportJob:
        """The batch before written and committed; the staged batch then ready for its write,
        staged anew if that batch went row by row. Meanwhile the staged batch holds its new
        persons' NIKs and keys uncommitted: should the write take longer than `hold_s`, another
        transaction may wait for one of them while holding what the write waits for — a cycle
        the server cannot see, this transaction being idle in this process — so the staged
        batch lets them go, and is staged again once the write is done."""
        done, _ = await asyncio.wait({writing.task}, timeout=self._settings.hold_s)
        if not done:
            await imports.let_go(staged.uow)
            log.info("import_batch_let_go", import_id=job.import_id)
        job, as_staged = await writing.task
        if not done or not as_staged:
            staged.prepared = await imports.prepare_again(staged.uow, job, staged.prepared, rule_of)
        return job

    def _write(self, job: ImportJob, staged: _Staged) -> _Writing:
        """The staged batch written and committed with its checkpoint (and the job's lease
        renewed), as a task: the next batch is staged meanwhile."""

        async def write() -> tuple[ImportJob, bool]:
            async with staged.opened:
                now = staged.prepared.now
                leased = replace(job, lease_owner=self._owner, lease_until=now + self._lease())
                written = await imports.finish_batch(staged.uow, leased, staged.prepared, rule_of)
                await staged.uow.commit()
            return written

        postgresql = staged.uow.session.get_bind().dialect.name == "postgresql"
        overlaps = postgresql and staged.prepared.staged is not None
        return _Writing(asyncio.create_task(write()), staged.prepared, overlaps)

    async def _finish(
        self, job: ImportJob, status: ImportStatus, failure: str | None = None
    ) -> ImportJob:
        now = utcnow()
        done = replace(job, status=status, finished_at=now, updated_at=now, failure=failure,
                       lease_owner=None, lease_until=None)  # fmt: skip
        async with self._uows() as uow:
            await uow.imports.save(done)
            await uow.imports.drop_chunks(job.import_id)  # its rows are applied or reported
            await uow.audit_import(Actor.of(job.submitter), f"import.{status.value}", done, now)
            await uow.commit()
        local_copy(self._settings, job.import_id).unlink(missing_ok=True)
        log.info("import_finished", import_id=job.import_id, status=status.value,
                 rows=done.rows, errors=done.errors)  # fmt: skip
        return done
