"""Importing a DTKS-style extract through the API: good rows register persons and families,
every bad row is reported with its line and rule, a second import of the same file changes
nothing, a dry run changes nothing, and nobody imports outside their wilayah."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date

import pytest
import structlog
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from services.registry.adapters.tables import persons as persons_table
from services.registry.domain.import_rows import ImportRow, RowError, read_row
from services.registry.domain.imports import ImportJob
from services.registry.domain.persons import PersonForm
from services.registry.entrypoints.imports import rule_of
from services.registry.use_cases import imports
from services.registry.use_cases.persons import register_person
from shared.contracts.envelope import Envelope
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.persistence.tables import audit, outbox
from shared.security import Principal, Role
from tests.registry.integration.conftest import (
    NIK_WOMAN,
    TUNGKAP,
    bearer,
    new_person,
    published,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

EXTRACT = "\n".join([
    "nik;no_kk;nama;jenis_kelamin;tanggal_lahir;kode_desa;hubungan_keluarga;kategori_pmks",
    "6305015402400003;6305011203150004;Masriah;P;14-02-1940;63.05.01.2003;Kepala Keluarga;LUT",
    ";6305011203150004;Rahmat;L;03/09/1995;6305012003;anak;PD",
    ";;Udin;L;1995-09-03;63.05.01.2003;;GLD",
    "630501540240;;Siti;P;1940-02-14;63.05.01.2003;;LUT",
    ";;Ahmad;L;1960-01-01;63.03.01.2001;;LUT",
    ";;Masriyah;P;1940-02-14;63.05.01.2003;;LUT",  # Masriah again, spelt otherwise, no NIK
]).encode()  # fmt: skip
BAD = [(5, "nik-invalid-length", "nik"), (6, "outside-wilayah", "kode_desa")]


@pytest.fixture(autouse=True)
def imports_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_IMPORT_DIR", str(tmp_path / "imports"))
    monkeypatch.setenv("REGISTRY_IMPORT_POLL_S", "0.2")


async def imported(registry, body: bytes = EXTRACT, headers=None, **params) -> dict:
    headers = headers or bearer()
    answer = await registry.client.post(
        "/v1/imports", content=body, params={"filename": "dtks.csv", **params}, headers=headers
    )
    assert answer.status_code == 202, answer.text
    path = f"/v1/imports/{answer.json()['import_id']}"

    async def finished() -> dict | None:
        job = (await registry.client.get(path, headers=headers)).json()
        return job if job["status"] in ("done", "failed") else None

    return await eventually(finished, timeout=30, message="the import finished")


async def waiting_for_a_lock(registry) -> bool | None:
    """Whether a session of the registry's store waits for another's lock (a unique key)."""
    async with registry.app.state.uows() as uow:
        waiting = await uow.session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ))  # fmt: skip
    return waiting > 0 or None


OPERATOR = Principal("alice", Role.OPERATOR, "63.05")


async def submitted(registry) -> ImportJob:
    """A job submitted by an operator of Tapin, its batches to be applied by the test."""
    now = utcnow()
    job = ImportJob.submit(new_id(), OPERATOR, "dtks.csv", "dtks.csv", "0" * 64, False, now)
    async with registry.app.state.uows() as uow:
        await imports.submit(uow, job, now)
        await uow.commit()
    return job


async def registered_in_tapin_utara(registry) -> dict:
    """A person with a NIK, registered in another kecamatan than the importer's (Binuang)."""
    elsewhere = {
        "nik": "6305041708900001", "name": "Ahmad Rifani", "sex": "L", "birth_date": "1990-08-17",
        "desa": "63.05.04.1004", "categories": ["FM"],
    }  # fmt: skip
    assert (await registry.post("/v1/persons", elsewhere)).status_code == 201
    return elsewhere


async def bad_rows(registry, job: dict, headers=None) -> list[tuple[int, str, str]]:
    answer = await registry.client.get(
        f"/v1/imports/{job['import_id']}/errors", headers=headers or bearer()
    )
    rows = csv.DictReader(io.StringIO(answer.content.decode().removeprefix("\ufeff")))
    return [(int(r["line"]), r["rule"], r["column"]) for r in rows]


