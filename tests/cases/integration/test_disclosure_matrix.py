"""Who sees what of a case: every caller (5 roles, in and out of wilayah, with and without a
relation to the case, with and without a grant) against a plain case and a protected one, before
and after the glass is broken and after it expires (docs/adr/0005).

The expectations are written out here, row by row, as the spec — not derived from the policy.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from shared.persistence.tables import glass
from shared.security import mint_token
from tests.cases.integration.conftest import (
    BINUANG,
    NIK,
    OTHER_KABUPATEN,
    RANTAU_KIWA,
    SECRET,
    TAPIN,
    TAPIN_UTARA,
    TUNGKAP,
    Cases,
    bearer,
    report_body,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

MASKED_NIK = NIK[:6] + "*" * 10


def token(role: str, wilayah: str, sub: str, *grants: str) -> dict[str, str]:
    minted = mint_token(SECRET, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC),
                        grants=grants)  # fmt: skip
    return {"Authorization": f"Bearer {minted}"}


TKSK_ID, PSM_ID = "w-tksk-binuang", "w-psm-tungkap"
CALLERS = {
    "admin": token("admin", TAPIN, "admin-1"),
    "operator": token("operator", TAPIN, "operator-1"),
    "officer": token("operator", TAPIN, "officer-1", "protected-data"),
    "tksk assigned": token("tksk", BINUANG, TKSK_ID),
    "tksk other": token("tksk", BINUANG, "w-tksk-other"),
    "psm reporter": token("psm", TUNGKAP, PSM_ID),
    "psm other": token("psm", TUNGKAP, "w-psm-other"),
    "integration": token("integration", TAPIN, "bps"),
    "integration granted": token("integration", TAPIN, "dukcapil", "identity:read"),
    "operator outside": token("operator", OTHER_KABUPATEN, "operator-banjar"),
    "tksk outside": token("tksk", TAPIN_UTARA, "w-tksk-tapin-utara"),
    "psm outside": token("psm", RANTAU_KIWA, "w-psm-rantau-kiwa"),
    "integration outside": token("integration", OTHER_KABUPATEN, "bps-banjar"),
}

# What a caller sees of a case: its HTTP status, then the person as
#   full   (NIK and birth date whole), masked (name; NIK and birth date masked),
#   none   (no person: absent for the caller), withheld (protected: not who, not why)
# and whether the narrative (description, notes) shows.
NOT_FOUND = (404, None, None)
PLAIN = {
    "admin": (200, "full", True),
    "operator": (200, "full", True),
    "officer": (200, "full", True),
    "tksk assigned": (200, "full", True),
    "tksk other": (200, "none", False),
    "psm reporter": (200, "masked", True),
    "psm other": NOT_FOUND,  # a PSM reads only her own reports
    "integration": (200, "none", False),
    "integration granted": (200, "masked", False),
    "operator outside": NOT_FOUND,
    "tksk outside": NOT_FOUND,
    "psm outside": NOT_FOUND,
    "integration outside": NOT_FOUND,
}
PROTECTED = {
    **PLAIN,
    "admin": (200, "withheld", False),
    "operator": (200, "withheld", False),
    "tksk other": (200, "withheld", False),
    "integration": (200, "withheld", False),
    "integration granted": (200, "withheld", False),
}


def seen_as(case: dict) -> tuple[str, bool]:
    person = case["person"]
    if case["protected"] and not case["categories"]:
        assert person is None and case["description"] is None and case["needs"] == []
        assert case["person_id"] is None  # who has a protected case: not even a registry id
        assert case["disclosure"]["categories"] == "absent"
        return "withheld", False
    narrative = case["description"] is not None
    if person is None:
        return "none", narrative
    if person["nik"] == NIK and person["birth_date"] == "1940-06-05":
        return "full", narrative
    assert (person["nik"], person["birth_date"], person["name"]) == (
        MASKED_NIK, "1940-**-**", "Nenek Siti Jubaidah",
    ), person  # fmt: skip
    return "masked", narrative


async def two_cases(app: Cases) -> tuple[str, str]:
    await app.active_tksk(BINUANG, TKSK_ID)
    reporter = CALLERS["psm reporter"]
    plain = await app.report(reporter)
    body = report_body(categories=("ODHA",))
    protected = await app.client.post("/v1/cases", json=body, headers=reporter)
    assert protected.status_code == 201, protected.text
    return plain["case_id"], protected.json()["case_id"]


async def check(app: Cases, case_id: str, expected: dict, when: str) -> None:
    for caller, (status, person, narrative) in expected.items():
        response = await app.get(case_id, CALLERS[caller])
        assert response.status_code == status, f"{when}: {caller}: {response.text}"
        if status == 200:
            assert seen_as(response.json()) == (person, narrative), f"{when}: {caller}"


async def test_every_caller_sees_a_case_as_the_policy_says(make_cases, store_kind):
    cases_app = await make_cases(store_kind)
    plain, protected = await two_cases(cases_app)
    await check(cases_app, plain, PLAIN, "plain")
    await check(cases_app, protected, PROTECTED, "protected")

    opened = await cases_app.act(protected, "break-glass", CALLERS["operator"], {"reason": "x"})
    assert opened.status_code == 201, opened.text
    glass_open = {**PROTECTED, "operator": (200, "full", True)}  # only the one who broke it
    await check(cases_app, protected, glass_open, "glass broken")

    async with cases_app.store.engine.begin() as connection:  # time passes: the grant ends
        past = datetime.now(UTC) - timedelta(seconds=1)
        await connection.execute(update(glass).values(expires_at=past))
    await check(cases_app, protected, PROTECTED, "glass expired")


async def test_lists_disclose_like_single_reads(cases_app: Cases):
    plain, protected = await two_cases(cases_app)
    for caller in CALLERS:
        response = await cases_app.client.get("/v1/cases", headers=CALLERS[caller])
        assert response.status_code == 200, f"{caller}: {response.text}"
        listed = {case["case_id"]: seen_as(case) for case in response.json()["items"]}
        expected = {
            case_id: (table[caller][1], table[caller][2])
            for case_id, table in ((plain, PLAIN), (protected, PROTECTED))
            if table[caller][0] == 200
        }
        assert listed == expected, caller


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        ("admin", 201),
        ("operator", 201),
        ("officer", 201),
        ("tksk assigned", 403),
        ("psm reporter", 403),
        ("integration", 403),
        ("integration granted", 403),
        ("operator outside", 404),
    ],
)
async def test_only_dinas_staff_break_the_glass_and_only_on_a_protected_case(
    cases_app: Cases, caller: str, status: int
):
    plain, protected = await two_cases(cases_app)
    response = await cases_app.act(protected, "break-glass", CALLERS[caller], {"reason": "darurat"})
    assert response.status_code == status, response.text
    if status == 201:
        lasts = datetime.fromisoformat(response.json()["expires_at"]) - datetime.now(UTC)
        assert timedelta(hours=3) - timedelta(minutes=1) < lasts <= timedelta(hours=3)  # default
        blank = await cases_app.act(protected, "break-glass", CALLERS[caller], {"reason": "  "})
        assert blank.status_code == 422  # a reason the officers can read, or none at all
        refused = await cases_app.act(plain, "break-glass", CALLERS[caller], {"reason": "x"})
        assert refused.status_code == 409  # nothing to break: read it as usual
        assert refused.json()["type"] == "urn:kesos:problem:case-not-protected"


async def test_breaking_the_glass_is_audited_and_reported_to_the_officers(cases_app: Cases):
    _, protected = await two_cases(cases_app)
    opened = await cases_app.act(
        protected, "break-glass", CALLERS["operator"], {"reason": "rujukan darurat ke RSUD"}
    )
    grant = opened.json()["grant_id"]
    await cases_app.get(protected, CALLERS["operator"])
    await cases_app.get(protected, CALLERS["tksk assigned"])
    await cases_app.get(protected, CALLERS["admin"])  # withheld: nothing read, nothing audited

    trail = await cases_app.client.get(
        "/v1/audit", params={"record_type": "case", "record_id": protected},
        headers=CALLERS["officer"],
    )  # fmt: skip
    assert trail.status_code == 200, trail.text
    rows = [(r["actor"], r["action"], r["reason"] or "") for r in trail.json()["items"]]
    assert ("operator-1", "glass.open") in [(a, b) for a, b, _ in rows]
    assert ("operator-1", "case.read", f"glass {grant}") in rows
    assert (TKSK_ID, "case.read", "as assigned_tksk") in rows
    assert "admin-1" not in [actor for actor, _, _ in rows]

    [(_, oversight)] = await eventually(
        lambda: cases_app.entries("oversight"), message="the oversight event"
    )
    assert oversight.type == "kesos.cases.protected_record_opened.v1"
    assert oversight.data["grant_id"] == grant and oversight.data["opened_by"] == "operator-1"
    assert "reason" not in oversight.data and "rujukan" not in str(oversight.data)


@pytest.mark.parametrize(
    ("caller", "status"),
    [("admin", 200), ("officer", 200), ("operator", 403), ("tksk assigned", 403),
     ("psm reporter", 403), ("integration", 403)],
)  # fmt: skip
async def test_the_audit_trail_is_for_admins_and_designated_officers(
    cases_app: Cases, caller: str, status: int
):
    response = await cases_app.client.get("/v1/audit", headers=CALLERS[caller])
    assert response.status_code == status, response.text


async def test_outside_its_wilayah_an_auditor_sees_no_rows(cases_app: Cases):
    plain, _ = await two_cases(cases_app)
    admin_banjar = token("admin", OTHER_KABUPATEN, "admin-banjar")
    trail = await cases_app.client.get("/v1/audit", headers=admin_banjar)
    assert trail.json()["items"] == []
    mine = await cases_app.client.get(
        "/v1/audit", params={"record_id": plain}, headers=CALLERS["admin"]
    )
    assert {r["action"] for r in mine.json()["items"]} >= {"case.report", "case.assign"}


async def test_the_rekap_counts_protected_categories_as_one_except_for_officers(cases_app: Cases):
    await two_cases(cases_app)
    for caller, categories in (
        ("operator", {"LUT", "protected"}),
        ("officer", {"LUT", "ODHA"}),
        ("integration", {"LUT", "protected"}),
    ):
        rekap = await cases_app.client.get("/v1/rekap", headers=CALLERS[caller])
        assert {row["category"] for row in rekap.json()["items"]} == categories, caller


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_a_case_in_two_protected_categories_counts_once_and_says_nothing_more(
    make_cases, kind
):
    app = await make_cases(kind)
    await app.active_tksk(BINUANG, TKSK_ID)
    body = report_body(categories=("ODHA", "NAPZA"))
    made = await app.client.post("/v1/cases", json=body, headers=CALLERS["psm reporter"])
    assert made.status_code == 201, made.text
    folded = await app.client.get("/v1/rekap", headers=CALLERS["operator"])
    assert [(r["category"], r["count"]) for r in folded.json()["items"]] == [("protected", 1)]
    split = await app.client.get("/v1/rekap", headers=CALLERS["officer"])
    assert sorted((r["category"], r["count"]) for r in split.json()["items"]) == [
        ("NAPZA", 1), ("ODHA", 1),
    ]  # fmt: skip


async def test_a_walk_in_report_is_seen_whole_by_the_dinas(cases_app: Cases):
    await cases_app.active_tksk(BINUANG, TKSK_ID)
    made = await cases_app.report(bearer())
    assert made["person"]["nik"] == NIK and made["disclosure"] == {}


async def test_no_public_event_names_a_protected_category(cases_app: Cases):
    _, protected = await two_cases(cases_app)
    steps = await cases_app.events(2, protected)  # reported, assigned
    assert all(e.data["categories"] == [] and e.data["protected"] for e in steps)
    assert all(e.data["person_id"] is None for e in steps)
    public = json.dumps([fields for fields, _ in await cases_app.entries()])
    assert "ODHA" not in public
    intake = await cases_app.entries("intake")
    assert [e.data["categories"] for _, e in intake if e.subject == protected] == [["ODHA"]]


NOTE = "Nenek sudah dapat kursi roda; anaknya di Banjarmasin tidak menjawab"
SERVICE = "RSJ Sambang Lihum"


async def test_the_timeline_and_referrals_are_narrative_like_the_description(
    cases_app: Cases,
):
    """Where a person was referred and what a visit found say why they are followed: a caller
    who sees no narrative sees the steps' actions, never their notes or the referral's place."""
    plain, _ = await two_cases(cases_app)
    tksk = CALLERS["tksk assigned"]
    await cases_app.ok(plain, "verify", tksk)
    await cases_app.ok(plain, "assess", tksk, {"risk_level": "high", "needs": ["kursi roda"]})
    await cases_app.plan(plain, tksk)
    await cases_app.ok(plain, "refer", tksk, {"service": SERVICE, "consent": True})
    await cases_app.ok(plain, "start-monitoring", tksk)
    await cases_app.ok(plain, "follow-ups", tksk, {"note": NOTE})

    for caller, (status, _, narrative) in PLAIN.items():
        if status != 200:
            continue
        case = (await cases_app.get(plain, CALLERS[caller])).json()
        notes = [step["details"].get("note") for step in case["timeline"]]
        assert (NOTE in notes) is narrative, caller
        assert (case["referrals"][0]["service"] == SERVICE) is narrative, caller
        assert [step["action"] for step in case["timeline"]][-1] == "record_follow_up", caller
        if not narrative:
            text = json.dumps(case)
            assert NOTE not in text and SERVICE not in text and "kursi roda" not in text, caller
