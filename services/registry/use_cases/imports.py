"""Importing a DTKS-style extract (CSV or XLSX) into the registry.

Every row becomes an `ImportRow` or a `RowError` naming its line and the rule it broke; rows are
applied in batches, each with the job's checkpoint in one transaction (`prepare_batch`, then
`finish_batch`), as the job's submitter: a person by NIK (`register_person`: matched inside
their wilayah, held for review outside it), else by what the row says of them (`row_key`, so a
second import of the same file creates no one); a family by No. KK. A dry run checks every row
and changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import structlog
from sqlalchemy.exc import IntegrityError

from services.registry.adapters.spreadsheets import read_rows
from services.registry.domain.access import require_may_register_in
from services.registry.domain.errors import ConcurrentUpdate, OutsideWilayah, RegistryError
from services.registry.domain.families import Relationship
from services.registry.domain.import_rows import ImportRow, RowError, columns_of, read_row
from services.registry.domain.imports import Duplicate, ImportJob
from services.registry.use_cases.families import FamilyForm, add_member, register_family
from services.registry.use_cases.import_batches import (
    Applied,
    NeedsRowByRow,
    Staged,
    look_alikes_of,
    put_to_review,
    stage_together,
    write_together,
)
from services.registry.use_cases.persons import add_categories, current, register_person
from services.registry.use_cases.ports import RegistryWork
from shared.audit import Actor
from shared.ids import new_id
from shared.reference import InvalidReference
from shared.security import Principal

log = structlog.get_logger(__name__)


def rows_of(path: Path, *, today: date) -> Iterator[ImportRow | RowError]:
    """The file's rows read, in order; a header lacking a required column is one `RowError`
    (line 1) and nothing else."""
    rows = read_rows(path)
    header = next(rows, None)
    if header is None:
        return
    columns = columns_of([str(cell or "") for cell in header[1]])
    if isinstance(columns, RowError):
        yield columns
        return
    for line, cells in rows:
        values = {name: cells[at] if at < len(cells) else None for name, at in columns.items()}
        yield read_row(line, values, today=today)


def row_key(row: ImportRow) -> str:
    """What identifies a person without a NIK in an extract: the same row imported again is the
    same person (never a second one), even from another file."""
    person = row.person
    facts = (person.name.casefold().strip(), person.sex, str(person.birth_date), person.desa,
             row.no_kk or "")  # fmt: skip
    return hashlib.sha256("\x1f".join(facts).encode()).hexdigest()


async def submit(uow: RegistryWork, job: ImportJob, now: datetime) -> ImportJob:
    await uow.imports.add(job)
    await uow.audit_import(Actor.of(job.submitter), "import.submit", job, now)
    return job


@dataclass(frozen=True, slots=True)
class Prepared:
    """A batch of rows read and staged in its transaction, to be written (`finish_batch`);
    `staged` None: it goes row by row."""

    rows: Sequence[ImportRow | RowError]
    staged: Staged | None
    now: datetime


async def prepare_batch(
    uow: RegistryWork,
    job: ImportJob,
    batch: Sequence[ImportRow | RowError],
    now: datetime,
    rule_of: Callable[[Exception], str],
    *,
    after: Prepared | None = None,
) -> Prepared:
    """A batch read and staged set-based, its new persons written, the rest to be written by
    `finish_batch` in the same transaction. `after`: the batch before, being written meanwhile
    (`stage_together`). When the batch must go row by row, its transaction is rolled back."""
    if job.dry_run:
        return Prepared(batch, None, now)
    good = [row for row in batch if isinstance(row, ImportRow)]
    before = None if after is None else after.staged
    try:
        staged = await stage_together(uow, job, good, now, rule_of, row_key, after=before)
    except (NeedsRowByRow, IntegrityError) as reason:
        await _row_by_row_from_here(uow, job, reason)
        return Prepared(batch, None, now)
    return Prepared(batch, staged, now)


async def prepare_again(
    uow: RegistryWork, job: ImportJob, prepared: Prepared, rule_of: Callable[[Exception], str]
) -> Prepared:
    """The batch staged anew, on the store alone: the batch before it, staged with it in mind,
    was not written as staged, or this one let go of what it wrote (`let_go`). What the first
    staging wrote and queued is rolled back."""
    await let_go(uow)
    return await prepare_batch(uow, job, prepared.rows, prepared.now, rule_of)


async def let_go(uow: RegistryWork) -> None:
    """Roll back what the batch's transaction wrote and queued (its persons written with the
    staging, its audit rows and events): it goes row by row, or is staged again."""
    await uow.session.rollback()
    uow.discard_unflushed()


async def finish_batch(
    uow: RegistryWork, job: ImportJob, prepared: Prepared, rule_of: Callable[[Exception], str]
) -> tuple[ImportJob, bool]:
    """Apply a prepared batch and move the checkpoint past it, in one transaction (the
    caller's): a killed import redoes the whole batch or none of it. A row that breaks a rule is
    reported and has no effect; the others stand. Set-based when it was staged
    (`import_batches`), else row by row, each row in a savepoint. The job advanced, and whether
    the batch was written as staged."""
    batch, now = prepared.rows, prepared.now
    errors = [row for row in batch if isinstance(row, RowError)]
    good = [row for row in batch if isinstance(row, ImportRow)]
    together = None
    if prepared.staged is not None:
        together = await _together(uow, job, prepared.staged, now)
    if together is not None:
        errors += together.errors
        created, updated = together.created, together.updated
        families, duplicates = together.families, together.duplicates
    else:
        created, updated, families, duplicates = await _one_by_one(
            uow, job, good, now, rule_of, errors
        )
    await uow.imports.add_errors(job.import_id, sorted(errors, key=lambda error: error.line))
    await uow.imports.add_duplicates(job.import_id, duplicates)
    advanced = replace(
        job,
        next_line=max(row.line for row in batch) + 1 if batch else job.next_line,
        rows=job.rows + len(batch), persons_created=job.persons_created + created,
        persons_updated=job.persons_updated + updated, families=job.families + families,
        errors=job.errors + len(errors), duplicates=job.duplicates + len(duplicates),
        updated_at=now,
    )  # fmt: skip
    await uow.imports.save(advanced)
    return advanced, together is not None


async def _together(
    uow: RegistryWork, job: ImportJob, staged: Staged, now: datetime
) -> Applied | None:
    """The staged batch written (`import_batches`); None when it needs the row-by-row path
    (then nothing of the attempt stays: the transaction holds nothing but the batch, so it is
    rolled back whole, the persons written at staging with it)."""
    try:
        applied = await write_together(uow, job, staged, now)
        await uow.flush()
    except (NeedsRowByRow, IntegrityError, ConcurrentUpdate) as reason:
        await _row_by_row_from_here(uow, job, reason)
        return None
    return applied


async def _row_by_row_from_here(uow: RegistryWork, job: ImportJob, reason: Exception) -> None:
    """Roll back what the batch's transaction wrote or queued: it goes row by row instead."""
    await let_go(uow)
    # A store error's text holds the statement's parameters (names, birth dates): only its kind
    # is logged; this path's own reasons name no one.
    why = str(reason) if isinstance(reason, NeedsRowByRow) else type(reason).__name__
    log.info("import_batch_row_by_row", import_id=job.import_id, reason=why)


async def _one_by_one(
    uow: RegistryWork,
    job: ImportJob,
    rows: list[ImportRow],
    now: datetime,
    rule_of: Callable[[Exception], str],
    errors: list[RowError],
) -> tuple[int, int, int, list[Duplicate]]:
    """Each row in its own savepoint: one that breaks a rule is rolled back alone and added
    to `errors`; (created, updated, families, duplicates) of the others."""
    duplicates: list[Duplicate] = []
    created = updated = families = 0
    for row in rows:
        try:
            async with uow.session.begin_nested():
                outcome = await _apply(uow, job, row, now)
                await uow.flush()
        except (RegistryError, InvalidReference) as error:
            uow.discard_unflushed()
            column = "kode_desa" if isinstance(error, OutsideWilayah) else None
            errors.append(RowError(row.line, rule_of(error), column))
            continue
        created += outcome.created
        updated += outcome.updated
        families += outcome.family_created
        duplicates += outcome.duplicates
    return created, updated, families, duplicates


@dataclass(frozen=True, slots=True)
class _Outcome:
    created: bool = False
    updated: bool = False
    family_created: bool = False
    duplicates: tuple[Duplicate, ...] = ()


async def _apply(uow: RegistryWork, job: ImportJob, row: ImportRow, now: datetime) -> _Outcome:
    by = job.submitter
    require_may_register_in(by, row.person.desa)
    if job.dry_run:
        return _Outcome()
    person_id, created, updated = await _person(uow, row, by, now)
    family_created = False
    if row.no_kk is not None:
        family_created = await _in_family(uow, row, person_id, by, now)
    found: tuple[Duplicate, ...] = ()
    if created and not row.person.nik:
        found = await _look_alikes(uow, job, row, person_id, now)
    return _Outcome(created, updated, family_created, found)


async def _look_alikes(
    uow: RegistryWork, job: ImportJob, row: ImportRow, person_id: str, now: datetime
) -> tuple[Duplicate, ...]:
    """Persons registered before who may be the one this NIK-less row just registered."""
    form = row.person
    block = await uow.persons.in_block(form.desa, form.sex, form.birth_date)
    [person] = [p for p in block if p.person_id == person_id]
    before = [p for p in block if p.person_id != person_id]
    found = look_alikes_of(job, row.line, person, before, now)
    return tuple(await put_to_review(uow, found))


async def _person(
    uow: RegistryWork, row: ImportRow, by: Principal, now: datetime
) -> tuple[str, bool, bool]:
    """The row's person (registered, or the one its NIK or its import key names), and whether
    they were created or changed."""
    key = row_key(row) if row.person.nik is None else None
    known = await uow.imports.person_for(key) if key else None
    if known is not None:
        person = await current(uow, await uow.persons.get(known))
        changed = await add_categories(uow, person, row.person.categories, Actor.of(by), now)
        return person.person_id, False, changed is not person
    view, created = await register_person(uow, row.person, by, now, new_id())
    if key is not None:
        await uow.imports.remember(key, view.person.person_id)
    return view.person.person_id, created, not created and view.person.version > 1


async def _in_family(
    uow: RegistryWork, row: ImportRow, person_id: str, by: Principal, now: datetime
) -> bool:
    """The person in the family of the row's No. KK (registered with them when new); True when
    the family is new. A person already in a family stays there: a move is the Dinas's call."""
    assert row.no_kk is not None
    relationship = str(row.relationship or Relationship.LAINNYA)
    family = await uow.families.with_kk(row.no_kk)
    if family is None:
        form = FamilyForm(row.no_kk, row.person.desa, [(person_id, relationship)])
        await register_family(uow, form, by, now, new_id())
        return True
    if person_id not in family.member_ids and await uow.families.of_person(person_id) is None:
        await add_member(uow, family.family_id, person_id, relationship, by, now)
    return False
