"""An import batch applied set-based (`imports.finish_batch`'s fast path, ADR 0008): every row's
person and place on a KK decided in memory from a handful of reads, then written with a statement
or two per table, with the events and audit rows the row-by-row path would write.

Each row is staged on its own: a row that breaks a rule is reported and nothing of it is
written, as a savepoint would have it. What this path does not decide — a NIK held outside the
submitter's wilayah or under review, a record merged away, a store conflict with a concurrent
writer — raises `NeedsRowByRow`, and the caller applies the batch row by row instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.registry.domain.access import require_may_register_in
from services.registry.domain.duplicates import candidate_of, look_alikes
from services.registry.domain.errors import OutsideWilayah, RegistryError
from services.registry.domain.families import Family, Relationship
from services.registry.domain.import_rows import ImportRow, RowError
from services.registry.domain.imports import Duplicate, ImportJob
from services.registry.domain.persons import Person
from services.registry.domain.reviews import Review
from services.registry.use_cases.events import families_imported, persons_imported
from services.registry.use_cases.ports import RegistryWork
from services.registry.use_cases.reviews import duplicate_review
from shared.audit import Actor
from shared.ids import new_id
from shared.reference import InvalidReference
from shared.security import Principal


class NeedsRowByRow(Exception):
    """The batch holds a row only the row-by-row path decides."""


@dataclass
class Applied:
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    families: int = 0


@dataclass
class _Batch:
    """What the batch knows and has decided so far; rows are staged into it one by one."""

    persons: dict[str, Person] = field(default_factory=dict)  # id → as it will be written
    known: dict[str, int] = field(default_factory=dict)  # id → version read, for those existing
    by_nik: dict[str, str] = field(default_factory=dict)  # NIK → person id
    by_key: dict[str, str] = field(default_factory=dict)  # import key → person id
    new_keys: dict[str, str] = field(default_factory=dict)
    families: dict[str, Family] = field(default_factory=dict)  # No. KK → as it will be written
    family_versions: dict[str, int] = field(default_factory=dict)  # No. KK → version read
    in_a_family: set[str] = field(default_factory=set)
    joined: dict[str, list[str]] = field(default_factory=dict)  # No. KK → members who joined
    order: list[str] = field(default_factory=list)  # persons registered, in row order
    matched: list[str] = field(default_factory=list)  # persons a row's NIK found on record
    without_nik: list[tuple[int, str]] = field(default_factory=list)  # (line, person id)


@dataclass
class Staged:
    """A batch read and staged; the rest is written by `write_together`. `persons_written`:
    its new persons were written with the staging (`_write_new_persons`). `named`: the NIKs
    and import keys of its rows."""

    batch: _Batch
    errors: list[RowError]
    persons_written: bool
    named: frozenset[str]


YIELD_EVERY = 50  # rows staged between two turns of the event loop (see `stage_together`)


async def stage_together(
    uow: RegistryWork,
    job: ImportJob,
    rows: Sequence[ImportRow],
    now: datetime,
    rule_of: Callable[[Exception], str],
    key_of: Callable[[ImportRow], str],
    *,
    after: Staged | None = None,
) -> Staged:
    """Read what the rows name, stage each one and write the persons they register;
    `NeedsRowByRow` when the batch holds a row only the row-by-row path decides,
    `IntegrityError` when one's NIK was registered since the reads.

    `after`: the batch before, staged and being written meanwhile (the import's pipeline).
    What it staged is laid over what the reads found — they may have been answered before its
    commit — so this batch is staged as the store will be once that commit is made; if that
    batch is not written as staged, this one must be staged again without it. The event loop
    gets a turn every few rows, so the batch being written sends its next statement."""
    batch = await _read(uow, rows, key_of)
    if after is not None:
        _carry(batch, after.batch, rows, key_of)
    errors: list[RowError] = []
    by = job.submitter
    for staged, row in enumerate(rows, start=1):
        try:
            _stage(batch, row, by, now, key_of)
        except (RegistryError, InvalidReference) as error:
            column = "kode_desa" if isinstance(error, OutsideWilayah) else None
            errors.append(RowError(row.line, rule_of(error), column))
        if staged % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    await _queue_audit_and_events(uow, batch, job, now)
    named = frozenset(row.person.nik or key_of(row) for row in rows)
    if after is None or not _named_by_rows_not_staged(batch, after):
        await _write_new_persons(uow, batch)
        return Staged(batch, errors, persons_written=True, named=named)
    return Staged(batch, errors, persons_written=False, named=named)


async def write_together(
    uow: RegistryWork, job: ImportJob, staged: Staged, now: datetime
) -> Applied:
    """Write a staged batch: its records, audit rows and events, then its look-alikes."""
    applied = Applied(errors=list(staged.errors))
    await _write(uow, staged, applied)
    applied.duplicates = await _look_alikes(uow, job, staged.batch, now)
    return applied


async def _read(uow: RegistryWork, rows: Sequence[ImportRow], key_of: Callable) -> _Batch:
    """Who the batch's NIKs, import keys and No. KKs name already: five reads for the batch."""
    batch = _Batch()
    niks = {row.person.nik for row in rows if row.person.nik}
    for nik, records in (await uow.persons.with_niks(niks)).items():
        if len(records) != 1 or records[0].nik_review or records[0].merged_into:
            raise NeedsRowByRow(f"NIK with {len(records)} records or under review")
        batch.by_nik[nik] = records[0].person_id
        batch.persons[records[0].person_id] = records[0]
    keys = {key_of(row) for row in rows if not row.person.nik}
    batch.by_key = await uow.imports.persons_for(keys)
    for person in (await uow.persons.get_many(set(batch.by_key.values()))).values():
        if person.merged_into:
            raise NeedsRowByRow("an import key names a record merged away")
        batch.persons[person.person_id] = person
    batch.known = {pid: person.version for pid, person in batch.persons.items()}
    batch.families = await uow.families.with_kks({row.no_kk for row in rows if row.no_kk})
    batch.family_versions = {kk: family.version for kk, family in batch.families.items()}
    batch.in_a_family = await uow.families.in_a_family(set(batch.persons))
    return batch


def _carry(batch: _Batch, before: _Batch, rows: Sequence[ImportRow], key_of: Callable) -> None:
    """The persons and families of the batch before that these rows name, as that batch staged
    them (newer than, or missing from, what the reads found)."""
    for nik in {row.person.nik for row in rows if row.person.nik} & before.by_nik.keys():
        batch.by_nik[nik] = before.by_nik[nik]
    for key in {key_of(row) for row in rows if not row.person.nik} & before.by_key.keys():
        batch.by_key[key] = before.by_key[key]
    for person_id in {*batch.by_nik.values(), *batch.by_key.values()} & before.persons.keys():
        person = batch.persons[person_id] = before.persons[person_id]
        batch.known[person_id] = person.version
    for kk in {row.no_kk for row in rows if row.no_kk} & before.families.keys():
        family = batch.families[kk] = before.families[kk]
        batch.family_versions[kk] = family.version
    batch.in_a_family |= before.in_a_family & batch.persons.keys()


def _stage(batch: _Batch, row: ImportRow, by: Principal, now: datetime, key_of: Callable) -> None:
    """The row's effects on the batch, or the rule it breaks (and no effect at all)."""
    require_may_register_in(by, row.person.desa)
    form = row.person
    key = None if form.nik else key_of(row)
    person_id = batch.by_nik.get(form.nik) if form.nik else batch.by_key.get(key or "")
    if person_id is None:
        person = Person.register(new_id(), form, now)
    else:
        held = batch.persons[person_id]
        if not by.covers(held.desa):
            raise NeedsRowByRow("a record outside the submitter's wilayah")
        person = held.with_categories(form.categories, now) or held
    family = _family_staged(batch, row, person.person_id, now)
    # Nothing raised: the row's effects are the batch's.
    new = person_id is None
    batch.persons[person.person_id] = person
    if not new and form.nik and person_id in batch.known:
        batch.matched.append(person_id)
    if new:
        batch.order.append(person.person_id)
        if person.nik:
            batch.by_nik[person.nik] = person.person_id
        else:
            batch.without_nik.append((row.line, person.person_id))
    if key is not None and key not in batch.by_key:
        batch.by_key[key] = batch.new_keys[key] = person.person_id
    if family is not None and row.no_kk is not None:
        batch.families[row.no_kk] = family
        batch.joined.setdefault(row.no_kk, []).append(person.person_id)
        batch.in_a_family.add(person.person_id)


def _family_staged(batch: _Batch, row: ImportRow, person_id: str, now: datetime) -> Family | None:
    """The row's family with the person in it, when that changes it: a person already in a
    family stays there (a move is the Dinas's call, as in the row-by-row path)."""
    if row.no_kk is None or person_id in batch.in_a_family:
        return None
    relationship = row.relationship or Relationship.LAINNYA
    family = batch.families.get(row.no_kk)
    if family is None:
        return Family.register(
            new_id(), row.no_kk, row.person.desa, [(person_id, relationship)], now
        )
    return family.with_member(person_id, relationship, now)


async def _queue_audit_and_events(
    uow: RegistryWork, batch: _Batch, job: ImportJob, now: datetime
) -> None:
    """An audit row for each record the batch registers, changes or matches, and one event for
    its persons and one for its families (ADR 0010), queued when the batch is staged: this is
    the batch's own work, done while the batch before is written; they are written with its
    records, or dropped with them (`UnitOfWork.discard_unflushed`)."""
    by = Actor.of(job.submitter)
    added, changed = _added(batch), _changed(batch)
    for person in added:
        await uow.audit(by, "person.register", person, now)
    for person in changed:
        await uow.audit(by, "person.add_categories", person, now)
    if added or changed:
        uow.outbox.add(persons_imported(job.import_id, [*added, *changed]))
    for pid in batch.matched:  # a NIK lookup, audited as the row-by-row path audits it
        await uow.audit(by, "person.match", batch.persons[pid], now)
    new_families, grown = _new_families(batch), [*_grown_families(batch).values()]
    for family in new_families:
        await uow.audit(by, "family.register", family, now)
    for family in grown:
        await uow.audit(by, "family.add_member", family, now)
    if new_families or grown:
        uow.outbox.add(families_imported(job.import_id, [*new_families, *grown]))


def _named_by_rows_not_staged(batch: _Batch, before: Staged) -> bool:
    """Whether a person this batch registers has a NIK or import key a row of the batch before
    names without having staged it (a row that broke a rule). Were that row written after all
    (the batch before going row by row, deciding otherwise), its write would wait for this
    batch's uncommitted person, and this batch waits for that write to commit."""
    staged_before = before.batch.by_nik.keys() | before.batch.by_key.keys()
    niks = {batch.persons[pid].nik for pid in batch.order} - {None}
    registered = niks | batch.new_keys.keys()
    return bool(registered & (before.named - staged_before))


async def _write_new_persons(uow: RegistryWork, batch: _Batch) -> None:
    """The persons the batch registers and the import keys that find them again, written when
    it is staged: nothing of them waits for the batch before (whose persons the staging knows),
    so on PostgreSQL the store writes them while that batch is written. `IntegrityError` when
    one's NIK was registered meanwhile."""
    await uow.persons.add_many(_added(batch))
    await uow.imports.remember_many(batch.new_keys)


async def _write(uow: RegistryWork, staged: Staged, applied: Applied) -> None:
    """A statement per table for the new families and memberships (and the new persons, unless
    written with the staging); the few changed records one by one (their versions checked).
    The audit rows and events were queued when the batch was staged."""
    batch = staged.batch
    if not staged.persons_written:
        await _write_new_persons(uow, batch)
    changed = _changed(batch)
    for person in changed:
        await uow.persons.save(person, expected_version=batch.known[person.person_id])
    new_families = _new_families(batch)
    await uow.families.add_many(new_families)
    for kk, family in _grown_families(batch).items():
        joined = [m for m in family.members if m.person_id in batch.joined.get(kk, ())]
        if not await uow.families.save(
            family, expected_version=batch.family_versions[kk], joined=joined
        ):
            raise NeedsRowByRow("a family's member joined another family meanwhile")
    applied.created, applied.updated = len(batch.order), len(changed)
    applied.families = len(new_families)


def _added(batch: _Batch) -> list[Person]:
    return [batch.persons[pid] for pid in batch.order]


def _changed(batch: _Batch) -> list[Person]:
    return [batch.persons[pid] for pid, version in batch.known.items()
            if batch.persons[pid].version != version]  # fmt: skip


def _new_families(batch: _Batch) -> list[Family]:
    return [f for kk, f in batch.families.items() if kk not in batch.family_versions]


def _grown_families(batch: _Batch) -> dict[str, Family]:
    """No. KK → family, for the families on record the batch added members to."""
    return {kk: batch.families[kk] for kk, version in batch.family_versions.items()
            if batch.families[kk].version != version}  # fmt: skip


async def _look_alikes(
    uow: RegistryWork, job: ImportJob, batch: _Batch, now: datetime
) -> list[Duplicate]:
    """Each person the batch registered without a NIK against their block: the records before
    them (those of earlier batches, and the batch's own earlier rows)."""
    if not batch.without_nik:
        return []
    registered = {pid: n for n, pid in enumerate(batch.order)}
    wanted = {_block_of(batch.persons[pid]) for _, pid in batch.without_nik}
    blocks: dict[Block, list[Person]] = {}
    for person in await uow.persons.in_blocks(wanted):
        blocks.setdefault(_block_of(person), []).append(person)
    found: list[tuple[Duplicate, Review]] = []
    for line, pid in batch.without_nik:
        block = blocks.get(_block_of(batch.persons[pid]), [])
        before = [p for p in block if registered.get(p.person_id, -1) < registered[pid]]
        found += look_alikes_of(job, line, batch.persons[pid], before, now)
    return await put_to_review(uow, found)


def look_alikes_of(
    job: ImportJob, line: int, person: Person, before: Sequence[Person], now: datetime
) -> list[tuple[Duplicate, Review]]:
    """The records registered before `person` (their block) that may be them: each pair as
    the job lists it, and as the review that puts it to the Dinas."""
    persons = {p.person_id: p for p in before} | {person.person_id: person}
    found = []
    for pair in look_alikes(candidate_of(person), map(candidate_of, before)):
        review = duplicate_review(
            pair, persons, now, f"import {job.import_id}", newer=person.person_id
        )
        other = pair.first if pair.second == person.person_id else pair.second
        found.append((Duplicate(line, person.person_id, other, round(pair.score)), review))
    return found


async def put_to_review(
    uow: RegistryWork, found: Sequence[tuple[Duplicate, Review]]
) -> list[Duplicate]:
    """The pairs' reviews added in one statement; the pairs as the job lists them."""
    await uow.reviews.add_many([review for _, review in found])
    return [duplicate for duplicate, _ in found]


Block = tuple[str, str, int | None]  # desa, sex, birth year: who a record may duplicate


def _block_of(person: Person) -> Block:
    return person.desa, person.sex, person.birth_date.year if person.birth_date else None