async def persons(registry) -> list[dict]:
    return (await registry.client.get("/v1/persons", headers=bearer())).json()["items"]


async def test_an_extract_registers_persons_and_families_and_a_second_import_changes_nothing(
    make_registry, store_kind, redis
):
    registry = await make_registry(store_kind)
    job = await imported(registry)
    counts = ("status", "rows", "persons_created", "families", "errors", "duplicates")
    assert {k: job[k] for k in counts} == {
        "status": "done", "rows": 6, "persons_created": 4, "families": 1, "errors": 2,
        "duplicates": 1,
    }  # fmt: skip
    assert await bad_rows(registry, job) == BAD
    found = {p["name"]: p for p in await persons(registry)}
    assert sorted(found) == ["Masriah", "Masriyah", "Rahmat", "Udin"]
    report = await registry.client.get(
        f"/v1/imports/{job['import_id']}/duplicates", headers=bearer()
    )
    [pair] = csv.DictReader(io.StringIO(report.content.decode().removeprefix("\ufeff")))
    assert (pair["line"], pair["person_id"], pair["other_id"]) == (
        "7", found["Masriyah"]["person_id"], found["Masriah"]["person_id"],
    )  # fmt: skip
    assert int(pair["score"]) >= 90
    assert await members_with(registry, found["Masriah"]["person_id"]) == {
        found["Masriah"]["person_id"]: "kepala_keluarga",
        found["Rahmat"]["person_id"]: "anak",
    }

    # One event for the batch's persons, one for its families (ADR 0010), naming no one.
    events = await eventually(lambda: batch_events(redis, registry.namespace, 2), message="sent")
    assert {e.subject for e in events} == {job["import_id"]}
    [people], [families] = (
        [e.data for e in events if e.type == f"kesos.registry.{kind}_imported.v1"]
        for kind in ("persons", "families")
    )
    ids = {p["person_id"] for p in found.values()}
    assert {p["person_id"]: p["version"] for p in people["persons"]} == dict.fromkeys(ids, 1)
    assert not {"name", "nik", "birth_date", "no_kk"} & {k for p in people["persons"] for k in p}
    [kk] = families["families"]
    assert (kk["size"], kk["kk_recorded"], "no_kk" in kk) == (2, True, False)

    again = await imported(registry)
    changes = ("persons_created", "persons_updated", "families", "errors", "duplicates")
    assert [again[k] for k in changes] == [0, 0, 0, 2, 0]
    assert len(await persons(registry)) == 4  # the NIK-less rows found their persons again
    assert len(await batch_events(redis, registry.namespace) or []) == 2  # no new events


async def batch_events(redis, namespace: str, at_least: int = 0) -> list | None:
    events = [e for e in await published(redis, namespace) if e.type.endswith("_imported.v1")]
    return events if len(events) >= at_least else None


async def members_with(registry, person_id: str) -> dict[str, str]:
    """The members of the person's family: id → relationship."""
    family = await registry.client.get(
        "/v1/families/" + await family_of(registry, person_id), headers=bearer()
    )
    return {m["person_id"]: m["relationship"] for m in family.json()["members"]}


async def family_of(registry, person_id: str) -> str:
    export = await registry.client.get("/v1/exports/families", headers=bearer())
    rows = csv.DictReader(io.StringIO(export.content.decode().removeprefix("\ufeff")))
    return next(r["family_id"] for r in rows if person_id in r["members"])


async def test_a_dry_run_checks_every_row_and_changes_nothing(registry):
    job = await imported(registry, dry_run="true")
    assert (job["status"], job["rows"], job["errors"], job["persons_created"]) == ("done", 6, 2, 0)
    assert await bad_rows(registry, job) == BAD
    assert await persons(registry) == []


