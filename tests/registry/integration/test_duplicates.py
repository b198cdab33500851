"""Likely duplicates put to the Dinas and merged on its word (domain.duplicates, ADR 0008): an
import's look-alike becomes a review, a scan of a wilayah finds the pairs registered one by one,
and a same-person decision merges: one id kept, the other pointing to it, its categories, NIK,
family place and cases moved, `person_merged` published. Different persons are never proposed
again. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.contracts.cases import PersonReported
from shared.contracts.envelope import Envelope
from tests.registry.integration.conftest import (
    TAPIN_UTARA,
    TUNGKAP,
    bearer,
    new_person,
    published,
)
from tests.registry.integration.test_imports import family_of, imported
from tests.registry.integration.test_reviews import KABUPATEN, decide, person, reviews
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

MASRIAH_NIK = "6305015402400003"
EXTRACT = "\n".join([
    "nik;no_kk;nama;jenis_kelamin;tanggal_lahir;kode_desa;hubungan_keluarga;kategori_pmks",
    f"{MASRIAH_NIK};6305011203150004;Masriah;P;14-02-1940;63.05.01.2003;Kepala Keluarga;LUT",
    ";6305011203150004;Rahmat;L;03/09/1995;6305012003;anak;PD",
    ";;Hj. Masriyah;P;1940-02-14;63.05.01.2003;;PD",  # Masriah again: no NIK, no KK
]).encode()  # fmt: skip
UTARA = bearer("operator", TAPIN_UTARA, "operator-utara")


@pytest.fixture(autouse=True)
def imports_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_IMPORT_DIR", str(tmp_path / "imports"))
    monkeypatch.setenv("REGISTRY_IMPORT_POLL_S", "0.2")


def report_about(case_id: str, person_id: str) -> dict[str, str]:
    """A PSM's report naming a registry person, as cases publishes it."""
    event = PersonReported(
        case_id=case_id, desa=TUNGKAP, categories=("PD",), reported_by="w-psm",
        reporter_role="psm", at=datetime.now(UTC), person_id=person_id,
    )  # fmt: skip
    return Envelope.wrap(event, source="/kesos/cases", time=datetime.now(UTC)).to_fields()


async def imported_pair(registry, redis) -> tuple[str, str, dict]:
    """Masriah (NIK, head of a KK) and her NIK-less double with a case; their review."""
    job = await imported(registry, EXTRACT)
    assert (job["persons_created"], job["duplicates"]) == (3, 1)
    [review] = await reviews(registry, kind="duplicate")
    double, masriah = review["record_id"], review["other_id"]
    await redis.xadd(f"{registry.namespace}.cases.intake", report_about("c-1", double))  # type: ignore[arg-type]

    async def linked() -> bool:
        return (await person(registry, double))["cases"] == ["c-1"]

    await eventually(linked, message="the double's case linked")
    return masriah, double, review


async def merges(redis, namespace: str) -> list[dict]:
    return [e.data for e in await published(redis, namespace) if e.type.endswith("merged.v1")]


async def test_an_imported_look_alike_is_reviewed_and_merged_into_the_earlier_record(
    make_registry, store_kind, redis
):
    registry = await make_registry(store_kind)
    masriah, double, review = await imported_pair(registry, redis)
    names = [p["name"] for p in review["persons"]]
    assert names == ["Hj. Masriyah", "Masriah"]  # side by side, the newer first
    assert review["details"]["score"] >= 90
    assert review["details"]["found_by"].startswith("import ")

    decided = await decide(registry, review["review_id"], "same_person")
    assert decided.status_code == 200, decided.text
    assert decided.json()["details"]["kept"] == masriah
    kept, pointer = await person(registry, masriah), await person(registry, double)
    assert (kept["categories"], kept["cases"], kept["nik"]) == (["LUT", "PD"], ["c-1"], MASRIAH_NIK)
    assert (pointer["merged_into"], pointer["cases"]) == (masriah, [])

    [merged] = await eventually(lambda: merges(redis, registry.namespace), message="published")
    assert (merged["person_id"], merged["into"], merged["cases"]) == (double, masriah, ["c-1"])
    assert set(merged) == {"person_id", "into", "desa", "kecamatan", "cases"}  # ids, no identity


