"""What each step must say: reasons, consent, risk, needs, notes — and what it leaves behind."""

from __future__ import annotations

from datetime import date

import pytest

from services.cases.domain.cases import Change
from services.cases.domain.errors import (
    AlreadyAssigned,
    CaseError,
    CaseRule,
    ConsentRequired,
    NeedsRequired,
    NoteRequired,
    NotTheAssignedTksk,
    NotTheInstitution,
    NotTheReporter,
    OutcomeUnknown,
    PlanItemsRequired,
    ReasonNotRecognised,
    ReasonRequired,
    ReferralNotFound,
    ReferralState,
    RiskLevelUnknown,
    RoleNotAllowed,
    ServiceRequired,
    TransitionNotAllowed,
)
from services.cases.domain.plans import PlanItem
from services.cases.domain.reasons import DeclineReason, RejectionReason
from services.cases.domain.referrals import ReferralOutcome
from shared.reference import UnknownCategory
from tests.cases.unit.builders import (
    PANTI_ID,
    PLAN,
    STAND_IN_ID,
    TKSK_ID,
    actor,
    at,
    case_in,
    reported,
    step,
)
from tests.cases.unit.spec import REASON_REQUIRED

TKSK, PSM, OPERATOR = actor("tksk-assigned"), actor("psm-reporter"), actor("operator")
PANTI = actor("institution")
# Where each reason-taking step applies, and who takes it.
REASONED = {
    "return_to_reporter": ("in_verification", "tksk-assigned"),
    "reject": ("in_verification", "tksk-assigned"),
    "request_closure": ("monitoring", "tksk-assigned"),
    "reject_closure": ("closure_requested", "operator"),
    "reassign": ("verified", "operator"),
    "reopen": ("closed", "operator"),
    "return_assessment": ("assessment_review", "operator"),
    "return_plan": ("plan_review", "operator"),
    "decline_referral": ("referred", "institution"),
}


def call(action: str, reason: str | None) -> Change:
    state, role = REASONED[action]
    case, by = case_in(state), actor(role)
    steps = {
        "return_to_reporter": lambda: case.return_to_reporter(by, at(50), reason),
        "reject": lambda: case.reject(by, at(50), reason),
        "request_closure": lambda: case.request_closure(by, at(50), reason),
        "reject_closure": lambda: case.reject_closure(by, at(50), reason),
        "reassign": lambda: case.reassign(by, at(50), STAND_IN_ID, reason),
        "reopen": lambda: case.reopen(by, at(50), reason),
        "return_assessment": lambda: case.return_assessment(by, at(50), reason),
        "return_plan": lambda: case.return_plan(by, at(50), reason),
        "decline_referral": lambda: case.decline_referral(
            by, at(50), case.referrals[-1].referral_id, reason, None
        ),
    }
    return steps[action]()


def test_the_reasoned_steps_are_those_the_issue_names() -> None:
    assert set(REASONED) == REASON_REQUIRED


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize("action", sorted(REASON_REQUIRED))
def test_these_steps_must_say_why(action: str, reason: str | None) -> None:
    with pytest.raises(ReasonRequired):
        call(action, reason)


def test_a_rejection_names_one_of_the_three_grounds() -> None:
    with pytest.raises(ReasonNotRecognised) as refused:
        call("reject", "tidak suka")
    assert refused.value.facts["allowed"] == "bukan_ppks, duplikat, di_luar_wilayah"
    case, event = case_in("in_verification").reject(TKSK, at(9), " Di_Luar_Wilayah ", "KTP Banjar")
    assert case.rejection_reason is RejectionReason.DI_LUAR_WILAYAH
    assert (event.reason, event.details["note"]) == ("di_luar_wilayah", "KTP Banjar")


def test_closure_is_requested_for_one_of_the_listed_reasons() -> None:
    with pytest.raises(ReasonNotRecognised):
        call("request_closure", "bosan")
    assert call("request_closure", "meninggal")


def test_the_caller_is_checked_before_the_reason() -> None:
    with pytest.raises(RoleNotAllowed):
        case_in("in_verification").reject(PSM, at(9), "")


def test_a_referral_needs_consent_or_a_documented_override() -> None:
    case = case_in("planned")
    with pytest.raises(ConsentRequired):
        case.refer(TKSK, at(9), referral_id="r", service="LKSA Tapin", consent=False)
    with pytest.raises(ConsentRequired):
        case.refer(TKSK, at(9), referral_id="r", service="LKSA", consent=False, override_reason=" ")
    changed, event = case.refer(
        TKSK, at(9), referral_id="r", service="LKSA", consent=False, override_reason="anak rawan"
    )
    assert changed.referrals[0].override_reason == event.reason == "anak rawan"
    assert event.details["consent"] is False


