"""Seats hold under concurrent enrolments: the batch row is locked for the whole decision."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from services.training.adapters.tables import enrolments
from tests.training.diklat import tapin_desa
from tests.training.integration.conftest import Training


async def test_concurrent_enrolments_never_exceed_capacity(make_training, store_kind: str) -> None:
    training: Training = await make_training(store_kind)
    batch = await training.schedule(capacity=3)
    psm = await training.active_psm(*tapin_desa(10))

    responses = await asyncio.gather(*(training.enrol(batch["batch_id"], w) for w in psm))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 3 + [409] * 7, [r.text for r in responses]
    refused = {r.json()["type"] for r in responses if r.status_code == 409}
    assert refused == {"urn:kesos:problem:batch-full"}
    async with training.store.engine.connect() as connection:
        seats = (await connection.execute(select(func.count()).select_from(enrolments))).scalar()
    assert seats == 3


async def test_concurrent_enrolments_of_one_worker_seat_them_once(
    make_training, store_kind: str
) -> None:
    training: Training = await make_training(store_kind)
    batch = await training.schedule()
    [worker_id] = await training.active_psm(*tapin_desa(1))

    responses = await asyncio.gather(
        *(training.enrol(batch["batch_id"], worker_id) for _ in range(5))
    )

    assert sorted(r.status_code for r in responses) == [201] + [409] * 4
    assert {r.json()["type"] for r in responses if r.status_code == 409} == {
        "urn:kesos:problem:already-enrolled"
    }
