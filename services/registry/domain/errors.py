"""Named errors for the registry rules a command can break.

`entrypoints/http.py` maps each to a problem type in one table; the consumer runner treats any of
them as a failed event. Messages never repeat a NIK or phone number: they end up in logs.
`facts` holds what a client may be told besides the message (never a record it cannot see).
"""

from __future__ import annotations


class RegistryError(Exception):
    """A registry rule a command breaks."""

    def __init__(self, message: str, **facts: str | None) -> None:
        super().__init__(message)
        self.facts = {name: value for name, value in facts.items() if value is not None}


class WorkerNotFound(RegistryError):
    """No such worker — or one outside the caller's wilayah, which must look the same."""

    def __init__(self) -> None:
        super().__init__("no worker with that id")


class OutsideWilayah(RegistryError):
    """A command aimed at a wilayah the caller does not cover (the caller named the code)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"{code} is outside your wilayah", code=code)


class NotOwnRecord(RegistryError):
    """A PSM or TKSK acting on another worker's record: they may only change their own."""

    def __init__(self) -> None:
        super().__init__("a field worker may change only their own record")


class WrongWilayahLevel(RegistryError):
    """The wilayah is a known region of the wrong level for the role (PSM: desa, TKSK: kec)."""

    def __init__(self, role: str, code: str, level: str, expected: str) -> None:
        super().__init__(
            f"a {role} is registered in a {expected}; {code} is a {level}", expected=str(expected)
        )


class BirthDateInFuture(RegistryError):
    def __init__(self) -> None:
        super().__init__("the birth date is not in the past")


class NikAlreadyRegistered(RegistryError):
    """One person, one worker record: the NIK is already registered."""

    def __init__(self, existing_worker_id: str | None) -> None:
        super().__init__(
            "a worker with this NIK is already registered", worker_id=existing_worker_id
        )


class TkskAlreadyActive(RegistryError):
    """Permensos 28/2018: one TKSK per kecamatan; deactivate the current one first."""

    def __init__(self, kecamatan: str, existing_worker_id: str | None) -> None:
        super().__init__(
            f"kecamatan {kecamatan} already has an active TKSK",
            kecamatan=kecamatan,
            worker_id=existing_worker_id,
        )


class WorkerNotActive(RegistryError):
    def __init__(self) -> None:
        super().__init__("the worker is not active")


class ConcurrentUpdate(RegistryError):
    """The worker or person changed since it was read (its version moved): re-read and retry."""

    def __init__(self) -> None:
        super().__init__("the record was changed by another request; read it again and retry")


class PersonNotFound(RegistryError):
    """No such person — or one outside the caller's wilayah, which must look the same."""

    def __init__(self) -> None:
        super().__init__("no person with that id")


class PersonCategoryRequired(RegistryError):
    """A PMKS/PPKS person is registered because of at least one category (Permensos 8/2012)."""

    def __init__(self) -> None:
        super().__init__("a person needs at least one PMKS category")


class NotProtected(RegistryError):
    """Breaking the glass is for protected records; this one is open to the caller already."""

    def __init__(self) -> None:
        super().__init__("the record is in no protected category: read it as usual")


class ProtectedCategoryFilter(RegistryError):
    """Listing persons by a protected category would say why they are registered: only the
    Dinas's designated officers may."""

    def __init__(self, category: str) -> None:
        super().__init__(f"{category} is a protected category", category=category)


class ReviewNotFound(RegistryError):
    """No such review — or one involving a place outside the caller's wilayah."""

    def __init__(self) -> None:
        super().__init__("no review with that id")


class ReviewClosed(RegistryError):
    def __init__(self) -> None:
        super().__init__("the review is decided already")


class DecisionNotAllowed(RegistryError):
    def __init__(self, decision: str) -> None:
        super().__init__(
            f"{decision!r} is not a decision: same_person or different_persons", decision=decision
        )


class KeepNotInReview(RegistryError):
    """`keep` names which of a duplicate pair stays: one of the two, on a same-person decision."""

    def __init__(self) -> None:
        super().__init__("keep names one of the two persons of a duplicate found to be one")


class CasePersonUnknown(RegistryError):
    """A reported case names a person id the registry never registered.

    Cases accepts only ids from its projection of `person_registered`, so this is a defect or a
    registry restored from an old backup: the event is retried, then dead-lettered for a human.
    """

    def __init__(self, case_id: str, person_id: str) -> None:
        super().__init__(
            f"case {case_id} names person {person_id}, unknown to the registry",
            case_id=case_id,
            person_id=person_id,
        )


class CaseNotLinkedYet(RegistryError):
    """A case's verified categories arrived before its report was applied (a report retried
    after a failure): retried until the report links it, never dropped."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"case {case_id} is not linked to a person yet", case_id=case_id)


class UnknownRelationship(RegistryError):
    def __init__(self, text: str) -> None:
        super().__init__(f"{text[:40]!r} is not a relationship on a KK")


class FamilyNotFound(RegistryError):
    """No such family — or one outside the caller's wilayah, which must look the same."""

    def __init__(self) -> None:
        super().__init__("no family with that id")


class KkAlreadyRegistered(RegistryError):
    """The No. KK names a family already; its id only when the caller may see it."""

    def __init__(self, family_id: str | None) -> None:
        super().__init__("a family with this No. KK is already registered", family_id=family_id)


class PersonInAnotherFamily(RegistryError):
    """A person is in one current family at most: move them instead."""

    def __init__(self, person_id: str) -> None:
        super().__init__("the person is in another family; move them", person_id=person_id)


class NotAMember(RegistryError):
    def __init__(self, person_id: str) -> None:
        super().__init__("the person is not a current member of a family", person_id=person_id)


class HeadAlreadyNamed(RegistryError):
    """A family has one kepala keluarga; another must be moved or named otherwise first."""

    def __init__(self) -> None:
        super().__init__("the family already has a kepala keluarga")


class MemberTwice(RegistryError):
    def __init__(self, person_id: str) -> None:
        super().__init__("a person is listed twice", person_id=person_id)


class InstitutionNotFound(RegistryError):
    """No such institution — or one the caller's wilayah does not reach."""

    def __init__(self) -> None:
        super().__init__("institution not found")


class InstitutionNameRequired(RegistryError):
    def __init__(self) -> None:
        super().__init__("an institution needs a name")
