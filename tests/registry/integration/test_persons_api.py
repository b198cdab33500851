"""Persons (PMKS/PPKS) through the API: one person per NIK, the rules, who sees what."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from shared.persistence.tables import audit
from tests.registry.integration.conftest import (
    BINUANG,
    NIK_WOMAN,
    RANTAU_KIWA,
    TAPIN_UTARA,
    TUNGKAP,
    bearer,
    new_person,
)

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
OTHER_DESA = "63.05.01.2006"  # A. Yani Pura, Binuang


def problem_type(response) -> str:
    assert response.headers["content-type"] == PROBLEM, response.text
    return str(response.json()["type"]).removeprefix("urn:kesos:problem:")


async def audited(registry, action: str) -> list[str]:
    async with registry.app.state.uows() as uow:
        query = select(audit.c.record_id).where(audit.c.action == action).order_by(audit.c.id)
        return [row[0] for row in await uow.session.execute(query)]


async def test_a_person_is_registered_once_per_nik(make_registry, store_kind):
    registry = await make_registry(store_kind)
    first = await registry.post("/v1/persons", new_person())
    assert first.status_code == 201, first.text
    person = first.json()
    assert person == {
        "person_id": person["person_id"],
        "nik": NIK_WOMAN,
        "nik_recorded": True,
        "name": "Siti Aminah",
        "sex": "P",
        "birth_date": "1990-08-17",
        "desa": TUNGKAP,
        "kecamatan": BINUANG,
        "categories": ["LUT"],
        "protected": False,
        "version": 1,
        "cases": [],
        "merged_into": None,
        "disclosure": {},
    }
    tksk = bearer("tksk", BINUANG, sub="w-tksk")
    again = await registry.post(
        "/v1/persons", new_person(nik="6305 0157 0890 0002", categories=["PD", "lut"]), tksk
    )
    assert again.status_code == 200, again.text
    merged = again.json()
    assert (merged["person_id"], merged["categories"]) == (person["person_id"], ["LUT", "PD"])
    # The person's own TKSK sees them whole (the registry's scope is his kecamatan).
    assert (merged["version"], merged["nik"]) == (2, NIK_WOMAN)
    listed = await registry.client.get("/v1/persons", headers=bearer())
    assert [p["person_id"] for p in listed.json()["items"]] == [person["person_id"]]
    # Typing a known NIK shows that person: a lookup, audited even when nothing changed.
    same = await registry.post("/v1/persons", new_person(categories=["LUT"]), tksk)
    assert (same.status_code, same.json()["version"]) == (200, 2)
    assert await audited(registry, "person.match") == [person["person_id"]] * 2


async def test_concurrent_reports_of_one_nik_register_one_person(make_registry):
    registry = await make_registry("postgresql")
    answers = await asyncio.gather(*(registry.post("/v1/persons", new_person()) for _ in range(6)))
    assert sorted(answer.status_code for answer in answers) == [200] * 5 + [201]
    assert len({answer.json()["person_id"] for answer in answers}) == 1


async def test_a_person_without_a_nik_is_registered_with_the_nik_not_yet_recorded(registry):
    body = new_person(categories=["AT"], birth_date=None, name="Udin")
    del body["nik"]
    created = await registry.post("/v1/persons", body)
    assert created.status_code == 201, created.text
    assert (created.json()["nik"], created.json()["nik_recorded"]) == (None, False)
    twin = await registry.post("/v1/persons", body)  # nothing tells them apart: a new person
    assert twin.status_code == 201 and twin.json()["person_id"] != created.json()["person_id"]
    # so a client retrying a NIK-less registration sends an Idempotency-Key
    keyed = {**bearer(), "Idempotency-Key": "udin-1"}
    retried = [await registry.post("/v1/persons", body, keyed) for _ in range(2)]
    assert retried[0].json() == retried[1].json()
    listed = (await registry.client.get("/v1/persons", headers=bearer())).json()["items"]
    assert len(listed) == 3


BAD_INPUT = [
    ({"nik": "63050157089"}, "nik-invalid-length"),
    ({"nik": "6305019908900002"}, "nik-invalid-birth-date"),
    ({"desa": BINUANG}, "wilayah-not-desa"),
    ({"desa": "63.05.01.9999"}, "wilayah-unknown"),
    ({"categories": []}, "person-category-required"),
    ({"categories": ["LUT", "XYZ"]}, "pmks-category-unknown"),
    ({"birth_date": "2999-01-01"}, "birth-date-in-future"),
]


async def test_bad_input_is_a_422_problem_naming_the_rule(registry):
    # One app for the whole table: each case is one request, an app per case would cost more.
    for changes, rule in BAD_INPUT:
        response = await registry.post("/v1/persons", new_person(**changes))
        assert (response.status_code, problem_type(response)) == (422, rule), changes
        assert NIK_WOMAN[6:] not in response.text  # a NIK is never echoed
    assert (await registry.client.get("/v1/persons", headers=bearer())).json()["items"] == []


async def test_a_psm_registers_persons_of_her_own_desa_only(registry):
    psm = bearer("psm", TUNGKAP, sub="w-psm")
    outside = await registry.post("/v1/persons", new_person(desa=OTHER_DESA), psm)
    assert outside.status_code == 403
    assert problem_type(outside) == "outside-wilayah"
    inside = await registry.post("/v1/persons", new_person(), psm)
    assert inside.status_code == 201
    assert inside.json()["nik"] == "630501**********"


async def test_a_person_outside_the_callers_wilayah_is_not_found(registry):
    person = (await registry.post("/v1/persons", new_person())).json()
    path = f"/v1/persons/{person['person_id']}"
    assert (await registry.client.get(path, headers=bearer())).status_code == 200
    for headers in (bearer("psm", OTHER_DESA, sub="w-2"), bearer("operator", TAPIN_UTARA)):
        response = await registry.client.get(path, headers=headers)
        assert response.status_code == 404 and problem_type(response) == "not-found"
        listed = await registry.client.get("/v1/persons", headers=headers)
        assert listed.json() == {"items": [], "next_cursor": None}
    missing = await registry.client.get("/v1/persons/nobody", headers=bearer())
    assert missing.status_code == 404


async def test_a_known_nik_outside_the_callers_wilayah_answers_like_any_new_person(registry):
    await registry.post("/v1/persons", new_person())
    fresh = await registry.post(
        "/v1/persons",
        new_person(desa=RANTAU_KIWA, nik="6305015708900003"),
        bearer("operator", TAPIN_UTARA),
    )
    elsewhere = await registry.post(
        "/v1/persons", new_person(desa=RANTAU_KIWA), bearer("operator", TAPIN_UTARA)
    )
    assert elsewhere.status_code == fresh.status_code == 201  # nothing tells them apart
    assert set(elsewhere.json()) == set(fresh.json())
    assert elsewhere.json()["nik"] == NIK_WOMAN and elsewhere.json()["nik_recorded"]


async def test_persons_are_listed_by_wilayah_and_category_in_pages(registry):
    ids = []
    for serial, (desa, categories) in enumerate(
        [(TUNGKAP, ["LUT"]), (TUNGKAP, ["PD", "LUT"]), (RANTAU_KIWA, ["LUT"]), (TUNGKAP, ["FM"])]
    ):
        body = new_person(desa=desa, categories=categories, nik=f"630501570890{serial:04d}")
        ids.append((await registry.post("/v1/persons", body)).json()["person_id"])

    async def listed(**query) -> set[str]:
        response = await registry.client.get("/v1/persons", params=query, headers=bearer())
        assert response.status_code == 200, response.text
        return {person["person_id"] for person in response.json()["items"]}

    assert await listed(category="lut") == {ids[0], ids[1], ids[2]}
    assert await listed(category="LUT", wilayah=BINUANG) == {ids[0], ids[1]}
    first = (await registry.client.get("/v1/persons?limit=3", headers=bearer())).json()
    rest = await listed(cursor=first["next_cursor"])
    assert {p["person_id"] for p in first["items"]} | rest == set(ids)
    unknown = await registry.client.get("/v1/persons?category=XYZ", headers=bearer())
    assert problem_type(unknown) == "pmks-category-unknown"


async def test_a_nik_search_finds_the_person_and_is_audited(registry):
    person = (await registry.post("/v1/persons", new_person())).json()
    found = await registry.post("/v1/persons/search", {"nik": "6305-0157-0890-0002"})
    assert [p["person_id"] for p in found.json()["items"]] == [person["person_id"]]
    assert await audited(registry, "person.search") == [person["person_id"]]
    outside = await registry.post(
        "/v1/persons/search", {"nik": NIK_WOMAN}, bearer("psm", OTHER_DESA)
    )
    assert outside.json() == {"items": []}
    assert await audited(registry, "person.register") == [person["person_id"]]


async def test_integration_clients_see_no_identity_and_write_nothing(registry):
    await registry.post("/v1/persons", new_person())
    client = bearer("integration", "63")
    listed = await registry.client.get("/v1/persons", headers=client)
    assert listed.status_code == 200
    [person] = listed.json()["items"]
    assert (person["nik"], person["name"], person["sex"], person["birth_date"]) == (None,) * 4
    assert person["disclosure"] == {
        "nik": "absent", "name": "absent", "sex": "absent", "birth_date": "absent",
        "narrative": "absent",
    }  # fmt: skip
    assert (await registry.post("/v1/persons", new_person(), client)).status_code == 403
