"""Who a case is about: a person typed in by the reporter, or one the registry already knows.

Persons belong to the registry (docs/adr/0003-person-intake.md). A report either names a
registry person by id, or carries the person as typed (NIK when known, name, sex, birth date),
which travels to the registry in `case_reported` to be registered or linked. The registry must
never refuse a typed-in person — the reporter is gone by then — so its rules
(`Person.register` in the registry) are checked here, at intake, where the reporter can still
correct them: a plausible NIK or none, a name, sex L or P, a birth date not after today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.cases.domain.errors import (
    BirthDateInFuture,
    PersonExactlyOne,
    PersonNameRequired,
    PersonSexUnknown,
)
from services.cases.domain.reasons import cleaned
from shared.reference import Wilayah, check_identity, normalise_nik

SEXES = frozenset({"L", "P"})  # L = laki-laki, P = perempuan


@dataclass(frozen=True, slots=True)
class PersonForm:
    """A person as the reporter typed them; `checked_person` validates and normalises it."""

    name: str
    sex: str
    nik: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class PersonDetails:
    """A typed-in person after the registry's rules: stays in the cases store and reaches the
    registry once, in `case_reported`."""

    name: str
    sex: str
    nik: str | None = None  # 16 digits; None: no NIK recorded yet (street children, KAT …)
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class CasePerson:
    """Who a report is about: exactly one of the two is set."""

    details: PersonDetails | None  # typed in: the registry registers or links them
    person_id: str | None  # a registry person, already known to cases' projection


def case_person(
    typed: PersonForm | None, person_id: str | None, today: date, regions: Wilayah | None = None
) -> CasePerson:
    """The report's person, or `PersonExactlyOne` when it names none or both ways."""
    registry_id = cleaned(person_id)
    if (typed is None) == (registry_id is None):
        raise PersonExactlyOne()
    if typed is None:
        return CasePerson(None, registry_id)
    return CasePerson(checked_person(typed, today, regions), None)


def checked_person(form: PersonForm, today: date, regions: Wilayah | None = None) -> PersonDetails:
    """The person under the registry's rules, or the named error of the first one broken.

    `today` is the UTC date, as the registry's: a birth date of today is allowed (an abandoned
    newborn is reported on the day they are found), tomorrow never."""
    nik = normalise_nik(form.nik, regions) if form.nik and form.nik.strip() else None
    name = cleaned(form.name)
    if name is None:
        raise PersonNameRequired()
    if form.sex not in SEXES:
        raise PersonSexUnknown()
    if form.birth_date is not None and form.birth_date > today:
        raise BirthDateInFuture()
    check_identity(nik, form.sex, form.birth_date)  # before 1900; NIK's date and sex
    return PersonDetails(name=name, sex=form.sex, nik=nik, birth_date=form.birth_date)
