"""Families (Kartu Keluarga) through the API: registered with their members, one current family
per person, moves between families, the rules named, the scope kept, every change published
without identity."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from shared.persistence.tables import audit
from tests.registry.integration.conftest import (
    BINUANG,
    RANTAU_KIWA,
    TUNGKAP,
    bearer,
    new_person,
    published,
)

pytestmark = pytest.mark.integration

KK = "6305010101100001"  # issued in Binuang, 01-01-2010
OTHER_KK = "6305010202110002"


async def person(registry, serial: int, sex: str = "L", desa: str = TUNGKAP) -> str:
    day = 17 if sex == "L" else 57
    body = new_person(desa=desa, nik=f"630501{day}0890{serial:04d}", sex=sex, name=f"P{serial}")
    response = await registry.post("/v1/persons", body)
    assert response.status_code == 201, response.text
    return str(response.json()["person_id"])


def family(no_kk: str | None = KK, desa: str = TUNGKAP, **members: str) -> dict:
    return {
        "no_kk": no_kk,
        "desa": desa,
        "members": [{"person_id": p, "relationship": r} for p, r in members.items()],
    }


def rule(response) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return str(response.json()["type"]).removeprefix("urn:kesos:problem:")


async def actions(registry) -> list[tuple[str, str]]:
    async with registry.app.state.uows() as uow:
        query = (
            select(audit.c.action, audit.c.record_id)
            .where(audit.c.record_type == "family")
            .order_by(audit.c.id)
        )
        return [(row[0], row[1]) for row in await uow.session.execute(query)]


async def test_a_family_is_registered_with_its_members_and_published_without_identity(
    make_registry, store_kind, redis
):
    registry = await make_registry(store_kind)
    head, wife, child = (
        await person(registry, 1),
        await person(registry, 2, "P"),
        await person(registry, 3),
    )
    body = family(" 6305 0101 0110 0001 ", **{head: "Kepala Keluarga", wife: "ISTRI"})
    created = await registry.post("/v1/families", body)
    assert created.status_code == 201, created.text
    answer = created.json()
    family_id = answer["family_id"]
    assert answer | {"members": None} == {
        "family_id": family_id, "no_kk": KK, "kk_recorded": True, "desa": TUNGKAP,
        "kecamatan": BINUANG, "size": 2, "members": None, "version": 1,
    }  # fmt: skip
    members = [(m["person_id"], m["relationship"]) for m in answer["members"]]
    assert members == [(head, "kepala_keluarga"), (wife, "istri")]  # as a KK lists them
    added = await registry.post(
        f"/v1/families/{family_id}/members", {"person_id": child, "relationship": "anak"}
    )
    assert (added.status_code, added.json()["size"], added.json()["version"]) == (200, 3, 2)
    again = await registry.post(
        f"/v1/families/{family_id}/members", {"person_id": child, "relationship": "anak"}
    )
    assert (again.status_code, again.json()["version"]) == (200, 2)  # already in: nothing new

    events = [e for e in await published(redis, registry.namespace) if "family" in e.type]
    assert [e.type for e in events] == [
        "kesos.registry.family_registered.v1",
        "kesos.registry.family_changed.v1",
    ]
    assert [e.sequence for e in events] == [1, 2]
    last = events[-1].data
    assert (last["size"], last["kk_recorded"], last["desa"]) == (3, True, TUNGKAP)
    assert {m["person_id"] for m in last["members"]} == {head, wife, child}
    assert KK not in str(events) and "istri" not in str(events)  # no No. KK, no relationships
    read = await registry.client.get(f"/v1/families/{family_id}", headers=bearer())
    assert read.json() == added.json()
    assert await actions(registry) == [
        ("family.register", family_id), ("family.add_member", family_id),
        ("family.read", family_id),
    ]  # fmt: skip


async def test_a_person_is_in_one_family_at_a_time_and_moves_with_both_families_changed(
    make_registry, store_kind, redis
):
    registry = await make_registry(store_kind)
    a, b, c = await person(registry, 1), await person(registry, 2), await person(registry, 3)
    first = (
        await registry.post("/v1/families", family(**{a: "kepala keluarga", c: "anak"}))
    ).json()
    second = (
        await registry.post("/v1/families", family(OTHER_KK, **{b: "kepala keluarga"}))
    ).json()

    taken = await registry.post(
        f"/v1/families/{second['family_id']}/members", {"person_id": c, "relationship": "cucu"}
    )
    assert (taken.status_code, rule(taken)) == (409, "person-in-another-family")
    moved = await registry.post(
        f"/v1/families/{second['family_id']}/members",
        {"person_id": c, "relationship": "cucu", "move": True},
    )
    assert moved.status_code == 200, moved.text
    assert [m["person_id"] for m in moved.json()["members"]] == [b, c]
    left = await registry.client.get(f"/v1/families/{first['family_id']}", headers=bearer())
    assert (left.json()["size"], left.json()["version"]) == (1, 2)
    changed = [
        e
        for e in await published(redis, registry.namespace)
        if e.type.endswith("family_changed.v1")
    ]
    assert [(e.subject, e.data["size"]) for e in changed] == [
        (first["family_id"], 1),
        (second["family_id"], 2),
    ]


@pytest.mark.parametrize(
    ("change", "status", "expected"),
    [
        ({"no_kk": "6305010101100"}, 422, "kk-invalid-length"),
        ({"no_kk": "9101010101100001"}, 422, "kk-unknown-region"),
        ({"desa": BINUANG}, 422, "wilayah-not-desa"),
        (
            {"members": [{"person_id": "HEAD", "relationship": "tetangga"}]},
            422,
            "relationship-unknown",
        ),
        ({"members": [{"person_id": "nobody", "relationship": "anak"}]}, 404, "not-found"),
        (
            {"members": [{"person_id": "HEAD", "relationship": "anak"}] * 2},
            422,
            "family-member-twice",
        ),
        (
            {
                "members": [
                    {"person_id": "HEAD", "relationship": "kepala keluarga"},
                    {"person_id": "OTHER", "relationship": "kepala keluarga"},
                ]
            },
            409,
            "family-head-taken",
        ),
    ],
)
async def test_each_broken_rule_is_a_problem_naming_it(registry, change, status, expected):
    head, other = await person(registry, 1), await person(registry, 2)
    body = {**family(), **change}
    for member in body["members"]:
        member["person_id"] = {"HEAD": head, "OTHER": other}.get(
            member["person_id"], member["person_id"]
        )
    response = await registry.post("/v1/families", body)
    assert (response.status_code, rule(response)) == (status, expected)


async def test_a_no_kk_names_one_family_and_its_id_only_to_who_may_see_it(registry):
    first = await registry.post(
        "/v1/families", family(**{await person(registry, 1): "kepala keluarga"})
    )
    again = await registry.post("/v1/families", family())
    assert (again.status_code, rule(again)) == (409, "kk-already-registered")
    assert again.json()["family_id"] == first.json()["family_id"]
    kiwa_psm = bearer("psm", RANTAU_KIWA, sub="w-psm")
    elsewhere = await registry.post("/v1/families", family(desa=RANTAU_KIWA), kiwa_psm)
    assert (elsewhere.status_code, rule(elsewhere)) == (409, "kk-already-registered")
    assert "family_id" not in elsewhere.json()
    unrecorded = await registry.post("/v1/families", family(no_kk=None))
    assert unrecorded.status_code == 201 and unrecorded.json()["kk_recorded"] is False


async def test_families_are_seen_and_changed_only_inside_the_callers_wilayah(registry):
    head = await person(registry, 1)
    created = (await registry.post("/v1/families", family(**{head: "kepala keluarga"}))).json()
    path = f"/v1/families/{created['family_id']}"
    banjar = bearer("operator", "63.03")  # another kabupaten's Dinas
    assert (await registry.client.get(path, headers=banjar)).status_code == 404
    outside = await registry.post("/v1/families", family(no_kk=None), banjar)
    assert (outside.status_code, rule(outside)) == (403, "outside-wilayah")
    other_psm = bearer("psm", RANTAU_KIWA, sub="w-psm")
    assert (await registry.client.get(path, headers=other_psm)).status_code == 404
    own_psm = await registry.client.get(path, headers=bearer("psm", TUNGKAP, sub="w-psm2"))
    assert own_psm.json()["no_kk"] == "630501**********"  # field workers: its region only
    agency = bearer("integration", "63")
    assert (await registry.client.get(path, headers=agency)).status_code == 403
    unseen = await registry.post(
        f"{path}/members", {"person_id": head, "relationship": "anak"}, banjar
    )
    assert unseen.status_code == 404


async def test_concurrent_families_naming_one_person_leave_them_in_one(make_registry, store_kind):
    """The store keeps one current family per person: of requests racing to put the same person
    in different families, exactly one succeeds and the others are told why."""
    registry = await make_registry(store_kind)
    head = await person(registry, 1)
    bodies = [family(f"630501010110{n:04d}", **{head: "kepala keluarga"}) for n in range(1, 6)]
    answers = await asyncio.gather(*(registry.post("/v1/families", body) for body in bodies))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    assert {rule(a) for a in answers if a.status_code == 409} <= {
        "person-in-another-family",
        "concurrent-update",
    }


async def test_a_household_member_is_registered_with_the_family_without_a_pmks_category(
    make_registry, store_kind, redis
):
    registry = await make_registry(store_kind)
    head = await person(registry, 1, sex="P")
    spouse = {"name": "Abdul Hamid", "sex": "L", "birth_date": "1938-03-01"}
    body = {
        "no_kk": KK, "desa": "6305012003",
        "members": [
            {"person_id": head, "relationship": "kepala keluarga"},
            {"person": spouse, "relationship": "suami"},
        ],
    }  # fmt: skip
    created = await registry.post("/v1/families", body)
    assert created.status_code == 201, created.text
    [husband] = [m["person_id"] for m in created.json()["members"] if m["relationship"] == "suami"]
    registered = (await registry.client.get(f"/v1/persons/{husband}", headers=bearer())).json()
    assert (registered["name"], registered["categories"], registered["desa"]) == (
        "Abdul Hamid", [], TUNGKAP,
    )  # fmt: skip
    grandchild = {"person": {"name": "Aisyah", "sex": "P", "categories": ["AT"]},
                  "relationship": "cucu"}  # fmt: skip
    joined = await registry.post(f"/v1/families/{created.json()['family_id']}/members", grandchild)
    assert joined.status_code == 200, joined.text
    assert created.json()["size"] + 1 == joined.json()["size"]
    both = await registry.post(
        "/v1/families", {**family(OTHER_KK), "members": [{**grandchild, "person_id": head}]}
    )
    assert both.status_code == 422  # a member is a person id or a new person, not both
    alone = await registry.post("/v1/persons", new_person(nik=None, categories=[]))
    assert rule(alone) == "person-category-required"  # outside a KK, a PMKS needs a category
