"""The outbox relay: one active per service on PostgreSQL, in id order, woken by commits."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.messaging.streams import events_stream
from shared.messaging.users import feed_stream, grants_key
from tests.support import tally
from tests.support.nodes import counter_bus, settings_for_tests
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_only_one_relay_per_service_publishes_on_postgresql(
    make_store, redis_url, redis, namespace
):
    store = await make_store("postgresql", "counter")
    settings = settings_for_tests(namespace, "c1")
    (first, uows), (second, _) = (
        counter_bus(store, redis_url, settings),
        counter_bus(store, redis_url, settings),
    )
    await first.start()
    await second.start()
    try:
        for value in range(200):
            async with uows() as uow:
                await tally.set_counter(uow, f"k{value % 4}", value)
                await uow.commit()
        stream = events_stream(namespace, "counter")
        await eventually(lambda: _equals(redis.xlen(stream), 200), message="200 on the stream")
        # A relay counts a row once it is marked published, just after its XADD: wait for that.
        await eventually(
            lambda: first.relay.published + second.relay.published == 200, message="all marked"
        )
        assert sorted([first.relay.published, second.relay.published]) == [0, 200]
    finally:
        await first.stop()
        await second.stop()
    assert await redis.xlen(stream) == 200


async def test_the_standby_relay_takes_over_when_the_leader_stops(
    make_store, redis_url, redis, namespace
):
    store = await make_store("postgresql", "counter")
    settings = settings_for_tests(namespace, "c1")
    (leader, uows), (standby, _) = (
        counter_bus(store, redis_url, settings),
        counter_bus(store, redis_url, settings),
    )
    await leader.start()
    async with uows() as uow:
        await tally.set_counter(uow, "a", 1)
        await uow.commit()
    stream = events_stream(namespace, "counter")
    await eventually(lambda: redis.xlen(stream), message="leader published")
    await standby.start()
    await leader.stop()
    try:
        async with uows() as uow:
            await tally.set_counter(uow, "a", 2)
            await uow.commit()
        await eventually(lambda: _equals(redis.xlen(stream), 2), message="standby published")
        await eventually(lambda: standby.relay.published == 1, message="standby marked it")
        assert leader.relay.published == 1
    finally:
        await standby.stop()


async def test_a_leader_whose_lock_connection_dies_steps_down(
    make_store, redis_url, redis, namespace
):
    """The lock dies with its connection, silently: a standby may take it, and the old leader
    must notice before its next round instead of publishing beside the new one."""
    store = await make_store("postgresql", "counter")
    settings = settings_for_tests(namespace, "c1")
    (leader, uows), (standby, _) = (
        counter_bus(store, redis_url, settings),
        counter_bus(store, redis_url, settings),
    )
    await leader.start()
    await eventually(lambda: leader.relay.leading, message="leader leads")
    await standby.start()
    try:
        killed = await _advisory_lock_holders(store.url, terminate=True)
        assert len(killed) == 1

        async def one_leader_on_a_live_lock() -> bool:
            holders = await _advisory_lock_holders(store.url)
            leading = [leader.relay.leading, standby.relay.leading].count(True)
            return len(holders) == 1 and not holders & killed and leading == 1

        await eventually(one_leader_on_a_live_lock, message="exactly one relay leads again")
        async with uows() as uow:
            await tally.set_counter(uow, "a", 1)
            await uow.commit()
        stream = events_stream(namespace, "counter")
        await eventually(lambda: _equals(redis.xlen(stream), 1), message="published")
        await eventually(
            lambda: leader.relay.published + standby.relay.published == 1, message="marked once"
        )
    finally:
        await standby.stop()
        await leader.stop()


async def _advisory_lock_holders(url: str, *, terminate: bool = False) -> set[int]:
    """Backends holding an advisory lock in the store's database (terminated, if asked)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    query = (
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    try:
        async with engine.connect() as connection:
            pids = {row.pid for row in await connection.execute(text(query))}
            for pid in pids if terminate else ():
                await connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        return pids
    finally:
        await engine.dispose()


