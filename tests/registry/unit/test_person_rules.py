"""The person rules, without a store: registration, categories, who sees a person."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.registry.domain.access import (
    require_may_register_in,
    require_visible_person,
)
from services.registry.domain.errors import (
    BirthDateInFuture,
    OutsideWilayah,
    PersonCategoryRequired,
    PersonNotFound,
)
from services.registry.domain.persons import Person, PersonForm
from shared.reference import InvalidNik, Rule, UnknownCategory, WrongRegionLevel
from shared.security import Principal, Role

NOW = datetime(2011, 5, 20, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=7)
TUNGKAP, BINUANG = "63.05.01.2003", "63.05.01"


def form(**changes) -> PersonForm:
    values = {
        "nik": "6305015708900002",
        "name": " Siti Aminah ",
        "sex": "P",
        "birth_date": date(1990, 8, 17),
        "desa": "6305012003",
        "categories": ("lut",),
    }
    return PersonForm(**{**values, **changes})


def registered(**changes) -> Person:
    return Person.register("p-1", form(**changes), NOW)


def caller(role: Role = Role.PSM, wilayah: str = TUNGKAP) -> Principal:
    return Principal(sub="siti", role=role, wilayah=wilayah)


def test_a_registered_person_is_normalised_at_version_one():
    person = registered(nik="6305 0157 0890 0002")
    assert (person.nik, person.name, person.desa, person.kecamatan) == (
        "6305015708900002",
        "Siti Aminah",
        TUNGKAP,
        BINUANG,
    )
    assert (person.categories, person.version, person.nik_recorded) == (("LUT",), 1, True)


@pytest.mark.parametrize("missing", [None, "", "  "])
def test_a_person_without_a_nik_is_registered_with_the_nik_not_yet_recorded(missing):
    person = registered(nik=missing, birth_date=None)
    assert (person.nik, person.nik_recorded, person.birth_date) == (None, False, None)


def test_an_implausible_nik_names_the_rule_it_breaks():
    with pytest.raises(InvalidNik) as refused:
        registered(nik="6305019908900002")
    assert refused.value.rule is Rule.NIK_INVALID_BIRTH_DATE


def test_a_person_lives_in_a_desa_or_kelurahan_not_a_kecamatan():
    with pytest.raises(WrongRegionLevel) as refused:
        registered(desa=BINUANG)
    assert refused.value.rule is Rule.WILAYAH_NOT_DESA


def test_categories_are_known_codes_each_once_in_the_order_given():
    assert registered(categories=("pd", "LUT", "PD")).categories == ("PD", "LUT")
    with pytest.raises(UnknownCategory):
        registered(categories=("LUT", "XYZ"))
    with pytest.raises(PersonCategoryRequired):
        registered(categories=())


def test_a_newborn_may_be_reported_on_the_day_of_birth_but_not_before():
    assert registered(nik=None, birth_date=NOW.date()).birth_date == NOW.date()
    with pytest.raises(BirthDateInFuture):
        registered(nik=None, birth_date=NOW.date() + timedelta(days=1))


def test_new_categories_make_a_new_version_and_known_ones_change_nothing():
    person = registered(categories=("LUT",))
    more = person.with_categories(["fm", "LUT", "PD"], LATER)
    assert more is not None
    assert (more.categories, more.version, more.updated_at) == (("LUT", "FM", "PD"), 2, LATER)
    assert more.with_categories(["PD", "LUT"], LATER) is None


def test_a_psm_sees_and_registers_persons_of_her_own_desa_only():
    person = registered()
    assert require_visible_person(caller(), person) is person
    elsewhere = caller(wilayah="63.05.01.2006")
    with pytest.raises(PersonNotFound):
        require_visible_person(elsewhere, person)
    with pytest.raises(PersonNotFound):
        require_visible_person(caller(), None)
    with pytest.raises(OutsideWilayah):
        require_may_register_in(elsewhere, TUNGKAP)
