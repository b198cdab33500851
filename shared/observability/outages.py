"""One warning when a component loses Redis or its store, one line when it is back.

A Redis restart or a failover is expected in production: each component retrying through it
(the relay, the reclaimer, the subscribers) would otherwise log every failed attempt — 4 to 6
error tracebacks per service for one restart. An `Outage` logs the first failure as a warning,
the retries at debug, and the recovery once, with how long it lasted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError

log = structlog.get_logger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
STORE_DOWN = (DBAPIError, OSError, TimeoutError)  # a dropped, refused or hung connection


class Outage:
    def __init__(self, component: str, dependency: str = "redis") -> None:
        self.component = component
        self.dependency = dependency
        self._since: float | None = None

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException | None = None) -> bool:
        """Note a failed attempt; True for the first of an outage (logged as a warning)."""
        if self._since is not None:
            log.debug(f"{self.dependency}_still_unavailable", component=self.component)
            return False
        self._since = time.monotonic()
        cause = None if error is None else repr(error)
        log.warning(f"{self.dependency}_unavailable", component=self.component, error=cause)
        return True

    def recovered(self) -> None:
        if self._since is None:
            return
        lasted_s = round(time.monotonic() - self._since, 1)
        self._since = None
        log.info(f"{self.dependency}_recovered", component=self.component, after_s=lasted_s)


class SubscriberLog:
    """FastStream's logger for the bus's subscribers: a Redis connection lost while reading is
    an outage (one warning, then a probe logs the recovery); everything else is passed on."""

    def __init__(
        self,
        probe: Callable[[], Awaitable[Any]],
        probe_every_s: float = 1.0,
        settle_s: float = 15.0,
    ) -> None:
        self._logger = structlog.get_logger("faststream")
        self._outage = Outage("subscribers")
        self._probe = probe
        self._probe_every_s = probe_every_s
        # A subscriber's read that broke during the outage may report it after the probe saw
        # Redis back (each waits out its own back-off): still the same outage.
        self._settle_s = settle_s
        self._back_at = -settle_s
        self._watch: asyncio.Task[None] | None = None

    def log(
        self,
        level: int,
        msg: Any,
        /,
        *args: Any,
        exc_info: Any = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(exc_info, REDIS_DOWN):
            if time.monotonic() - self._back_at < self._settle_s:
                log.debug("redis_outage_echo", component="subscribers")
            elif self._outage.failed(exc_info):
                self._watch = asyncio.get_running_loop().create_task(self._until_back())
            return
        self._logger.log(level, msg, *args, exc_info=exc_info, extra=extra)

    async def _until_back(self) -> None:
        while True:
            await asyncio.sleep(self._probe_every_s)
            try:
                await self._probe()
            except Exception:  # still away: the subscribers retry on their own meanwhile
                continue
            self._outage.recovered()
            self._back_at = time.monotonic()
            return
