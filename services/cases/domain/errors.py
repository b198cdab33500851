"""Named errors for the case rules a command can break, one per rule.

Each carries a stable `rule` (a `CaseRule`), which the HTTP layer maps to a problem+json type in
one table and the consumer runner uses to dead-letter without parsing messages. Invalid PMKS
category and region codes raise the `shared.reference` errors (`UnknownCategory`, `UnknownRegion`,
`WrongRegionLevel`), which carry their own rules. Messages never carry personal details: they
end up in logs. `facts` holds what a client may be told besides the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import ClassVar


class CaseRule(StrEnum):
    """The stable machine names of the rules; never rename one, add a new one instead."""

    NOT_FOUND = "case-not-found"
    CONCURRENT_UPDATE = "case-concurrent-update"
    ROLE_NOT_ALLOWED = "case-role-not-allowed"
    NOT_ASSIGNED_TKSK = "case-not-assigned-tksk"
    NOT_REPORTER = "case-not-reporter"
    OUTSIDE_WILAYAH = "case-outside-wilayah"
    TRANSITION_NOT_ALLOWED = "case-transition-not-allowed"
    CLOSED = "case-closed"
    REASON_REQUIRED = "case-reason-required"
    REASON_UNKNOWN = "case-reason-unknown"
    CATEGORY_REQUIRED = "case-category-required"
    PERSON_REQUIRED = "case-person-required"
    PERSON_EXACTLY_ONE = "case-person-exactly-one"
    PERSON_NAME_REQUIRED = "case-person-name-required"
    PERSON_SEX_UNKNOWN = "case-person-sex-unknown"
    BIRTH_DATE_IN_FUTURE = "case-person-birth-date-in-future"
    RISK_LEVEL_UNKNOWN = "case-risk-level-unknown"
    NEEDS_REQUIRED = "case-needs-required"
    SERVICE_REQUIRED = "case-referral-service-required"
    CONSENT_REQUIRED = "case-referral-consent-required"
    NOTE_REQUIRED = "case-note-required"
    ALREADY_ASSIGNED = "case-already-assigned"
    NOT_PROTECTED = "case-not-protected"
    NOT_THE_INSTITUTION = "case-not-the-institution"
    REFERRAL_NOT_FOUND = "case-referral-not-found"
    REFERRAL_STATE = "case-referral-state"
    INSTITUTION_UNKNOWN = "case-referral-institution-unknown"
    PLAN_ITEMS_REQUIRED = "case-plan-items-required"
    OUTCOME_UNKNOWN = "case-referral-outcome-unknown"


class CaseError(Exception):
    """A case rule a command breaks."""

    rule: ClassVar[CaseRule]

    def __init__(self, message: str, **facts: str | None) -> None:
        super().__init__(message)
        self.message = message
        # str(): enum members arrive here and must reach JSON as their plain values.
        self.facts = {name: str(value) for name, value in facts.items() if value is not None}


class CaseNotFound(CaseError):
    """No such case — or one outside the caller's wilayah, which must look the same."""

    rule = CaseRule.NOT_FOUND

    def __init__(self) -> None:
        super().__init__("no case with that id")


class CaseNotProtected(CaseError):
    """Breaking the glass is for cases in a protected category; this one is open already."""

    rule = CaseRule.NOT_PROTECTED

    def __init__(self) -> None:
        super().__init__("the case is in no protected category: read it as usual")


class ConcurrentUpdate(CaseError):
    """The case changed since the caller read it (its version moved): re-read and retry."""

    rule = CaseRule.CONCURRENT_UPDATE

    def __init__(self) -> None:
        super().__init__("the case was changed by another request; read it again and retry")


class RoleNotAllowed(CaseError):
    """The caller's role may never take this action (a PSM verifying, anyone but the system
    assigning, an integration client writing)."""

    rule = CaseRule.ROLE_NOT_ALLOWED

    def __init__(self, action: str, role: str) -> None:
        super().__init__(f"a {role} may not {action} a case", action=action, role=role)


class NotTheAssignedTksk(CaseError):
    """A TKSK acting on a case assigned to another TKSK (or to nobody yet)."""

    rule = CaseRule.NOT_ASSIGNED_TKSK

    def __init__(self, action: str) -> None:
        super().__init__(f"only the TKSK assigned to the case may {action} it", action=action)


class NotTheReporter(CaseError):
    """A PSM acting on a case another PSM reported."""

    rule = CaseRule.NOT_REPORTER

    def __init__(self, action: str) -> None:
        super().__init__(f"only the PSM who reported the case may {action} it", action=action)


class OutsideWilayah(CaseError):
    """A report for a desa the caller does not cover (a PSM reports only in their own desa)."""

    rule = CaseRule.OUTSIDE_WILAYAH

    def __init__(self, code: str) -> None:
        super().__init__(f"{code} is outside your wilayah", code=code)


class TransitionNotAllowed(CaseError):
    """The action does not apply to a case in its current state."""

    rule: ClassVar[CaseRule] = CaseRule.TRANSITION_NOT_ALLOWED

    def __init__(self, action: str, state: str) -> None:
        super().__init__(f"a case that is {state} cannot {action}", action=action, state=state)


class CaseClosed(TransitionNotAllowed):
    """A closed case is immutable; the Dinas may only reopen it."""

    rule = CaseRule.CLOSED