def test_a_referral_names_its_service_and_a_case_may_have_several() -> None:
    with pytest.raises(ServiceRequired):
        case_in("planned").refer(TKSK, at(9), referral_id="r", service=" ", consent=True)
    case = step(case_in("referred"), "refer", "tksk-assigned").case
    assert case.status == "referred" and len(case.referrals) == 3


def test_an_assessment_has_a_known_risk_level_and_some_needs() -> None:
    case = case_in("verified")
    with pytest.raises(RiskLevelUnknown):
        case.assess(TKSK, at(9), "extreme", ["sembako"])
    with pytest.raises(NeedsRequired):
        case.assess(TKSK, at(9), "low", [" ", ""])


def test_a_follow_up_needs_a_note_and_keeps_the_state() -> None:
    case = case_in("monitoring")
    with pytest.raises(NoteRequired):
        case.record_follow_up(PSM, at(9), "  ")
    after = case.record_follow_up(PSM, at(9), "sudah menerima bantuan").case
    after = after.record_follow_up(TKSK, at(10), "kondisi baik").case
    assert (after.status, after.follow_ups, after.version) == ("monitoring", 2, case.version + 2)


def test_a_reassigned_case_belongs_to_the_new_tksk_only() -> None:
    case = case_in("verified")
    with pytest.raises(AlreadyAssigned):
        case.reassign(OPERATOR, at(9), TKSK_ID, "salah input")
    moved, event = case.reassign(OPERATOR, at(9), STAND_IN_ID, "TKSK cuti")
    assert (moved.status, moved.assigned_tksk_id) == ("verified", STAND_IN_ID)
    assert dict(event.details) == {"from_tksk_id": TKSK_ID, "tksk_id": STAND_IN_ID}
    with pytest.raises(NotTheAssignedTksk):
        moved.assess(TKSK, at(10), "low", ["sembako"])
    assert moved.assess(actor("tksk-assigned", moved), at(10), "low", ["sembako"])


def test_a_refused_closure_goes_back_to_monitoring_without_its_reason() -> None:
    case = call("reject_closure", "bantuan belum diterima").case
    assert (case.status, case.closure_reason) == ("monitoring", None)


def test_reopening_returns_to_assessment_with_the_same_tksk() -> None:
    case = call("reopen", "kebutuhan baru").case
    assert (case.status, case.closed_at, case.closure_reason) == ("assessed", None, None)
    assert case.assigned_tksk_id == TKSK_ID


def test_verification_may_correct_the_categories() -> None:
    case = case_in("in_verification")
    assert case.verify(TKSK, at(9), ["pd", "LUT"]).case.categories == ("PD", "LUT")
    with pytest.raises(UnknownCategory):
        case.verify(TKSK, at(9), ["XYZ"])


def test_a_resubmitted_case_goes_back_to_the_same_tksk() -> None:
    case = case_in("returned").resubmit(PSM, at(9), "alamat: RT 03 RW 01").case
    assert (case.status, case.assigned_tksk_id) == ("in_verification", TKSK_ID)
    assert case.description == "alamat: RT 03 RW 01"
    with pytest.raises(NotTheReporter):
        case_in("returned").resubmit(actor("psm-other"), at(9))


def test_dinas_staff_resubmit_a_walk_in_case_they_reported() -> None:
    case = step(reported(by="operator"), "assign", "system").case
    returned = case.return_to_reporter(TKSK, at(9), "foto kurang jelas").case
    assert returned.resubmit(OPERATOR, at(10)).case.status == "in_verification"


def test_a_refusal_leaves_the_case_as_it_was() -> None:
    case = case_in("verified")
    with pytest.raises(CaseError):
        case.approve_closure(OPERATOR, at(9))
    assert case == case_in("verified")


def test_every_rule_has_its_own_stable_name() -> None:
    rules = [error.rule for error in _all_errors(CaseError)]
    assert len(rules) == len(set(rules)) == len(CaseRule)
    assert all(rule.startswith("case-") for rule in rules)


def _all_errors(base: type[CaseError]) -> list[type[CaseError]]:
    found = []
    for sub in base.__subclasses__():
        found += [sub, *_all_errors(sub)]
    return found


