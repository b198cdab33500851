"""The consumer runner: applies a batch of stream entries in one transaction, a savepoint each.

Per entry and handler, a savepoint covers the inbox row (handler name + event id), the handler's
effects and its outbox rows. An entry whose handler raises is rolled back to its savepoint and
left pending for the reclaimer; after the batch commits, exactly the committed entries are
XACKed. Unknown types are acked with no effect; a known type with invalid data is poison and
fails like a raising handler, so it ends as a dead letter (DESIGN.md §4).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from redis.asyncio import Redis

from shared.contracts.catalog import EventCatalog, PoisonEvent
from shared.contracts.envelope import Envelope, Event, MalformedEntry
from shared.messaging.context import handling
from shared.messaging.inbox import first_delivery
from shared.messaging.outbox import Clock, utcnow
from shared.messaging.streams import failures_key
from shared.observability.metrics import EVENTS_CONSUMED, HANDLER_SECONDS
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

Entry = tuple[bytes, Mapping[bytes, bytes]]


@dataclass(frozen=True)
class HandlerContext:
    uow: Any  # the service's UnitOfWork subclass
    envelope: Envelope
    now: datetime


@dataclass(frozen=True)
class Handler:
    """A consumer: `name` is its stable logical name, the inbox key (never a replica's name)."""

    name: str
    event: type[Event]
    apply: Callable[[Any, HandlerContext], Awaitable[None]]


class ConsumerRunner:
    def __init__(
        self,
        *,
        service: str,
        namespace: str,
        catalog: EventCatalog,
        handlers: Sequence[Handler],
        uows: UnitOfWorkFactory[Any],
        redis: Redis,
        clock: Clock = utcnow,
    ):
        self.service = service
        self.group = service
        self._catalog = catalog
        self._uows = uows
        self._redis = redis
        self._clock = clock
        self._failures = failures_key(namespace, service)
        self._by_type: dict[str, list[Handler]] = {}
        for handler in handlers:
            self._by_type.setdefault(handler.event.type, []).append(handler)
        self.handled = 0
        self.failed = 0

    @property
    def event_types(self) -> list[str]:
        return sorted(self._by_type)

    async def process(self, stream: str, entries: Sequence[Entry]) -> list[bytes]:
        """Apply entries in one transaction; XACK and return the ids that committed."""
        done: list[bytes] = []
        failed: dict[bytes, str] = {}
        async with self._uows() as uow:
            for entry_id, fields in entries:
                error = await self._apply_entry(uow, stream, fields)
                if error is None:
                    done.append(entry_id)
                else:
                    failed[entry_id] = error
            await uow.commit()
        await self._acknowledge(stream, done, failed)
        self.handled += len(done)
        self.failed += len(failed)
        return done

    async def _apply_entry(
        self, uow: UnitOfWork, stream: str, fields: Mapping[bytes, bytes]
    ) -> str | None:
        try:
            envelope = Envelope.from_fields(fields)
            event = self._catalog.parse(envelope)
        except (MalformedEntry, PoisonEvent) as error:
            log.error("poison_entry", stream=stream, error=str(error))
            self._count(fields.get(b"type", b"?"), "poison")
            return f"poison: {error}"
        handlers = self._by_type.get(envelope.type, []) if event is not None else []
        if not handlers:
            log.debug("event_ignored", stream=stream, event_type=envelope.type)
            self._count(envelope.type, "ignored")
            return None
        with handling(envelope, stream):
            for handler in handlers:
                error_text = await self._apply_handler(uow, handler, envelope, event, stream)
                if error_text is not None:
                    self._count(envelope.type, "failed")
                    return error_text
        self._count(envelope.type, "handled")
        return None

    async def _apply_handler(
        self, uow: UnitOfWork, handler: Handler, envelope: Envelope, event: Any, stream: str
    ) -> str | None:
        now = self._clock()
        started = time.perf_counter()
        try:
            async with uow.session.begin_nested():
                if not await first_delivery(
                    uow.session, handler.name, str(envelope.id), stream, now
                ):
                    log.debug("event_already_handled", handler=handler.name)
                    return None
                await handler.apply(event, HandlerContext(uow, envelope, now))
                await uow.flush()
        except Exception as error:
            log.warning("handler_failed", handler=handler.name, error=repr(error))
            return f"{handler.name}: {error!r}"[:2000]
        finally:
            HANDLER_SECONDS.labels(self.service, handler.name).observe(
                time.perf_counter() - started
            )
        log.debug("event_handled", handler=handler.name)
        return None

    def _count(self, event_type: str | bytes, outcome: str) -> None:
        if isinstance(event_type, bytes):
            event_type = event_type.decode(errors="replace")[:200]
        EVENTS_CONSUMED.labels(self.service, event_type, outcome).inc()

    async def _acknowledge(self, stream: str, done: list[bytes], failed: dict[bytes, str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            if done:
                pipe.xack(stream, self.group, *done)
                pipe.hdel(self._failures, *(_failure_field(stream, i) for i in done))
            if failed:
                pipe.hset(
                    self._failures,
                    mapping={_failure_field(stream, i): text for i, text in failed.items()},
                )
            await pipe.execute()


def _failure_field(stream: str, entry_id: bytes | str) -> str:
    return f"{stream}|{entry_id.decode() if isinstance(entry_id, bytes) else entry_id}"