class ReasonRequired(CaseError):
    """This action must say why (returning, rejecting, reassigning, reopening …)."""

    rule = CaseRule.REASON_REQUIRED

    def __init__(self, action: str) -> None:
        super().__init__(f"{action} needs a reason", action=action)


class ReasonNotRecognised(CaseError):
    """The action takes a reason from a fixed list and this one is not on it."""

    rule = CaseRule.REASON_UNKNOWN

    def __init__(self, action: str, allowed: Iterable[str]) -> None:
        choices = ", ".join(allowed)
        super().__init__(f"{action} takes one of these reasons: {choices}", allowed=choices)


class CategoryRequired(CaseError):
    """A case names at least one PMKS category."""

    rule = CaseRule.CATEGORY_REQUIRED

    def __init__(self) -> None:
        super().__init__("a case needs at least one PMKS category")


class PersonRequired(CaseError):
    """A case is about someone: the reference to the person is missing."""

    rule = CaseRule.PERSON_REQUIRED

    def __init__(self) -> None:
        super().__init__("a case needs a reference to the person it is about")


class PersonExactlyOne(CaseError):
    """A report names its person one way: typed in (`person`) or a registry id (`person_id`)."""

    rule = CaseRule.PERSON_EXACTLY_ONE

    def __init__(self) -> None:
        super().__init__(
            "name the person exactly once: either `person` (typed in) or `person_id` (registry)"
        )


class PersonNameRequired(CaseError):
    """A person typed in has a name; blanks are not one."""

    rule = CaseRule.PERSON_NAME_REQUIRED

    def __init__(self) -> None:
        super().__init__("the person's name is blank")


class PersonSexUnknown(CaseError):
    """A person's sex is L (laki-laki) or P (perempuan), as on a KTP."""

    rule = CaseRule.PERSON_SEX_UNKNOWN

    def __init__(self) -> None:
        super().__init__("the person's sex is L or P", allowed="L, P")


class BirthDateInFuture(CaseError):
    """A birth date after today is a typing error; the registry would refuse the person."""

    rule = CaseRule.BIRTH_DATE_IN_FUTURE

    def __init__(self) -> None:
        super().__init__("the person's birth date is in the future")


class RiskLevelUnknown(CaseError):
    """An assessment's risk level is high, medium or low."""

    rule = CaseRule.RISK_LEVEL_UNKNOWN

    def __init__(self, allowed: Iterable[str]) -> None:
        choices = ", ".join(allowed)
        super().__init__(f"the risk level is one of {choices}", allowed=choices)


class NeedsRequired(CaseError):
    """An assessment records at least one need, or there is nothing to refer or monitor."""

    rule = CaseRule.NEEDS_REQUIRED

    def __init__(self) -> None:
        super().__init__("an assessment needs at least one need")


class ServiceRequired(CaseError):
    """A referral names the service the person is referred to."""

    rule = CaseRule.SERVICE_REQUIRED

    def __init__(self) -> None:
        super().__init__("a referral names the service it refers to")


class ConsentRequired(CaseError):
    """A referral needs the person's recorded consent or a documented override (child at risk)."""

    rule = CaseRule.CONSENT_REQUIRED

    def __init__(self) -> None:
        super().__init__("a referral needs recorded consent or a documented override reason")


class NoteRequired(CaseError):
    """A follow-up visit records what was found."""

    rule = CaseRule.NOTE_REQUIRED

    def __init__(self) -> None:
        super().__init__("a follow-up needs a note")


class AlreadyAssigned(CaseError):
    """Reassigning a case to the TKSK who already holds it."""

    rule = CaseRule.ALREADY_ASSIGNED

    def __init__(self) -> None:
        super().__init__("the case is already assigned to that TKSK")


class NotTheInstitution(CaseError):
    """An institution's client answering a referral made to another institution."""

    rule = CaseRule.NOT_THE_INSTITUTION

    def __init__(self, action: str) -> None:
        super().__init__(
            f"only the institution a referral was made to may {action} it", action=action
        )


class ReferralNotFound(CaseError):
    """The case has no referral with that id."""

    rule = CaseRule.REFERRAL_NOT_FOUND

    def __init__(self) -> None:
        super().__init__("the case has no such referral")


class ReferralState(CaseError):
    """A referral answered twice, or completed before it was accepted."""

    rule = CaseRule.REFERRAL_STATE

    def __init__(self, action: str, state: str) -> None:
        super().__init__(
            f"a referral that is {state} cannot be {action}", action=action, state=state
        )


class InstitutionUnknown(CaseError):
    """A referral names an institution this service does not know (yet), an inactive one, or
    one that does not serve the case's desa."""

    rule = CaseRule.INSTITUTION_UNKNOWN

    def __init__(self) -> None:
        super().__init__("refer to an active institution that serves the case's desa")


class PlanItemsRequired(CaseError):
    """A plan lists at least one service, each with who provides it and by when."""

    rule = CaseRule.PLAN_ITEMS_REQUIRED

    def __init__(self) -> None:
        super().__init__("a plan lists at least one service with its provider and target date")


class OutcomeUnknown(CaseError):
    """A completed referral's outcome is one of the fixed codes."""

    rule = CaseRule.OUTCOME_UNKNOWN

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(f"the outcome is one of {', '.join(allowed)}", allowed=", ".join(allowed))
