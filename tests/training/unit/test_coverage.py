"""Training coverage against a hand-counted fixture: a higher tier counts as the ones below."""

from __future__ import annotations

from services.training.domain.coverage import KecamatanCoverage, TrainedPsm, coverage
from shared.reference.tiers import training_tiers


def test_each_tier_counts_those_holding_it_or_a_higher_one():
    psm = [
        TrainedPsm("a", "63.05.01", frozenset({"madya"})),  # holds dasar and madya
        TrainedPsm("b", "63.05.01", frozenset({"dasar", "madya"})),
        TrainedPsm("c", "63.05.01", frozenset()),
        TrainedPsm("d", "63.05.04", frozenset({"pratama"})),
    ]
    binuang, tapin_utara = coverage(psm, training_tiers())
    assert binuang == KecamatanCoverage("63.05.01", 3, {"dasar": 2, "madya": 2, "pratama": 0})
    assert tapin_utara == KecamatanCoverage("63.05.04", 1, {"dasar": 1, "madya": 1, "pratama": 1})
    assert (binuang.percent("dasar"), binuang.percent("pratama")) == (66.7, 0.0)