async def test_nobody_imports_outside_their_wilayah_or_sees_anothers_import(registry):
    banjar = bearer("operator", "63.03")
    job = await imported(registry, headers=banjar)
    assert (job["persons_created"], job["errors"]) == (1, 5)  # the one row of Banjar: Ahmad
    rules = {rule for _, rule, _ in await bad_rows(registry, job, banjar)}
    assert rules == {"outside-wilayah", "nik-invalid-length"}
    assert await persons(registry) == []
    tapin_job = await imported(registry, dry_run="true")
    hidden = await registry.client.get(f"/v1/imports/{tapin_job['import_id']}", headers=banjar)
    assert hidden.status_code == 404
    for role, wilayah in (("psm", "63.05.01.2003"), ("tksk", "63.05.01"), ("integration", "63")):
        refused = await registry.client.post(
            "/v1/imports", content=EXTRACT, headers=bearer(role, wilayah)
        )
        assert refused.status_code == 403, role
    keyed = {**bearer(), "Idempotency-Key": "dtks-2026-1"}
    first = await registry.client.post("/v1/imports", content=EXTRACT, headers=keyed)
    again = await registry.client.post("/v1/imports", content=EXTRACT, headers=keyed)
    assert first.json()["import_id"] == again.json()["import_id"]  # a retried upload: one job
    empty = await registry.client.post("/v1/imports", content=b"", headers=bearer())
    assert (empty.status_code, empty.json()["type"]) == (422, "urn:kesos:problem:import-file-empty")


async def test_a_row_breaking_a_family_rule_leaves_nothing_and_a_nik_held_elsewhere_is_reviewed(
    make_registry, store_kind
):
    """The set-based path stages each row alone: a second kepala keluarga on one KK is a bad
    row and registers no one. A NIK registered in another kecamatan is not the importer's to
    confirm: the batch goes row by row, and that row's person is held for the Dinas's review."""
    registry = await make_registry(store_kind)
    elsewhere = await registered_in_tapin_utara(registry)
    extract = "\n".join([
        "nik;no_kk;nama;jenis_kelamin;tanggal_lahir;kode_desa;hubungan_keluarga;kategori_pmks",
        ";6305010503120007;Abdul Gani;L;25-06-1955;63.05.01.2003;Kepala Keluarga;PD",
        ";6305010503120007;Jumberi;L;03-04-1960;63.05.01.2003;Kepala Keluarga;FM",
        ";6305010503120007;Siti Jubaidah;P;28/08/1958;63.05.01.2003;Istri;",
    ]).encode()  # fmt: skip
    binuang = bearer("operator", "63.05.01", "operator-binuang")
    job = await imported(registry, extract, headers=binuang)
    assert (job["persons_created"], job["families"], job["errors"]) == (2, 1, 1)
    assert await bad_rows(registry, job, binuang) == [(3, "family-head-taken", "")]
    assert sorted(p["name"] for p in await persons(registry)) == [
        "Abdul Gani", "Ahmad Rifani", "Siti Jubaidah",
    ]  # fmt: skip

    held = (
        f"nik;nama;jenis_kelamin;tanggal_lahir;kode_desa;kategori_pmks\n{elsewhere['nik']};"
        "Ahmad Rifani;L;1990-08-17;63.05.01.2003;LUT\n;Udin;L;1995-09-03;63.05.01.2003;GLD"
    )
    job = await imported(registry, held.encode(), headers=binuang)
    assert (job["persons_created"], job["errors"]) == (2, 0)
    reviews = await registry.client.get("/v1/reviews", headers=bearer("admin", "63.05"))
    assert [r["kind"] for r in reviews.json()["items"]] == ["nik-elsewhere"]


PIPELINED = "\n".join([
    "nik;no_kk;nama;jenis_kelamin;tanggal_lahir;kode_desa;hubungan_keluarga;kategori_pmks",
    "6305015402400003;6305011203150004;Masriah;P;14-02-1940;63.05.01.2003;Kepala Keluarga;LUT",
    ";6305011203150004;Rahmat;L;03/09/1995;63.05.01.2003;anak;PD",
    ";6305011203150004;Siti Aminah;P;01-07-1975;63.05.01.2003;Istri;",  # batch 2
    "6305015402400003;;Masriah;P;14-02-1940;63.05.01.2003;;FM",
    "6305015402400003;;Masriah;P;14-02-1940;63.05.01.2003;;PD",  # batch 3
    ";6305011203150004;Rahmat;L;03/09/1995;63.05.01.2003;anak;PD|FM",
    ";6305011203150004;Udin;L;1999-09-03;63.05.01.2003;anak;GLD",  # batch 4
    ";;Masriyah;P;1940-02-14;63.05.01.2003;;LUT",
]).encode()  # fmt: skip


