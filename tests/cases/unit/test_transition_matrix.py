"""Every action × every state × every caller: the step's result, or the exact refusal."""

from __future__ import annotations

import itertools

import pytest

from services.cases.domain.errors import RoleNotAllowed
from services.cases.domain.guards import available_actions
from services.cases.domain.states import TRANSITIONS, Action, CaseState
from tests.cases.unit.builders import actor, case_in, step
from tests.cases.unit.spec import MOVES, ROLES, STATES, WHO, expected

MATRIX = list(itertools.product(MOVES, STATES, ROLES))


def test_the_spec_covers_every_action_and_state_of_the_domain() -> None:
    assert set(MOVES) == set(WHO) == {a.value for a in Action} - {"report"}
    assert set(STATES) == {s.value for s in CaseState}


@pytest.mark.parametrize(("action", "state", "role"), MATRIX)
def test_step(action: str, state: str, role: str) -> None:
    case = case_in(state)
    outcome = expected(action, state, role)
    if isinstance(outcome, str):
        changed, event = step(case, action, role)
        assert changed.status == outcome
        assert changed.version == event.sequence == case.version + 1
        assert (event.action, event.from_state, event.to_state) == (action, state, outcome)
        assert event.actor_id == actor(role, case).sub
    else:
        with pytest.raises(outcome) as refused:
            step(case, action, role)
        assert type(refused.value) is outcome  # not a subclass: CaseClosed is not enough
        assert refused.value.rule == outcome.rule


@pytest.mark.parametrize(("state", "role"), list(itertools.product(STATES, ROLES)))
def test_available_actions_are_those_the_spec_allows(state: str, role: str) -> None:
    case = case_in(state)
    allowed = {a for a in MOVES if a != "assign" and isinstance(expected(a, state, role), str)}
    assert set(available_actions(actor(role, case), case)) == allowed


@pytest.mark.parametrize("state", STATES)
def test_a_psm_can_never_verify_or_close_a_case(state: str) -> None:
    case = case_in(state)
    for action in ("verify", "request_closure", "approve_closure"):
        with pytest.raises(RoleNotAllowed):
            step(case, action, "psm-reporter")


def test_nobody_acts_on_a_closed_case_except_to_reopen_it() -> None:
    closed = case_in("closed")
    for role in ROLES:
        assert set(available_actions(actor(role, closed), closed)) <= {"reopen"}


def test_the_table_lists_each_action_once_and_only_known_states() -> None:
    for action, transition in TRANSITIONS.items():
        assert transition.action is action
        assert transition.sources <= set(CaseState)
