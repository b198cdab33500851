"""A case's PMKS categories, checked against the reference list (DOMAIN.md §1.2).

A person may hold several categories at once (an elderly, disabled, poor person: LUT + PD + FM),
so a case carries a tuple of codes; the reference data's `UnknownCategory` names a bad one.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.cases.domain.errors import CategoryRequired
from shared.reference import PmksCategories, pmks_categories


def known_categories(
    codes: Iterable[str], catalogue: PmksCategories | None = None
) -> tuple[str, ...]:
    """The canonical codes (upper case), in the order given, each once; at least one."""
    canonical = (pmks_categories() if catalogue is None else catalogue).canonical(codes)
    if not canonical:
        raise CategoryRequired()
    return canonical
