"""Enrolment through the API, decided from training's own projection of registry's workers."""

from __future__ import annotations

import pytest

from shared.contracts.registry import WorkerDeactivated, WorkerTierRaised
from tests.support.waiting import eventually
from tests.training.diklat import BINUANG, OTHER_KABUPATEN_DESA, TUNGKAP, tapin_desa
from tests.training.integration.conftest import Training, bearer

PROBLEM = "application/problem+json"


async def test_a_worker_not_yet_projected_is_not_yet_known_until_registry_event_arrives(
    training: Training,
) -> None:
    batch = await training.schedule()
    worker_id = "psm-not-yet-here"

    early = await training.enrol(batch["batch_id"], worker_id)
    assert early.status_code == 409
    assert early.headers["content-type"] == PROBLEM
    assert early.json()["type"] == "urn:kesos:problem:not-yet-known"
    assert int(early.headers["Retry-After"]) > 0

    await training.publish_worker(worker_id)
    await training.known(worker_id)
    late = await training.enrol(batch["batch_id"], worker_id)
    assert late.status_code == 201, late.text
    assert late.json()["status"] == "enrolled"


async def test_thirty_psm_fill_the_batch_and_the_thirty_first_is_refused(
    make_training, store_kind: str
) -> None:
    training: Training = await make_training(store_kind)
    batch = await training.schedule()
    psm = await training.active_psm(*tapin_desa(31))

    for worker_id in psm[:30]:
        response = await training.enrol(batch["batch_id"], worker_id)
        assert response.status_code == 201, response.text
    refused = await training.enrol(batch["batch_id"], psm[30])

    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:kesos:problem:batch-full"
    seen = await training.client.get(f"/v1/batches/{batch['batch_id']}", headers=bearer())
    assert seen.json()["enrolled"] == 30
    enrolled = await training.events("kesos.training.participant_enrolled.v1", 30)
    assert {e.data["worker_id"] for e in enrolled} == set(psm[:30])
    assert enrolled[0].data["batch_title"] == "Diklat Dasar PSM 2011"


async def test_ineligible_workers_are_refused_with_the_rule_that_refuses_them(
    training: Training,
) -> None:
    batch = await training.schedule()
    tksk = await training.publish_worker(role="tksk", wilayah=BINUANG, kecamatan=BINUANG)
    inactive = await training.publish_worker(status="inactive")
    elsewhere = await training.publish_worker(wilayah=OTHER_KABUPATEN_DESA)
    certified = await training.publish_worker(tier="dasar")
    everything = await training.publish_worker(
        role="tksk", wilayah="63.03.01", kecamatan="63.03.01", status="inactive", tier="madya"
    )
    await training.known(tksk, inactive, elsewhere, certified, everything)

    expected = {
        tksk: ["not-psm"],
        inactive: ["inactive"],
        elsewhere: ["outside-organiser-wilayah"],
        certified: ["already-certified"],
        everything: ["not-psm", "inactive", "outside-organiser-wilayah", "already-certified"],
    }
    for worker_id, reasons in expected.items():
        response = await training.enrol(batch["batch_id"], worker_id)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "urn:kesos:problem:worker-not-eligible"
        assert response.json()["reasons"] == reasons


async def test_madya_needs_the_dasar_certificate_first(training: Training) -> None:
    province = bearer("admin", "63", "admin-kalsel")
    madya = await training.schedule(
        province, tier="madya", organiser_wilayah="63", title="Diklat Madya PSM 2011",
        organiser="Dinas Sosial Provinsi Kalimantan Selatan",
    )  # fmt: skip
    untrained, dasar = await training.publish_worker(), await training.publish_worker(tier="dasar")
    await training.known(untrained, dasar)

    refused = await training.enrol(madya["batch_id"], untrained, **province)
    admitted = await training.enrol(madya["batch_id"], dasar, **province)

    assert refused.status_code == 422
    assert refused.json()["reasons"] == ["prerequisite-missing"]
    assert admitted.status_code == 201, admitted.text


async def test_the_projection_keeps_the_newest_worker_state_whatever_the_order(
    training: Training,
) -> None:
    batch = await training.schedule()
    worker_id = await training.publish_worker(
        event=WorkerDeactivated, sequence=2, status="inactive"
    )
    await training.publish_worker(worker_id, sequence=1)  # the older registration, late
    await training.publish_worker(worker_id, event=WorkerTierRaised, sequence=3, status="inactive")

    async def settled() -> bool:
        row = await training.worker_row(worker_id)
        return row is not None and row["sequence"] == 3

    await eventually(settled)
    response = await training.enrol(batch["batch_id"], worker_id)
    assert response.json()["reasons"] == ["inactive"]


async def test_a_worker_enrolled_twice_is_already_enrolled(training: Training) -> None:
    batch = await training.schedule()
    [worker_id] = await training.active_psm(TUNGKAP)

    assert (await training.enrol(batch["batch_id"], worker_id)).status_code == 201
    again = await training.enrol(batch["batch_id"], worker_id)

    assert again.status_code == 409
    assert again.json()["type"] == "urn:kesos:problem:already-enrolled"


async def test_withdrawal_frees_the_seat_and_is_published(training: Training) -> None:
    batch = await training.schedule(capacity=1)
    first, second = await training.active_psm(*tapin_desa(2))
    enrolment = (await training.enrol(batch["batch_id"], first)).json()
    assert (await training.enrol(batch["batch_id"], second)).status_code == 409

    withdrawn = await training.client.post(
        f"/v1/batches/{batch['batch_id']}/enrolments/{enrolment['enrolment_id']}/withdraw",
        json={"reason": "sakit"},
        headers=bearer(),
    )

    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert (await training.enrol(batch["batch_id"], second)).status_code == 201
    [event] = await training.events("kesos.training.participant_withdrawn.v1", 1)
    assert event.data == {
        "enrolment_id": enrolment["enrolment_id"],
        "batch_id": batch["batch_id"],
        "worker_id": first,
    }
    assert event.sequence == 2


async def test_the_same_idempotency_key_enrols_once(training: Training) -> None:
    batch = await training.schedule()
    [worker_id] = await training.active_psm(TUNGKAP)

    first = await training.enrol(batch["batch_id"], worker_id, **{"Idempotency-Key": "k-1"})
    again = await training.enrol(batch["batch_id"], worker_id, **{"Idempotency-Key": "k-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("reason_missing", [{}, {"reason": ""}])
async def test_a_withdrawal_needs_a_reason(training: Training, reason_missing: dict) -> None:
    batch = await training.schedule()
    response = await training.client.post(
        f"/v1/batches/{batch['batch_id']}/enrolments/nope/withdraw",
        json=reason_missing,
        headers=bearer(),
    )
    assert response.status_code == 422
    assert response.json()["type"] == "urn:kesos:problem:validation-failed"
