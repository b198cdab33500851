"""The reclaimer: nothing stays pending.

FastStream never re-reads a consumer's own pending list and has no retry limit (DESIGN.md §4a).
Every few seconds, for each stream a service reads, the reclaimer takes entries idle longer than
`min_idle_ms`: those delivered `max_deliveries` times go to the dead-letter stream with their last
error; the rest are claimed (XCLAIM) and applied through the same consumer runner. It only claims
while the store answers, so a database outage does not burn deliveries into dead letters.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.messaging.dead_letters import Burial, bury
from shared.messaging.runner import ConsumerRunner
from shared.messaging.streams import dead_stream, failure_field, failures_key
from shared.observability.outages import REDIS_DOWN, Outage

log = structlog.get_logger(__name__)

RawEntry = tuple[bytes, dict[bytes, bytes]]
NO_ERROR = b"no error recorded (its consumer died holding it)"
Pending = list[dict[str, Any]]


class Reclaimer:
    def __init__(
        self,
        runner: ConsumerRunner,
        redis: Redis,
        *,
        namespace: str,
        streams: Sequence[str],
        consumer: str,
        min_idle_ms: int,
        max_deliveries: int,
        batch: int,
        maxlen: int,
        interval_s: float,
        idle_consumer_s: float,
        store_ok: Callable[[], Awaitable[bool]],
        replays: Callable[[], Awaitable[int]] | None = None,
    ):
        self._runner = runner
        self._redis = redis
        self._streams = list(streams)
        self._group = runner.group
        self._consumer = consumer
        self._min_idle_ms = min_idle_ms
        self._max_deliveries = max_deliveries
        self._batch = batch
        self._maxlen = maxlen
        self._interval_s = interval_s
        self._idle_consumer_ms = int(idle_consumer_s * 1000)
        self._store_ok = store_ok
        self._replays = replays
        self._dead_stream = dead_stream(namespace, runner.service)
        self._failures = failures_key(namespace, runner.service)
        self._stopping = asyncio.Event()
        self.reclaimed = 0
        self.buried = 0
        self._redis_outage = Outage("reclaimer")
        self._store_outage = Outage("reclaimer", "store")

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = await self.tick()
            except asyncio.CancelledError:
                raise
            except REDIS_DOWN as error:  # the next tick retries
                self._redis_outage.failed(error)
                busy = False
            except Exception as error:  # the store is away, or a fault of ours: logged each time
                log.warning("reclaimer_error", error=repr(error))
                busy = False
            else:
                self._redis_outage.recovered()
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self._interval_s)

    def stop(self) -> None:
        self._stopping.set()

    async def tick(self) -> bool:
        """One pass over every stream; True when a full page was found (more may wait)."""
        if not await self._store_ok():
            self._store_outage.failed()
            return False
        self._store_outage.recovered()
        busy = False
        for stream in self._streams:
            busy |= await self._reclaim(stream)
        await self._remove_idle_consumers()
        if self._replays is not None and await self._replays():
            log.info("dead_letters_replayed")
        return busy

    async def _reclaim(self, stream: str) -> bool:
        pending = await self._redis.xpending_range(
            stream, self._group, min="-", max="+", count=self._batch, idle=self._min_idle_ms
        )
        deliveries = {p["message_id"]: int(p["times_delivered"]) for p in cast(Pending, pending)}
        exhausted = [i for i, count in deliveries.items() if count >= self._max_deliveries]
        retry = [i for i, count in deliveries.items() if count < self._max_deliveries]
        if exhausted:
            await self._bury(stream, exhausted, deliveries)
        if retry:
            await self._retry(stream, retry)
        return len(deliveries) == self._batch

    async def _claim(self, stream: str, ids: list[bytes]) -> list[RawEntry]:
        claimed = await self._redis.xclaim(
            stream,
            self._group,
            self._consumer,
            min_idle_time=self._min_idle_ms,
            message_ids=list[Any](ids),
        )
        entries = cast(list[tuple[bytes, dict[bytes, bytes] | None]], claimed)
        present = [(entry_id, fields) for entry_id, fields in entries if fields is not None]
        gone = set(ids) - {entry_id for entry_id, _ in present}
        if gone:  # trimmed from the stream while pending: nothing left to apply
            await self._redis.xack(stream, self._group, *gone)
            log.warning("reclaimer_entries_gone", stream=stream, count=len(gone))
        return present

    async def _retry(self, stream: str, ids: list[bytes]) -> None:
        entries = await self._claim(stream, ids)
        if entries:
            done = await self._runner.process(stream, entries)
            self.reclaimed += len(done)
            log.info("entries_reclaimed", stream=stream, claimed=len(entries), done=len(done))

    async def _bury(self, stream: str, ids: list[bytes], deliveries: dict[bytes, int]) -> None:
        entries = await self._claim(stream, ids)
        if not entries:
            return
        fields_of_errors = [failure_field(stream, i) for i, _ in entries]
        errors = cast(list[bytes | None], await self._redis.hmget(self._failures, fields_of_errors))
        burials = [
            Burial(entry_id, fields, error or NO_ERROR, deliveries.get(entry_id, 0))
            for (entry_id, fields), error in zip(entries, errors, strict=True)
        ]
        await bury(
            self._redis, dead=self._dead_stream, stream=stream, group=self._group,
            burials=burials, maxlen=self._maxlen, failures=self._failures,
        )  # fmt: skip
        self.buried += len(entries)
        log.error(
            "entries_dead_lettered",
            stream=stream,
            count=len(entries),
            dead_stream=self._dead_stream,
        )

    async def _remove_idle_consumers(self) -> None:
        """Drop consumers of this group that hold nothing and have been idle for long."""
        for stream in self._streams:
            try:
                consumers = await self._redis.xinfo_consumers(stream, self._group)
            except RedisError:
                continue
            for consumer in consumers:
                name = consumer["name"]
                name = name.decode() if isinstance(name, bytes) else name
                if consumer["pending"] == 0 and consumer["idle"] > self._idle_consumer_ms:
                    await self._redis.xgroup_delconsumer(stream, self._group, name)
                    log.info("idle_consumer_removed", stream=stream, consumer=name)
