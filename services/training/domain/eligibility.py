"""Who may join a batch, decided from training's own projection of registry's workers.

Only an active PSM living inside the organiser's wilayah, holding the tier's prerequisite and not
yet certified at the batch's tier or above, may enrol. Every failing rule is reported at once, so
an operator sees the whole answer in one response.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.training.domain.errors import WorkerNotEligible
from services.training.domain.organisers import inside
from shared.reference import TrainingTiers


@dataclass(frozen=True, slots=True)
class Worker:
    """A registry worker as training knows them (no personal data: ids, codes and states)."""

    worker_id: str
    role: str  # psm | tksk
    wilayah: str  # PSM: home desa; TKSK: kecamatan
    kecamatan: str
    status: str  # active | inactive
    tier: str | None  # highest tier the registry has recorded


class Ineligibility(StrEnum):
    """The stable codes of the `reasons` list of a `worker-not-eligible` problem."""

    NOT_PSM = "not-psm"
    INACTIVE = "inactive"
    OUTSIDE_ORGANISER_WILAYAH = "outside-organiser-wilayah"
    PREREQUISITE_MISSING = "prerequisite-missing"
    ALREADY_CERTIFIED = "already-certified"


def highest_tier(tiers: TrainingTiers, *codes: str | None) -> str | None:
    """The highest known tier among `codes`; a code the reference data lacks counts as none."""
    known = [tier for code in codes if code and (tier := tiers.find(code)) is not None]
    return max(known, key=lambda tier: tier.order).code if known else None


def ineligibility(
    worker: Worker, tier: str, organiser_wilayah: str, held: str | None, tiers: TrainingTiers
) -> list[Ineligibility]:
    """Every rule refusing `worker` a seat in a `tier` batch; `held` is their highest tier."""
    reasons: list[Ineligibility] = []
    if worker.role != "psm":
        reasons.append(Ineligibility.NOT_PSM)
    if worker.status != "active":
        reasons.append(Ineligibility.INACTIVE)
    if not inside(worker.wilayah, organiser_wilayah):
        reasons.append(Ineligibility.OUTSIDE_ORGANISER_WILAYAH)
    required = tiers.prerequisite_of(tier)
    if required is not None and (held is None or not tiers.is_at_least(held, required.code)):
        reasons.append(Ineligibility.PREREQUISITE_MISSING)
    if held is not None and tiers.is_at_least(held, tier):
        reasons.append(Ineligibility.ALREADY_CERTIFIED)
    return reasons


def ensure_eligible(
    worker: Worker, tier: str, organiser_wilayah: str, held: str | None, tiers: TrainingTiers
) -> None:
    reasons = ineligibility(worker, tier, organiser_wilayah, held, tiers)
    if reasons:
        raise WorkerNotEligible([str(reason) for reason in reasons])
