"""Receiving institutions through the API: the Dinas registers those serving inside its
wilayah; every role reads those reaching its own (a provincial panti reaches every kabupaten);
changes are versioned, audited and published without personal data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from shared.persistence.tables import audit
from tests.registry.integration.conftest import BINUANG, TAPIN, bearer, published
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

PROVINCE = "63"
BANJAR = "63.03"


def institution(kind: str = "panti_sosial", wilayah: str = TAPIN, **changes: Any) -> dict:
    return {"kind": kind, "name": f"UPT {kind} {wilayah}", "wilayah": wilayah, **changes}


def rule(response: Any) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return str(response.json()["type"]).removeprefix("urn:kesos:problem:")


async def test_an_institution_is_registered_changed_and_published(
    make_registry, store_kind, redis
) -> None:
    registry = await make_registry(store_kind)
    body = institution("puskesmas", BINUANG, name=" Puskesmas Binuang ", phone="0517-31000")
    created = await registry.post("/v1/institutions", body)
    assert created.status_code == 201, created.text
    found = created.json()
    assert (found["name"], found["wilayah"], found["active"], found["version"]) == (
        "Puskesmas Binuang",
        BINUANG,
        True,
        1,
    )
    institution_id = found["institution_id"]
    path = f"/v1/institutions/{institution_id}"
    changed = await registry.client.patch(path, json={"active": False}, headers=bearer())
    assert (changed.status_code, changed.json()["active"], changed.json()["version"]) == (
        200, False, 2
    )  # fmt: skip
    read = await registry.client.get(path, headers=bearer("tksk", BINUANG, "tksk-1"))
    assert read.json() == changed.json()

    async def both() -> list[Any]:
        found = await published(redis, registry.namespace)
        events = [e for e in found if "institution" in e.type]
        return events if len(events) == 2 else []

    events = await eventually(both, message="both institution events")
    assert [(e.type, e.sequence) for e in events] == [
        ("kesos.registry.institution_registered.v1", 1),
        ("kesos.registry.institution_changed.v1", 2),
    ]
    assert events[-1].data == {
        "institution_id": institution_id, "kind": "puskesmas",
        "institution_name": "Puskesmas Binuang",
        "wilayah": BINUANG, "active": False,
    }  # fmt: skip
    async with registry.app.state.uows() as uow:
        query = select(audit.c.action).where(audit.c.record_id == institution_id)
        assert [row[0] for row in await uow.session.execute(query)] == [
            "institution.register", "institution.change",
        ]  # fmt: skip


async def test_institutions_are_kept_by_the_dinas_and_read_where_they_reach(registry) -> None:
    tapin = (await registry.post("/v1/institutions", institution())).json()
    admin = bearer("admin", PROVINCE, "admin-kalsel")
    province = await registry.post("/v1/institutions", institution(wilayah=PROVINCE), admin)
    banjar = await registry.post("/v1/institutions", institution(wilayah=BANJAR), admin)
    assert province.status_code == banjar.status_code == 201

    # An operator of Tapin registers nothing outside it; field workers and clients register none.
    refused = await registry.post("/v1/institutions", institution(wilayah=PROVINCE))
    assert (refused.status_code, rule(refused)) == (403, "outside-wilayah")
    worker = await registry.post("/v1/institutions", institution(), bearer("tksk", BINUANG, "t"))
    assert worker.status_code == 403
    unknown = await registry.post("/v1/institutions", institution(wilayah="63.99"))
    assert unknown.status_code == 422
    blank = await registry.post("/v1/institutions", institution(name="   "))
    assert blank.status_code == 422

    # A TKSK of Binuang reaches Tapin's and the province's institutions, not Banjar's.
    tksk = bearer("tksk", BINUANG, "tksk-1")
    listed = await registry.client.get("/v1/institutions", headers=tksk)
    names = {item["wilayah"] for item in listed.json()["items"]}
    assert names == {TAPIN, PROVINCE}
    other = await registry.client.get(
        f"/v1/institutions/{banjar.json()['institution_id']}", headers=tksk
    )
    assert other.status_code == 404
    kinds = await registry.client.get("/v1/institutions?kind=puskesmas", headers=tksk)
    assert kinds.json()["items"] == []
    # Tapin's operator cannot change the province's panti, only read it.
    path = f"/v1/institutions/{province.json()['institution_id']}"
    patch = await registry.client.patch(path, json={"name": "x"}, headers=bearer())
    assert patch.status_code == 403
    assert tapin["institution_id"] in {i["institution_id"] for i in listed.json()["items"]}
