"""NIK and No. KK plausibility (DOMAIN.md §3.1, §3.2)."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.reference import (
    InconsistentIdentity,
    InvalidKk,
    InvalidNik,
    Rule,
    check_identity,
    nik_birth_date,
    nik_region_code,
    nik_sex,
    normalise_kk,
    normalise_nik,
    wilayah,
)
from shared.reference.identity import compose_nik

BINUANG_MAN = "6305011708900001"
BINUANG_WOMAN = "6305015708900001"
TODAY = date(2026, 1, 1)


def test_the_domain_examples_are_valid() -> None:
    assert normalise_nik(BINUANG_MAN) == BINUANG_MAN
    assert normalise_nik(BINUANG_WOMAN) == BINUANG_WOMAN
    assert nik_sex(BINUANG_MAN) == "male"
    assert nik_sex(BINUANG_WOMAN) == "female"
    assert nik_birth_date(BINUANG_MAN, today=TODAY) == date(1990, 8, 17)
    assert nik_birth_date(BINUANG_WOMAN, today=TODAY) == date(1990, 8, 17)
    assert nik_region_code(BINUANG_MAN) == "63.05.01"
    assert wilayah().get(nik_region_code(BINUANG_MAN)).name == "Binuang"


@pytest.mark.parametrize(
    "written",
    ["630501 170890 0001", "6305-0117-0890-0001", "63.05.01.170890.0001", " 6305011708900001 "],
)
def test_separators_and_spaces_are_removed(written: str) -> None:
    assert normalise_nik(written) == BINUANG_MAN


@pytest.mark.parametrize(
    ("nik", "rule"),
    [
        ("630501170890001", Rule.NIK_INVALID_LENGTH),
        ("63050117089000011", Rule.NIK_INVALID_LENGTH),
        ("", Rule.NIK_INVALID_LENGTH),
        ("630501170890000A", Rule.NIK_INVALID_FORMAT),
        ("6305011708900OO1", Rule.NIK_INVALID_FORMAT),
        ("٦305011708900001", Rule.NIK_INVALID_FORMAT),  # an Arabic-Indic six: not an ASCII digit
        ("6305013208900001", Rule.NIK_INVALID_BIRTH_DATE),  # day 32
        ("6305017208900001", Rule.NIK_INVALID_BIRTH_DATE),  # day 72 = a woman's 32
        ("6305014008900001", Rule.NIK_INVALID_BIRTH_DATE),  # day 40 = a woman's 0
        ("6305018108900001", Rule.NIK_INVALID_BIRTH_DATE),  # day 81: stdnum takes it mod 40
        ("6305010008900001", Rule.NIK_INVALID_BIRTH_DATE),
        ("6305011713900001", Rule.NIK_INVALID_BIRTH_DATE),  # month 13
        ("6305013002900001", Rule.NIK_INVALID_BIRTH_DATE),  # 30 February
        ("6305012902010001", Rule.NIK_INVALID_BIRTH_DATE),  # 29 Feb 1901/2001
        ("0005011708900001", Rule.NIK_UNKNOWN_REGION),  # no province 00
        ("9905011708900001", Rule.NIK_UNKNOWN_REGION),
        ("6399011708900001", Rule.NIK_UNKNOWN_REGION),  # Kalsel has no 63.99
        ("6300011708900001", Rule.NIK_UNKNOWN_REGION),
        ("6570011708900001", Rule.NIK_UNKNOWN_REGION),  # 70: neither kabupaten nor kota
        ("6305001708900001", Rule.NIK_UNKNOWN_REGION),  # kecamatan 00
    ],
)
def test_malformed_niks_are_refused_with_their_rule(nik: str, rule: Rule) -> None:
    with pytest.raises(InvalidNik) as error:
        normalise_nik(nik)
    assert error.value.rule == rule
    assert not nik or nik not in str(error.value)  # identifiers never go into messages (and logs)


@pytest.mark.parametrize(
    "nik",
    [
        "6501011708900001",  # Kalimantan Utara (2012): unknown to stdnum's numdb
        "9601011708900001",  # Papua Barat Daya (2022)
        "3171011708450001",  # Jakarta Pusat, stdnum's own example
        "6305121708900001",  # Hatungun, a newer Tapin kecamatan
        "6301991708900001",  # a kecamatan we hold no list for: shape only
        "6305132902000001",  # an unlisted Tapin kecamatan: may predate a pemekaran
    ],
)
def test_niks_from_regions_stdnum_does_not_know_are_accepted(nik: str) -> None:
    assert normalise_nik(nik) == nik


def test_29_february_00_is_2000() -> None:
    assert nik_birth_date("6305016902000001", today=TODAY) == date(2000, 2, 29)


def test_two_digit_years_resolve_to_the_latest_past_century() -> None:
    assert nik_birth_date("6305011708100001", today=TODAY) == date(2010, 8, 17)
    assert nik_birth_date("6305011708300001", today=TODAY) == date(1930, 8, 17)
    assert nik_birth_date("6305010101260001", today=TODAY) == date(2026, 1, 1)
    assert nik_birth_date("6305010201260001", today=TODAY) == date(1926, 1, 2)


def build_nik(kecamatan: str, born: date, female: bool, serial: int) -> str:
    """A NIK as Dukcapil writes one: kecamatan, DDMMYY with day + 40 for women, serial."""
    return f"{kecamatan.replace('.', '')}{born.day + 40 * female:02d}{born:%m%y}{serial:04d}"


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(wilayah().codes("kecamatan")),
    st.dates(min_value=TODAY - timedelta(days=36_000), max_value=TODAY),  # under 100 years
    st.booleans(),
    st.integers(min_value=1, max_value=9999),
)
def test_any_well_built_tapin_nik_is_valid_and_reads_back(
    kecamatan: str, born: date, female: bool, serial: int
) -> None:
    nik = build_nik(kecamatan, born, female, serial)
    assert normalise_nik(nik) == nik
    assert nik_birth_date(nik, today=TODAY) == born
    assert nik_sex(nik) == ("female" if female else "male")
    assert nik_region_code(nik) == kecamatan


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_random_16_digit_strings_never_crash(digits: str) -> None:
    try:
        assert normalise_nik(digits) == digits
    except InvalidNik as error:
        assert error.rule.startswith("nik-")
    try:
        assert normalise_kk(digits) == digits
    except InvalidKk as error:
        assert error.rule.startswith("kk-")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=24))
def test_any_text_is_a_nik_or_a_named_error(text: str) -> None:
    with contextlib.suppress(InvalidNik):
        normalise_nik(text)


KK_TAPIN = "6305011505110001"  # Binuang, entered 15-05-2011, first serial


def test_a_tapin_kk_is_valid() -> None:
    assert normalise_kk("63 05 01 150511 0001") == KK_TAPIN


@pytest.mark.parametrize(
    ("kk", "rule"),
    [
        ("630501150511001", Rule.KK_INVALID_LENGTH),
        ("63050115051100x1", Rule.KK_INVALID_FORMAT),
        ("6305015505110001", Rule.KK_INVALID_ENTRY_DATE),  # no day + 40 on a KK
        ("6305013102110001", Rule.KK_INVALID_ENTRY_DATE),
        ("6305011505110000", Rule.KK_INVALID_SERIAL),
        ("6305131505110001", Rule.KK_UNKNOWN_REGION),  # Tapin has 12 kecamatan
        ("6399011505110001", Rule.KK_UNKNOWN_REGION),
        ("9901011505110001", Rule.KK_UNKNOWN_REGION),
    ],
)
def test_malformed_kks_are_refused_with_their_rule(kk: str, rule: Rule) -> None:
    with pytest.raises(InvalidKk) as error:
        normalise_kk(kk)
    assert error.value.rule == rule


def test_a_kk_from_a_region_we_hold_no_detail_for_is_checked_for_shape_only() -> None:
    assert normalise_kk("6501011505110001") == "6501011505110001"
    assert normalise_kk("6301051505110001") == "6301051505110001"


# --- the typed facts against each other ------------------------------------------------------

WOMAN_1990 = "6305015708900002"  # 17-08-1990, day + 40: a woman


def test_facts_that_agree_with_the_nik_pass():
    assert check_identity(WOMAN_1990, "P", date(1990, 8, 17)) == []
    assert check_identity(WOMAN_1990, "P", None) == []
    assert check_identity(None, "L", date(1950, 1, 1)) == []


@pytest.mark.parametrize(
    ("sex", "born", "rule"),
    [
        ("L", date(1990, 8, 17), Rule.NIK_SEX_MISMATCH),
        ("P", date(1990, 8, 18), Rule.NIK_BIRTH_DATE_MISMATCH),
        ("P", date(1991, 8, 17), Rule.NIK_BIRTH_DATE_MISMATCH),
        ("P", date(1990, 9, 17), Rule.NIK_BIRTH_DATE_MISMATCH),
    ],
)
def test_a_nik_disagreeing_with_the_typed_facts_is_refused(sex, born, rule):
    with pytest.raises(InconsistentIdentity) as refused:
        check_identity(WOMAN_1990, sex, born)
    assert refused.value.rule is rule
    assert WOMAN_1990 not in str(refused.value)  # messages end up in logs


def test_a_century_apart_is_the_same_nik_date():
    # The NIK's year has two digits: 1990 and 2090 read alike, so only dd-mm-yy is compared.
    assert check_identity("6305011708900001", "L", date(1990, 8, 17)) == []


def test_a_known_disagreement_is_accepted_when_confirmed_and_named():
    broken = check_identity(WOMAN_1990, "L", date(1990, 8, 18), mismatch_confirmed=True)
    assert broken == [Rule.NIK_SEX_MISMATCH, Rule.NIK_BIRTH_DATE_MISMATCH]


@pytest.mark.parametrize("born", [date(1899, 12, 31), date(1000, 1, 1)])
def test_a_birth_date_before_1900_is_refused_even_when_confirmed(born):
    with pytest.raises(InconsistentIdentity) as refused:
        check_identity(None, "L", born, mismatch_confirmed=True)
    assert refused.value.rule is Rule.BIRTH_DATE_BEFORE_1900


def test_a_composed_nik_reads_back_as_it_was_composed():
    born = date(1952, 3, 9)
    nik = compose_nik("63.05.01", born, female=True, serial=42)
    assert nik == "6305014903520042"
    assert normalise_nik(nik) == nik and nik_sex(nik) == "female"
    assert nik_birth_date(nik, today=date(2026, 11, 30)) == born
    assert nik_sex(compose_nik("63.05.01", born, female=False, serial=1)) == "male"


@pytest.mark.parametrize(
    "kecamatan",
    ["91.01.01", "64.73.01", "63.05.13"],  # Merauke before 2022, Tarakan before 2012, a split
)
def test_a_nik_keeps_the_area_of_its_issue_even_one_the_data_no_longer_lists(kecamatan):
    nik = compose_nik(kecamatan, date(1980, 5, 4), female=False, serial=1)
    assert normalise_nik(nik) == nik


def test_a_nik_from_a_kabupaten_that_never_was_is_refused():
    """Kalimantan Selatan gave no kab/kota away: an unlisted one there is a typo."""
    with pytest.raises(InvalidNik) as error:
        normalise_nik(compose_nik("63.12.01", date(1980, 5, 4), female=False, serial=1))
    assert error.value.rule == Rule.NIK_UNKNOWN_REGION


def test_a_kk_is_reissued_so_its_area_must_be_current():
    with pytest.raises(InvalidKk):
        normalise_kk("9101010101100001")
    assert normalise_kk("6305010101100001") == "6305010101100001"
