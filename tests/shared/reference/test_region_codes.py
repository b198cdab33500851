"""Kemendagri code shapes: what is accepted, how it is written back, and what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.reference import (
    Kind,
    Level,
    MalformedRegionCode,
    Rule,
    normalise_region_code,
    wilayah,
)
from shared.reference.codes import kind_of, level_of, parent_code


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("6305012003", "63.05.01.2003"),
        ("63.05.01.2003", "63.05.01.2003"),
        (" 63.05.01.2003 ", "63.05.01.2003"),
        ("63 05 01 2003", "63.05.01.2003"),
        ("630501", "63.05.01"),
        ("6305", "63.05"),
        ("63", "63"),
        ("63.05.01", "63.05.01"),
    ],
)
def test_dotted_and_bare_codes_normalise_to_the_dotted_form(written: str, code: str) -> None:
    assert normalise_region_code(written) == code


@pytest.mark.parametrize(
    "written",
    [
        "",
        "6",
        "630",
        "63050",
        "63050120",
        "63050120031",
        "63.5",
        "6305.01",
        "63.05.01.203",
        "63-05-01",
        "63.05.01.2003.",
        "AB.05",
        "٦٣",
        6305,
    ],
)
def test_malformed_codes_are_refused_with_a_named_error(written: object) -> None:
    with pytest.raises(MalformedRegionCode) as error:
        normalise_region_code(written)
    assert error.value.rule == Rule.WILAYAH_MALFORMED


def test_levels_and_kinds_follow_the_permendagri_rules() -> None:
    assert level_of("63") is Level.PROVINSI
    assert level_of("63.05") is Level.KABKOTA
    assert level_of("63.05.01") is Level.KECAMATAN
    assert level_of("63.05.01.2003") is Level.DESA
    assert kind_of("63.01") is kind_of("63.69") is Kind.KABUPATEN
    assert kind_of("63.71") is kind_of("63.99") is Kind.KOTA
    assert kind_of("63.70") is None and kind_of("63.00") is None
    assert kind_of("63.05.01.1001") is Kind.KELURAHAN
    assert kind_of("63.05.01.2003") is Kind.DESA
    assert kind_of("63.05.01.3001") is Kind.DESA_ADAT
    assert kind_of("63.05.01.4001") is None
    assert kind_of("63") is None and kind_of("63.05.01") is None


def test_parent_codes() -> None:
    assert parent_code("63.05.01.2003") == "63.05.01"
    assert parent_code("63") is None


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(wilayah().codes()), st.sampled_from(["", " ", "  "]))
def test_every_held_code_round_trips_through_its_bare_form(code: str, gap: str) -> None:
    assert normalise_region_code(code.replace(".", gap)) == code


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=16))
def test_any_text_is_a_code_or_a_named_error(text: str) -> None:
    try:
        code = normalise_region_code(text)
    except MalformedRegionCode:
        return
    assert level_of(code) in Level