def test_a_plan_lists_services_with_their_provider_and_target_date() -> None:
    case = case_in("assessed")
    for items in ([], [("kursi roda", " ", date(2011, 7, 1))], [("x", "y", date(2011, 7, 1))] * 21):
        with pytest.raises(PlanItemsRequired):
            case.make_plan(TKSK, at(9), items)
    planned, event = case.make_plan(TKSK, at(9), [(" kursi roda ", "Dinsos", date(2011, 7, 1))])
    assert planned.plan == (PlanItem("kursi roda", "Dinsos", date(2011, 7, 1)),)
    assert (planned.status, dict(event.details)) == ("planned", {"plan_items": 1})


def test_a_reviewed_plan_waits_for_the_dinas_and_a_returned_one_is_made_again() -> None:
    waiting = case_in("assessed").make_plan(TKSK, at(9), PLAN, review=True).case
    assert waiting.status == "plan_review"
    with pytest.raises(TransitionNotAllowed):
        waiting.refer(TKSK, at(10), referral_id="r", service="LKS", consent=True)
    returned = waiting.return_plan(OPERATOR, at(10), "target terlalu jauh").case
    assert returned.status == "assessed"
    again = returned.make_plan(TKSK, at(11), PLAN[:1], review=True).case
    assert again.approve_plan(OPERATOR, at(12)).case.status == "planned"
    assert len(again.plan) == 1  # the new plan replaced the returned one


def test_a_reviewed_assessment_is_approved_or_assessed_again() -> None:
    waiting = case_in("assessment_review")
    assert waiting.approve_assessment(OPERATOR, at(20)).case.status == "assessed"
    again = waiting.return_assessment(OPERATOR, at(20), "risiko belum dinilai").case
    assert again.status == "verified"
    assert again.assess(TKSK, at(21), "low", ["sembako"]).case.status == "assessed"


def test_a_declined_referral_brings_the_case_back_to_its_plan_when_nothing_else_is_live() -> None:
    case = case_in("planned")
    case = case.refer(TKSK, at(9), referral_id="r", service="PSTW", consent=True,
                      institution_id=PANTI_ID).case  # fmt: skip
    with pytest.raises(ReasonNotRecognised):
        case.decline_referral(PANTI, at(10), "r", "tidak mau", None)
    back, event = case.decline_referral(PANTI, at(10), "r", "kapasitas_penuh", "kamar penuh")
    assert (back.status, event.reason) == ("planned", "kapasitas_penuh")
    [declined] = back.referrals
    assert (declined.status, declined.decline_reason, declined.note) == (
        "declined",
        DeclineReason.KAPASITAS_PENUH,
        "kamar penuh",
    )
    assert declined.answered_by == PANTI_ID
    # With another referral still live, the case stays referred.
    other = case_in("referred")
    sent = [r.referral_id for r in other.referrals if r.status == "sent"]
    assert other.decline_referral(TKSK, at(50), sent[0], "lainnya", None).case.status == "referred"


def test_a_referral_is_answered_once_and_completed_only_after_it_was_accepted() -> None:
    case = case_in("referred")
    accepted = next(r.referral_id for r in case.referrals if r.status == "accepted")
    sent = next(r.referral_id for r in case.referrals if r.status == "sent")
    with pytest.raises(ReferralState):
        case.accept_referral(PANTI, at(50), accepted)
    with pytest.raises(ReferralState):
        case.decline_referral(PANTI, at(50), accepted, "lainnya", None)
    with pytest.raises(ReferralState):
        case.complete_referral(PANTI, at(50), sent, "dilayani", None)
    with pytest.raises(OutcomeUnknown):
        case.complete_referral(PANTI, at(50), accepted, "sembuh", None)
    with pytest.raises(ReferralNotFound):
        case.accept_referral(PANTI, at(50), "no-such")
    done = case.complete_referral(TKSK, at(50), accepted, " Dilayani_Sebagian ", "kursi roda")
    assert [r.outcome for r in done.case.referrals if r.referral_id == accepted] == [
        ReferralOutcome.DILAYANI_SEBAGIAN
    ]
    assert done.case.status == "referred"  # monitoring is the TKSK's step


def test_an_institution_answers_only_the_referrals_made_to_it() -> None:
    case = case_in("planned")
    case = case.refer(TKSK, at(9), referral_id="mine", service="PSTW", consent=True,
                      institution_id=PANTI_ID).case  # fmt: skip
    case = case.refer(TKSK, at(10), referral_id="theirs", service="RSUD", consent=True,
                      institution_id="rsud-datu-sanggul").case  # fmt: skip
    with pytest.raises(NotTheInstitution):
        case.accept_referral(PANTI, at(11), "theirs")
    with pytest.raises(NotTheInstitution):  # another agency's client: no referral to it at all
        case.accept_referral(actor("integration"), at(11), "mine")
    assert case.accept_referral(PANTI, at(11), "mine").case.referrals[0].status == "accepted"
