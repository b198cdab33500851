"""The case workflow as the tests expect it, written from DOMAIN.md §5 and the issue — not read
from the production table, so a wrong row there fails a test here.

`expected(action, state, role)` is the whole specification of who may do what when: either the
state the case is in afterwards, or the error class that refuses the step.
"""

from __future__ import annotations

from services.cases.domain.errors import (
    CaseClosed,
    CaseError,
    NotTheAssignedTksk,
    NotTheInstitution,
    NotTheReporter,
    RoleNotAllowed,
    TransitionNotAllowed,
)

STATES = (
    "reported", "in_verification", "verified", "returned", "rejected", "assessed",
    "assessment_review", "planned", "plan_review", "referred", "monitoring", "closure_requested",
    "closed",
)  # fmt: skip
ROLES = (
    "admin", "operator", "tksk-assigned", "tksk-other", "psm-reporter", "psm-other",
    "integration", "institution", "system",
)  # fmt: skip
# "institution": the integration client of the institution the case's referral went to
# (builders.py refers every case to it); "integration": any other agency's client.
SAME = "same"  # the step keeps the case's state

# A live case with a TKSK: neither waiting for one, nor rejected, nor closed.
ASSIGNED = {
    "in_verification", "verified", "returned", "assessed", "assessment_review", "planned",
    "plan_review", "referred", "monitoring", "closure_requested",
}  # fmt: skip
# States the builders' case reaches through its referrals (one accepted, one still sent).
REFERRED = {"referred", "monitoring", "closure_requested", "closed"}
CONFIRMED = {"verified", "assessed", "assessment_review", "planned", "plan_review", "referred"}
# action: (the states it applies in, the state it leads to)
MOVES: dict[str, tuple[set[str], str]] = {
    "assign": ({"reported"}, "in_verification"),
    "verify": ({"in_verification"}, "verified"),
    "return_to_reporter": ({"in_verification"}, "returned"),
    "resubmit": ({"returned"}, "in_verification"),
    "reject": ({"in_verification"}, "rejected"),
    "assess": ({"verified"}, "assessed"),
    "approve_assessment": ({"assessment_review"}, "assessed"),
    "return_assessment": ({"assessment_review"}, "verified"),
    "plan": ({"assessed"}, "planned"),
    "approve_plan": ({"plan_review"}, "planned"),
    "return_plan": ({"plan_review"}, "assessed"),
    "refer": ({"planned", "referred"}, "referred"),
    # Each answered on a referral still sent (accepted: then completed), see REFERRAL below.
    "accept_referral": ({"referred", "monitoring"}, SAME),
    "decline_referral": ({"referred", "monitoring"}, SAME),
    "complete_referral": ({"referred", "monitoring"}, SAME),
    "start_monitoring": ({"planned", "referred"}, "monitoring"),
    "record_follow_up": ({*CONFIRMED, "monitoring"}, SAME),
    "request_closure": ({"monitoring"}, "closure_requested"),
    "approve_closure": ({"closure_requested"}, "closed"),
    "reject_closure": ({"closure_requested"}, "monitoring"),
    "reassign": (ASSIGNED, SAME),
    "reopen": ({"closed"}, "assessed"),
}

DINAS = {"operator", "admin"}
# action: the roles that may take it (relations included)
WHO: dict[str, set[str]] = {
    "assign": {"system"},
    "verify": {"tksk-assigned"},
    "return_to_reporter": {"tksk-assigned"},
    "resubmit": {"psm-reporter", *DINAS},
    "reject": {"tksk-assigned"},
    "assess": {"tksk-assigned"},
    "approve_assessment": DINAS,
    "return_assessment": DINAS,
    "plan": {"tksk-assigned"},
    "approve_plan": DINAS,
    "return_plan": DINAS,
    "refer": {"tksk-assigned"},
    "accept_referral": {"institution", "tksk-assigned"},
    "decline_referral": {"institution", "tksk-assigned"},
    "complete_referral": {"institution", "tksk-assigned"},
    "start_monitoring": {"tksk-assigned", *DINAS},
    "record_follow_up": {"psm-reporter", "tksk-assigned"},
    "request_closure": {"tksk-assigned"},
    "approve_closure": DINAS,
    "reject_closure": DINAS,
    "reassign": DINAS,
    "reopen": DINAS,
}

REASON_REQUIRED = {
    "return_to_reporter", "reject", "request_closure", "reject_closure", "reassign", "reopen",
    "return_assessment", "return_plan", "decline_referral",
}  # fmt: skip


def kind(role: str) -> str:
    return "integration" if role == "institution" else role.split("-")[0]


def expected(action: str, state: str, role: str) -> str | type[CaseError]:
    """The state after the step, or the refusal: role first, then relation, then state."""
    sources, target = MOVES[action]
    allowed = WHO[action]
    if state == "reported" and role == "tksk-assigned":
        role = "tksk-other"  # nobody is assigned yet
    if state not in REFERRED and role == "institution":
        role = "integration"  # no referral to it yet: one agency's client like any other
    if role not in allowed:
        if kind(role) not in {kind(who) for who in allowed}:
            return RoleNotAllowed
        return {"tksk": NotTheAssignedTksk, "psm": NotTheReporter}.get(
            kind(role), NotTheInstitution
        )
    if state not in sources:
        return CaseClosed if state == "closed" else TransitionNotAllowed
    return state if target == SAME else target
