"""Referrals that come back, through the HTTP API on both stores: a referral names a receiving
institution the registry published; the institution answers through its own integration client
(its token's `sub` is its id) or the TKSK records the answer; a declined referral brings the case
back to the TKSK's plan; each answer is an event; the plan and the approvals on the way."""

from __future__ import annotations

from typing import Any

from shared.contracts.registry import InstitutionChanged, InstitutionRegistered
from tests.cases.integration.conftest import PLAN, Cases, bearer, psm, tksk

PANTI = "panti-budi-sejahtera"
RSUD = "rsud-datu-sanggul"
TKSK_ID = "tksk-binuang"


def client_of(institution_id: str, wilayah: str = "63") -> dict:
    """The institution's own integration client."""
    return bearer("integration", wilayah, sub=institution_id)


async def institution(
    app: Cases, institution_id: str, *, wilayah: str = "63", active: bool = True, sequence: int = 1
) -> None:
    event = InstitutionRegistered if sequence == 1 else InstitutionChanged
    await app.publish(
        event(
            institution_id=institution_id, kind="panti_sosial",
            institution_name=f"UPT {institution_id}",
            wilayah=wilayah, active=active,
        ),
        sequence,
    )  # fmt: skip


async def planned_case(app: Cases) -> tuple[str, dict]:
    """A case planned by Binuang's TKSK (`TKSK_ID`), and that TKSK's headers."""
    tksk_id = await app.active_tksk(worker_id=TKSK_ID)
    officer = tksk(tksk_id)
    case_id = (await app.report(psm("psm-tungkap")))["case_id"]
    await app.ok(case_id, "verify", officer)
    await app.ok(case_id, "assess", officer, {"risk_level": "high", "needs": ["panti"]})
    await app.plan(case_id, officer)
    return case_id, officer


def refer_to(institution_id: str) -> dict[str, Any]:
    return {"institution_id": institution_id, "consent": True}


async def test_the_panti_accepts_then_completes_its_referral_through_its_own_client(
    make_cases, store_kind
) -> None:
    app: Cases = await make_cases(store_kind)
    await institution(app, PANTI)
    await app.handled("cases.institutions", 1)
    case_id, officer = await planned_case(app)

    referred = await app.ok(case_id, "refer", officer, refer_to(PANTI))
    [referral] = referred["referrals"]
    assert (referral["institution_id"], referral["service"], referral["status"]) == (
        PANTI,
        f"UPT {PANTI}",
        "sent",
    )
    path = f"referrals/{referral['referral_id']}"
    accepted = await app.ok(case_id, f"{path}/accept", client_of(PANTI))
    assert accepted["referrals"][0]["status"] == "accepted"
    await app.ok(case_id, "start-monitoring", officer)
    done = await app.ok(
        case_id, f"{path}/complete", client_of(PANTI), {"outcome": "dilayani", "note": "diterima"}
    )
    assert (done["status"], done["referrals"][0]["outcome"]) == ("monitoring", "dilayani")

    events = await app.events(10, case_id)
    answers = [e for e in events if e.data.get("referral_id")]
    assert [e.type for e in answers] == [
        "kesos.cases.case_referred.v1", "kesos.cases.case_referral_accepted.v1",
        "kesos.cases.case_referral_completed.v1",
    ]  # fmt: skip
    assert {e.data["referral_id"] for e in answers} == {referral["referral_id"]}
    assert [e.data["referral_status"] for e in answers] == ["sent", "accepted", "completed"]
    assert answers[-1].data["outcome"] == "dilayani"
    assert all("diterima" not in str(e.data) for e in answers)  # the note stays home


async def test_a_declined_referral_is_the_tksks_again_and_the_tksk_answers_on_behalf(
    cases_app: Cases,
) -> None:
    await institution(cases_app, PANTI)
    await institution(cases_app, RSUD, wilayah="63.05")
    await cases_app.handled("cases.institutions", 2)
    case_id, officer = await planned_case(cases_app)
    referred = await cases_app.ok(case_id, "refer", officer, refer_to(PANTI))
    first = referred["referrals"][0]["referral_id"]

    # Another institution's client answers nothing of it; a reason is a known code.
    other = await cases_app.act(case_id, f"referrals/{first}/accept", client_of(RSUD))
    _problem(other, 403, "case-not-the-institution")
    bad = await cases_app.act(
        case_id, f"referrals/{first}/decline", client_of(PANTI), {"reason": "malas"}
    )
    _problem(bad, 422, "case-reason-unknown")

    declined = await cases_app.ok(
        case_id, f"referrals/{first}/decline", client_of(PANTI),
        {"reason": "kapasitas_penuh", "note": "kamar penuh sampai Maret"},
    )  # fmt: skip
    assert declined["status"] == "planned"
    assert declined["deadline"]["step"] == "refer"
    assert declined["deadline"]["awaiting_id"] == TKSK_ID

    # Referred elsewhere; the TKSK records the RSUD's answers on its behalf.
    second = (await cases_app.ok(case_id, "refer", officer, refer_to(RSUD)))["referrals"][1]
    again = await cases_app.act(case_id, f"referrals/{first}/accept", client_of(PANTI))
    _problem(again, 409, "case-referral-state")  # declined is its last answer
    path = f"referrals/{second['referral_id']}"
    early = await cases_app.act(case_id, f"{path}/complete", officer, {"outcome": "dilayani"})
    _problem(early, 409, "case-referral-state")
    await cases_app.ok(case_id, f"{path}/accept", officer)
    events = await cases_app.events(9, case_id)
    decline = next(e for e in events if e.type == "kesos.cases.case_referral_declined.v1")
    assert (decline.data["reason_code"], decline.data["status"]) == ("kapasitas_penuh", "planned")


