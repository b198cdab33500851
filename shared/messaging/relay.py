"""The outbox relay: publishes committed outbox rows to their streams, in id order.

Woken after each commit that wrote events (polling is only the fallback); backs off while Redis
is down; picks up where it left off after a restart. On PostgreSQL one relay per service is
active at a time (an advisory lock); on SQLite one process is assumed (DESIGN.md §4).

Agencies read their own feeds, never a service's stream (docs/adr/0005): with each entry of the
service's public stream the relay XADDs a copy to the feed of every agency granted that stream
(`kesos agency add`), in the same pipeline, so a feed gets exactly what the stream gets —
at least once, in order, deduplicated by the agency by event `id` like any consumer.

The lock lives on one connection, and a connection that dies (server restart, terminated
backend, network partition) releases it without telling us. So the leader confirms it still
holds the lock before each round (at most once per poll interval) and steps down when it does
not, instead of publishing beside a standby that took over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoPermissionError
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.messaging.outbox import Clock, utcnow
from shared.messaging.streams import events_stream
from shared.messaging.users import feed_stream, granted_agencies
from shared.observability.metrics import EVENTS_PUBLISHED, RELAY_LEADING
from shared.observability.outages import REDIS_DOWN, STORE_DOWN, Outage
from shared.observability.tracing import publishing
from shared.persistence.tables import outbox

log = structlog.get_logger(__name__)

ADVISORY_LOCK_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid = 0 AND objid = :k AND objsubid = 1"
)  # how pg_locks shows a bigint key below 2^32 held by this connection


class LostLeadership(Exception):
    """The relay lock is no longer held by this relay's lock connection."""


