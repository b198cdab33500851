"""An expected outage (a Redis restart) is one warning and one recovery line per component,
not a traceback per retry (shared/observability/outages.py)."""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import ConnectionError as RedisConnectionError
from structlog.testing import capture_logs

from shared.observability.outages import Outage, SubscriberLog


def test_an_outage_is_one_warning_and_one_recovery():
    outage = Outage("outbox-relay")
    with capture_logs() as logs:
        assert outage.failed(RedisConnectionError("closed")) is True
        for _ in range(5):
            assert outage.failed(RedisConnectionError("closed")) is False
        outage.recovered()
        outage.recovered()  # nothing to recover from: no line
    lines = [(line["log_level"], line["event"]) for line in logs]
    assert lines == [("warning", "redis_unavailable"), *[("debug", "redis_still_unavailable")] * 5,
                     ("info", "redis_recovered")]  # fmt: skip
    assert logs[0]["component"] == "outbox-relay" and "after_s" in logs[-1]


async def test_subscribers_losing_redis_warn_once_and_a_probe_logs_their_recovery():
    redis_up = asyncio.Event()

    async def probe() -> None:
        if not redis_up.is_set():
            raise RedisConnectionError("refused")

    subscriber_log = SubscriberLog(probe, probe_every_s=0.01)
    with capture_logs() as logs:
        for _ in range(4):  # two subscribers, each retrying twice
            subscriber_log.log(logging.ERROR, "Message fetch error", exc_info=OSError("reset"))
        await asyncio.sleep(0.05)
        redis_up.set()
        await asyncio.sleep(0.05)
        subscriber_log.log(logging.ERROR, "Message fetch error", exc_info=OSError("reset"))
        subscriber_log.log(logging.ERROR, "handler crashed", exc_info=ValueError("a bug"))
    events = [(line["log_level"], line["event"]) for line in logs if line["log_level"] != "debug"]
    assert events == [
        ("warning", "redis_unavailable"),
        ("info", "redis_recovered"),  # the late echo of the same outage: debug only
        ("error", "handler crashed"),  # not an outage: passed on as it came
    ]