async def test_batches_staged_while_the_one_before_is_written_end_as_one_batch_would(
    make_registry, store_kind, monkeypatch
):
    """In batches of two, every batch names records the batch before it registers or changes:
    on PostgreSQL it is staged while that one is still being written (the worker's pipeline),
    and must stage them as that batch's commit leaves them — none goes row by row for it."""
    monkeypatch.setenv("REGISTRY_IMPORT_BATCH", "2")
    registry = await make_registry(store_kind)
    with structlog.testing.capture_logs() as logs:
        job = await imported(registry, PIPELINED)
    assert not [line for line in logs if line["event"] == "import_batch_row_by_row"]
    counts = ("rows", "persons_created", "persons_updated", "families", "errors", "duplicates")
    assert {k: job[k] for k in counts} == {
        "rows": 8, "persons_created": 5, "persons_updated": 3, "families": 1, "errors": 0,
        "duplicates": 1,
    }  # fmt: skip
    found = {p["name"]: p for p in await persons(registry)}
    assert found["Masriah"]["categories"] == ["LUT", "FM", "PD"]
    assert found["Rahmat"]["categories"] == ["PD", "FM"]
    assert await members_with(registry, found["Masriah"]["person_id"]) == {
        found["Masriah"]["person_id"]: "kepala_keluarga",
        found["Rahmat"]["person_id"]: "anak",
        found["Siti Aminah"]["person_id"]: "istri",
        found["Udin"]["person_id"]: "anak",
    }


async def test_a_nik_registered_while_a_batch_is_staged_is_matched_not_doubled(make_registry):
    """A batch's new persons are written when it is staged: someone registering one of its
    NIKs meanwhile makes that write wait for their commit and meet the NIK's unique index;
    the batch goes row by row, and the row matches that person instead of registering a
    second one."""
    registry = await make_registry("postgresql")
    uows = registry.app.state.uows
    job, now = await submitted(registry), utcnow()
    rows = [
        read_row(2, {"nik": NIK_WOMAN, "nama": "Siti Aminah", "jenis_kelamin": "P",
                     "tanggal_lahir": "1990-08-17", "kode_desa": TUNGKAP,
                     "kategori_pmks": "FM"}, today=now.date()),
        read_row(3, {"nama": "Udin", "jenis_kelamin": "L", "tanggal_lahir": "1995-09-03",
                     "kode_desa": TUNGKAP, "kategori_pmks": "GLD"}, today=now.date()),
    ]  # fmt: skip
    her = PersonForm(nik=NIK_WOMAN, name="Siti Aminah", sex="P", birth_date=date(1990, 8, 17),
                     desa=TUNGKAP, categories=("LUT",))  # fmt: skip
    async with uows() as registering, uows() as uow:
        await register_person(registering, her, OPERATOR, now, new_id())  # not yet committed
        staging = asyncio.create_task(imports.prepare_batch(uow, job, rows, now, rule_of))
        await eventually(lambda: waiting_for_a_lock(registry), message="the staging waits")
        await registering.commit()
        prepared = await staging
        assert prepared.staged is None  # her NIK was taken: row by row
        advanced, as_staged = await imports.finish_batch(uow, job, prepared, rule_of)
        await uow.commit()
    assert not as_staged
    assert (advanced.persons_created, advanced.persons_updated, advanced.errors) == (1, 1, 0)
    found = [p for p in await persons(registry) if p["name"] == "Siti Aminah"]
    assert [p["categories"] for p in found] == [["LUT", "FM"]]
    # The audit rows and the batch event queued with the staging went with it: the events and
    # the audit name only the persons that are on record.
    on_record = {p["person_id"] for p in await persons(registry)}
    async with uows() as uow:
        events = (await uow.session.execute(select(outbox.c.type, outbox.c.fields))).all()
        registered = await uow.session.scalars(
            select(audit.c.record_id).where(audit.c.action == "person.register")
        )
        assert set(registered) == on_record
    assert not [type_ for type_, _ in events if type_.endswith("persons_imported.v1")]
    named = {Envelope.from_fields(json.loads(fields)).subject for _, fields in events}
    assert on_record <= named and named <= on_record | {job.import_id}


