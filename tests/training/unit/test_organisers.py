"""Who sees and who runs a batch, by the organiser's wilayah."""

from __future__ import annotations

import pytest

from services.training.domain.organisers import NATIONAL, enclosing, inside, manages, sees


@pytest.mark.parametrize(
    ("caller", "organiser", "seen", "run"),
    [
        ("63.05", "63.05", True, True),  # the Dinas of Tapin, its own batch
        ("63", "63.05", True, True),  # the province, over its kabupaten
        ("63.05.01", "63.05", True, False),  # a kecamatan TKSK: sees, does not run
        ("63.05.01.2003", "63", True, False),  # a PSM sees the province's madya batch
        ("63.05", NATIONAL, True, False),  # everyone sees the ministry's batches
        ("63.03", "63.05", False, False),  # another kabupaten sees nothing
        ("63.0", "63.05", False, False),  # a malformed scope never widens access
    ],
)
def test_visibility_and_running_follow_the_organisers_wilayah(
    caller: str, organiser: str, seen: bool, run: bool
) -> None:
    assert (sees(caller, organiser), manages(caller, organiser)) == (seen, run)


def test_national_contains_every_code_and_lies_inside_none() -> None:
    assert inside("63.05.01.2003", NATIONAL)
    assert inside(NATIONAL, NATIONAL)
    assert not inside(NATIONAL, "63")
    assert not inside("not-a-code", NATIONAL)


def test_the_batches_covering_a_caller_are_organised_at_id_or_a_prefix() -> None:
    assert enclosing("63.05.01") == (NATIONAL, "63", "63.05", "63.05.01")
