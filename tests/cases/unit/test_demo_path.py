"""DOMAIN.md §6 step 5: a PSM of Tungkap reports an elderly person; the case goes to Binuang's
TKSK, is verified, assessed, planned (the Dinas approving the plan), referred to a panti that
accepts and completes it through its own client, monitored and closed — one event per step."""

from __future__ import annotations

import itertools

from services.cases.domain.actors import ActorRole
from services.cases.domain.assignment import auto_assign
from services.cases.domain.cases import Case, CaseTransitioned, Change
from services.cases.domain.reasons import ClosureReason, RiskLevel
from services.cases.domain.reporting import CaseReport, report_case
from tests.cases.unit.builders import ACTORS, BINUANG, PANTI_ID, PLAN, TKSK_ID, TUNGKAP, at

PSM, TKSK, OPERATOR = ACTORS["psm-reporter"], ACTORS["tksk-assigned"], ACTORS["operator"]
PANTI = ACTORS["institution"]


def demo_case() -> tuple[Case, list[CaseTransitioned]]:
    form = CaseReport(person_ref="person-7", categories=("lut",), desa="6305012003")
    case, event = report_case("case-7", form, PSM, at(0))
    events = [event]

    def then(change: Change) -> Case:
        events.append(change.event)
        return change.case

    assigned = auto_assign(case, {BINUANG: TKSK_ID}, at(1))
    assert assigned.event is not None
    events.append(assigned.event)
    case = assigned.case
    case = then(case.verify(TKSK, at(2)))
    case = then(case.record_follow_up(PSM, at(3), "kunjungan bersama TKSK"))
    case = then(case.assess(TKSK, at(4), "High", ["alat bantu dengar", "sembako"]))
    case = then(case.make_plan(TKSK, at(5), PLAN, review=True))
    case = then(case.approve_plan(OPERATOR, at(6)))
    case = then(case.refer(
        TKSK, at(7), referral_id="r-1", service="Panti Werdha", consent=True,
        institution_id=PANTI_ID,
    ))  # fmt: skip
    case = then(case.accept_referral(PANTI, at(8), "r-1"))
    case = then(case.start_monitoring(TKSK, at(9)))
    case = then(case.complete_referral(PANTI, at(10), "r-1", "dilayani", None))
    case = then(case.request_closure(TKSK, at(11), "tertangani"))
    case = then(case.approve_closure(OPERATOR, at(12)))
    return case, events


def test_the_demo_case_runs_from_report_to_closed() -> None:
    case, events = demo_case()
    assert [e.action for e in events] == [
        "report", "assign", "verify", "record_follow_up", "assess", "plan", "approve_plan",
        "refer", "accept_referral", "start_monitoring", "complete_referral", "request_closure",
        "approve_closure",
    ]  # fmt: skip
    assert [e.to_state for e in events] == [
        "reported", "in_verification", "verified", "verified", "assessed", "plan_review",
        "planned", "referred", "referred", "monitoring", "monitoring", "closure_requested",
        "closed",
    ]  # fmt: skip
    assert case.status == "closed" and case.closed_at == at(12)


def test_versions_run_one_to_n_and_each_event_carries_its_own() -> None:
    case, events = demo_case()
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert case.version == len(events)
    assert [e.at for e in events] == [at(minute) for minute in range(len(events))]
    assert all(e.from_state == before.to_state for before, e in itertools.pairwise(events))


def test_each_event_names_who_acted_in_what_role() -> None:
    _, events = demo_case()
    actors = [(e.actor_id, e.actor_role) for e in events]
    assert actors[0] == ("psm-tungkap", ActorRole.PSM)
    assert actors[1] == ("cases", ActorRole.SYSTEM)
    assert actors[2] == (TKSK_ID, ActorRole.TKSK)
    assert actors[-1] == ("operator-1", ActorRole.OPERATOR)


def test_the_case_remembers_what_each_step_decided() -> None:
    case, events = demo_case()
    assert (case.desa, case.kecamatan, case.categories) == (TUNGKAP, BINUANG, ("LUT",))
    assert case.reported_by == "psm-tungkap" and case.assigned_tksk_id == TKSK_ID
    assert case.risk_level is RiskLevel.HIGH
    assert case.needs == ("alat bantu dengar", "sembako")
    assert [(r.service, r.status, r.outcome) for r in case.referrals] == [
        ("Panti Werdha", "completed", "dilayani")
    ]
    assert [item.service for item in case.plan] == ["kursi roda", "permakanan"]
    assert case.follow_ups == 1
    assert case.closure_reason is ClosureReason.TERTANGANI
    assert events[-2].reason == "tertangani"
    assert events[-1].details == {"closure_reason": "tertangani"}


def test_event_details_carry_codes_and_ids_for_the_contract_events() -> None:
    _, events = demo_case()
    report, assign = events[0], events[1]
    assert report.from_state is None
    assert dict(report.details) == {"categories": ("LUT",), "desa": TUNGKAP, "kecamatan": BINUANG}
    assert dict(assign.details) == {"tksk_id": TKSK_ID, "kecamatan": BINUANG}
    refer = events[7]
    assert dict(refer.details) == {
        "referral_id": "r-1", "institution_id": PANTI_ID, "referral_status": "sent",
        "service": "Panti Werdha", "consent": True,
    }  # fmt: skip
    completed = events[10]
    assert dict(completed.details) == {
        "referral_id": "r-1", "institution_id": PANTI_ID, "referral_status": "completed",
        "outcome": "dilayani",
    }  # fmt: skip
