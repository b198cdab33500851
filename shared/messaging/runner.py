"""The consumer runner: applies a batch of stream entries in one transaction.

Per entry and handler, the inbox row (handler name + event id), the handler's effects and its
outbox rows commit together or not at all. The batch first runs in one transaction (one inbox
statement for all entries); if any handler raises, it is rolled back and run again with a
SAVEPOINT per entry and handler, so only the failing entries are rolled back and left pending for
the reclaimer. After the commit, exactly the committed entries are XACKed. Unknown types are
acked with no effect.

A handler may also have a batch form (`apply_many`): on the fast path it is given all of the
batch's fresh events for it at once (set-based upserts instead of one statement per event), after
the batch's other handlers ran; on the careful path the entry-by-entry form runs, so the inbox
and savepoint guarantees are the same.

Poison goes to the dead letters at once, with the reason — retrying cannot mend it: an entry
that is not an envelope, a known type whose data does not validate, and a forged entry, whose
type or `source` is not of the producer whose stream it is on (only that producer's Redis user
may write there, so a mismatch is a defect or an attack: docs/adr/0005).
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
from shared.contracts.envelope import Envelope, Event, MalformedEntry, producer_of, source_of
from shared.messaging.context import handling
from shared.messaging.dead_letters import FORGED, Burial, bury
from shared.messaging.inbox import Claim, first_deliveries
from shared.messaging.outbox import Clock, utcnow
from shared.messaging.streams import (
    dead_stream,
    failure_field,
    failures_key,
    producer_and_channel,
    retry_stream,
)
from shared.observability.metrics import EVENTS_CONSUMED, HANDLER_SECONDS
from shared.observability.tracing import (
    TraceFields,
    consuming,
    message_attributes,
    processing_batch,
)
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

Entry = tuple[bytes, Mapping[bytes, bytes]]


class HandlerFailed(Exception):
    """A handler raised while the batch ran in one transaction: run it entry by entry."""


class ForgedEntry(ValueError):
    """An entry its stream's producer cannot have written."""


@dataclass(frozen=True)
class HandlerContext:
    uow: Any  # the service's UnitOfWork subclass
    envelope: Envelope
    now: datetime


# A handler's batch form: the unit of work, the fresh events with their envelopes, in stream
# order, and the batch's clock.
ApplyMany = Callable[[Any, Sequence[tuple[Any, Envelope]], datetime], Awaitable[None]]


@dataclass(frozen=True)
class Handler:
    """A consumer: `name` is its stable logical name, the inbox key (never a replica's name).
    `apply_many`, when given, must have the effect of `apply` on each event in turn."""

    name: str
    event: type[Event]
    apply: Callable[[Any, HandlerContext], Awaitable[None]]
    apply_many: ApplyMany | None = None


