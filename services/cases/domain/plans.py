"""The intervention plan (rencana tindak lanjut): after the assessment, what will be done for the
person — each service, who provides it, and by when (DOMAIN.md §5 `planned`). Its words stay in
the cases store: a plan may name people; events say only that there is one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.cases.domain.errors import PlanItemsRequired
from services.cases.domain.reasons import cleaned

MOST_ITEMS = 20


@dataclass(frozen=True, slots=True)
class PlanItem:
    service: str  # e.g. "kursi roda", "permakanan lansia", "rekam KTP-el"
    provider: str  # who gives it: an institution, the desa, the family, the TKSK
    target_date: date


def plan_items(items: Iterable[tuple[str, str, date]]) -> tuple[PlanItem, ...]:
    """Each (service, provider, target date) with both texts given; one to `MOST_ITEMS`."""
    plan = []
    for service, provider, target_date in items:
        what, who = cleaned(service), cleaned(provider)
        if what is None or who is None:
            raise PlanItemsRequired()
        plan.append(PlanItem(what, who, target_date))
    if not 1 <= len(plan) <= MOST_ITEMS:
        raise PlanItemsRequired()
    return tuple(plan)
