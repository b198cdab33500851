"""A PMKS case, from report to closure; every step returns the new case and its event.

A case is a frozen value. Every step checks the transition table (`states`) through the guards,
then returns a new case with `version` + 1 and one `CaseTransitioned` whose `sequence` is that
version: the version is the optimistic lock, the event order consumers project by, and the
number of steps the case has taken. The service layer turns each event into a contract event
and an audit row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from services.cases.domain.actors import SYSTEM, Actor, ActorRole
from services.cases.domain.categories import known_categories
from services.cases.domain.errors import (
    AlreadyAssigned,
    NeedsRequired,
    NoteRequired,
    NotTheInstitution,
    ReferralNotFound,
)
from services.cases.domain.guards import check
from services.cases.domain.plans import PlanItem, plan_items
from services.cases.domain.reasons import (
    ClosureReason,
    DeclineReason,
    RejectionReason,
    RiskLevel,
    cleaned,
    coded_reason,
    required_reason,
    risk_level,
)
from services.cases.domain.referrals import (
    Referral,
    ReferralStatus,
    new_referral,
    referral_outcome,
)
from services.cases.domain.states import Action, CaseState, Transition

# What an event's details may hold: codes, ids, counts, flags — and a visit's or rejection's free
# `note`, which may name people: the service layer keeps it out of contract events.
Detail = str | int | bool | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class CaseTransitioned:
    """One step of one case: the audit row's facts and the source of its contract event."""

    case_id: str
    sequence: int  # the case's version after this step
    action: Action
    from_state: CaseState | None  # None when the case was reported
    to_state: CaseState
    actor_id: str
    actor_role: ActorRole
    at: datetime
    reason: str | None
    details: Mapping[str, Detail]