@dataclass(frozen=True)
class Delivery:
    """One stream entry, read: what it is and which of our handlers want it."""

    entry_id: bytes
    envelope: Envelope | None = None
    event: Event | None = None
    handlers: tuple[Handler, ...] = ()
    poison: str | None = None
    fields: Mapping[bytes, bytes] | None = None  # kept for poison only: its dead letter

    @property
    def trace(self) -> TraceFields:
        if self.envelope is None:
            return (None, None)
        return (self.envelope.traceparent, self.envelope.tracestate)

    def claims(self) -> list[Claim]:
        if self.envelope is None:
            return []
        return [(handler.name, str(self.envelope.id)) for handler in self.handlers]


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
        maxlen: int = 1_000_000,
        clock: Clock = utcnow,
    ):
        self.service = service
        self.group = service
        self._namespace = namespace
        self._retry = retry_stream(namespace, service)
        self._dead = dead_stream(namespace, service)
        self._maxlen = maxlen
        self._catalog = catalog
        self._uows = uows
        self._redis = redis
        self._clock = clock
        self._failures = failures_key(namespace, service)
        self._by_type: dict[str, tuple[Handler, ...]] = {}
        for handler in handlers:
            self._by_type[handler.event.type] = (
                *self._by_type.get(handler.event.type, ()),
                handler,
            )
        self.handled = 0
        self.failed = 0

    @property
    def events(self) -> list[type[Event]]:
        """The event types the handlers take, as their contract classes."""
        return [handlers[0].event for _, handlers in sorted(self._by_type.items())]

    async def process(self, stream: str, entries: Sequence[Entry]) -> list[bytes]:
        """Apply entries; XACK and return the ids that committed (poison is dead-lettered)."""
        read = [self._read(stream, entry_id, fields) for entry_id, fields in entries]
        poison = [d for d in read if d.poison is not None]
        if poison:
            await self._bury(stream, poison)
        deliveries = [d for d in read if d.poison is None]
        failed: dict[bytes, str] = {}
        with processing_batch(f"process {stream}", [d.trace for d in deliveries]):
            try:
                await self._apply_together(stream, deliveries)
            except HandlerFailed:
                failed = await self._apply_one_by_one(stream, deliveries)
        done = [d.entry_id for d in deliveries if d.entry_id not in failed]
        await self._acknowledge(stream, done, failed)
        for delivery in read:
            self._count(delivery, failed)
        self.handled += len(done)
        self.failed += len(failed) + len(poison)
        return done

    def _read(self, stream: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Delivery:
        try:
            envelope = Envelope.from_fields(fields)
            self._require_producer(stream, envelope)
            event = self._catalog.parse(envelope)
        except (MalformedEntry, PoisonEvent, ForgedEntry) as error:
            kind = FORGED if isinstance(error, ForgedEntry) else "poison"
            log.error(f"{kind}_entry", stream=stream, error=str(error))
            return Delivery(entry_id, poison=f"{kind}: {error}", fields=fields)
        handlers = self._by_type.get(envelope.type, ()) if event is not None else ()
        if not handlers:
            log.debug("event_ignored", stream=stream, event_type=envelope.type)
        return Delivery(entry_id, envelope, event, handlers)

    def _require_producer(self, stream: str, envelope: Envelope) -> None:
        """The entry's type and `source` are its stream's producer's, on the right channel.

        A replay (our retry stream) may hold any stream's entry: its type and source must
        still agree."""
        producer = producer_of(envelope.type)
        if envelope.source != source_of(producer):
            raise ForgedEntry(f"{envelope.type} with source {envelope.source!r}")
        if stream == self._retry:
            return
        model = self._catalog.get(envelope.type)
        expected = (producer, model.stream_channel) if model is not None else None
        named = producer_and_channel(self._namespace, stream)
        if named is None or named[0] != producer or (expected and named != expected):
            raise ForgedEntry(f"{envelope.type} does not travel on {stream}")

    async def _bury(self, stream: str, poison: list[Delivery]) -> None:
        burials = [
            Burial(d.entry_id, d.fields or {}, (d.poison or "").encode()[:2000], 1) for d in poison
        ]
        await bury(
            self._redis, dead=self._dead, stream=stream, group=self.group, burials=burials,
            maxlen=self._maxlen, failures=self._failures,
        )  # fmt: skip
        log.error("poison_dead_lettered", stream=stream, count=len(poison), dead=self._dead)

    async def _apply_together(self, stream: str, deliveries: list[Delivery]) -> None:
        """The fast path: every entry in one transaction, no savepoints."""
        async with self._uows() as uow:
            now = self._clock()
            claims = [claim for d in deliveries for claim in d.claims()]
            fresh = await first_deliveries(uow.session, claims, stream, now)
            batched: dict[str, tuple[Handler, list[tuple[Any, Envelope]]]] = {}
            for delivery in deliveries:
                for handler, claim in zip(delivery.handlers, delivery.claims(), strict=True):
                    if claim not in fresh:
                        log.debug("event_already_handled", handler=handler.name)
                        continue
                    fresh.discard(claim)  # the same event twice in one batch applies once
                    if handler.apply_many is not None and delivery.envelope is not None:
                        _, items = batched.setdefault(handler.name, (handler, []))
                        items.append((delivery.event, delivery.envelope))
                        continue
                    error = await self._run(uow, handler, delivery, stream, now)
                    if error is not None:
                        raise HandlerFailed(error)
            for handler, items in batched.values():
                await self._run_many(uow, handler, items, now)
            await uow.commit()

    async def _apply_one_by_one(self, stream: str, deliveries: list[Delivery]) -> dict[bytes, str]:
        """The careful path: a savepoint per entry and handler; failures roll back alone."""
        failed: dict[bytes, str] = {}
        async with self._uows() as uow:
            for delivery in deliveries:
                for handler, claim in zip(delivery.handlers, delivery.claims(), strict=True):
                    error = await self._in_savepoint(uow, handler, delivery, claim, stream)
                    if error is not None:
                        failed[delivery.entry_id] = error
                        break
            await uow.commit()
        return failed

    async def _in_savepoint(
        self, uow: UnitOfWork, handler: Handler, delivery: Delivery, claim: Claim, stream: str
    ) -> str | None:
        now = self._clock()
        try:
            async with uow.session.begin_nested():
                if claim not in await first_deliveries(uow.session, [claim], stream, now):
                    return None
                error = await self._run(uow, handler, delivery, stream, now)
                if error is not None:
                    raise HandlerFailed(error)
        except HandlerFailed as failure:
            return str(failure)
        except Exception as error:  # the savepoint itself failed
            return f"{handler.name}: {error!r}"[:2000]
        return None

    async def _run(
        self, uow: UnitOfWork, handler: Handler, delivery: Delivery, stream: str, now: datetime
    ) -> str | None:
        """Run one handler inside the event's flow; the error text, or None when it succeeded."""
        envelope = delivery.envelope
        assert envelope is not None
        started = time.perf_counter()
        attributes = {
            **message_attributes(stream, str(envelope.id), envelope.type),
            "messaging.consumer.group.name": self.group,
            "kesos.handler": handler.name,
        }
        with (
            consuming(f"process {envelope.type}", context=delivery.trace, attributes=attributes),
            handling(envelope, stream),
        ):
            try:
                await handler.apply(delivery.event, HandlerContext(uow, envelope, now))
                await uow.flush()
            except Exception as error:
                uow.discard_unflushed()  # its savepoint rolls back: so do its queued rows
                log.warning("handler_failed", handler=handler.name, error=repr(error))
                return f"{handler.name}: {error!r}"[:2000]
            finally:
                HANDLER_SECONDS.labels(self.service, handler.name).observe(
                    time.perf_counter() - started
                )
            log.debug("event_handled", handler=handler.name)
        return None

    async def _run_many(
        self, uow: UnitOfWork, handler: Handler, items: list[tuple[Any, Envelope]], now: datetime
    ) -> None:
        """A handler's batch form over its fresh events; `HandlerFailed` if it raises."""
        assert handler.apply_many is not None
        started = time.perf_counter()
        try:
            await handler.apply_many(uow, items, now)
            await uow.flush()
        except Exception as error:
            uow.discard_unflushed()
            log.warning("batch_handler_failed", handler=handler.name, error=repr(error))
            raise HandlerFailed(f"{handler.name}: {error!r}"[:2000]) from error
        finally:
            HANDLER_SECONDS.labels(self.service, handler.name).observe(
                time.perf_counter() - started
            )
        log.debug("events_handled", handler=handler.name, count=len(items))

    def _count(self, delivery: Delivery, failed: dict[bytes, str]) -> None:
        if delivery.poison is not None:
            event_type, outcome = "poison", "poison"
        else:
            assert delivery.envelope is not None
            event_type = delivery.envelope.type
            outcome = (
                "failed"
                if delivery.entry_id in failed
                else ("handled" if delivery.handlers else "ignored")
            )
        EVENTS_CONSUMED.labels(self.service, event_type, outcome).inc()

    async def _acknowledge(self, stream: str, done: list[bytes], failed: dict[bytes, str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            if done:
                pipe.xack(stream, self.group, *done)
                pipe.hdel(self._failures, *(failure_field(stream, i) for i in done))
            if failed:
                pipe.hset(
                    self._failures,
                    mapping={failure_field(stream, i): text for i, text in failed.items()},
                )
            await pipe.execute()
