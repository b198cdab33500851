"""Indonesian phone numbers normalise to E.164 (DOMAIN.md §3.4)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.reference import InvalidPhone, Rule, is_mobile, normalise_phone

E164 = "+6281234567890"


@pytest.mark.parametrize(
    "written",
    [
        "0812 3456 7890",
        "0812-3456-7890",
        "081234567890",
        "6281234567890",
        "62 812 3456 7890",
        "+62 812 3456 7890",
        "+62-812-3456-7890",
        "+6281234567890",
        "(0812) 3456.7890",
        " 0812 3456 7890 ",
    ],
)
def test_the_usual_ways_of_writing_a_mobile_give_one_e164(written: str) -> None:
    assert normalise_phone(written) == E164


def test_landlines_are_valid_but_not_mobiles() -> None:
    assert normalise_phone("(0511) 477-2222") == "+625114772222"
    assert not is_mobile("0511 4772222")
    assert is_mobile("0812 3456 7890")


@pytest.mark.parametrize(
    ("written", "rule"),
    [
        ("", Rule.PHONE_MALFORMED),
        ("---", Rule.PHONE_MALFORMED),
        ("08l2 3456 7890", Rule.PHONE_MALFORMED),  # letter l, not a one
        ("0812-CALL-NOW", Rule.PHONE_MALFORMED),
        ("0812 3456 7890 ext 12", Rule.PHONE_MALFORMED),
        ("+62811", Rule.PHONE_INVALID_LENGTH),
        ("0812", Rule.PHONE_INVALID_LENGTH),
        ("+62 8", Rule.PHONE_INVALID_LENGTH),
        ("081234567890123456789", Rule.PHONE_INVALID_LENGTH),
        ("0812345678901234", Rule.PHONE_INVALID),  # a possible length, but no such mobile
        ("+65 3123 4567", Rule.PHONE_NOT_INDONESIAN),
        ("+1 202 555 0123", Rule.PHONE_NOT_INDONESIAN),
        ("0812345", Rule.PHONE_INVALID),
    ],
)
def test_malformed_short_and_foreign_numbers_are_refused(written: str, rule: Rule) -> None:
    with pytest.raises(InvalidPhone) as error:
        normalise_phone(written)
    assert error.value.rule == rule


# Operator prefixes in use: Telkomsel, Indosat, XL, Axis, Smartfren, Tri.
PREFIX_SPANS = [(811, 813), (821, 823), (851, 853), (814, 816), (855, 858), (817, 819)]
PREFIX_SPANS += [(859, 859), (877, 878), (831, 833), (838, 838), (881, 889), (895, 899)]
MOBILE_PREFIXES = [str(prefix) for first, last in PREFIX_SPANS for prefix in range(first, last + 1)]
FORMATS = (
    lambda national: "0" + national,
    lambda national: "62" + national,
    lambda national: "+62" + national,
    lambda national: f"0{national[:3]} {national[3:7]} {national[7:]}",
    lambda national: f"0{national[:3]}-{national[3:7]}-{national[7:]}",
    lambda national: f"+62 {national[:3]} {national[3:7]} {national[7:]}",
    lambda national: f"(0{national[:3]}) {national[3:]}",
)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(MOBILE_PREFIXES),
    st.text(alphabet="0123456789", min_size=7, max_size=8),
    st.sampled_from(FORMATS),
)
def test_any_mobile_in_any_accepted_format_normalises_to_the_same_e164(
    prefix: str, subscriber: str, write: Callable[[str], str]
) -> None:
    national = prefix + subscriber
    assert normalise_phone(write(national)) == "+62" + national
    assert is_mobile(write(national))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=24))
def test_any_text_is_a_phone_or_a_named_error(text: str) -> None:
    with contextlib.suppress(InvalidPhone):
        assert normalise_phone(text).startswith("+62")
