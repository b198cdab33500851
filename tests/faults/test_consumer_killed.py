"""A consumer SIGKILLed while it holds a batch loses nothing: another consumer reclaims it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from shared.messaging.streams import events_stream
from tests.support import tally
from tests.support.entries import envelope_of, publish
from tests.support.nodes import settings_for_tests, tally_bus
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_batch_held_by_a_killed_consumer_is_reclaimed_and_applied_once(
    make_store, redis_url, redis, namespace
):
    store = await make_store("postgresql", "tally")
    for value in range(60):
        await publish(
            redis,
            namespace,
            envelope_of(
                tally.CounterSet(counter_id=f"k{value % 7}", value=value), sequence=value + 1
            ),
        )
    victim = subprocess.Popen(
        [sys.executable, "-m", "tests.support.node", "--store", store.url, "--redis", redis_url,
         "--namespace", namespace, "--hold"],
        env={**os.environ, "KESOS_CONSUMER": "victim"},
    )  # fmt: skip
    try:
        held = await eventually(
            lambda: redis.get(f"{namespace}.test.held"), timeout=60, message="batch held"
        )
        assert int(held) >= 1
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        if victim.poll() is None:
            victim.kill()
    stream = events_stream(namespace, "counter")
    holding = {
        c["name"].decode(): c["pending"] for c in await redis.xinfo_consumers(stream, "tally")
    }
    assert holding["victim"] > 0, "the victim held entries"

    rescuer = tally_bus(store, redis_url, settings_for_tests(namespace, "rescuer"))
    await rescuer.start()
    try:
        await eventually(
            lambda: _effects_are(store.engine, 60), timeout=60, message="every entry applied"
        )
        assert await tally.duplicate_effects(store.engine) == []
        # Effects commit before the XACK, and the count follows the XACK: wait for it.
        await eventually(lambda: rescuer.reclaimer.reclaimed > 0, message="reclaimed")
        assert await tally.projected(store.engine) == {
            f"k{k}": (
                max(v for v in range(60) if v % 7 == k),
                max(v for v in range(60) if v % 7 == k) + 1,
            )
            for k in range(7)
        }
        await eventually(
            lambda: _pending_is(redis, stream, 0), timeout=30, message="nothing stays pending"
        )
    finally:
        await rescuer.stop()


async def _effects_are(engine, expected: int) -> bool:
    return await tally.effect_count(engine) == expected


async def _pending_is(redis, stream: str, expected: int) -> bool:
    return int((await redis.xpending(stream, "tally"))["pending"]) == expected
