"""Who may do what: roles, wilayah scope, and problem+json for every refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from shared.persistence.tables import audit
from shared.security import mint_token
from tests.training.diklat import BINUANG, TUNGKAP, diklat_dasar
from tests.training.integration.conftest import SECRET, Training, bearer

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int, rule: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"urn:kesos:problem:{rule}"


@pytest.mark.parametrize("role", ["tksk", "psm", "integration"])
async def test_only_dinas_staff_schedule_batches(training: Training, role: str) -> None:
    response = await training.client.post(
        "/v1/batches", json=diklat_dasar(), headers=bearer(role, TUNGKAP, "someone")
    )
    _problem(response, 403, "forbidden")


async def test_an_agency_granted_training_write_may_schedule(training: Training) -> None:
    token = mint_token(
        SECRET, sub="bbppks", role="integration", wilayah="63.05", now=datetime.now(UTC),
        grants=["training:write"],
    )  # fmt: skip
    response = await training.client.post(
        "/v1/batches", json=diklat_dasar(), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text


async def test_every_endpoint_needs_a_token(training: Training) -> None:
    batch = await training.schedule()
    for path in ("/v1/batches", f"/v1/batches/{batch['batch_id']}", "/v1/certificates"):
        _problem(await training.client.get(path), 401, "token-missing")


async def test_a_batch_outside_the_callers_wilayah_is_not_found(training: Training) -> None:
    batch = await training.schedule()
    [worker_id] = await training.active_psm(TUNGKAP)
    banjar = bearer("operator", "63.03", "operator-banjar")
    path = f"/v1/batches/{batch['batch_id']}"

    _problem(await training.client.get(path, headers=banjar), 404, "not-found")
    _problem(await training.enrol(batch["batch_id"], worker_id, **banjar), 404, "not-found")
    _problem(await training.client.post(f"{path}/complete", headers=banjar), 404, "not-found")
    listed = await training.client.get("/v1/batches", headers=banjar)
    assert listed.json()["items"] == []


async def test_a_kecamatan_sees_its_kabupatens_batches_but_does_not_run_them(
    training: Training,
) -> None:
    batch = await training.schedule()
    path = f"/v1/batches/{batch['batch_id']}"
    tksk = bearer("tksk", BINUANG, "tksk-binuang")
    kecamatan_operator = bearer("operator", BINUANG, "operator-binuang")

    assert (await training.client.get(path, headers=tksk)).status_code == 200
    listed = await training.client.get("/v1/batches", headers=tksk)
    assert [b["batch_id"] for b in listed.json()["items"]] == [batch["batch_id"]]
    assert (await training.client.get(f"{path}/enrolments", headers=tksk)).status_code == 200
    refused = await training.client.post(f"{path}/complete", headers=kecamatan_operator)
    _problem(refused, 403, "outside-wilayah")


async def test_psm_read_batches_but_not_the_roster(training: Training) -> None:
    batch = await training.schedule()
    psm = bearer("psm", TUNGKAP, "psm-tungkap")
    path = f"/v1/batches/{batch['batch_id']}"

    assert (await training.client.get(path, headers=psm)).status_code == 200
    _problem(await training.client.get(f"{path}/enrolments", headers=psm), 403, "forbidden")
    _problem(await training.enrol(batch["batch_id"], "x", **psm), 403, "forbidden")


async def test_a_province_operator_sees_and_runs_the_kabupatens_batches(
    training: Training,
) -> None:
    batch = await training.schedule()
    province = bearer("operator", "63", "operator-kalsel")

    listed = await training.client.get("/v1/batches", headers=province, params={"tier": "dasar"})
    completed = await training.client.post(
        f"/v1/batches/{batch['batch_id']}/complete", headers=province
    )

    assert [b["batch_id"] for b in listed.json()["items"]] == [batch["batch_id"]]
    assert completed.status_code == 200, completed.text


async def test_scheduling_for_another_wilayah_is_forbidden(training: Training) -> None:
    response = await training.client.post(
        "/v1/batches",
        json=diklat_dasar(organiser_wilayah="63.03"),
        headers=bearer("operator", "63.05"),
    )
    _problem(response, 403, "outside-wilayah")


@pytest.mark.parametrize(
    ("change", "status", "rule"),
    [
        ({"tier": "lanjutan"}, 422, "training-tier-unknown"),
        ({"organiser_wilayah": "63"}, 422, "organiser-wilayah-level"),
        ({"organiser_wilayah": "63.05.01"}, 422, "organiser-wilayah-level"),
        ({"organiser_wilayah": "63.99"}, 422, "wilayah-unknown"),
        ({"organiser_wilayah": "63-05"}, 422, "wilayah-malformed"),
        ({"tier": "pratama", "organiser_wilayah": "63"}, 422, "organiser-wilayah-level"),
        ({"ends_on": "2011-05-23"}, 422, "batch-dates-invalid"),
        ({"ends_on": "2011-05-26"}, 422, "session-outside-batch"),
        ({"capacity": 0}, 422, "validation-failed"),
        ({"sessions": []}, 422, "validation-failed"),
        ({"starts_on": "24 Mei 2011"}, 422, "validation-failed"),
        ({"completion_rule": {"min_sessions": 5}}, 422, "completion-rule-invalid"),
        ({"completion_rule": {"required_kinds": ["exam"]}}, 422, "validation-failed"),
        ({"capacity": "30"}, 422, "validation-failed"),  # a number is a number, not text
        ({"capacity": 30.0}, 422, "validation-failed"),
        ({"capacity": True}, 422, "validation-failed"),
        ({"completion_rule": {"min_sessions": "2"}}, 422, "validation-failed"),
        ({"kapasitas": 30}, 422, "validation-failed"),  # a misspelt field is not ignored
    ],
)
async def test_a_bad_batch_is_refused_with_the_rule_it_breaks(
    training: Training, change: dict, status: int, rule: str
) -> None:
    response = await training.client.post(
        "/v1/batches", json=diklat_dasar(**change), headers=bearer()
    )
    _problem(response, status, rule)


async def test_bad_queries_and_unknown_records_are_problems(training: Training) -> None:
    batch = await training.schedule()
    client = training.client
    _problem(await client.get("/v1/batches/nope", headers=bearer()), 404, "not-found")
    _problem(await client.get("/v1/batches?cursor=%%%", headers=bearer()), 400, "invalid-cursor")
    _problem(await client.get("/v1/batches?limit=0", headers=bearer()), 422, "validation-failed")
    _problem(
        await client.get("/v1/batches?wilayah=Tapin", headers=bearer()), 422, "wilayah-malformed"
    )
    withdraw = f"/v1/batches/{batch['batch_id']}/enrolments/nope/withdraw"
    _problem(await client.post(withdraw, json={"reason": "x"}, headers=bearer()), 404, "not-found")
    _problem(
        await client.post(
            f"/v1/batches/{batch['batch_id']}/enrolments", content=b"{", headers=bearer()
        ),
        422,
        "validation-failed",
    )


async def test_batches_are_listed_page_by_page(training: Training) -> None:
    created = [
        (await training.schedule(title=f"Angkatan {n}", starts_on=f"2011-05-2{n}"))["batch_id"]
        for n in (1, 2, 3)
    ]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await training.client.get("/v1/batches", params=params, headers=bearer())).json()
        seen += [b["batch_id"] for b in page["items"]]
        if not (cursor := page.get("next_cursor")):
            break
    assert seen == created


async def test_every_write_leaves_an_audit_row(training: Training) -> None:
    batch = await training.schedule()
    [worker_id] = await training.active_psm(TUNGKAP)
    enrolment = (await training.enrol(batch["batch_id"], worker_id)).json()
    await training.mark(batch["batch_id"], batch["sessions"][0]["session_id"], worker_id, True)
    await training.client.post(f"/v1/batches/{batch['batch_id']}/complete", headers=bearer())

    async with training.store.engine.connect() as connection:
        rows = (await connection.execute(select(audit).order_by(audit.c.id))).mappings().all()

    assert [(r["action"], r["record_id"], r["actor"]) for r in rows] == [
        ("batch.schedule", batch["batch_id"], "operator-tapin"),
        ("enrolment.enrol", enrolment["enrolment_id"], "operator-tapin"),
        ("attendance.record", enrolment["enrolment_id"], "operator-tapin"),
        ("batch.complete", batch["batch_id"], "operator-tapin"),
    ]
