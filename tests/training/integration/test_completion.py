"""Attendance and completion: numbered certificates for who met the rule, events for the rest."""

from __future__ import annotations

from typing import Any

from tests.training.diklat import ORGANISER, tapin_desa
from tests.training.integration.conftest import Training, bearer


async def _enrolled_batch(training: Training, count: int, **overrides: Any) -> tuple[dict, list]:
    batch = await training.schedule(**overrides)
    psm = await training.active_psm(*tapin_desa(count))
    for worker_id in psm:
        assert (await training.enrol(batch["batch_id"], worker_id)).status_code == 201
    return batch, psm


async def _attend(
    training: Training, batch: dict, worker_id: str, skip: frozenset[str] = frozenset()
) -> None:
    for session in batch["sessions"]:
        present = session["kind"] not in skip
        await training.mark(batch["batch_id"], session["session_id"], worker_id, present)


async def _complete(training: Training, batch_id: str, **headers: str) -> Any:
    return await training.client.post(
        f"/v1/batches/{batch_id}/complete", headers={**bearer(), **headers}
    )


async def test_full_attendance_earns_a_numbered_certificate_and_a_missed_session_does_not(
    make_training, store_kind: str
) -> None:
    training: Training = await make_training(store_kind)
    batch, (first, missed_pkl, third) = await _enrolled_batch(training, 3)
    await _attend(training, batch, first)
    await _attend(training, batch, missed_pkl, skip=frozenset({"pkl"}))
    await _attend(training, batch, third)

    response = await _complete(training, batch["batch_id"])

    assert response.status_code == 200, response.text
    result = response.json()
    assert [(c["worker_id"], c["number"]) for c in result["certified"]] == [
        (first, "DASAR/63.05/2011/001"),
        (third, "DASAR/63.05/2011/002"),
    ]
    assert result["not_certified"] == [missed_pkl]
    issued = await training.events("kesos.training.certificate_issued.v1", 2)
    assert {(e.data["worker_id"], e.data["number"]) for e in issued} == {
        (c["worker_id"], c["number"]) for c in result["certified"]
    }
    assert {e.data["issuer"] for e in issued} == {ORGANISER}
    assert {(e.data["tier"], e.data["issued_on"], e.data["batch_title"]) for e in issued} == {
        ("dasar", "2011-05-27", "Diklat Dasar PSM 2011")
    }
    [completed] = await training.events("kesos.training.batch_completed.v1", 1)
    assert completed.data == {"batch_id": batch["batch_id"], "certified": 2, "not_certified": 1}
    assert completed.sequence == 2


async def test_a_completed_batch_is_closed_to_every_change(training: Training) -> None:
    batch, [worker_id] = await _enrolled_batch(training, 1)
    [late] = await training.active_psm(*tapin_desa(2)[1:])
    assert (await _complete(training, batch["batch_id"])).status_code == 200

    again = await _complete(training, batch["batch_id"])
    enrol = await training.enrol(batch["batch_id"], late)
    mark = await training.client.post(
        f"/v1/batches/{batch['batch_id']}/attendance",
        json={"session_id": batch["sessions"][0]["session_id"], "worker_id": worker_id,
              "present": True},
        headers=bearer(),
    )  # fmt: skip

    for refused in (again, enrol, mark):
        assert refused.status_code == 409
        assert refused.json()["type"] == "urn:kesos:problem:batch-closed"
    seen = await training.client.get(f"/v1/batches/{batch['batch_id']}", headers=bearer())
    assert seen.json()["status"] == "completed"


