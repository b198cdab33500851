"""Who may join a batch: an active PSM of the organiser's area with the tier's prerequisite."""

from __future__ import annotations

import pytest

from services.training.domain.eligibility import (
    Ineligibility,
    Worker,
    ensure_eligible,
    highest_tier,
    ineligibility,
)
from services.training.domain.errors import WorkerNotEligible
from services.training.domain.organisers import NATIONAL
from shared.reference import training_tiers

TIERS = training_tiers()
TAPIN = "63.05"


def psm(**changes: object) -> Worker:
    values: dict[str, object] = {
        "worker_id": "w-1", "role": "psm", "wilayah": "63.05.01.2003", "kecamatan": "63.05.01",
        "status": "active", "tier": None,
    }  # fmt: skip
    values.update(changes)
    return Worker(**values)  # type: ignore[arg-type]


def reasons(worker: Worker, tier: str = "dasar", organiser: str = TAPIN) -> list[str]:
    held = highest_tier(TIERS, worker.tier)
    return [str(reason) for reason in ineligibility(worker, tier, organiser, held, TIERS)]


def test_an_active_psm_of_the_kabupaten_may_join_its_dasar_batch() -> None:
    assert reasons(psm()) == []
    ensure_eligible(psm(), "dasar", TAPIN, None, TIERS)


def test_a_tksk_is_not_a_psm() -> None:
    assert reasons(psm(role="tksk", wilayah="63.05.01")) == ["not-psm"]


def test_an_inactive_psm_is_refused() -> None:
    assert reasons(psm(status="inactive")) == ["inactive"]


def test_a_psm_of_another_kabupaten_is_outside_the_organisers_wilayah() -> None:
    assert reasons(psm(wilayah="63.03.01.2001", kecamatan="63.03.01")) == [
        "outside-organiser-wilayah"
    ]


def test_a_code_that_merely_starts_like_the_organisers_is_outside() -> None:
    assert reasons(psm(wilayah="63.050.1.2001")) == ["outside-organiser-wilayah"]


def test_a_psm_certified_at_the_tier_or_above_is_already_certified() -> None:
    assert reasons(psm(tier="dasar")) == ["already-certified"]
    assert reasons(psm(tier="madya")) == ["already-certified"]


def test_madya_needs_dasar_and_pratama_needs_madya() -> None:
    assert reasons(psm(), "madya", "63") == ["prerequisite-missing"]
    assert reasons(psm(tier="dasar"), "madya", "63") == []
    assert reasons(psm(tier="dasar"), "pratama", NATIONAL) == ["prerequisite-missing"]
    assert reasons(psm(tier="madya"), "pratama", NATIONAL) == []


def test_every_reason_is_reported_at_once() -> None:
    worker = psm(role="tksk", status="inactive", wilayah="63.03.01", tier="pratama")
    with pytest.raises(WorkerNotEligible) as refused:
        ensure_eligible(worker, "dasar", TAPIN, "pratama", TIERS)
    assert refused.value.reasons == [
        Ineligibility.NOT_PSM,
        Ineligibility.INACTIVE,
        Ineligibility.OUTSIDE_ORGANISER_WILAYAH,
        Ineligibility.ALREADY_CERTIFIED,
    ]


def test_the_highest_tier_held_counts_training_certificates_and_ignores_unknown_codes() -> None:
    assert highest_tier(TIERS, None) is None
    assert highest_tier(TIERS, None, "dasar") == "dasar"
    assert highest_tier(TIERS, "dasar", "madya", "dasar") == "madya"
    assert highest_tier(TIERS, "lanjutan") is None