async def test_a_referral_names_an_active_institution_serving_the_case(cases_app: Cases) -> None:
    await institution(cases_app, PANTI)
    await institution(cases_app, "panti-banjar", wilayah="63.03")  # serves Banjar, not Tapin
    await institution(cases_app, RSUD, wilayah="63.05")
    await institution(cases_app, RSUD, wilayah="63.05", active=False, sequence=2)
    await cases_app.handled("cases.institutions", 4)
    case_id, officer = await planned_case(cases_app)
    for unknown in ("no-such-institution", "panti-banjar", RSUD):
        refused = await cases_app.act(case_id, "refer", officer, refer_to(unknown))
        _problem(refused, 422, "case-referral-institution-unknown")
    # A caller who may not refer learns the rule that stops them, not the institution's.
    psm_try = await cases_app.act(case_id, "refer", psm("psm-tungkap"), refer_to("no-such"))
    _problem(psm_try, 403, "case-role-not-allowed")
    assert (await cases_app.ok(case_id, "refer", officer, refer_to(PANTI)))["status"] == "referred"


async def test_a_plan_waits_for_the_dinas_and_a_returned_plan_is_made_again(
    cases_app: Cases,
) -> None:
    tksk_id = await cases_app.active_tksk()
    officer = tksk(tksk_id)
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    await cases_app.ok(case_id, "verify", officer)
    await cases_app.ok(case_id, "assess", officer, {"risk_level": "low", "needs": ["sembako"]})
    bad = await cases_app.act(case_id, "plan", officer, {"items": []})
    _problem(bad, 422, "case-plan-items-required")
    waiting = await cases_app.ok(case_id, "plan", officer, PLAN)
    assert (waiting["status"], waiting["deadline"]["step"]) == ("plan_review", "approve_plan")
    assert waiting["deadline"]["awaiting_role"] == "operator"
    _problem(await cases_app.act(case_id, "approve-plan", officer), 403, "case-role-not-allowed")
    returned = await cases_app.ok(case_id, "return-plan", bearer(), {"reason": "tambah target"})
    assert returned["status"] == "assessed"
    planned = await cases_app.plan(case_id, officer)
    assert planned["plan"][0]["service"] == "kursi roda"
    other_kabupaten = bearer(wilayah="63.03", sub="operator-banjar")
    refused = await cases_app.act(case_id, "return-plan", other_kabupaten, {"reason": "x"})
    assert refused.status_code == 404


def _problem(response: Any, status: int, rule: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["type"].endswith(rule), response.text


async def test_an_institution_s_client_reads_only_the_cases_referred_to_it(cases_app: Cases):
    await institution(cases_app, PANTI)
    await cases_app.handled("cases.institutions", 1)
    referred, officer = await planned_case(cases_app)
    await cases_app.ok(referred, "refer", officer, refer_to(PANTI))
    other = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    panti = client_of(PANTI)
    seen = await cases_app.get(referred, panti)
    assert seen.status_code == 200 and seen.json()["person"] is None  # no identity either
    assert (await cases_app.get(other, panti)).status_code == 404
    listed = await cases_app.client.get("/v1/cases", headers=panti)
    assert listed.json()["items"] == []
    # Another agency's client (not an institution) reads as before: no identity, in scope.
    bps = await cases_app.get(other, bearer("integration", "63", sub="bps-kalsel"))
    assert bps.status_code == 200 and bps.json()["person"] is None


async def test_an_institution_lists_its_own_referrals_newest_first(make_cases, store_kind):
    app: Cases = await make_cases(store_kind)
    await institution(app, PANTI)
    await institution(app, RSUD, wilayah="63.05")
    await app.handled("cases.institutions", 2)
    first, officer = await planned_case(app)
    second, _ = await planned_case(app)
    await app.ok(first, "refer", officer, refer_to(PANTI))
    await app.ok(first, "refer", officer, refer_to(RSUD))
    declined = (await app.ok(second, "refer", officer, refer_to(PANTI)))["referrals"][0]
    await app.ok(
        second, f"referrals/{declined['referral_id']}/decline", client_of(PANTI),
        {"reason": "kapasitas_penuh"},
    )  # fmt: skip

    async def listed(headers: dict, **params: Any) -> Any:
        return await app.client.get("/v1/referrals", headers=headers, params=params)

    page = (await listed(client_of(PANTI), limit=1)).json()
    assert [item["case"]["case_id"] for item in page["items"]] == [second]  # the newest
    rest = (await listed(client_of(PANTI), cursor=page["next_cursor"])).json()
    assert [item["case"]["case_id"] for item in rest["items"]] == [first]
    sent = (await listed(client_of(PANTI), status="sent")).json()["items"]
    assert [(i["case"]["case_id"], i["case"]["person"]) for i in sent] == [(first, None)]
    rsud = (await listed(client_of(RSUD, "63.05"))).json()["items"]
    assert [item["case"]["case_id"] for item in rsud] == [first]
    for stranger in (bearer("integration", "63", sub="bps-kalsel"), officer, bearer()):
        answer = await listed(stranger)
        assert answer.status_code == 403 and answer.json()["type"].endswith("institutions-only")