class NotReplicated(RedisConnectionError):
    """Fewer replicas than required acknowledged a batch in time: like an outage, retried."""


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        redis: Redis,
        *,
        service: str,
        maxlen: int,
        namespace: str = "kesos",
        batch_size: int = 500,
        poll_s: float = 1.0,
        backoff_max_s: float = 5.0,
        retention_s: float = 7 * 24 * 3600.0,
        replicas: int = 0,
        replica_timeout_ms: int = 1000,
        clock: Clock = utcnow,
    ):
        self._engine = engine
        self._redis = redis
        self._service = service
        self._namespace = namespace
        self._public = events_stream(namespace, service)
        self._maxlen = maxlen
        self._batch_size = batch_size
        self._poll_s = poll_s
        self._backoff_max_s = backoff_max_s
        self._replicas = replicas
        self._replica_timeout_ms = replica_timeout_ms
        self._retention = timedelta(seconds=retention_s)
        self._clock = clock
        self._wake = asyncio.Event()  # set by a commit that wrote events (or by stop)
        self._stop = asyncio.Event()
        self.leading = False  # publishing now (on PostgreSQL: holding the relay lock)
        self.published = 0
        self._redis_outage = Outage("outbox-relay")
        self._store_outage = Outage("outbox-relay", "store")

    @property
    def leading(self) -> bool:
        return self._leading

    @leading.setter
    def leading(self, value: bool) -> None:
        self._leading = value
        RELAY_LEADING.labels(self._service).set(int(value))  # which replica leads, for operators

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Publish until stopped; on PostgreSQL only while holding the service's relay lock."""
        while not self._stopping:
            try:
                if self._engine.dialect.name == "postgresql":
                    await self._run_as_leader()
                else:
                    await self._publish_loop()
            except asyncio.CancelledError:
                raise
            except (*STORE_DOWN, LostLeadership) as error:  # the store went away: try again
                self._store_outage.failed(error)
                await self._pause(self._backoff_max_s)
            except Exception as error:  # not an outage: said every time
                log.warning("outbox_relay_error", error=repr(error))
                await self._pause(self._backoff_max_s)

    def stop(self) -> None:
        """Ask `run` to end; the active relay publishes what is pending first.

        Only the loop itself publishes, so a stopping relay never races its own loop (which would
        publish a row twice and break per-aggregate order) and a standby publishes nothing.
        """
        self._stop.set()
        self._wake.set()

    @property
    def _stopping(self) -> bool:
        return self._stop.is_set()

    async def _run_as_leader(self) -> None:
        key = zlib.crc32(f"kesos-outbox-relay:{self._service}".encode())
        async with self._engine.connect() as lock_connection:
            while not self._stopping and not await _try_lock(lock_connection, key):
                await self._pause(self._poll_s * 2)
            if self._stopping:
                return
            log.info("outbox_relay_leading")

            async def confirm_lead() -> None:
                await _confirm_lock(lock_connection, key, timeout=self._backoff_max_s)

            try:
                await self._publish_loop(confirm_lead)
            finally:
                # On a dead connection the lock is gone already (closing releases it anyway).
                with contextlib.suppress(Exception):
                    await lock_connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    async def _publish_loop(
        self, confirm_lead: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        backoff = 0.1
        last_purge = self._clock()
        confirmed = time.monotonic()
        self.leading = True
        try:
            while not self._stopping:
                if confirm_lead is not None and time.monotonic() - confirmed >= self._poll_s:
                    await confirm_lead()  # LostLeadership ends the loop: no final flush
                    confirmed = time.monotonic()
                backoff = await self._publish_round(backoff)
                if self._clock() - last_purge > timedelta(minutes=10):
                    await self.purge_published()
                    last_purge = self._clock()
            await self._final_flush()
        finally:
            self.leading = False

    async def _publish_round(self, backoff: float) -> float:
        """Publish what is pending, then wait for work; returns the next Redis back-off."""
        self._wake.clear()  # a commit from now on, even during this round, wakes the next
        try:
            count = await self.publish_pending()
        except REDIS_DOWN as error:
            self._redis_outage.failed(error)
            await self._pause(backoff)
            return min(backoff * 2, self._backoff_max_s)
        self._redis_outage.recovered()
        self._store_outage.recovered()
        if count < self._batch_size:
            await self._wait_for_work(self._poll_s)
        return 0.1

    async def _final_flush(self) -> None:
        try:
            await asyncio.wait_for(self.publish_pending(), timeout=self._backoff_max_s)
        except (TimeoutError, *REDIS_DOWN) as error:
            log.warning("outbox_relay_flush_incomplete", error=repr(error))

    async def _wait_for_work(self, seconds: float) -> None:
        """Until a commit wakes the relay (polling every `seconds` is only the fallback)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _pause(self, seconds: float) -> None:
        """A back-off that commits do not cut short; stop does."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def publish_pending(self) -> int:
        """Publish pending rows until none is left; returns how many were published."""
        total = 0
        feeds: list[str] | None = None
        while True:
            rows = await self._pending_rows()
            if not rows:
                return total
            feeds = await self._feeds() if feeds is None else feeds
            await self._xadd(rows, feeds)
            await self._mark_published([row.id for row in rows])
            for row in rows:
                EVENTS_PUBLISHED.labels(self._service, row.type).inc()
            total += len(rows)
            self.published += len(rows)
            if len(rows) < self._batch_size:
                return total

    async def _pending_rows(self) -> Sequence[Any]:
        query = (
            select(outbox.c.id, outbox.c.stream, outbox.c.type, outbox.c.fields)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self._batch_size)
        )
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).all()

    async def _xadd(self, rows: Sequence[Any], feeds: list[str]) -> None:
        # Pipelined, no MULTI: a crash between XADD and marking republishes, and consumers
        # drop the repeat through their inbox (at-least-once transport, effectively-once effects).
        written: list[tuple[str, dict[str, str]]] = []
        async with self._redis.pipeline(transaction=False) as pipe:
            for row in rows:
                fields = json.loads(row.fields)
                targets = [row.stream, *(feeds if row.stream == self._public else ())]
                for stream in targets:
                    pipe.xadd(stream, fields, maxlen=self._maxlen, approximate=True)
                written.extend((stream, fields) for stream in targets)
            if self._replicas:
                # On the connection of the XADDs: WAIT counts the replicas holding its writes.
                pipe.execute_command("WAIT", self._replicas, self._replica_timeout_ms)
            with publishing(written):
                results = await pipe.execute(raise_on_error=False)
        if self._replicas:
            self._require_replicated(results.pop())
        streams = [stream for stream, _ in written]
        self._raise_unless_only_feeds_refused(zip(streams, results, strict=True), set(feeds))

    def _require_replicated(self, acknowledged: Any) -> None:
        """Entries only the primary holds would be gone after a failover to a replica: the rows
        stay pending and are published again (consumers drop the repeats through their inbox).
        Set `min-replicas-to-write` on the primary too, so a long replica outage refuses the
        XADDs instead of repeating them."""
        if isinstance(acknowledged, Exception):
            raise acknowledged
        if int(acknowledged) < self._replicas:
            raise NotReplicated(f"{acknowledged} of {self._replicas} replicas hold the batch")

    def _raise_unless_only_feeds_refused(
        self, results: Iterable[tuple[str, Any]], feeds: set[str]
    ) -> None:
        """A feed our user may no longer write (a grant revoked meanwhile, rights not yet
        re-applied) costs that agency the entry, logged; it must not make the batch repeat on
        the services' streams. Any other error raises, and the whole batch is retried."""
        refused = 0
        for stream, result in results:
            if not isinstance(result, Exception):
                continue
            if str(result).startswith("NOREPLICAS"):  # the primary's min-replicas-to-write
                raise NotReplicated(str(result))
            if stream in feeds and isinstance(result, NoPermissionError):
                refused += 1
            else:
                raise result
        if refused:
            log.error("agency_feed_refused", service=self._service, entries=refused)

    async def _feeds(self) -> list[str]:
        """The feeds of the agencies granted this service's public stream right now."""
        agencies = await granted_agencies(self._redis, self._namespace, self._service)
        return [feed_stream(self._namespace, name) for name in agencies]

    async def _mark_published(self, ids: list[int]) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(outbox).where(outbox.c.id.in_(ids)).values(published_at=self._clock())
            )

    async def purge_published(self) -> int:
        """Forget rows published longer ago than the retention."""
        cutoff = self._clock() - self._retention
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(outbox).where(outbox.c.published_at < cutoff))
        return result.rowcount or 0

    async def backlog(self) -> int:
        async with self._engine.connect() as connection:
            query = select(func.count()).where(outbox.c.published_at.is_(None))
            return int((await connection.execute(query)).scalar_one())


async def _confirm_lock(connection: AsyncConnection, key: int, *, timeout: float) -> None:
    """Raise unless `connection` still holds the lock (a hung connection counts as lost)."""
    result = await asyncio.wait_for(connection.execute(ADVISORY_LOCK_HELD, {"k": key}), timeout)
    await connection.commit()
    if result.scalar_one() != 1:
        raise LostLeadership()


async def _try_lock(connection: AsyncConnection, key: int) -> bool:
    result = await connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
    await connection.commit()
    return bool(result.scalar_one())
