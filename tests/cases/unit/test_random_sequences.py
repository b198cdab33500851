"""Any sequence of steps by anyone: the case stays in a known state, its version counts the
steps that succeeded, and each step succeeds exactly when the spec says it may."""

from __future__ import annotations

import itertools

from hypothesis import event, given, settings
from hypothesis import strategies as st

from services.cases.domain.cases import Case
from services.cases.domain.errors import CaseError
from services.cases.domain.states import CaseState
from tests.cases.unit.builders import reported, step
from tests.cases.unit.spec import MOVES, ROLES, expected

# A referral's answers depend on that referral's own state (sent, accepted, …), which the spec
# (by case state) does not follow: the matrix and test_step_rules.py cover them.
ANSWERS = {"accept_referral", "decline_referral", "complete_referral"}
ATTEMPTS = [
    (action, role)
    for action, role in itertools.product(MOVES, ROLES)
    if action not in ANSWERS and role != "institution"
]


def allowed_in(state: str) -> list[tuple[str, str]]:
    return [(a, role) for a, role in ATTEMPTS if isinstance(expected(a, state, role), str)]


def attempt(data: st.DataObject, state: str) -> tuple[str, str]:
    """Half the time a step the spec allows, so sequences get past the first states; the rest
    anything at all, mostly refused."""
    allowed = allowed_in(state)
    if allowed and data.draw(st.booleans()):
        return data.draw(st.sampled_from(allowed))
    return data.draw(st.sampled_from(ATTEMPTS))


def assert_consistent(case: Case) -> None:
    assert case.status in set(CaseState)
    # Only a case waiting for its TKSK has none; every other one has someone to act on it.
    assert (case.assigned_tksk_id is None) == (case.status is CaseState.REPORTED)
    assert (case.closed_at is not None) == (case.status is CaseState.CLOSED)
    has_reason = case.closure_reason is not None
    assert has_reason == (case.status in {CaseState.CLOSURE_REQUESTED, CaseState.CLOSED})


@settings(max_examples=200, deadline=None)
@given(data=st.data(), length=st.integers(min_value=0, max_value=40))
def test_random_steps_never_reach_an_undefined_state(data: st.DataObject, length: int) -> None:
    case, succeeded = reported(), 0
    for minute in range(1, length + 1):
        action, role = attempt(data, case.status)
        outcome = expected(action, case.status, role)
        try:
            case, change = step(case, action, role, minutes=minute)
        except CaseError as refused:
            assert type(refused) is outcome, (action, role)
        else:
            succeeded += 1
            assert case.status == outcome, (action, role)
            assert change.sequence == case.version
        assert case.version == succeeded + 1
        assert_consistent(case)
    event(f"ended {case.status}")
