"""Reading and changing one worker: wilayah scope, roles, the worker themself, NIK masking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.persistence.tables import audit
from tests.registry.integration.conftest import (
    BINUANG,
    NIK_MAN,
    NIK_WOMAN,
    RANTAU_KIWA,
    TAPIN_UTARA,
    TUNGKAP,
    bearer,
)

pytestmark = pytest.mark.integration

MASKED = "630501**********"
# caller role and wilayah → whether the PSM of desa Tungkap (Binuang) is inside it
SCOPES = [
    ("operator", "63", True),
    ("operator", "63.05", True),
    ("operator", "63.06", False),
    ("admin", BINUANG, True),
    ("admin", TAPIN_UTARA, False),
    ("tksk", BINUANG, True),
    ("tksk", TAPIN_UTARA, False),
    ("psm", TUNGKAP, True),
    ("psm", RANTAU_KIWA, False),
    ("integration", "63.05", True),
    ("integration", "63.06", False),
]


@pytest.fixture
async def psm(registry):
    return await registry.register()


@pytest.mark.parametrize(("role", "wilayah", "inside"), SCOPES)
async def test_a_worker_outside_the_callers_wilayah_looks_missing(
    registry, psm, role, wilayah, inside
):
    response = await registry.get(psm["worker_id"], bearer(role, wilayah))
    if inside:
        assert response.status_code == 200, response.text
        return
    missing = await registry.get("no-such-worker", bearer(role, wilayah))
    assert response.status_code == missing.status_code == 404
    assert response.json()["type"] == missing.json()["type"] == "urn:kesos:problem:not-found"


@pytest.mark.parametrize(
    ("role", "wilayah", "nik", "name", "phone"),
    [
        ("admin", "63", NIK_MAN, True, True),
        ("operator", "63.05", NIK_MAN, True, True),
        ("tksk", BINUANG, None, True, True),  # a colleague: name and phone to coordinate
        ("psm", TUNGKAP, None, True, True),
        ("integration", "63.05", None, False, False),  # no identity without a grant
    ],
)
async def test_only_dinas_staff_and_the_worker_see_the_full_nik(
    registry, psm, role, wilayah, nik, name, phone
):
    seen = (await registry.get(psm["worker_id"], bearer(role, wilayah))).json()
    assert seen["nik"] == nik
    assert (seen["name"] is not None, seen["phone"] is not None) == (name, phone)
    assert (seen["birth_date"] is None) == (nik is None)


async def test_a_psm_sees_and_updates_their_own_record(registry, psm):
    myself = bearer("psm", TUNGKAP, sub=psm["worker_id"])
    path = f"/v1/workers/{psm['worker_id']}/contact"
    changed = await registry.post(path, {"phone": "+62 813 1111 2222"}, myself)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["phone"], changed.json()["version"]) == ("+6281311112222", 2)
    assert changed.json()["nik"] == NIK_MAN  # their own record: whole


async def test_an_operator_updates_a_workers_contact(registry, psm):
    path = f"/v1/workers/{psm['worker_id']}/contact"
    changed = await registry.post(path, {"phone": "0813-1111-2222"})
    assert (changed.json()["phone"], changed.json()["version"]) == ("+6281311112222", 2)
    unchanged = await registry.post(path, {"phone": "+6281311112222"})
    assert unchanged.json()["version"] == 2  # the same number is no change


@pytest.mark.parametrize(
    ("role", "wilayah", "status", "rule"),
    [
        ("psm", TUNGKAP, 403, "forbidden"),  # another PSM of the same desa
        ("tksk", BINUANG, 403, "forbidden"),  # the TKSK of the kecamatan
        ("integration", "63.05", 403, "forbidden"),
        ("operator", TAPIN_UTARA, 404, "not-found"),
    ],
)
async def test_others_cannot_change_a_workers_contact(registry, psm, role, wilayah, status, rule):
    path = f"/v1/workers/{psm['worker_id']}/contact"
    response = await registry.post(path, {"phone": "081311112222"}, bearer(role, wilayah))
    assert response.status_code == status
    assert response.json()["type"] == f"urn:kesos:problem:{rule}"
    assert (await registry.get(psm["worker_id"])).json()["version"] == 1


async def test_a_bad_phone_is_refused(registry, psm):
    path = f"/v1/workers/{psm['worker_id']}/contact"
    response = await registry.post(path, {"phone": "0812"})
    assert response.status_code == 422
    assert response.json()["type"] == "urn:kesos:problem:phone-invalid-length"


async def test_an_operator_deactivates_a_worker_once(registry, psm):
    path = f"/v1/workers/{psm['worker_id']}/deactivate"
    done = await registry.post(path, {"reason": "pindah domisili"})
    assert (done.json()["status"], done.json()["version"]) == ("inactive", 2)
    again = await registry.post(path, {"reason": "pindah domisili"})
    assert again.status_code == 409
    assert again.json()["type"] == "urn:kesos:problem:worker-not-active"


@pytest.mark.parametrize("role", ["psm", "tksk", "integration"])
async def test_only_dinas_staff_deactivate(registry, psm, role):
    path = f"/v1/workers/{psm['worker_id']}/deactivate"
    myself = bearer(role, TUNGKAP, sub=psm["worker_id"])
    assert (await registry.post(path, {"reason": "x"}, myself)).status_code == 403


async def test_a_deactivation_needs_a_reason(registry, psm):
    path = f"/v1/workers/{psm['worker_id']}/deactivate"
    response = await registry.post(path, {"reason": " "})
    assert response.status_code == 422


async def test_a_nik_search_finds_the_worker_and_is_audited(registry, psm):
    found = await registry.post("/v1/workers/search", {"nik": "6305 0117 0890 0001"})
    assert [worker["worker_id"] for worker in found.json()["items"]] == [psm["worker_id"]]
    async with registry.app.state.uows() as uow:
        rows = (await uow.session.execute(select(audit.c.action, audit.c.record_id))).all()
    assert ("worker.search", psm["worker_id"]) in [tuple(row) for row in rows]


async def test_a_nik_search_outside_the_callers_wilayah_finds_nothing(registry, psm):
    outside = bearer("operator", TAPIN_UTARA)
    assert (await registry.post("/v1/workers/search", {"nik": NIK_MAN}, outside)).json() == {
        "items": []
    }
    unknown = await registry.post("/v1/workers/search", {"nik": NIK_WOMAN})
    assert unknown.json() == {"items": []}


async def test_a_nik_search_with_a_bad_nik_names_the_rule(registry):
    response = await registry.post("/v1/workers/search", {"nik": "12345"})
    assert response.status_code == 422
    assert response.json()["type"] == "urn:kesos:problem:nik-invalid-length"


async def test_every_write_is_audited(registry, psm):
    worker_id = psm["worker_id"]
    await registry.post(f"/v1/workers/{worker_id}/contact", {"phone": "081311112222"})
    await registry.post(f"/v1/workers/{worker_id}/deactivate", {"reason": "meninggal dunia"})
    async with registry.app.state.uows() as uow:
        query = select(audit.c.action, audit.c.actor, audit.c.reason).where(
            audit.c.record_id == worker_id
        )
        rows = [tuple(row) for row in (await uow.session.execute(query.order_by(audit.c.id)))]
    assert rows == [
        ("worker.register", "alice", None),
        ("worker.contact", "alice", None),
        ("worker.deactivate", "alice", "meninggal dunia"),
    ]
