"""Training tiers as the seed article states them (DOMAIN.md §0)."""

from __future__ import annotations

import pytest

from shared.reference import ReferenceDataError, Rule, TrainingTier, TrainingTiers, UnknownTier
from shared.reference import training_tiers as tiers


def test_tiers_in_order_with_their_organisers() -> None:
    assert [(t.code, t.order, t.organiser_scope) for t in tiers().ordered()] == [
        ("dasar", 1, "kabupaten"),
        ("madya", 2, "provinsi"),
        ("pratama", 3, "nasional"),
    ]


def test_each_tier_requires_the_one_below() -> None:
    assert tiers().prerequisite_of("dasar") is None
    assert tiers().prerequisite_of("madya") == tiers().get("dasar")
    assert tiers().prerequisite_of("pratama") == tiers().get("madya")


@pytest.mark.parametrize(
    ("held", "asked", "enough"),
    [
        ("dasar", "dasar", True),
        ("madya", "dasar", True),
        ("pratama", "madya", True),
        ("dasar", "madya", False),
        ("madya", "pratama", False),
    ],
)
def test_is_at_least(held: str, asked: str, enough: bool) -> None:
    assert tiers().is_at_least(held, asked) is enough


def test_unknown_tier_is_a_named_error() -> None:
    assert tiers().find(" Dasar ") == tiers().get("dasar")
    with pytest.raises(UnknownTier) as error:
        tiers().get("lanjutan")
    assert error.value.rule == Rule.TRAINING_TIER_UNKNOWN


def test_a_prerequisite_must_come_earlier() -> None:
    with pytest.raises(ReferenceDataError):
        TrainingTiers(
            (
                TrainingTier("dasar", "Dasar", 1, "kabupaten", "madya"),
                TrainingTier("madya", "Madya", 2, "provinsi", "dasar"),
            )
        )
    with pytest.raises(ReferenceDataError):
        TrainingTiers((TrainingTier("madya", "Madya", 2, "provinsi", "lanjutan"),))
