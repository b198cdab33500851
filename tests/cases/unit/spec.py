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
    NotTheReporter,
    RoleNotAllowed,
    TransitionNotAllowed,
)

STATES = (
    "reported", "in_verification", "verified", "returned", "rejected", "assessed", "referred",
    "monitoring", "closure_requested", "closed",
)  # fmt: skip
ROLES = (
    "admin", "operator", "tksk-assigned", "tksk-other", "psm-reporter", "psm-other",
    "integration", "system",
)  # fmt: skip
SAME = "same"  # the step keeps the case's state

# A live case with a TKSK: neither waiting for one, nor rejected, nor closed.
ASSIGNED = {
    "in_verification", "verified", "returned", "assessed", "referred", "monitoring",
    "closure_requested",
}  # fmt: skip
# action: (the states it applies in, the state it leads to)
MOVES: dict[str, tuple[set[str], str]] = {
    "assign": ({"reported"}, "in_verification"),
    "verify": ({"in_verification"}, "verified"),
    "return_to_reporter": ({"in_verification"}, "returned"),
    "resubmit": ({"returned"}, "in_verification"),
    "reject": ({"in_verification"}, "rejected"),
    "assess": ({"verified"}, "assessed"),
    "refer": ({"assessed", "referred"}, "referred"),
    "start_monitoring": ({"assessed", "referred"}, "monitoring"),
    "record_follow_up": ({"verified", "assessed", "referred", "monitoring"}, SAME),
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
    "refer": {"tksk-assigned"},
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
}  # fmt: skip


def kind(role: str) -> str:
    return role.split("-")[0]


def expected(action: str, state: str, role: str) -> str | type[CaseError]:
    """The state after the step, or the refusal: role first, then relation, then state."""
    sources, target = MOVES[action]
    allowed = WHO[action]
    if state == "reported" and role == "tksk-assigned":
        role = "tksk-other"  # nobody is assigned yet
    if role not in allowed:
        if kind(role) not in {kind(who) for who in allowed}:
            return RoleNotAllowed
        return NotTheAssignedTksk if kind(role) == "tksk" else NotTheReporter
    if state not in sources:
        return CaseClosed if state == "closed" else TransitionNotAllowed
    return state if target == SAME else target
