"""The case workflow of DOMAIN.md §5 as data: one row per action.

A row says from which states an action applies, the state it leads to (None: the case keeps its
state), which parties may take it and whether it must say why. Guards and the `Case` methods
read this table; nothing else decides who may move a case where, so the table is the spec.

Departures from DOMAIN §5: no `draft` (the PSM's app keeps drafts), no `in_service` (a
referral's outcome records the service given; monitoring follows), and `rejected` is final (a
case out of area is reported again in the right kecamatan). Approvals are states of their own
(`assessment_review`, `plan_review`): an assessment or plan goes there instead of to its usual
state when the categories' approval configuration asks for it (`approvals.py`), which is the
row's `review` column. A referral's own life (sent → accepted/declined → completed) is kept on
the referral; its steps are case steps that keep the case's state, except a declined referral
that leaves nothing live, which brings the case back to its plan (`referrals.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from services.cases.domain.actors import ActorRole


class CaseState(StrEnum):
    REPORTED = "reported"  # dilaporkan; waits here while its kecamatan has no active TKSK
    IN_VERIFICATION = "in_verification"  # pendataan: the assigned TKSK visits
    VERIFIED = "verified"
    RETURNED = "returned"  # back to the reporter for more information
    REJECTED = "rejected"  # bukan PPKS, duplikat or di luar wilayah; final
    ASSESSED = "assessed"  # asesmen: risk level and needs
    ASSESSMENT_REVIEW = "assessment_review"  # the assessment waits for the Dinas's approval
    PLANNED = "planned"  # rencana tindak lanjut: services, who provides them, target dates
    PLAN_REVIEW = "plan_review"  # the plan waits for the Dinas's approval
    REFERRED = "referred"  # dirujuk to one or more services
    MONITORING = "monitoring"  # pemantauan
    CLOSURE_REQUESTED = "closure_requested"
    CLOSED = "closed"  # immutable except reopen


class Action(StrEnum):
    REPORT = "report"
    ASSIGN = "assign"
    VERIFY = "verify"
    RETURN_TO_REPORTER = "return_to_reporter"
    RESUBMIT = "resubmit"
    REJECT = "reject"
    ASSESS = "assess"
    APPROVE_ASSESSMENT = "approve_assessment"
    RETURN_ASSESSMENT = "return_assessment"
    PLAN = "plan"
    APPROVE_PLAN = "approve_plan"
    RETURN_PLAN = "return_plan"
    REFER = "refer"
    ACCEPT_REFERRAL = "accept_referral"
    DECLINE_REFERRAL = "decline_referral"
    COMPLETE_REFERRAL = "complete_referral"
    START_MONITORING = "start_monitoring"
    RECORD_FOLLOW_UP = "record_follow_up"
    REQUEST_CLOSURE = "request_closure"
    APPROVE_CLOSURE = "approve_closure"
    REJECT_CLOSURE = "reject_closure"
    REASSIGN = "reassign"
    REOPEN = "reopen"


class Party(StrEnum):
    """A role, narrowed where the rule is about the caller's relation to the case."""

    ADMIN = "admin"
    OPERATOR = "operator"  # Dinas staff of the case's wilayah (scope checked at the edge)
    ASSIGNED_TKSK = "assigned_tksk"  # the TKSK the case is assigned to, no other
    REPORTING_PSM = "reporting_psm"  # the PSM who reported the case, no other
    DESA_PSM = "desa_psm"  # any PSM of the case's desa (to report in it)
    RECEIVING_INSTITUTION = "receiving_institution"  # the integration client of an institution
    # the case has a referral to (its token's `sub` is the institution's id, registry/institutions)
    SYSTEM = "system"


ROLE_OF_PARTY: Mapping[Party, ActorRole] = {
    Party.ADMIN: ActorRole.ADMIN,
    Party.OPERATOR: ActorRole.OPERATOR,
    Party.ASSIGNED_TKSK: ActorRole.TKSK,
    Party.REPORTING_PSM: ActorRole.PSM,
    Party.DESA_PSM: ActorRole.PSM,
    Party.RECEIVING_INSTITUTION: ActorRole.INTEGRATION,
    Party.SYSTEM: ActorRole.SYSTEM,
}


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    sources: frozenset[CaseState]  # empty for `report`, which creates the case
    target: CaseState | None  # None: the case keeps its state
    parties: frozenset[Party]
    reason_required: bool
    review: CaseState | None = None  # the target instead, when the Dinas must approve first

    def keeps_state(self) -> bool:
        return self.target is None


