"""An `Idempotency-Key` POST is written once and always answered the same way."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from tests.shared.web.conftest import TUNGKAP, bearer
from tests.support.sample_service import visits

pytestmark = pytest.mark.integration


async def count_visits(app) -> int:
    async with app.state.engine.connect() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(visits))).scalar_one()
        )


async def post(sample, key: str | None, note: str = "lansia", who: str = "alice"):
    headers = bearer(sub=who) | ({"Idempotency-Key": key} if key else {})
    return await sample.client.post(
        "/v1/visits", json={"desa": TUNGKAP, "note": note}, headers=headers
    )


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_the_same_key_gets_the_same_answer_and_writes_once(make_sample, kind):
    sample = await make_sample(kind)
    first, again = await post(sample, "k-1"), await post(sample, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await count_visits(sample.app) == 1


async def test_the_same_key_with_another_body_is_refused(sample):
    assert (await post(sample, "k-2", note="one")).status_code == 201
    refused = await post(sample, "k-2", note="two")
    assert refused.status_code == 422
    assert refused.json()["type"] == "urn:kesos:problem:idempotency-key-reused"
    assert await count_visits(sample.app) == 1


async def test_keys_belong_to_their_caller(sample):
    assert (await post(sample, "shared-key", who="alice")).status_code == 201
    assert (await post(sample, "shared-key", who="bob")).status_code == 201
    assert await count_visits(sample.app) == 2


async def test_without_a_key_each_post_writes(sample):
    await post(sample, None)
    await post(sample, None)
    assert await count_visits(sample.app) == 2


async def test_concurrent_retries_with_one_key_write_once(make_sample):
    sample = await make_sample("postgresql")
    answers = await asyncio.gather(*(post(sample, "k-race") for _ in range(8)))
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await count_visits(sample.app) == 1


async def test_a_retry_after_a_crash_and_restart_gets_the_first_answer(
    make_sample, redis_url, namespace
):
    from tests.shared.web.conftest import SECRET
    from tests.support import sample_service

    sample = await make_sample("postgresql")
    first = await post(sample, "k-crash")
    # A new process on the same store (the first one died after answering, or before the
    # client saw the answer): the stored answer survives with the write.
    restarted = sample_service.build_app(sample.store_url, redis_url, namespace, SECRET)
    async with restarted.router.lifespan_context(restarted):
        import httpx

        transport = httpx.ASGITransport(app=restarted, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://visits.test") as client:
            headers = bearer() | {"Idempotency-Key": "k-crash"}
            again = await client.post(
                "/v1/visits", json={"desa": TUNGKAP, "note": "lansia"}, headers=headers
            )
    assert again.status_code == 201 and again.json() == first.json()
    assert await count_visits(sample.app) == 1


async def test_an_invalid_key_is_refused(sample):
    response = await post(sample, "x" * 300)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:kesos:problem:idempotency-key-invalid"
