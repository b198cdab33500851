"""Agencies that read Kesos events: each reads its own feed, with its own user and group.

An agency granted `cases` and `training` gets the feed `<ns>.feed.<agency>`, to which the relays
of those services copy every entry of their public streams, and the user
`<ns>-agency-<agency>`, which may read that feed with the consumer group `<agency>` and nothing
else (`shared.messaging.users`). It never touches a service's stream: Redis ACLs cannot confine
a user to one consumer group, and XREADGROUP with NOACK on a service's group would make its
entries vanish for that service (docs/adr/0005). Restricted channels are never granted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import cast

from redis.asyncio import Redis

from shared.contracts.identity import fit_for_agencies
from shared.messaging import topology
from shared.messaging.streams import events_stream
from shared.messaging.subscriber import create_groups
from shared.messaging.users import (
    agency_user,
    apply_rules,
    apply_user,
    disconnect,
    feed_stream,
    granted_agencies,
    grants_key,
    remove_user,
    save_users,
    service_user,
)

HISTORY_PAGE = 500
RawEntries = list[tuple[bytes, dict[bytes, bytes]]]


class UnknownAgency(LookupError):
    pass


def agencies_key(namespace: str) -> str:
    """Hash of agency → what it was granted and when (for `kesos agency list`)."""
    return f"{namespace}.agencies"


async def grant(
    admin: Redis,
    namespace: str,
    agency: str,
    producers: Iterable[str],
    *,
    password: str | None,
    history: bool = False,
    maxlen: int = 1_000_000,
) -> bool:
    """Create the agency (with `password`) or, when it exists, set what it is granted to exactly
    `producers`' public streams; with `history`, copy what those streams hold now to its feed.
    True when the server saved its users (grant, rotate and revoke alike: `save_users`)."""
    granted = sorted(set(producers))
    unknown = [p for p in granted if not topology.grantable(p)]
    if unknown or not granted:
        raise ValueError(f"grant one or more of {', '.join(topology.SERVICES)}, not {unknown}")
    user = agency_user(namespace, agency)
    if password is not None:
        await apply_user(admin, user, password)
    feed = feed_stream(namespace, agency)
    await create_groups(admin, [feed], agency)
    for producer in topology.SERVICES:
        key = grants_key(namespace, producer)
        if producer in granted:  # the relay may write the feed first, then is told to
            await _feeds_of(admin, namespace, producer, add=agency)
            stream = events_stream(namespace, producer)
            # The history goes first, so the feed keeps the stream's order; what the stream
            # took while it was copied follows once the relay writes the feed too (an entry
            # both copied and relayed is one event id, which readers deduplicate).
            copied = await _copy(admin, stream, feed, maxlen) if history else None
            await admin.sadd(key, agency)
            if copied is not None:
                await _copy(admin, stream, feed, maxlen, after=copied)
        else:
            await admin.srem(key, agency)
            await _feeds_of(admin, namespace, producer)
    record = {"streams": granted, "granted_at": datetime.now(UTC).isoformat()}
    await admin.hset(agencies_key(namespace), agency, json.dumps(record))
    return await save_users(admin)


async def exists(admin: Redis, namespace: str, agency: str) -> bool:
    return bool(await admin.hexists(agencies_key(namespace), agency))


async def rotate(admin: Redis, namespace: str, agency: str, password: str) -> bool:
    """A new password; the old one stops working at once."""
    if not await exists(admin, namespace, agency):
        raise UnknownAgency(agency)
    user = agency_user(namespace, agency)
    await apply_user(admin, user, password)
    await disconnect(admin, user.name)  # a connection logged in with the old one ends too
    return await save_users(admin)


async def revoke(admin: Redis, namespace: str, agency: str) -> bool:
    """The user, its grants and its feed go; its connections are dropped by Redis."""
    if not await exists(admin, namespace, agency):
        raise UnknownAgency(agency)
    for producer in topology.SERVICES:
        await admin.srem(grants_key(namespace, producer), agency)
        await _feeds_of(admin, namespace, producer)
    await remove_user(admin, agency_user(namespace, agency).name)
    await admin.delete(feed_stream(namespace, agency))
    await admin.hdel(agencies_key(namespace), agency)
    return await save_users(admin)


async def granted(admin: Redis, namespace: str) -> dict[str, list[str]]:
    """Every agency and the services whose public streams it reads."""
    raw = await admin.hgetall(agencies_key(namespace))
    return {
        (name.decode() if isinstance(name, bytes) else name): json.loads(record)["streams"]
        for name, record in sorted(raw.items())
    }


async def _feeds_of(admin: Redis, namespace: str, producer: str, add: str | None = None) -> None:
    """Re-apply the producer's user with exactly the feeds of the agencies granted its stream
    (and `add`): a service may write no other agency's feed."""
    feeds = {*await granted_agencies(admin, namespace, producer), *([add] if add else [])}
    await apply_rules(admin, service_user(namespace, producer, feeds=sorted(feeds)))


async def _copy(admin: Redis, source: str, feed: str, maxlen: int, after: str = "-") -> str:
    """Every entry `source` holds after `after`, appended to the feed — except entries written
    before identities and protected categories left the public streams; the last id read."""
    while True:
        start = after if after == "-" else f"({after}"
        page = cast(RawEntries, await admin.xrange(source, min=start, max="+", count=HISTORY_PAGE))
        if not page:
            return after
        async with admin.pipeline(transaction=False) as pipe:
            for _, fields in page:
                if fit_for_agencies(fields):
                    pipe.xadd(feed, fields, maxlen=maxlen, approximate=True)  # type: ignore[arg-type]
            await pipe.execute()
        last = page[-1][0]
        after = last.decode() if isinstance(last, bytes) else last
