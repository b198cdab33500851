"""Registering PSM and TKSK through the API: the rules, the problems, who may do it."""

from __future__ import annotations

import pytest

from tests.registry.integration.conftest import (
    BINUANG,
    NIK_MAN,
    NIK_WOMAN,
    RANTAU_KIWA,
    TAPIN_UTARA,
    TUNGKAP,
    bearer,
    new_worker,
)

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


def problem_type(response) -> str:
    assert response.headers["content-type"] == PROBLEM, response.text
    return str(response.json()["type"]).removeprefix("urn:kesos:problem:")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_an_operator_registers_a_psm_in_her_desa(make_registry, kind):
    registry = await make_registry(kind)
    worker = await registry.register(nik=NIK_WOMAN, sex="P", name="Siti Aminah")
    assert worker == {
        "worker_id": worker["worker_id"],
        "role": "psm",
        "nik": NIK_WOMAN,
        "name": "Siti Aminah",
        "sex": "P",
        "birth_date": "1990-08-17",
        "phone": "+6281234567890",  # stored E.164
        "wilayah": TUNGKAP,
        "kecamatan": BINUANG,
        "status": "active",
        "tier": None,
        "version": 1,
        "disclosure": {},
    }
    assert (await registry.get(worker["worker_id"])).json() == worker


async def test_an_operator_registers_a_tksk_for_a_kecamatan(registry):
    worker = await registry.register(role="tksk", wilayah="630501")  # bare digits are accepted
    assert (worker["role"], worker["wilayah"], worker["kecamatan"]) == ("tksk", BINUANG, BINUANG)


async def test_a_second_worker_with_the_same_nik_is_refused(registry):
    first = await registry.register()
    again = await registry.post("/v1/workers", new_worker(role="tksk", wilayah=BINUANG))
    assert again.status_code == 409
    assert problem_type(again) == "nik-already-registered"
    assert again.json()["worker_id"] == first["worker_id"]


async def test_a_duplicate_nik_outside_the_callers_wilayah_answers_like_a_new_worker(registry):
    await registry.register()  # in Tungkap, Binuang
    again = await registry.post(
        "/v1/workers", new_worker(wilayah=RANTAU_KIWA), bearer(wilayah=TAPIN_UTARA)
    )
    assert again.status_code == 201  # held for the Dinas's review: not a 409 confirming it
    assert again.json()["wilayah"] == RANTAU_KIWA


async def test_a_kecamatan_has_one_active_tksk(registry):
    first = await registry.register(role="tksk", wilayah=BINUANG)
    second = await registry.post(
        "/v1/workers", new_worker(role="tksk", wilayah=BINUANG, nik=NIK_WOMAN, sex="P")
    )
    assert second.status_code == 409
    assert problem_type(second) == "tksk-already-active"
    assert second.json()["worker_id"] == first["worker_id"]
    assert second.json()["kecamatan"] == BINUANG


async def test_a_new_tksk_is_allowed_once_the_old_one_is_deactivated(registry):
    first = await registry.register(role="tksk", wilayah=BINUANG)
    path = f"/v1/workers/{first['worker_id']}/deactivate"
    assert (await registry.post(path, {"reason": "mengundurkan diri"})).status_code == 200
    second = await registry.register(role="tksk", wilayah=BINUANG, nik=NIK_WOMAN, sex="P")
    assert second["status"] == "active"


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"nik": "630501170890"}, "nik-invalid-length"),
        ({"nik": "63050117089000AB"}, "nik-invalid-format"),
        ({"nik": "6305019908900001"}, "nik-invalid-birth-date"),
        ({"nik": "9905011708900001"}, "nik-unknown-region"),
        ({"wilayah": "63.05.01.2999"}, "wilayah-unknown"),
        ({"wilayah": "63-05-01"}, "wilayah-malformed"),
        ({"wilayah": BINUANG}, "wilayah-not-desa"),  # a PSM lives in a desa/kelurahan
        ({"role": "tksk", "wilayah": TUNGKAP}, "wilayah-not-kecamatan"),
        ({"phone": "0812"}, "phone-invalid-length"),
        ({"phone": "0812-CALL-NOW"}, "phone-malformed"),
        ({"birth_date": "2999-01-01"}, "birth-date-in-future"),
        ({"sex": "X"}, "validation-failed"),
        ({"role": "lks"}, "validation-failed"),
        ({"name": "   "}, "validation-failed"),
        ({"birth_date": "17-08-1990"}, "validation-failed"),
    ],
)
async def test_bad_input_is_a_422_problem_naming_the_rule(registry, changes, rule):
    response = await registry.post("/v1/workers", new_worker(**changes))
    assert response.status_code == 422, response.text
    assert problem_type(response) == rule
    listed = await registry.client.get("/v1/workers", headers=bearer())
    assert listed.json()["items"] == []


async def test_a_worker_outside_the_callers_wilayah_cannot_be_registered(registry):
    response = await registry.post("/v1/workers", new_worker(), bearer(wilayah=TAPIN_UTARA))
    assert response.status_code == 403
    assert problem_type(response) == "outside-wilayah"


@pytest.mark.parametrize("role", ["psm", "tksk", "integration"])
async def test_only_dinas_staff_register_workers(registry, role):
    response = await registry.post("/v1/workers", new_worker(), bearer(role=role))
    assert response.status_code == 403
    assert problem_type(response) == "forbidden"


async def test_an_admin_registers_workers_too(registry):
    worker = await registry.register(headers=bearer(role="admin", wilayah="63"))
    assert worker["nik"] == NIK_MAN


async def test_a_retried_registration_with_its_key_registers_once(registry):
    headers = {**bearer(), "Idempotency-Key": "register-ahmad"}
    first = await registry.post("/v1/workers", new_worker(), headers)
    retry = await registry.post("/v1/workers", new_worker(), headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    listed = await registry.client.get("/v1/workers", headers=bearer())
    assert len(listed.json()["items"]) == 1