async def test_certificates_are_listed_by_worker_and_by_batch(training: Training) -> None:
    batch, psm = await _enrolled_batch(training, 2)
    for worker_id in psm:
        await _attend(training, batch, worker_id)
    await _complete(training, batch["batch_id"])

    by_batch = await training.client.get(
        "/v1/certificates", params={"batch_id": batch["batch_id"]}, headers=bearer()
    )
    by_worker = await training.client.get(
        "/v1/certificates", params={"worker_id": psm[1]}, headers=bearer()
    )
    home = tapin_desa(1)[0]  # the first PSM's desa: a PSM's token is scoped to it
    own = await training.client.get("/v1/certificates", headers=bearer("psm", home, psm[0]))

    assert [c["worker_id"] for c in by_batch.json()["items"]] == psm
    [certificate] = by_worker.json()["items"]
    assert certificate["number"] == "DASAR/63.05/2011/002"
    assert certificate["issuer"] == ORGANISER
    assert [c["worker_id"] for c in own.json()["items"]] == [psm[0]]


async def test_numbers_run_on_across_batches_of_one_organiser_and_year(training: Training) -> None:
    numbers = []
    for title in ("Diklat Dasar PSM 2011 Angkatan I", "Diklat Dasar PSM 2011 Angkatan II"):
        batch, [worker_id] = await _enrolled_batch(training, 1, title=title)
        await _attend(training, batch, worker_id)
        result = (await _complete(training, batch["batch_id"])).json()
        numbers += [c["number"] for c in result["certified"]]
    assert numbers == ["DASAR/63.05/2011/001", "DASAR/63.05/2011/002"]


async def test_the_completion_rule_is_the_batchs_own(training: Training) -> None:
    rule = {"min_sessions": 3, "required_kinds": ["pkl"]}
    batch, (missed_class, missed_pkl) = await _enrolled_batch(training, 2, completion_rule=rule)
    assert batch["completion_rule"] == rule
    await _attend(training, batch, missed_class, skip=frozenset({"discussion"}))
    await _attend(training, batch, missed_pkl, skip=frozenset({"pkl"}))

    result = (await _complete(training, batch["batch_id"])).json()

    assert [c["worker_id"] for c in result["certified"]] == [missed_class]
    assert result["not_certified"] == [missed_pkl]


async def test_a_certified_worker_is_not_enrolled_again_before_registry_raises_the_tier(
    training: Training,
) -> None:
    batch, [worker_id] = await _enrolled_batch(training, 1)
    await _attend(training, batch, worker_id)
    await _complete(training, batch["batch_id"])
    second = await training.schedule(title="Diklat Dasar PSM 2011 Angkatan II")

    response = await training.enrol(second["batch_id"], worker_id)

    assert response.status_code == 422
    assert response.json()["reasons"] == ["already-certified"]


async def test_attendance_needs_a_session_of_the_batch_and_a_seated_participant(
    training: Training,
) -> None:
    batch, [worker_id] = await _enrolled_batch(training, 1)
    [outsider] = await training.active_psm(*tapin_desa(2)[1:])

    async def mark(session_id: str, who: str) -> Any:
        return await training.client.post(
            f"/v1/batches/{batch['batch_id']}/attendance",
            json={"session_id": session_id, "worker_id": who, "present": True},
            headers=bearer(),
        )

    unknown = await mark("no-such-session", worker_id)
    stranger = await mark(batch["sessions"][0]["session_id"], outsider)

    assert (unknown.status_code, unknown.json()["type"]) == (
        422, "urn:kesos:problem:unknown-session",
    )  # fmt: skip
    assert (stranger.status_code, stranger.json()["type"]) == (
        409, "urn:kesos:problem:not-enrolled",
    )  # fmt: skip


async def test_attendance_is_an_upsert_shown_per_session(training: Training) -> None:
    batch, [worker_id] = await _enrolled_batch(training, 1)
    first = batch["sessions"][0]["session_id"]
    await training.mark(batch["batch_id"], first, worker_id, False)
    await training.mark(batch["batch_id"], first, worker_id, True)

    listed = await training.client.get(
        f"/v1/batches/{batch['batch_id']}/enrolments", headers=bearer()
    )

    [participant] = listed.json()["items"]
    assert participant["attendance"] == [
        {"session_id": s["session_id"], "present": True if s["session_id"] == first else None}
        for s in batch["sessions"]
    ]
