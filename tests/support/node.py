"""Run the test domain's tally service as a real process, for fault tests that SIGKILL it.

    python -m tests.support.node --store URL --redis URL --namespace NS [--hold]

With --hold, the first batch's handler signals (`<ns>.test.held` in Redis) and then blocks
forever, so the test can SIGKILL the process while it holds that batch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from redis.asyncio import Redis

from shared.observability.logging import configure_logging
from tests.support import tally
from tests.support.nodes import open_store, settings_for_tests, tally_bus


async def main(arguments: argparse.Namespace) -> None:
    configure_logging("tally", json=True)
    store = await open_store(arguments.store)
    consumer = os.environ.get("KESOS_CONSUMER", "node")
    bus = tally_bus(store, arguments.redis, settings_for_tests(arguments.namespace, consumer))
    signals = Redis.from_url(arguments.redis)
    if arguments.hold:
        tally.Faults.hold = asyncio.Event()
        signalling = asyncio.create_task(_signal_when_held(signals, arguments.namespace))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await bus.start()
    await signals.set(f"{arguments.namespace}.test.started", "1")
    await stop.wait()
    await bus.stop()
    if arguments.hold:
        signalling.cancel()


async def _signal_when_held(redis: Redis, namespace: str) -> None:
    assert tally.Faults.hold is not None
    await tally.Faults.hold.wait()
    await redis.set(f"{namespace}.test.held", len(tally.Faults.held))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--hold", action="store_true")
    asyncio.run(main(parser.parse_args()))
