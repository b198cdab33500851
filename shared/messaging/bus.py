"""A service's connection to the bus: its relay, its subscribers and their reclaimer.

`app.py` builds one `ServiceBus` and starts it in the lifespan; tests and benchmarks use it the
same way. Start order matters: groups first (at id 0), then subscribers, relay and reclaimer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import structlog
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.catalog import EventCatalog
from shared.contracts.envelope import Event
from shared.messaging import topology
from shared.messaging.connection import redis_broker, redis_client
from shared.messaging.dead_letters import DeadLetters
from shared.messaging.reclaimer import Reclaimer
from shared.messaging.relay import OutboxRelay
from shared.messaging.runner import ConsumerRunner, Handler
from shared.messaging.streams import retry_stream, stream_of
from shared.messaging.subscriber import create_groups, subscribe
from shared.observability.outages import SubscriberLog
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.settings import BusSettings

log = structlog.get_logger(__name__)


class ServiceBus:
    def __init__(
        self,
        *,
        service: str,
        settings: BusSettings,
        redis_url: str,
        engine: AsyncEngine,
        uows: UnitOfWorkFactory[Any],
        catalog: EventCatalog,
        handlers: Sequence[Handler] = (),
    ):
        self.service = service
        self.settings = settings
        self.engine = engine
        self.uows = uows
        self.redis: Redis = redis_client(redis_url, socket_connect_timeout=2, socket_timeout=10)
        self.consumer = settings.consumer_name(service)
        self.relay = OutboxRelay(
            engine,
            self.redis,
            service=service,
            namespace=settings.namespace,
            maxlen=settings.stream_maxlen,
            batch_size=settings.relay_batch,
            poll_s=settings.relay_poll_s,
            backoff_max_s=settings.relay_backoff_max_s,
            replicas=settings.relay_replicas,
            replica_timeout_ms=settings.relay_replica_timeout_ms,
            retention_s=settings.outbox_retention_s,
        )
        uows.after_commit(self.relay.wake)
        self.runner = ConsumerRunner(
            service=service,
            namespace=settings.namespace,
            catalog=catalog,
            handlers=handlers,
            uows=uows,
            redis=self.redis,
            maxlen=settings.stream_maxlen,
        )
        self.streams = source_streams(settings.namespace, service, self.runner.events)
        self._subscribed = asyncio.Event()  # every subscriber started: batches may run
        require_declared_reads(settings.namespace, service, self.streams)
        self.dead_letters = DeadLetters(self.redis, namespace=settings.namespace, service=service)
        self.broker = redis_broker(
            redis_url,
            logger=SubscriberLog(probe=self.redis.ping),
            log_level=logging.DEBUG,  # per-message lines at DEBUG; errors still logged
            graceful_timeout=settings.graceful_timeout_s,
        )
        self.subscribers = [
            subscribe(
                self.broker,
                self.runner,
                stream=stream,
                consumer=self.consumer,
                max_records=settings.max_records,
                block_ms=settings.block_ms,
                all_started=self._subscribed,
            )
            for stream in self.streams
        ]
        self.reclaimer = Reclaimer(
            self.runner,
            self.redis,
            namespace=settings.namespace,
            streams=self.streams,
            consumer=f"{self.consumer}-reclaim",
            min_idle_ms=settings.min_idle_ms,
            max_deliveries=settings.max_deliveries,
            batch=settings.max_records,
            maxlen=settings.stream_maxlen,
            interval_s=settings.reclaim_interval_s,
            idle_consumer_s=settings.idle_consumer_s,
            store_ok=self.store_ok,
            replays=self.dead_letters.replay_requested,
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.streams:
            await create_groups(self.redis, self.streams, self.runner.group)
            try:
                await self.broker.start()
            except BaseException:
                # The subscribers started before the failure would outlive it (FastStream's read
                # loop survives a cancel) and keep the process from exiting: stop them, after
                # letting the batches they read go through.
                self._subscribed.set()
                await self.broker.stop()
                raise
            self._subscribed.set()
            self._tasks.append(asyncio.create_task(self.reclaimer.run(), name="reclaimer"))
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        log.info("bus_started", streams=self.streams, consumer=self.consumer)

    async def stop(self) -> None:
        """Finish the in-flight batch, flush the relay, then let go of Redis."""
        if self.streams:
            await self.broker.stop()
        self.reclaimer.stop()
        self.relay.stop()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=self.settings.graceful_timeout_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.redis.aclose()
        log.info("bus_stopped")

    def subscribers_running(self) -> bool:
        return all(subscriber.running for subscriber in self.subscribers)

    async def store_ok(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False


def require_declared_reads(namespace: str, service: str, streams: Sequence[str]) -> None:
    """A Kesos service reads exactly what `topology.READS` declares, which is what its Redis
    user may read: a handler for anything else would fail with NOPERM at run time instead."""
    if service not in topology.SERVICES:
        return  # a test or benchmark service: its own rules
    declared = topology.streams_read(namespace, service)
    actual = sorted(stream for stream in streams if stream != retry_stream(namespace, service))
    if actual != declared:
        raise ValueError(
            f"{service} handles events from {actual}, but topology.READS declares {declared}"
        )


def source_streams(namespace: str, service: str, events: Sequence[type[Event]]) -> list[str]:
    """One stream per producer channel the service consumes from, plus its own retry stream."""
    if not events:
        return []
    channels = sorted({stream_of(namespace, event) for event in events})
    return [*channels, retry_stream(namespace, service)]