S = CaseState
P = Party
DINAS = frozenset({P.OPERATOR, P.ADMIN})
# A follow-up visit is worth recording once someone has confirmed the case and until it closes.
REVIEWS = frozenset({S.ASSESSMENT_REVIEW, S.PLAN_REVIEW})
FOLLOW_UP_STATES = frozenset(
    {S.VERIFIED, S.ASSESSED, S.PLANNED, S.REFERRED, S.MONITORING, *REVIEWS}
)
# A referral is answered while its service may be under way: referred, then monitored.
REFERRAL_STATES = frozenset({S.REFERRED, S.MONITORING})
INSTITUTION = frozenset({P.RECEIVING_INSTITUTION, P.ASSIGNED_TKSK})  # or the TKSK on its behalf
# Reassigning needs a current TKSK (an unassigned case waits for auto-assignment instead) and a
# live case (a rejected or closed one has nobody left to act).
ASSIGNED_STATES = frozenset(S) - {S.REPORTED, S.REJECTED, S.CLOSED}


def _row(
    action: Action,
    sources: Iterable[CaseState],
    target: CaseState | None,
    parties: Iterable[Party],
    reason_required: bool = False,
    review: CaseState | None = None,
) -> tuple[Action, Transition]:
    return action, Transition(
        action, frozenset(sources), target, frozenset(parties), reason_required, review
    )


WHY = True  # reason required
TRANSITIONS: Mapping[Action, Transition] = dict(
    (
        _row(Action.REPORT, (), S.REPORTED, {P.DESA_PSM, *DINAS}),
        _row(Action.ASSIGN, {S.REPORTED}, S.IN_VERIFICATION, {P.SYSTEM}),
        _row(Action.VERIFY, {S.IN_VERIFICATION}, S.VERIFIED, {P.ASSIGNED_TKSK}),
        _row(Action.RETURN_TO_REPORTER, {S.IN_VERIFICATION}, S.RETURNED, {P.ASSIGNED_TKSK}, WHY),
        # Dinas staff resubmit too: a walk-in case was reported by an operator, not a PSM.
        _row(Action.RESUBMIT, {S.RETURNED}, S.IN_VERIFICATION, {P.REPORTING_PSM, *DINAS}),
        _row(Action.REJECT, {S.IN_VERIFICATION}, S.REJECTED, {P.ASSIGNED_TKSK}, WHY),
        _row(
            Action.ASSESS, {S.VERIFIED}, S.ASSESSED, {P.ASSIGNED_TKSK}, review=S.ASSESSMENT_REVIEW
        ),
        _row(Action.APPROVE_ASSESSMENT, {S.ASSESSMENT_REVIEW}, S.ASSESSED, DINAS),
        _row(Action.RETURN_ASSESSMENT, {S.ASSESSMENT_REVIEW}, S.VERIFIED, DINAS, WHY),
        _row(Action.PLAN, {S.ASSESSED}, S.PLANNED, {P.ASSIGNED_TKSK}, review=S.PLAN_REVIEW),
        _row(Action.APPROVE_PLAN, {S.PLAN_REVIEW}, S.PLANNED, DINAS),
        _row(Action.RETURN_PLAN, {S.PLAN_REVIEW}, S.ASSESSED, DINAS, WHY),
        # A case may be referred to several services, one referral at a time.
        _row(Action.REFER, {S.PLANNED, S.REFERRED}, S.REFERRED, {P.ASSIGNED_TKSK}),
        _row(Action.ACCEPT_REFERRAL, REFERRAL_STATES, None, INSTITUTION),
        # Declined, and nothing else live: back to the plan (the case's `planned`), for the TKSK.
        _row(Action.DECLINE_REFERRAL, REFERRAL_STATES, None, INSTITUTION, WHY),
        _row(Action.COMPLETE_REFERRAL, REFERRAL_STATES, None, INSTITUTION),
        # Low-risk cases are monitored without a referral.
        _row(
            Action.START_MONITORING,
            {S.PLANNED, S.REFERRED},
            S.MONITORING,
            {P.ASSIGNED_TKSK, *DINAS},
        ),
        _row(Action.RECORD_FOLLOW_UP, FOLLOW_UP_STATES, None, {P.REPORTING_PSM, P.ASSIGNED_TKSK}),
        _row(Action.REQUEST_CLOSURE, {S.MONITORING}, S.CLOSURE_REQUESTED, {P.ASSIGNED_TKSK}, WHY),
        _row(Action.APPROVE_CLOSURE, {S.CLOSURE_REQUESTED}, S.CLOSED, DINAS),
        _row(Action.REJECT_CLOSURE, {S.CLOSURE_REQUESTED}, S.MONITORING, DINAS, WHY),
        _row(Action.REASSIGN, ASSIGNED_STATES, None, DINAS, WHY),
        _row(Action.REOPEN, {S.CLOSED}, S.ASSESSED, DINAS, WHY),
    )
)
