"""Cases and callers for the unit tests: Tungkap (Binuang) and its people, and every step
called with valid arguments, so a refusal comes from the rule under test only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from services.cases.domain.actors import SYSTEM, Actor, ActorRole
from services.cases.domain.cases import Case, Change
from services.cases.domain.reporting import CaseReport, report_case

TUNGKAP = "63.05.01.2003"  # desa in kecamatan Binuang
BINUANG = "63.05.01"
PULAU_PINANG = "63.05.01.2007"  # another desa of Binuang
TKSK_ID = "tksk-binuang"
STAND_IN_ID = "tksk-pengganti"
T0 = datetime(2011, 6, 1, 9, 0, tzinfo=UTC)
PANTI_ID = "panti-budi-sejahtera"  # a receiving institution: its client's token `sub`
PLAN = [("kursi roda", "Dinas Sosial", date(2011, 7, 1)), ("permakanan", "desa", date(2011, 6, 15))]

ACTORS = {
    "admin": Actor("admin-1", ActorRole.ADMIN, "63"),
    "operator": Actor("operator-1", ActorRole.OPERATOR, "63.05"),
    "tksk-assigned": Actor(TKSK_ID, ActorRole.TKSK, BINUANG),
    "tksk-other": Actor("tksk-tapin-utara", ActorRole.TKSK, "63.05.04"),
    "psm-reporter": Actor("psm-tungkap", ActorRole.PSM, TUNGKAP),
    "psm-other": Actor("psm-pulau-pinang", ActorRole.PSM, PULAU_PINANG),
    "integration": Actor("bpjs", ActorRole.INTEGRATION, "63"),
    "institution": Actor(PANTI_ID, ActorRole.INTEGRATION, "63"),
    "system": SYSTEM,
}


def actor(role: str, case: Case | None = None) -> Actor:
    """The caller playing `role`; "the assigned TKSK" is whoever holds the case now."""
    if role == "tksk-assigned" and case is not None and case.assigned_tksk_id is not None:
        return Actor(case.assigned_tksk_id, ActorRole.TKSK, BINUANG)
    return ACTORS[role]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def reported(
    case_id: str = "case-1", minutes: int = 0, desa: str = TUNGKAP, by: str = "psm-reporter"
) -> Case:
    form = CaseReport(person_ref="person-1", categories=("LUT",), desa=desa, description="lansia")
    return report_case(case_id, form, ACTORS[by], at(minutes)).case


def _referral(case: Case, status: str) -> str:
    found = [r.referral_id for r in case.referrals if r.status == status]
    return found[0] if found else "no-such-referral"


def _other_tksk(case: Case) -> str:
    return STAND_IN_ID if case.assigned_tksk_id != STAND_IN_ID else TKSK_ID


# Each step with valid arguments; `by` is the caller, `now` the time.
STEPS: dict[str, Callable[[Case, Actor, datetime], Change]] = {
    "assign": lambda c, by, now: c.assign(TKSK_ID, now, by=by),
    "verify": lambda c, by, now: c.verify(by, now),
    "return_to_reporter": lambda c, by, now: c.return_to_reporter(by, now, "alamat kurang jelas"),
    "resubmit": lambda c, by, now: c.resubmit(by, now, "lansia, RT 03"),
    "reject": lambda c, by, now: c.reject(by, now, "duplikat"),
    "assess": lambda c, by, now: c.assess(by, now, "high", ["alat bantu", "makanan"]),
    "approve_assessment": lambda c, by, now: c.approve_assessment(by, now),
    "return_assessment": lambda c, by, now: c.return_assessment(by, now, "risiko belum dinilai"),
    "plan": lambda c, by, now: c.make_plan(by, now, PLAN),
    "approve_plan": lambda c, by, now: c.approve_plan(by, now),
    "return_plan": lambda c, by, now: c.return_plan(by, now, "target terlalu jauh"),
    "refer": lambda c, by, now: c.refer(
        by,
        now,
        referral_id=f"ref-{c.version}",
        service="PSTW Budi Sejahtera",
        consent=True,
        institution_id=PANTI_ID,
    ),
    # The referral answered: the first one still sent (accepted: the first accepted one).
    "accept_referral": lambda c, by, now: c.accept_referral(by, now, _referral(c, "sent")),
    "decline_referral": lambda c, by, now: c.decline_referral(
        by, now, _referral(c, "sent"), "kapasitas_penuh", "kamar penuh"
    ),
    "complete_referral": lambda c, by, now: c.complete_referral(
        by, now, _referral(c, "accepted"), "dilayani", None
    ),
    # Only on the way to a state: the approvals configuration asking for a review.
    "assess_for_review": lambda c, by, now: c.assess(by, now, "high", ["alat bantu"], review=True),
    "plan_for_review": lambda c, by, now: c.make_plan(by, now, PLAN, review=True),
    "start_monitoring": lambda c, by, now: c.start_monitoring(by, now),
    "record_follow_up": lambda c, by, now: c.record_follow_up(by, now, "kunjungan rumah"),
    "request_closure": lambda c, by, now: c.request_closure(by, now, "tertangani"),
    "approve_closure": lambda c, by, now: c.approve_closure(by, now),
    "reject_closure": lambda c, by, now: c.reject_closure(by, now, "bantuan belum diterima"),
    "reassign": lambda c, by, now: c.reassign(by, now, _other_tksk(c), "TKSK cuti"),
    "reopen": lambda c, by, now: c.reopen(by, now, "kebutuhan baru"),
}

# How a case reaches each state: (action, role) steps after the report.
PATHS: dict[str, list[tuple[str, str]]] = {"reported": []}
PATHS["in_verification"] = [("assign", "system")]
PATHS["verified"] = [*PATHS["in_verification"], ("verify", "tksk-assigned")]
PATHS["returned"] = [*PATHS["in_verification"], ("return_to_reporter", "tksk-assigned")]
PATHS["rejected"] = [*PATHS["in_verification"], ("reject", "tksk-assigned")]
PATHS["assessed"] = [*PATHS["verified"], ("assess", "tksk-assigned")]
PATHS["assessment_review"] = [*PATHS["verified"], ("assess_for_review", "tksk-assigned")]
PATHS["planned"] = [*PATHS["assessed"], ("plan", "tksk-assigned")]
PATHS["plan_review"] = [*PATHS["assessed"], ("plan_for_review", "tksk-assigned")]
# Two referrals to the panti: one it accepted, one still waiting for its answer.
PATHS["referred"] = [
    *PATHS["planned"], ("refer", "tksk-assigned"), ("refer", "tksk-assigned"),
    ("accept_referral", "institution"),
]  # fmt: skip
PATHS["monitoring"] = [*PATHS["referred"], ("start_monitoring", "tksk-assigned")]
PATHS["closure_requested"] = [*PATHS["monitoring"], ("request_closure", "tksk-assigned")]
PATHS["closed"] = [*PATHS["closure_requested"], ("approve_closure", "operator")]


def step(case: Case, action: str, role: str, minutes: int | None = None) -> Change:
    now = at(case.version if minutes is None else minutes)
    return STEPS[action](case, actor(role, case), now)


def case_in(state: str) -> Case:
    case = reported()
    for action, role in PATHS[state]:
        case = step(case, action, role).case
    assert case.status == state
    return case
