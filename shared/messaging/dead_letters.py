"""Dead letters: entries a service gave up on, kept with their error for an operator.

An operator lists them, replays one after the fault is fixed, or discards it. A replay is asked
for (`<ns>.<service>.replays`), not written: the service itself moves the letter to its retry
stream (`<ns>.<service>.retry`, which only it reads, so other groups and agencies never see it
twice). So the operator's Redis user can write no entry a service would apply — only the service
writes its dead letters and its retries (docs/adr/0005).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.messaging.streams import dead_stream, failure_field, replays_key, retry_stream

log = structlog.get_logger(__name__)

RawEntry = tuple[bytes, dict[bytes, bytes]]
RawEntries = list[RawEntry]  # (a module alias: DeadLetters.list shadows `list` in the class)
DEAD_FIELDS = ("dead_error", "dead_stream", "dead_group", "dead_id", "dead_deliveries")
FORGED = "forged"  # the error's prefix for an entry whose producer does not own its stream


@dataclass(frozen=True)
class DeadLetter:
    id: str
    fields: dict[str, str]  # the original entry

    error: str
    stream: str
    group: str
    original_id: str
    deliveries: int

    @classmethod
    def from_entry(cls, entry_id: bytes | str, raw: dict[bytes, bytes]) -> DeadLetter:
        fields = {k.decode(): v.decode() for k, v in raw.items()}
        original = {k: v for k, v in fields.items() if k not in DEAD_FIELDS}
        return cls(
            id=entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
            fields=original,
            error=fields.get("dead_error", ""),
            stream=fields.get("dead_stream", ""),
            group=fields.get("dead_group", ""),
            original_id=fields.get("dead_id", ""),
            deliveries=int(fields.get("dead_deliveries", "0")),
        )

    @property
    def forged(self) -> bool:
        return self.error.startswith(f"{FORGED}:")


@dataclass(frozen=True)
class Burial:
    """An entry given up on: where it was, what it held, why, after how many deliveries."""

    entry_id: bytes
    fields: Mapping[bytes, bytes]
    error: bytes
    deliveries: int


async def bury(
    redis: Redis,
    *,
    dead: str,
    stream: str,
    group: str,
    burials: Sequence[Burial],
    maxlen: int,
    failures: str,
) -> None:
    """XADD each entry to the dead stream and XACK it in one MULTI: a crash cannot lose or
    double an entry; its recorded failure (if any) goes with it."""
    async with redis.pipeline(transaction=True) as pipe:
        for burial in burials:
            letter = {
                **burial.fields,
                b"dead_error": burial.error,
                b"dead_stream": stream.encode(),
                b"dead_group": group.encode(),
                b"dead_id": burial.entry_id,
                b"dead_deliveries": str(burial.deliveries).encode(),
            }
            pipe.xadd(dead, letter, maxlen=maxlen, approximate=True)  # type: ignore[arg-type]
            pipe.xack(stream, group, burial.entry_id)
            pipe.hdel(failures, failure_field(stream, burial.entry_id))
        await pipe.execute()


class DeadLetterNotFound(LookupError):
    pass


class ForgedLetter(ValueError):
    """A forged entry stays dead: replaying it would apply what its stream's producer never
    wrote (the retry stream carries entries of any stream)."""


class DeadLetters:
    def __init__(self, redis: Redis, *, namespace: str, service: str):
        self._redis = redis
        self.stream = dead_stream(namespace, service)
        self.retry_stream = retry_stream(namespace, service)
        self.replays = replays_key(namespace, service)

    async def list(self, after: str = "-", limit: int = 100) -> list[DeadLetter]:
        start = after if after == "-" else f"({after}"
        entries = await self._entries(start, "+", limit)
        return [DeadLetter.from_entry(entry_id, fields) for entry_id, fields in entries]

    async def count(self) -> int:
        return int(await self._redis.xlen(self.stream))

    async def get(self, dead_id: str) -> DeadLetter:
        entries = await self._entries(dead_id, dead_id, 1)
        if not entries:
            raise DeadLetterNotFound(dead_id)
        return DeadLetter.from_entry(*entries[0])

    async def _entries(self, start: str, end: str, limit: int) -> RawEntries:
        found = await self._redis.xrange(self.stream, min=start, max=end, count=limit)
        return cast(RawEntries, found)

    async def replay(self, dead_id: str) -> None:
        """Ask the service to replay a dead letter (the operator's side)."""
        if (await self.get(dead_id)).forged:  # DeadLetterNotFound
            raise ForgedLetter(dead_id)
        await self._redis.hset(self.replays, dead_id, "requested")

    async def replay_requested(self) -> int:
        """Move each letter an operator asked for to the retry stream, dropping it from the dead
        ones, atomically (the service's side, run by its reclaimer); how many moved.

        Taking the request (HDEL answering 1) comes first, so of several replicas one moves it;
        a request that names no letter, or a forged one, is dropped."""
        moved = 0
        for raw_id in await self._redis.hkeys(self.replays):
            dead_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
            if not await self._redis.hdel(self.replays, dead_id):
                continue  # another replica took it
            try:
                letter = await self.get(dead_id)
            except (DeadLetterNotFound, ResponseError):  # gone, or not an entry id at all
                continue
            if letter.forged:
                log.warning("forged_letter_not_replayed", dead_id=dead_id, stream=self.stream)
                continue
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xadd(self.retry_stream, letter.fields)  # type: ignore[arg-type]
                pipe.xdel(self.stream, dead_id)
                await pipe.execute()
            moved += 1
        return moved

    async def discard(self, dead_id: str) -> None:
        if not await self._redis.xdel(self.stream, dead_id):
            raise DeadLetterNotFound(dead_id)
