"""Training coverage, as the Dinas reports it: of the active PSM of each kecamatan, how many
hold each tier (holding a higher tier counts as holding those below it: each requires the one
below, `training_tiers.csv`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.reference.tiers import TrainingTiers


@dataclass(frozen=True, slots=True)
class TrainedPsm:
    worker_id: str
    kecamatan: str
    tiers: frozenset[str]  # the tiers they hold: certified here, or as the registry records


@dataclass(frozen=True, slots=True)
class KecamatanCoverage:
    kecamatan: str
    active_psm: int
    holding: dict[str, int]  # tier code → PSM holding it (or a higher one)

    def percent(self, tier: str) -> float:
        return 0.0 if not self.active_psm else round(100 * self.holding[tier] / self.active_psm, 1)


def coverage(psm: Iterable[TrainedPsm], tiers: TrainingTiers) -> list[KecamatanCoverage]:
    """Per kecamatan (by code), the active PSM and how many hold each tier."""
    codes = tiers.codes()
    counts: dict[str, tuple[int, dict[str, int]]] = {}
    for worker in psm:
        total, holding = counts.get(worker.kecamatan, (0, dict.fromkeys(codes, 0)))
        highest = [code for code in codes if any(tiers.is_at_least(t, code) for t in worker.tiers)]
        for code in highest:
            holding[code] += 1
        counts[worker.kecamatan] = (total + 1, holding)
    return [KecamatanCoverage(k, n, holding) for k, (n, holding) in sorted(counts.items())]
