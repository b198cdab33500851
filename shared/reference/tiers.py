"""Training (diklat/bimtek) tiers for PSM, as data (`training_tiers.csv`).

Seeded with the seed article's three: dasar (kabupaten), madya (provinsi), pratama (nasional,
"pusat"), each requiring the one below. Other regions call the second tier "lanjutan", and in
civil-service naming "pratama" is usually the lowest grade (DOMAIN.md §0), so nothing may depend
on the names: code, order, organiser scope and prerequisite are what the rules read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from shared.reference.errors import ReferenceDataError, Rule, UnknownTier
from shared.reference.manifest import read_table

TIERS_FILE = "training_tiers.csv"
_COLUMNS = ("code", "name", "order", "organiser_scope", "prerequisite")


@dataclass(frozen=True, slots=True)
class TrainingTier:
    code: str
    name: str
    order: int
    organiser_scope: str  # kabupaten / provinsi / nasional: which Dinas or ministry runs it
    prerequisite: str | None  # code of the tier a participant must already hold


class TrainingTiers:
    """The tiers, lowest first; refuses unknown or later-ordered prerequisites (no cycles)."""

    def __init__(self, tiers: tuple[TrainingTier, ...]) -> None:
        self._ordered = tuple(sorted(tiers, key=lambda tier: tier.order))
        self._by_code = {tier.code: tier for tier in self._ordered}
        if len(self._by_code) != len(tiers) or len({t.order for t in tiers}) != len(tiers):
            raise ReferenceDataError(f"{TIERS_FILE} repeats a code or an order")
        for tier in self._ordered:
            if tier.code != tier.code.lower():
                raise ReferenceDataError(f"{TIERS_FILE}: code {tier.code} is not lower case")
            if tier.prerequisite is None:
                continue
            required = self._by_code.get(tier.prerequisite)
            if required is None or required.order >= tier.order:
                raise ReferenceDataError(f"{TIERS_FILE}: bad prerequisite of {tier.code}")

    def __len__(self) -> int:
        return len(self._ordered)

    def ordered(self) -> tuple[TrainingTier, ...]:
        """The tiers, lowest first."""
        return self._ordered

    def codes(self) -> tuple[str, ...]:
        return tuple(tier.code for tier in self._ordered)

    def find(self, code: str) -> TrainingTier | None:
        """The tier of a code, ignoring case and surrounding spaces; None if unknown."""
        return self._by_code.get(code.strip().lower())

    def get(self, code: str) -> TrainingTier:
        tier = self.find(code)
        if tier is None:
            raise UnknownTier(
                Rule.TRAINING_TIER_UNKNOWN, f"{code.strip()[:20]!r} is not a training tier"
            )
        return tier

    def prerequisite_of(self, code: str) -> TrainingTier | None:
        """The tier a participant must hold before enrolling in `code` (None for the first)."""
        required = self.get(code).prerequisite
        return None if required is None else self._by_code[required]

    def is_at_least(self, tier: str, other: str) -> bool:
        """Whether holding `tier` means holding `other` or higher (e.g. madya ≥ dasar)."""
        return self.get(tier).order >= self.get(other).order


def tier_from_row(row: dict[str, str]) -> TrainingTier:
    try:
        order = int(row["order"])
    except ValueError as error:
        raise ReferenceDataError(f"{TIERS_FILE} row {row['code']}: {error}") from error
    return TrainingTier(
        code=row["code"],
        name=row["name"],
        order=order,
        organiser_scope=row["organiser_scope"],
        prerequisite=row["prerequisite"] or None,
    )


@cache
def training_tiers() -> TrainingTiers:
    """The packaged tiers, loaded once per process."""
    return TrainingTiers(tuple(tier_from_row(row) for row in read_table(TIERS_FILE, _COLUMNS)))
