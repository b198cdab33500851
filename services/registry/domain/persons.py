"""PMKS/PPKS persons the registry owns: who they are, where they live, which categories apply.

A person's NIK is optional (DOMAIN.md §3.1): street children, gelandangan or KAT often have none
yet, so `nik` is None until Dukcapil records one. When there is a NIK it identifies the person:
a second report with the same NIK is the same person, never a duplicate. Like a worker, a person
is a frozen value whose `version` is both the optimistic lock and the events' `sequence`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from services.registry.domain.errors import BirthDateInFuture, PersonCategoryRequired
from shared.reference import (
    PmksCategories,
    Wilayah,
    check_identity,
    normalise_nik,
    pmks_categories,
    wilayah,
)


class MatchedBy(StrEnum):
    """How a reported case found its person (the `matched_by` of `person_linked`)."""

    NEW = "new"  # registered from the report
    NIK = "nik"  # an existing person with the reported NIK
    PERSON_ID = "person_id"  # the report named the registry person


@dataclass(frozen=True, slots=True)
class PersonForm:
    """A person as typed (a registration or a case report); `Person.register` validates it."""

    nik: str | None
    name: str
    sex: str  # L = laki-laki, P = perempuan
    birth_date: date | None
    desa: str
    categories: tuple[str, ...]
    # Registered as a member of a KK: someone the family's PMKS live with (a spouse, a child),
    # who needs no PMKS category of their own.
    household: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    person_id: str
    nik: str | None  # 16 digits, normalised; None: NIK not yet recorded
    name: str
    sex: str
    birth_date: date | None
    desa: str  # desa/kelurahan code where the person lives
    kecamatan: str
    # PMKS codes: first report's order, later additions appended; none for a household member.
    categories: tuple[str, ...]
    version: int
    registered_at: datetime
    updated_at: datetime
    nik_review: str | None = None  # the Dinas's review while another holds the NIK elsewhere
    merged_into: str | None = None  # the person a review found this record to be

    @classmethod
    def register(
        cls,
        person_id: str,
        form: PersonForm,
        now: datetime,
        regions: Wilayah | None = None,
        catalogue: PmksCategories | None = None,
    ) -> Person:
        """A new person at version 1, or the named error of the first rule the form breaks."""
        nik = normalise_nik(form.nik) if form.nik and form.nik.strip() else None
        regions = wilayah() if regions is None else regions
        desa = regions.require_desa(form.desa).code  # UnknownRegion, WrongRegionLevel, …
        categories = known_categories(form.categories, catalogue, required=not form.household)
        # Today is allowed: an abandoned newborn is reported on the day they are found.
        if form.birth_date is not None and form.birth_date > now.date():
            raise BirthDateInFuture()
        check_identity(nik, form.sex, form.birth_date)  # before 1900; NIK's date and sex
        return cls(
            person_id=person_id, nik=nik, name=form.name.strip(), sex=form.sex,
            birth_date=form.birth_date, desa=desa, kecamatan=regions.kecamatan_of(desa).code,
            categories=categories, version=1, registered_at=now, updated_at=now,
        )  # fmt: skip

    @property
    def nik_recorded(self) -> bool:
        return self.nik is not None

    def with_categories(
        self, codes: Iterable[str], now: datetime, catalogue: PmksCategories | None = None
    ) -> Person | None:
        """The person also holding `codes`; None when they add nothing (categories are only
        ever added here: a report never takes a category away)."""
        known = known_categories(codes, catalogue, required=False)
        added = [code for code in known if code not in self.categories]
        if not added:
            return None
        return replace(
            self,
            categories=(*self.categories, *added),
            version=self.version + 1,
            updated_at=now,
        )

    def absorbing(self, other: Person, now: datetime) -> Person | None:
        """This person after the Dinas found `other` to be them: their categories added, and
        the NIK and birth date `other` has and this record lacks; None when that adds nothing.
        A NIK under review on `other` is not theirs to give."""
        nik = self.nik or (other.nik if other.nik_review is None else None)
        birth_date = self.birth_date or other.birth_date
        categories = tuple(dict.fromkeys((*self.categories, *other.categories)))
        if (nik, birth_date, categories) == (self.nik, self.birth_date, self.categories):
            return None
        return replace(
            self, nik=nik, birth_date=birth_date, categories=categories,
            version=self.version + 1, updated_at=now,
        )  # fmt: skip

    def merged(self, into: Person, now: datetime) -> Person:
        """This record as a pointer to `into`; its NIK goes with it when `into` took it."""
        nik = None if into.nik == self.nik and self.nik_review is None else self.nik
        return replace(
            self, nik=nik, merged_into=into.person_id, version=self.version + 1, updated_at=now
        )


@dataclass(frozen=True, slots=True)
class CaseLink:
    """Which person a reported case is about; one per case, so linking is idempotent."""

    case_id: str
    person_id: str
    matched_by: MatchedBy
    linked_at: datetime


def known_categories(
    codes: Iterable[str], catalogue: PmksCategories | None = None, *, required: bool = True
) -> tuple[str, ...]:
    """The canonical codes (upper case), in the order given, each once; at least one when
    `required`.

    An unknown code raises the reference data's `UnknownCategory` (`pmks-category-unknown`).
    """
    canonical = (pmks_categories() if catalogue is None else catalogue).canonical(codes)
    if required and not canonical:
        raise PersonCategoryRequired()
    return canonical
