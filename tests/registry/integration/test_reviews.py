"""What the Dinas decides instead of the registry confirming a NIK elsewhere or linking a report
that does not match (docs/adr/0005): each kind of review, opened, seen only by who covers all its
places, and decided both ways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from shared.contracts.cases import CaseCategoriesVerified, PersonReported, ReportedPerson
from shared.contracts.envelope import Envelope
from shared.security import mint_token
from tests.registry.integration.conftest import (
    NIK_WOMAN,
    RANTAU_KIWA,
    SECRET,
    TAPIN_UTARA,
    TUNGKAP,
    bearer,
    new_person,
    new_worker,
    nik,
    published,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

UTARA = bearer("operator", TAPIN_UTARA, "operator-utara")
KABUPATEN = bearer("admin", "63.05", "admin-tapin")
OFFICER_TOKEN = mint_token(
    SECRET, sub="dpo", role="operator", wilayah="63.05", now=datetime.now(UTC),
    grants=["protected-data"],
)  # fmt: skip
OFFICER = {"Authorization": f"Bearer {OFFICER_TOKEN}"}


async def reviews(registry, headers: dict = KABUPATEN, **params) -> list[dict]:
    response = await registry.client.get("/v1/reviews", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def decide(registry, review_id: str, decision: str, headers: dict = KABUPATEN):
    return await registry.client.post(
        f"/v1/reviews/{review_id}/resolve",
        json={"decision": decision, "note": "diperiksa dengan Dukcapil"},
        headers=headers,
    )


async def person(registry, person_id: str, headers: dict = KABUPATEN) -> dict:
    return (await registry.client.get(f"/v1/persons/{person_id}", headers=headers)).json()


async def held_person(registry) -> tuple[str, str, dict]:
    known = (await registry.post("/v1/persons", new_person())).json()["person_id"]
    typed = new_person(desa=RANTAU_KIWA, categories=["PD"])
    held = (await registry.post("/v1/persons", typed, UTARA)).json()["person_id"]
    [review] = await reviews(registry)
    return known, held, review


async def test_a_nik_held_elsewhere_is_reviewed_by_a_dinas_covering_both_places(registry):
    known, held, review = await held_person(registry)
    assert (review["kind"], review["record_id"], review["other_id"]) == (
        "nik-elsewhere", held, known,
    )  # fmt: skip
    assert await reviews(registry, UTARA) == []  # covers one place only: sees nothing of it
    refused = await registry.client.get(f"/v1/reviews/{review['review_id']}", headers=UTARA)
    assert refused.status_code == 404
    assert (await decide(registry, review["review_id"], "same_person", UTARA)).status_code == 404
    search = await registry.post("/v1/persons/search", {"nik": NIK_WOMAN}, UTARA)
    assert [p["person_id"] for p in search.json()["items"]] == [held]  # their own record
    assert (await person(registry, known))["categories"] == ["LUT"]  # untouched until decided


async def test_the_same_person_merges_the_new_record_into_the_one_holding_the_nik(registry):
    known, held, review = await held_person(registry)
    decided = await decide(registry, review["review_id"], "same_person")
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "resolved" and decided.json()["resolved_by"] == "admin-tapin"
    assert (await person(registry, known))["categories"] == ["LUT", "PD"]
    assert (await person(registry, held))["merged_into"] == known
    again = await decide(registry, review["review_id"], "different_persons")
    assert again.status_code == 409 and again.json()["type"].endswith("review-closed")


async def test_different_persons_keep_their_records_and_the_new_one_loses_the_nik(registry):
    known, held, review = await held_person(registry)
    await decide(registry, review["review_id"], "different_persons")
    assert (await person(registry, held))["nik"] is None
    assert (await person(registry, known))["nik"] == NIK_WOMAN
    unknown = await decide(registry, review["review_id"], "maybe")
    assert unknown.status_code == 422


async def test_a_worker_registered_again_elsewhere_is_reviewed_then_moved(registry):
    first = await registry.register()  # in Tungkap
    again = await registry.post("/v1/workers", new_worker(wilayah=RANTAU_KIWA), UTARA)
    assert again.status_code == 201
    [review] = await reviews(registry)
    assert review["kind"] == "worker-nik-elsewhere"
    moved = await decide(registry, review["review_id"], "same_person")
    assert moved.status_code == 200, moved.text
    assert (await registry.get(first["worker_id"])).json()["status"] == "inactive"
    assert (await registry.get(again.json()["worker_id"])).json()["status"] == "active"


async def test_a_wrong_worker_registration_is_ended(registry):
    first = await registry.register()
    again = await registry.post("/v1/workers", new_worker(wilayah=RANTAU_KIWA), UTARA)
    [review] = await reviews(registry)
    await decide(registry, review["review_id"], "different_persons")
    assert (await registry.get(again.json()["worker_id"])).json()["status"] == "inactive"
    assert (await registry.get(first["worker_id"])).json()["status"] == "active"


def intake(
    case_id: str, name: str | None, categories: tuple[str, ...] = ("ODHA",), **named: str
) -> dict[str, str]:
    typed = None if name is None else ReportedPerson(nik=NIK_WOMAN, name=name, sex="P")
    event = PersonReported(
        case_id=case_id, desa=TUNGKAP, categories=categories, reported_by="w-psm",
        reporter_role="psm", at=datetime.now(UTC), person=typed, **named,
    )  # fmt: skip
    return Envelope.wrap(event, source="/kesos/cases", time=datetime.now(UTC)).to_fields()


def visit(case_id: str, categories: tuple[str, ...]) -> dict[str, str]:
    """What the TKSK confirmed on the home visit."""
    event = CaseCategoriesVerified(case_id=case_id, categories=categories, at=datetime.now(UTC))
    return Envelope.wrap(event, source="/kesos/cases", time=datetime.now(UTC)).to_fields()


async def mismatched_report(registry, redis: Redis) -> tuple[str, dict]:
    known = (await registry.post("/v1/persons", new_person())).json()["person_id"]
    stream = f"{registry.namespace}.cases.intake"
    await redis.xadd(stream, intake("c-1", "Masriah binti Ahmad"))  # type: ignore[arg-type]
    await redis.xadd(stream, intake("c-1", "Masriah binti Ahmad"))  # type: ignore[arg-type]
    await redis.xadd(stream, intake("c-2", "siti  AMINAH", ("FM",)))  # type: ignore[arg-type]

    async def c2_linked() -> bool:
        return (await person(registry, known))["cases"] == ["c-2"]

    await eventually(c2_linked, message="the matching report linked")
    [review] = await reviews(registry)
    return known, review


async def test_a_report_whose_nik_names_someone_else_links_nothing_until_decided(registry, redis):
    known, review = await mismatched_report(registry, redis)
    assert (review["kind"], review["record_id"], review["other_id"]) == (
        "report-mismatch", "c-1", known,
    )  # fmt: skip
    assert (review["protected"], review["details"]) == (True, None)  # ODHA: officers only
    [for_officer] = await reviews(registry, OFFICER)
    assert for_officer["details"]["name"] == "Masriah binti Ahmad"
    assert (await person(registry, known))["categories"] == ["LUT", "FM"]  # ODHA not added

    async def links() -> list[str]:
        events = await published(redis, registry.namespace)
        return [e.data["case_id"] for e in events if e.type.endswith("linked.v1")]

    assert await eventually(links, message="c-2's link published") == ["c-2"]

    await decide(registry, review["review_id"], "same_person")
    [closed] = await reviews(registry, status="resolved")
    assert (closed["details"], closed["note"]) == (None, None)  # why may say what they hold
    [for_officer] = await reviews(registry, OFFICER, status="resolved")
    assert for_officer["note"] == "diperiksa dengan Dukcapil"
    decided = await person(registry, known, OFFICER)  # now ODHA: the officer sees it whole
    assert (decided["cases"], decided["categories"]) == (["c-2", "c-1"], ["LUT", "FM", "ODHA"])


async def test_a_mismatched_report_of_someone_else_registers_them_without_the_nik(registry, redis):
    known, review = await mismatched_report(registry, redis)
    await decide(registry, review["review_id"], "different_persons")

    async def c1_linked() -> list:
        events = await published(redis, registry.namespace)
        return [e for e in events if e.type.endswith("linked.v1") and e.data["case_id"] == "c-1"]

    [link] = await eventually(c1_linked, message="c-1 linked")
    assert link.data["matched_by"] == "new" and link.data["person_id"] != known
    newcomer = await person(registry, link.data["person_id"], OFFICER)
    assert (newcomer["nik"], newcomer["name"]) == (None, "Masriah binti Ahmad")
    assert (await person(registry, known, OFFICER))["categories"] == ["LUT", "FM"]


async def test_a_report_naming_a_nik_held_elsewhere_tells_the_reporter_nothing(registry, redis):
    """Whatever name is typed, a NIK held outside the case's desa gives the answer a NIK nobody
    holds gives: a new person, linked — under review — and the other untouched."""
    elsewhere = new_person(desa=RANTAU_KIWA)  # the NIK's holder lives in Tapin Utara
    known = (await registry.post("/v1/persons", elsewhere)).json()["person_id"]
    stream = f"{registry.namespace}.cases.intake"
    await redis.xadd(stream, intake("c-right", "Siti Aminah"))  # type: ignore[arg-type]
    await redis.xadd(stream, intake("c-wrong", "Masriah"))  # type: ignore[arg-type]

    async def links() -> dict[str, dict]:
        events = await published(redis, registry.namespace)
        linked = {e.data["case_id"]: e.data for e in events if e.type.endswith("linked.v1")}
        return linked if len(linked) == 2 else {}

    linked = await eventually(links, message="both reports linked")
    assert {link["matched_by"] for link in linked.values()} == {"new"}
    assert known not in {link["person_id"] for link in linked.values()}
    victim = await person(registry, known, OFFICER)
    assert (victim["categories"], victim["cases"]) == (["LUT"], [])  # no ODHA stamped on her
    assert {r["kind"] for r in await reviews(registry, OFFICER)} == {"nik-elsewhere"}


async def test_what_the_visit_confirms_while_a_report_is_held_comes_with_the_decision(
    registry, redis
):
    known, review = await mismatched_report(registry, redis)
    await redis.xadd(f"{registry.namespace}.cases.intake", visit("c-1", ("ODHA", "PD")))  # type: ignore[arg-type]

    async def grown() -> bool:
        [held] = await reviews(registry, OFFICER)
        return held["details"]["categories"] == ["ODHA", "PD"]

    await eventually(grown, message="the review holds the visit's categories")
    assert (await person(registry, known, OFFICER))["categories"] == ["LUT", "FM"]  # not yet
    await decide(registry, review["review_id"], "same_person")
    decided = await person(registry, known, OFFICER)
    assert decided["categories"] == ["LUT", "FM", "ODHA", "PD"]


async def test_a_second_report_of_someone_under_review_finds_their_record(registry, redis):
    """The held record is theirs in this desa: a second report links it, never a third record
    or a second review."""
    known = (await registry.post("/v1/persons", new_person(desa=RANTAU_KIWA))).json()["person_id"]
    stream = f"{registry.namespace}.cases.intake"
    await redis.xadd(stream, intake("c-1", "Siti Aminah"))  # type: ignore[arg-type]
    await redis.xadd(stream, intake("c-2", "SITI AMINAH", ("PD",)))  # type: ignore[arg-type]

    async def links() -> dict[str, dict]:
        events = await published(redis, registry.namespace)
        linked = {e.data["case_id"]: e.data for e in events if e.type.endswith("linked.v1")}
        return linked if len(linked) == 2 else {}

    linked = await eventually(links, message="both reports linked")
    held = linked["c-1"]["person_id"]
    assert (linked["c-2"]["person_id"], linked["c-2"]["matched_by"]) == (held, "nik")
    assert held != known
    assert (await person(registry, held, OFFICER))["categories"] == ["ODHA", "PD"]
    assert len(await reviews(registry, OFFICER)) == 1


async def test_a_record_merged_by_a_review_passes_what_reaches_it_to_the_one_it_joined(
    registry, redis
):
    known, held, review = await held_person(registry)
    await decide(registry, review["review_id"], "same_person")
    stream = f"{registry.namespace}.cases.intake"
    await redis.xadd(stream, intake("c-1", None, ("FM",), person_id=held))  # type: ignore[arg-type]

    def holds(code: str):
        async def check() -> bool:
            return code in (await person(registry, known, OFFICER))["categories"]

        return check

    await eventually(holds("FM"), message="FM on the record joined")
    await redis.xadd(stream, visit("c-1", ("ODHA",)))  # type: ignore[arg-type]
    await eventually(holds("ODHA"), message="ODHA on the record joined")
    assert (await person(registry, held, OFFICER))["merged_into"] == known


async def test_every_nik_search_is_audited_even_when_it_finds_nothing(registry):
    psm = bearer("psm", TUNGKAP, "w-psm")
    await registry.post("/v1/persons/search", {"nik": NIK_WOMAN}, psm)
    await registry.post("/v1/workers/search", {"nik": NIK_WOMAN}, psm)
    trail = await registry.client.get("/v1/audit", params={"actor": "w-psm"}, headers=KABUPATEN)
    rows = [(r["action"], r["record_type"], r["record_id"]) for r in trail.json()["items"]]
    masked = NIK_WOMAN[:6] + "*" * 10  # which region was probed; never the NIK itself
    assert sorted(rows) == [("person.search", "nik", masked), ("worker.search", "nik", masked)]
    refused = await registry.post(
        "/v1/workers/search", {"nik": NIK_WOMAN}, bearer("integration", "63.05", "bps")
    )
    assert refused.status_code == 403  # mapping a NIK an agency holds to our ids: not theirs


async def test_reviews_come_oldest_first_page_after_page(registry):
    """The Dinas works the queue in the order the reviews were opened, whatever their ids."""
    opened = []
    for serial in (11, 12, 13):
        man = {"nik": nik(serial), "name": "Ahmad Rizani", "sex": "L"}
        await registry.post("/v1/persons", new_person(**man))
        held = (await registry.post("/v1/persons", new_person(RANTAU_KIWA, **man), UTARA)).json()
        opened.append(held["person_id"])
    seen, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        answer = await registry.client.get("/v1/reviews", params=params, headers=KABUPATEN)
        seen += [review["record_id"] for review in answer.json()["items"]]
        cursor = answer.json().get("next_cursor")
        if not cursor:
            break
    assert seen == opened


async def test_reading_a_page_of_reviews_is_a_read_of_the_persons_it_names(registry):
    known, held, review = await held_person(registry)  # the page read once
    await reviews(registry)  # and again
    for person_id in (known, held):
        trail = await registry.client.get(
            "/v1/audit", params={"record_type": "person", "record_id": person_id},
            headers=OFFICER,  # reasons are for the designated officers
        )  # fmt: skip
        reads = [e for e in trail.json()["items"] if e["action"] == "person.read"]
        assert [(e["actor"], e["reason"]) for e in reads] == 2 * [
            ("admin-tapin", f"review {review['review_id']}")
        ]