class Change(NamedTuple):
    case: Case
    event: CaseTransitioned


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    person_ref: str  # opaque reference to the person's record, never their details
    categories: tuple[str, ...]  # PMKS codes, in the order given, no repeats
    desa: str
    kecamatan: str  # of the desa: whose TKSK the case goes to
    description: str
    status: CaseState
    reported_by: str
    reporter_role: ActorRole
    assigned_tksk_id: str | None  # None only while reported and waiting for a TKSK
    risk_level: RiskLevel | None
    needs: tuple[str, ...]
    referrals: tuple[Referral, ...]
    follow_ups: int
    rejection_reason: RejectionReason | None
    closure_reason: ClosureReason | None  # requested or approved; cleared when refused
    version: int
    reported_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    plan: tuple[PlanItem, ...] = ()  # the current plan; empty until the TKSK makes one

    def assign(self, tksk_id: str, now: datetime, by: Actor = SYSTEM) -> Change:
        """To the active TKSK of the case's kecamatan; see `assignment` for when."""
        rule, _ = self._check(Action.ASSIGN, by, None)
        facts = {"tksk_id": tksk_id, "kecamatan": self.kecamatan}
        return self._step(rule, by, now, None, facts, assigned_tksk_id=tksk_id)

    def verify(self, by: Actor, now: datetime, categories: Iterable[str] | None = None) -> Change:
        """The home visit confirms a PPKS; the TKSK may correct the categories the PSM chose."""
        rule, _ = self._check(Action.VERIFY, by, None)
        codes = self.categories if categories is None else known_categories(categories)
        return self._step(rule, by, now, None, {"categories": codes}, categories=codes)

    def return_to_reporter(self, by: Actor, now: datetime, reason: str | None) -> Change:
        rule, why = self._check(Action.RETURN_TO_REPORTER, by, reason)
        facts = {"reported_by": self.reported_by}
        return self._step(rule, by, now, why, facts)

    def resubmit(self, by: Actor, now: datetime, description: str | None = None) -> Change:
        """The reporter answers what the TKSK asked; the case goes back to the same TKSK."""
        rule, _ = self._check(Action.RESUBMIT, by, None)
        text = cleaned(description) or self.description
        facts = {"tksk_id": self.assigned_tksk_id}
        return self._step(rule, by, now, None, facts, description=text)

    def reject(
        self, by: Actor, now: datetime, reason: str | None, note: str | None = None
    ) -> Change:
        rule, why = self._check(Action.REJECT, by, reason)
        code = coded_reason(Action.REJECT, why, RejectionReason)
        facts = {"note": cleaned(note)}
        return self._step(rule, by, now, code, facts, rejection_reason=code)

    def assess(
        self, by: Actor, now: datetime, risk: str, needs: Iterable[str], review: bool = False
    ) -> Change:
        """`review`: the approvals configuration asks the Dinas to approve it first."""
        rule, _ = self._check(Action.ASSESS, by, None)
        level, listed = risk_level(risk), _needs(needs)
        facts = {"risk_level": level.value, "needs": listed}
        to = rule.review if review else None
        return self._step(rule, by, now, None, facts, to=to, risk_level=level, needs=listed)

    def approve_assessment(self, by: Actor, now: datetime, reason: str | None = None) -> Change:
        rule, why = self._check(Action.APPROVE_ASSESSMENT, by, reason)
        return self._step(rule, by, now, why, {})

    def return_assessment(self, by: Actor, now: datetime, reason: str | None) -> Change:
        """Back to the TKSK to assess again (the visit stays verified)."""
        rule, why = self._check(Action.RETURN_ASSESSMENT, by, reason)
        return self._step(rule, by, now, why, {})

    def make_plan(
        self,
        by: Actor,
        now: datetime,
        items: Iterable[tuple[str, str, date]],
        review: bool = False,
    ) -> Change:
        """Each item: (service, provider, target date); a new plan replaces one returned."""
        rule, _ = self._check(Action.PLAN, by, None)
        plan, to = plan_items(items), rule.review if review else None
        return self._step(rule, by, now, None, {"plan_items": len(plan)}, to=to, plan=plan)

    def approve_plan(self, by: Actor, now: datetime, reason: str | None = None) -> Change:
        rule, why = self._check(Action.APPROVE_PLAN, by, reason)
        return self._step(rule, by, now, why, {"plan_items": len(self.plan)})

    def return_plan(self, by: Actor, now: datetime, reason: str | None) -> Change:
        rule, why = self._check(Action.RETURN_PLAN, by, reason)
        return self._step(rule, by, now, why, {})

    def refer(
        self,
        by: Actor,
        now: datetime,
        *,
        referral_id: str,
        service: str,
        consent: bool,
        override_reason: str | None = None,
        institution_id: str | None = None,
    ) -> Change:
        """To `institution_id` (the use case checks it serves the case's desa), `service`
        being its name; a referral named only by `service` cannot be answered by a client."""
        rule, _ = self._check(Action.REFER, by, None)
        referral = new_referral(
            referral_id, service, consent, override_reason, by.sub, now, institution_id
        )
        facts = _referral_facts(referral) | {"consent": consent, "service": referral.service}
        why = None if consent else referral.override_reason
        referrals = (*self.referrals, referral)
        return self._step(rule, by, now, why, facts, referrals=referrals)

    def accept_referral(self, by: Actor, now: datetime, referral_id: str) -> Change:
        rule, _ = self._check(Action.ACCEPT_REFERRAL, by, None)
        accepted = self._answered_referral(referral_id, by, rule).accept(by.sub, now)
        return self._referral_step(rule, by, now, None, accepted)

    def decline_referral(
        self, by: Actor, now: datetime, referral_id: str, reason: str | None, note: str | None
    ) -> Change:
        """Declined with a coded reason; when no other referral is live, the case goes back to
        its plan and the assigned TKSK refers elsewhere or monitors."""
        rule, why = self._check(Action.DECLINE_REFERRAL, by, reason)
        code = coded_reason(Action.DECLINE_REFERRAL, why, DeclineReason)
        referral = self._answered_referral(referral_id, by, rule)
        return self._referral_step(rule, by, now, code, referral.decline(by.sub, now, code, note))

    def complete_referral(
        self, by: Actor, now: datetime, referral_id: str, outcome: str, note: str | None
    ) -> Change:
        """`outcome`: a `ReferralOutcome` code."""
        rule, _ = self._check(Action.COMPLETE_REFERRAL, by, None)
        referral = self._answered_referral(referral_id, by, rule)
        completed = referral.complete(now, referral_outcome(outcome), note)
        return self._referral_step(rule, by, now, None, completed)

    def _answered_referral(self, referral_id: str, by: Actor, rule: Transition) -> Referral:
        """The referral answered; an institution's client answers only its own."""
        referral = next((r for r in self.referrals if r.referral_id == referral_id), None)
        if referral is None:
            raise ReferralNotFound()
        if by.role is ActorRole.INTEGRATION and referral.institution_id != by.sub:
            raise NotTheInstitution(rule.action)
        return referral

    def _referral_step(
        self, rule: Transition, by: Actor, now: datetime, code: str | None, answered: Referral
    ) -> Change:
        referrals = tuple(
            answered if r.referral_id == answered.referral_id else r for r in self.referrals
        )
        declined = answered.status is ReferralStatus.DECLINED
        nothing_live = not any(referral.live for referral in referrals)
        back = declined and nothing_live and self.status is CaseState.REFERRED
        to = CaseState.PLANNED if back else None
        facts = _referral_facts(answered) | {"note": answered.note}
        return self._step(rule, by, now, code, facts, to=to, referrals=referrals)

    def start_monitoring(self, by: Actor, now: datetime) -> Change:
        rule, _ = self._check(Action.START_MONITORING, by, None)
        return self._step(rule, by, now, None, {})

    def record_follow_up(self, by: Actor, now: datetime, note: str) -> Change:
        """A visit's note; the case keeps its state, but the visit is a step like any other."""
        rule, _ = self._check(Action.RECORD_FOLLOW_UP, by, None)
        text = cleaned(note)
        if text is None:
            raise NoteRequired()
        count = self.follow_ups + 1
        facts: dict[str, Detail] = {"note": text, "follow_up": count}
        return self._step(rule, by, now, None, facts, follow_ups=count)

    def request_closure(
        self, by: Actor, now: datetime, reason: str | None, note: str | None = None
    ) -> Change:
        rule, why = self._check(Action.REQUEST_CLOSURE, by, reason)
        code = coded_reason(Action.REQUEST_CLOSURE, why, ClosureReason)
        facts = {"note": cleaned(note)}
        return self._step(rule, by, now, code, facts, closure_reason=code)

    def approve_closure(self, by: Actor, now: datetime, reason: str | None = None) -> Change:
        rule, why = self._check(Action.APPROVE_CLOSURE, by, reason)
        facts = {"closure_reason": self.closure_reason}
        return self._step(rule, by, now, why, facts, closed_at=now)

    def reject_closure(self, by: Actor, now: datetime, reason: str | None) -> Change:
        rule, why = self._check(Action.REJECT_CLOSURE, by, reason)
        facts = {"closure_reason": self.closure_reason}
        return self._step(rule, by, now, why, facts, closure_reason=None)

    def reassign(self, by: Actor, now: datetime, to_tksk_id: str, reason: str | None) -> Change:
        """To another TKSK (the first one is away, or the person moved within the kabupaten);
        the case keeps its state and the new TKSK takes it from there."""
        rule, why = self._check(Action.REASSIGN, by, reason)
        if to_tksk_id == self.assigned_tksk_id:
            raise AlreadyAssigned()
        facts = {"from_tksk_id": self.assigned_tksk_id, "tksk_id": to_tksk_id}
        return self._step(rule, by, now, why, facts, assigned_tksk_id=to_tksk_id)

    def reopen(self, by: Actor, now: datetime, reason: str | None) -> Change:
        """New needs after closure: back to assessment, with the same TKSK."""
        rule, why = self._check(Action.REOPEN, by, reason)
        return self._step(rule, by, now, why, {}, closed_at=None, closure_reason=None)

    def _check(
        self, action: Action, by: Actor, reason: str | None
    ) -> tuple[Transition, str | None]:
        """Guards first, then the reason: the table says whether this action must give one."""
        rule = check(action, by, self)
        why = required_reason(action, reason) if rule.reason_required else cleaned(reason)
        return rule, why

    def _step(
        self,
        rule: Transition,
        by: Actor,
        now: datetime,
        reason: str | None,
        facts: Mapping[str, Detail],
        to: CaseState | None = None,
        **changes: Any,
    ) -> Change:
        """`to`: the state the step leads to where the table's row leaves it to the case (a
        review, a declined referral)."""
        target = to or rule.target or self.status
        version = self.version + 1
        case = replace(self, **changes, status=target, version=version, updated_at=now)
        event = CaseTransitioned(
            case_id=self.case_id, sequence=version, action=rule.action, from_state=self.status,
            to_state=target, actor_id=by.sub, actor_role=by.role, at=now, reason=reason,
            details=frozen_details(facts),
        )  # fmt: skip
        return Change(case, event)


def frozen_details(facts: Mapping[str, Detail]) -> Mapping[str, Detail]:
    """Details without the empty ones, read-only: an event never changes after the step."""
    return MappingProxyType({name: value for name, value in facts.items() if value is not None})


def _referral_facts(referral: Referral) -> dict[str, Detail]:
    return {
        "referral_id": referral.referral_id,
        "institution_id": referral.institution_id,
        "referral_status": referral.status.value,
        "outcome": referral.outcome.value if referral.outcome else None,
    }


def _needs(needs: Iterable[str]) -> tuple[str, ...]:
    listed = tuple(dict.fromkeys(text for text in map(cleaned, needs) if text is not None))
    if not listed:
        raise NeedsRequired()
    return listed