async def test_a_batch_staged_again_writes_its_audit_rows_and_event_once(make_registry, store_kind):
    """A batch staged while the one before was written is staged again when that one went row
    by row: the first staging's audit rows and event are dropped, not written twice."""
    registry = await make_registry(store_kind)
    uows = registry.app.state.uows
    job, now = await submitted(registry), utcnow()
    rows = [
        read_row(2, {"nama": "Udin", "jenis_kelamin": "L", "tanggal_lahir": "1995-09-03",
                     "kode_desa": TUNGKAP, "kategori_pmks": "GLD"}, today=now.date()),
    ]  # fmt: skip
    async with uows() as uow:
        prepared = await imports.prepare_batch(uow, job, rows, now, rule_of)
        prepared = await imports.prepare_again(uow, job, prepared, rule_of)
        await imports.finish_batch(uow, job, prepared, rule_of)
        await uow.commit()
    [udin] = await persons(registry)
    async with uows() as uow:
        registered = await uow.session.scalars(
            select(audit.c.record_id).where(audit.c.action == "person.register")
        )
        assert list(registered) == [udin["person_id"]]
        types = list(await uow.session.scalars(select(outbox.c.type)))
    assert [t for t in types if t.endswith("_imported.v1")] == [
        "kesos.registry.persons_imported.v1"
    ]


async def test_a_nik_a_bad_row_of_the_batch_before_names_is_written_after_that_batch(
    make_registry,
):
    """A batch staged while the one before is written writes its new persons with the
    staging — unless one has a NIK a row of that batch named and broke a rule with: were that
    batch to go row by row and write her after all, each would wait for the other. Then her
    write waits for the batch before's commit."""
    registry = await make_registry("postgresql")
    uows = registry.app.state.uows
    job, now = await submitted(registry), utcnow()
    jumberi = "6305012506550002"

    def row(line: int, nik: str, name: str, relationship: str) -> ImportRow | RowError:
        return read_row(line, {
            "nik": nik, "no_kk": "6305010503120007", "nama": name, "jenis_kelamin": "L",
            "tanggal_lahir": "1955-06-25", "kode_desa": TUNGKAP, "kategori_pmks": "PD",
            "hubungan_keluarga": relationship,
        }, today=now.date())  # fmt: skip

    first = [
        row(2, "6305012506550001", "Abdul Gani", "Kepala Keluarga"),
        row(3, jumberi, "Jumberi", "Kepala Keluarga"),
    ]  # a second head: a bad row
    second = [row(4, jumberi, "Jumberi", "Anak"), row(5, "6305012506550003", "Udin", "Anak")]
    async with uows() as writing, uows() as staging:
        before = await imports.prepare_batch(writing, job, first, now, rule_of)
        after = await imports.prepare_batch(staging, job, second, now, rule_of, after=before)
        assert before.staged is not None and before.staged.persons_written
        assert after.staged is not None and not after.staged.persons_written
        job, _ = await imports.finish_batch(writing, job, before, rule_of)
        await writing.commit()
        job, as_staged = await imports.finish_batch(staging, job, after, rule_of)
        await staging.commit()
    assert as_staged
    assert (job.persons_created, job.errors) == (3, 1)
    assert sorted(p["name"] for p in await persons(registry)) == ["Abdul Gani", "Jumberi", "Udin"]


