"""Who may take which step, and what a caller outside the case's wilayah sees (nothing)."""

from __future__ import annotations

import pytest

from tests.cases.integration.conftest import (
    BINUANG,
    NIK,
    OTHER_KABUPATEN,
    PADANG_SARI,
    RANTAU_KIWA,
    TAPIN_UTARA,
    Cases,
    bearer,
    psm,
    tksk,
)

PROBLEM = "application/problem+json"


def _problem(response, status: int, rule: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"urn:kesos:problem:{rule}"


async def test_a_psm_cannot_verify_or_close_a_case(cases_app: Cases) -> None:
    await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]

    _problem(
        await cases_app.act(case_id, "verify", psm("psm-tungkap")), 403, "case-role-not-allowed"
    )
    _problem(
        await cases_app.act(case_id, "approve-closure", psm("psm-tungkap")),
        403,
        "case-role-not-allowed",
    )


async def test_another_tksk_of_the_same_kecamatan_is_refused(cases_app: Cases) -> None:
    await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]

    response = await cases_app.act(case_id, "verify", tksk("tksk-impostor", BINUANG))

    _problem(response, 403, "case-not-assigned-tksk")


async def test_a_tksk_of_another_kecamatan_cannot_see_the_case(cases_app: Cases) -> None:
    await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    stranger = tksk("tksk-tapin-utara", TAPIN_UTARA)

    _problem(await cases_app.act(case_id, "verify", stranger), 404, "case-not-found")
    _problem(await cases_app.get(case_id, stranger), 404, "case-not-found")


async def test_outside_the_callers_wilayah_a_case_looks_missing(cases_app: Cases) -> None:
    await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    elsewhere = bearer(wilayah=OTHER_KABUPATEN, sub="operator-tanah-laut")

    missing = await cases_app.get("no-such-case", bearer())
    hidden = await cases_app.get(case_id, elsewhere)
    write = await cases_app.act(case_id, "approve-closure", elsewhere)

    _problem(missing, 404, "case-not-found")
    _problem(hidden, 404, "case-not-found")
    _problem(write, 404, "case-not-found")
    assert hidden.json()["detail"] == missing.json()["detail"]


async def test_a_psm_reports_only_in_their_own_desa(cases_app: Cases) -> None:
    response = await cases_app.client.post(
        "/v1/cases",
        json={"categories": ["LUT"], "desa": PADANG_SARI, "person": {"name": "Budi", "sex": "L"}},
        headers=psm("psm-tungkap"),
    )

    _problem(response, 403, "case-outside-wilayah")


async def test_a_state_refusal_is_a_conflict(cases_app: Cases) -> None:
    tksk_id = await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]

    response = await cases_app.act(
        case_id, "assess", tksk(tksk_id), {"risk_level": "low", "needs": ["sembako"]}
    )

    _problem(response, 409, "case-transition-not-allowed")
    assert response.json()["state"] == "in_verification"


async def test_the_nik_is_masked_for_the_reporter_and_full_for_the_assigned_tksk(
    cases_app: Cases,
) -> None:
    tksk_id = await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]

    for_psm = (await cases_app.get(case_id, psm("psm-tungkap"))).json()
    for_tksk = (await cases_app.get(case_id, tksk(tksk_id))).json()

    # The registry's mask, never beside the birth date it encodes (docs/adr/0005).
    assert for_psm["person"]["nik"] == NIK[:6] + "*" * 10
    assert for_psm["person"]["birth_date"] == "1940-**-**"
    assert for_psm["disclosure"] == {"nik": "masked", "birth_date": "masked"}
    assert for_tksk["person"]["nik"] == NIK and for_tksk["person"]["birth_date"] == "1940-06-05"
    assert for_tksk["disclosure"] == {}


async def test_a_psm_sees_only_their_own_reports(cases_app: Cases) -> None:
    await cases_app.active_tksk()
    mine = (await cases_app.report(psm("psm-a")))["case_id"]
    theirs = (await cases_app.report(psm("psm-b")))["case_id"]

    listed = await cases_app.client.get("/v1/cases", headers=psm("psm-a"))

    assert [c["case_id"] for c in listed.json()["items"]] == [mine]
    _problem(await cases_app.get(theirs, psm("psm-a")), 404, "case-not-found")


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"categories": ["XYZ"]}, None),
        ({"categories": []}, "case-category-required"),
        ({"desa": "63.05.01"}, None),
        ({"desa": "99.99.99.9999"}, None),
        ({"person": {"nik": "123", "name": "Budi", "sex": "L"}}, None),
        ({"person": {"name": "Budi", "sex": "X"}}, "validation-failed"),
        ({"person": None}, "case-person-exactly-one"),
        ({"person_id": "person-1"}, "case-person-exactly-one"),  # and `person` too
        ({"person": {"name": "  ", "sex": "L"}}, "case-person-name-required"),
        (
            {"person": {"name": "Budi", "sex": "L", "birth_date": "2999-01-01"}},
            "case-person-birth-date-in-future",
        ),
    ],
)
async def test_bad_reports_are_unprocessable(
    cases_app: Cases, body: dict, rule: str | None
) -> None:
    payload = {
        "categories": ["LUT"], "desa": "63.05.01.2003", "description": "x",
        "person": {"name": "Budi", "sex": "L"}, **body,
    }  # fmt: skip

    response = await cases_app.client.post("/v1/cases", json=payload, headers=bearer())

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    if rule is not None:
        assert response.json()["type"] == f"urn:kesos:problem:{rule}"


@pytest.mark.parametrize(
    ("step", "body", "rule"),
    [
        ("return", {}, "case-reason-required"),
        ("reject", {"reason": "karena"}, "case-reason-unknown"),
        ("follow-ups", {"note": "  "}, "case-transition-not-allowed"),
        ("refer", {"service": "Puskesmas", "consent": False}, "case-transition-not-allowed"),
    ],
)
async def test_bad_step_input_is_refused_with_its_rule(
    cases_app: Cases, step: str, body: dict, rule: str
) -> None:
    tksk_id = await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]

    response = await cases_app.act(case_id, step, tksk(tksk_id), body)

    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"urn:kesos:problem:{rule}"
    assert response.status_code in {409, 422}


async def test_a_referral_without_consent_needs_an_override(cases_app: Cases) -> None:
    tksk_id = await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    officer = tksk(tksk_id)
    await cases_app.ok(case_id, "verify", officer)
    await cases_app.ok(case_id, "assess", officer, {"risk_level": "high", "needs": ["panti"]})
    await cases_app.plan(case_id, officer)

    refused = await cases_app.act(case_id, "refer", officer, {"service": "Panti", "consent": False})
    _problem(refused, 422, "case-referral-consent-required")
    override = {"service": "Panti", "consent": False, "override_reason": "anak dalam bahaya"}
    assert (await cases_app.act(case_id, "refer", officer, override)).status_code == 200


async def test_an_integration_client_may_read_but_not_write(cases_app: Cases) -> None:
    await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    agency = bearer("integration", "63.05", "bpjs")

    assert (await cases_app.get(case_id, agency)).status_code == 200
    _problem(await cases_app.act(case_id, "start-monitoring", agency), 403, "case-role-not-allowed")


async def test_a_report_in_another_kecamatan_by_its_psm(cases_app: Cases) -> None:
    case = await cases_app.report(psm("psm-rantau-kiwa", RANTAU_KIWA), desa=RANTAU_KIWA)

    assert case["kecamatan"] == TAPIN_UTARA
    assert case["status"] == "reported"