async def test_per_aggregate_order_is_kept_on_the_stream(
    store_kind, make_store, redis_url, redis, namespace
):
    store = await make_store(store_kind, "counter")
    bus, uows = counter_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    for value in range(50):
        async with uows() as uow:
            await tally.set_counter(uow, "a", value)
            await uow.commit()
    await bus.relay.publish_pending()
    entries = await redis.xrange(events_stream(namespace, "counter"))
    assert [int(fields[b"sequence"]) for _, fields in entries] == list(range(1, 51))
    await bus.redis.aclose()


async def _equals(value, expected) -> bool:
    return (await value) == expected


async def test_a_commit_wakes_the_relay_without_waiting_for_its_poll(
    make_store, redis_url, redis, namespace
):
    store = await make_store("sqlite", "counter")
    bus, uows = counter_bus(store, redis_url, settings_for_tests(namespace, "c1", relay_poll_s=600))
    await bus.start()
    try:
        async with uows() as uow:
            await tally.set_counter(uow, "a", 1)
            await uow.commit()
        stream = events_stream(namespace, "counter")
        await eventually(
            lambda: redis.xlen(stream), timeout=10, message="published long before the poll"
        )
    finally:
        await bus.stop()


async def test_a_commit_during_a_publish_round_is_not_missed(
    make_store, redis_url, redis, namespace
):
    store = await make_store("sqlite", "counter")
    bus, uows = counter_bus(store, redis_url, settings_for_tests(namespace, "c1", relay_poll_s=600))
    mark_published = bus.relay._mark_published
    rounds = []

    async def commit_meanwhile(ids: list[int]) -> None:
        if not rounds:  # the first round: another request commits while we publish
            rounds.append(ids)
            async with uows() as uow:
                await tally.set_counter(uow, "b", 1)
                await uow.commit()
        await mark_published(ids)

    bus.relay._mark_published = commit_meanwhile  # type: ignore[method-assign]
    await bus.start()
    try:
        async with uows() as uow:
            await tally.set_counter(uow, "a", 1)
            await uow.commit()
        stream = events_stream(namespace, "counter")
        await eventually(
            lambda: _equals(redis.xlen(stream), 2), timeout=10, message="both published"
        )
    finally:
        await bus.stop()


async def test_the_relay_copies_its_public_stream_to_each_granted_agencys_feed(
    make_store, redis_url, redis, namespace
):
    store = await make_store("sqlite", "counter")
    relay, uows = counter_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    await redis.sadd(grants_key(namespace, "counter"), "bps")
    await relay.start()
    try:
        for value in range(5):
            async with uows() as uow:
                await tally.set_counter(uow, "k", value)
                await uow.commit()
        stream, feed = events_stream(namespace, "counter"), feed_stream(namespace, "bps")
        await eventually(lambda: _equals(redis.xlen(feed), 5), message="5 in the feed")
        await redis.srem(grants_key(namespace, "counter"), "bps")  # revoked: no more copies
        async with uows() as uow:
            await tally.set_counter(uow, "k", 99)
            await uow.commit()
        await eventually(lambda: _equals(redis.xlen(stream), 6), message="6 on the stream")
    finally:
        await relay.stop()
    ids = [[f[b"id"] for _, f in await redis.xrange(key)] for key in (stream, feed)]
    assert ids[1] == ids[0][:5]  # the same entries, in the same order


async def test_a_feed_the_relay_may_no_longer_write_never_repeats_the_public_stream(
    make_store, bus_users, redis, namespace
):
    """Granted in Redis but not (yet) in the service's rights: that agency misses the entries;
    the service's own stream gets each once, and the outbox empties."""
    store = await make_store("sqlite", "counter")
    stream = events_stream(namespace, "counter")
    user = await bus_users.service("counter", reads=[], writes=[stream])  # no feed rights
    await redis.sadd(grants_key(namespace, "counter"), "bps")
    relay, uows = counter_bus(store, user.authenticated_url(), settings_for_tests(namespace, "c1"))
    await relay.start()
    try:
        for value in range(3):
            async with uows() as uow:
                await tally.set_counter(uow, "k", value)
                await uow.commit()
        await eventually(lambda: _equals(relay.relay.backlog(), 0), message="outbox published")
    finally:
        await relay.stop()
    ids = [fields[b"id"] for _, fields in await redis.xrange(stream)]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert not await redis.exists(feed_stream(namespace, "bps"))