async def test_the_dinas_may_keep_the_newer_record_which_takes_the_nik_and_the_kk_place(
    make_registry, store_kind, redis
):
    registry = await make_registry(store_kind)
    masriah, double, review = await imported_pair(registry, redis)
    foreign = await registry.client.post(
        f"/v1/reviews/{review['review_id']}/resolve",
        json={"decision": "same_person", "note": "cek KTP", "keep": "someone-else"},
        headers=KABUPATEN,
    )
    assert foreign.status_code == 422 and foreign.json()["type"].endswith("review-keep-invalid")
    decided = await registry.client.post(
        f"/v1/reviews/{review['review_id']}/resolve",
        json={"decision": "same_person", "note": "cek KTP", "keep": double},
        headers=KABUPATEN,
    )
    assert decided.status_code == 200, decided.text
    kept = await person(registry, double)
    assert (kept["nik"], kept["name"], kept["cases"]) == (MASRIAH_NIK, "Hj. Masriyah", ["c-1"])
    assert (await person(registry, masriah))["merged_into"] == double
    found = await registry.post("/v1/persons/search", {"nik": MASRIAH_NIK}, KABUPATEN)
    assert [p["person_id"] for p in found.json()["items"]] == [double]
    family_id = await family_of(registry, double)
    family = (await registry.client.get(f"/v1/families/{family_id}", headers=KABUPATEN)).json()
    members = {m["person_id"]: m["relationship"] for m in family["members"]}
    assert members[double] == "kepala_keluarga" and masriah not in members


async def test_different_persons_are_never_proposed_again_and_reviews_stay_in_scope(
    make_registry, store_kind, redis
):
    registry = await make_registry(store_kind)
    _, double, review = await imported_pair(registry, redis)
    assert await reviews(registry, UTARA, kind="duplicate") == []  # not their kecamatan
    assert (await decide(registry, review["review_id"], "same_person", UTARA)).status_code == 404
    await decide(registry, review["review_id"], "different_persons")
    assert (await person(registry, double))["merged_into"] is None

    scanned = await registry.post("/v1/reviews/duplicates/scan", {}, KABUPATEN)
    assert scanned.status_code == 200, scanned.text
    assert {k: scanned.json()[k] for k in ("desa", "persons", "pairs", "opened")} == {
        "desa": 1, "persons": 3, "pairs": 1, "opened": 0,
    }  # fmt: skip
    outside = await registry.post("/v1/reviews/duplicates/scan", {"wilayah": TUNGKAP}, UTARA)
    assert outside.status_code == 403
    assert await merges(redis, registry.namespace) == []


async def test_a_scan_finds_the_doubles_registered_one_by_one(make_registry, store_kind):
    registry = await make_registry(store_kind)
    for name in ("Muhammad Rizki", "M. Rizky", "Siti Rahmah", "St. Rahmah", "Udin"):
        body = new_person(nik=None, name=name, sex="L" if "Ri" in name else "P")
        assert (await registry.post("/v1/persons", body)).status_code == 201
    scanned = await registry.post("/v1/reviews/duplicates/scan", {"wilayah": TUNGKAP}, KABUPATEN)
    assert (scanned.json()["pairs"], scanned.json()["opened"]) == (2, 2)
    found = await reviews(registry, kind="duplicate")
    pairs = {tuple(sorted(p["name"] for p in review["persons"])) for review in found}
    assert pairs == {("M. Rizky", "Muhammad Rizki"), ("Siti Rahmah", "St. Rahmah")}
    again = await registry.post("/v1/reviews/duplicates/scan", {}, KABUPATEN)
    assert (again.json()["pairs"], again.json()["opened"]) == (2, 0)
