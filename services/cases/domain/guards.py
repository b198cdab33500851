"""Who may take an action on a case, and when: the transition table applied to one caller.

Refusals come in a fixed order — role, then relation to the case, then state — so a caller
who may never act on a case learns nothing about where it stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from services.cases.domain.actors import Actor
from services.cases.domain.errors import (
    CaseClosed,
    CaseError,
    NotTheAssignedTksk,
    NotTheInstitution,
    NotTheReporter,
    RoleNotAllowed,
    TransitionNotAllowed,
)
from services.cases.domain.referrals import Referral
from services.cases.domain.states import (
    ROLE_OF_PARTY,
    TRANSITIONS,
    Action,
    CaseState,
    Party,
    Transition,
)


class Relations(Protocol):
    """What the guards read of a case: who reported it and who holds it."""

    @property
    def reported_by(self) -> str: ...

    @property
    def assigned_tksk_id(self) -> str | None: ...

    @property
    def status(self) -> CaseState: ...

    @property
    def referrals(self) -> tuple[Referral, ...]: ...


_NOT_PARTY: Mapping[Party, type[NotTheAssignedTksk | NotTheReporter | NotTheInstitution]] = {
    Party.ASSIGNED_TKSK: NotTheAssignedTksk,
    Party.REPORTING_PSM: NotTheReporter,
    Party.RECEIVING_INSTITUTION: NotTheInstitution,
}


def authorise(transition: Transition, actor: Actor, case: Relations) -> None:
    """Refuse a caller whose role may never take the action, or who is not the right one."""
    parties = [party for party in transition.parties if ROLE_OF_PARTY[party] is actor.role]
    if not parties:
        raise RoleNotAllowed(transition.action, actor.role)
    if not any(is_party(party, actor, case) for party in parties):
        raise _NOT_PARTY[parties[0]](transition.action)


def is_party(party: Party, actor: Actor, case: Relations) -> bool:
    if party is Party.ASSIGNED_TKSK:
        # An unassigned case has no TKSK yet: every TKSK is "another" one.
        return case.assigned_tksk_id is not None and case.assigned_tksk_id == actor.sub
    if party is Party.REPORTING_PSM:
        return case.reported_by == actor.sub
    if party is Party.RECEIVING_INSTITUTION:  # which referral: the case step checks
        return any(referral.institution_id == actor.sub for referral in case.referrals)
    return True  # role-only parties; a reporter's desa is checked by `report_case`


def require_state(transition: Transition, state: CaseState) -> None:
    if state in transition.sources:
        return
    if state is CaseState.CLOSED:
        raise CaseClosed(transition.action, state)
    raise TransitionNotAllowed(transition.action, state)


def check(action: Action, actor: Actor, case: Relations) -> Transition:
    """The table row of an action the caller may take on this case now, else the refusal."""
    transition = TRANSITIONS[action]
    authorise(transition, actor, case)
    require_state(transition, case.status)
    return transition


def available_actions(actor: Actor, case: Relations) -> list[Action]:
    """What the caller may do next (reasons and details aside), e.g. for the buttons a client
    shows; creating and assigning are not actions on an existing case."""
    possible = [action for action in TRANSITIONS if action not in {Action.REPORT, Action.ASSIGN}]
    return [action for action in possible if _permits(action, actor, case)]


def _permits(action: Action, actor: Actor, case: Relations) -> bool:
    try:
        check(action, actor, case)
    except CaseError:
        return False
    return True