async def test_a_batch_going_row_by_row_is_written_before_the_next_is_staged(
    make_registry, monkeypatch
):
    """A batch the staging leaves to the row-by-row path (a NIK held in another kecamatan)
    tells the next batch nothing of what it will write, so the next is staged after its
    commit: a NIK both register is one person, and neither waits for the other."""
    monkeypatch.setenv("REGISTRY_IMPORT_BATCH", "2")
    registry = await make_registry("postgresql")
    elsewhere = await registered_in_tapin_utara(registry)
    extract = "\n".join([
        "nik;nama;jenis_kelamin;tanggal_lahir;kode_desa;kategori_pmks",
        f"{elsewhere['nik']};Ahmad Rifani;L;1990-08-17;63.05.01.2003;LUT",
        "6305012506550001;Abdul Gani;L;25-06-1955;63.05.01.2003;PD",
        "6305012506550001;Abdul Gani;L;25-06-1955;63.05.01.2003;FM",  # batch 2
    ]).encode()  # fmt: skip
    binuang = bearer("operator", "63.05.01", "operator-binuang")
    job = await imported(registry, extract, headers=binuang)
    assert (job["persons_created"], job["persons_updated"], job["errors"]) == (2, 1, 0)
    gani = [p for p in await persons(registry) if p["name"] == "Abdul Gani"]
    assert [p["categories"] for p in gani] == [["PD", "FM"]]


async def test_a_staged_batch_lets_its_persons_go_when_the_write_before_it_waits(
    make_registry, monkeypatch
):
    """A staged batch holds its new persons' NIKs uncommitted while the batch before is
    written. A transaction holding a record that write changes, then registering one of those
    NIKs, closes a cycle the server cannot see (the staged batch is idle, in the worker): past
    `hold_s` the staged batch lets its persons go and is staged again, and both finish."""
    monkeypatch.setenv("REGISTRY_IMPORT_BATCH", "1")
    monkeypatch.setenv("REGISTRY_IMPORT_HOLD_S", "0.3")
    registry = await make_registry("postgresql")
    siti = (await registry.post("/v1/persons", new_person())).json()
    gani = PersonForm(nik="6305012506550001", name="Abdul Gani", sex="L",
                      birth_date=date(1955, 6, 25), desa=TUNGKAP, categories=("PD",))  # fmt: skip
    extract = "\n".join([
        "nik;nama;jenis_kelamin;tanggal_lahir;kode_desa;kategori_pmks",
        f"{NIK_WOMAN};Siti Aminah;P;1990-08-17;63.05.01.2003;FM",  # batch 1 changes Siti
        f"{gani.nik};Abdul Gani;L;25-06-1955;63.05.01.2003;PD",  # batch 2 registers him
    ]).encode()  # fmt: skip
    async with registry.app.state.uows() as other:
        await other.session.execute(
            text("UPDATE registry_persons SET updated_at = updated_at WHERE person_id = :id"),
            {"id": siti["person_id"]},
        )  # holds Siti's record: batch 1's write waits for this transaction
        importing = asyncio.create_task(imported(registry, extract))
        await eventually(lambda: held_uncommitted(registry, gani.nik), message="batch 2 staged")
        await register_person(other, gani, OPERATOR, utcnow(), new_id())  # waits for batch 2
        await other.commit()
    job = await importing
    assert (job["status"], job["persons_created"], job["persons_updated"]) == ("done", 0, 1)
    assert [p["name"] for p in await persons(registry)].count("Abdul Gani") == 1


async def held_uncommitted(registry, nik: str) -> bool | None:
    """Whether a transaction not yet committed holds the NIK: a probe's insert of it waits."""
    now = utcnow()
    probe = dict(person_id=new_id(), nik=nik, name="probe", sex="L", birth_date=None,
                 desa=TUNGKAP, kecamatan="63.05.01", categories="", version=1,
                 registered_at=now, updated_at=now)  # fmt: skip
    async with registry.app.state.bus.engine.connect() as connection:
        await connection.execute(text("SET LOCAL lock_timeout = '50ms'"))
        try:
            await connection.execute(insert(persons_table).values(**probe))
        except DBAPIError as error:
            return "lock timeout" in str(error) or None
        finally:
            await connection.rollback()
    return None
