"""The bus as an attacker finds it (docs/adr/0005): every credential may do only its work.

Against real Redis with ACL users: a service cannot write another's stream nor read a stream it
does not consume, nor run anything an operator would fear; an agency reads only its own feed;
the unauthenticated default user of a server we own can do nothing at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, NoPermissionError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.local_redis import LocalRedis
from shared.messaging import agencies, topology
from shared.messaging.streams import dead_stream, events_stream, retry_stream
from shared.messaging.users import (
    BusUser,
    agency_user_name,
    new_password,
    operator_user,
    service_user_name,
    user_url,
)
from shared.settings import with_password
from tests.support.bus_users import ADMIN, BusUsers, owned_acl_file

pytestmark = pytest.mark.integration

ENTRY = {"id": "00000000-0000-4000-8000-000000000001", "data": "{}"}
# What no service user may ever run. The destructive ones are put to Redis's ACL engine
# (ACL DRYRUN) rather than run on the shared server; the others are run and refused.
DESTRUCTIVE = [("FLUSHALL",), ("FLUSHDB",), ("SHUTDOWN", "NOSAVE"), ("DEBUG", "SLEEP", "0")]
HARMLESS = [
    ("CONFIG", "GET", "*"),
    ("KEYS", "*"),
    ("MODULE", "LIST"),
    ("ACL", "LIST"),
    ("SCAN", "0"),
    ("INFO",),
    ("CLIENT", "LIST"),
    ("PUBLISH", "x", "y"),
    ("EVAL", "return 1", "0"),
]
NO_RETRY = Retry(NoBackoff(), 0)  # a refused login is final here: no back-off and retry


@pytest.fixture
async def as_service(bus_users: BusUsers) -> AsyncIterator[dict[str, Redis]]:
    """Each Kesos service's own connection, as its own Redis user."""
    clients = {}
    for name in topology.SERVICES:
        access = await bus_users.service(name)
        clients[name] = Redis.from_url(access.authenticated_url())
    yield clients
    for client in clients.values():
        await client.aclose()


def all_streams(namespace: str) -> list[str]:
    producers = [(p, c) for p in topology.SERVICES for c in topology.channels_written(p)]
    return [events_stream(namespace, p, c) for p, c in producers]


async def test_a_service_may_write_only_its_own_streams(as_service, namespace):
    for service, client in as_service.items():
        own = set(topology.streams_written(namespace, service))
        for stream in all_streams(namespace):
            if stream in own:
                assert await client.xadd(stream, ENTRY)
            else:
                with pytest.raises(NoPermissionError):
                    await client.xadd(stream, ENTRY)
        other = next(s for s in topology.SERVICES if s != service)
        assert await client.xadd(retry_stream(namespace, service), ENTRY)  # its replays
        for foreign in (retry_stream(namespace, other), dead_stream(namespace, other)):
            with pytest.raises(NoPermissionError):
                await client.xadd(foreign, ENTRY)


async def test_a_service_reads_only_the_streams_it_consumes(as_service, redis, namespace):
    for stream in all_streams(namespace):
        await redis.xadd(stream, ENTRY)
    for service, client in as_service.items():
        reads = set(topology.streams_read(namespace, service))
        for stream in all_streams(namespace):
            if stream in reads:
                await client.xgroup_create(stream, service, id="0")
                assert await client.xreadgroup(service, "c1", {stream: ">"})
            else:
                with pytest.raises(NoPermissionError):
                    await client.xreadgroup(service, "c1", {stream: ">"})
            with pytest.raises(NoPermissionError):  # reading outside a group: never
                await client.xrange(stream)


async def test_the_restricted_streams_have_exactly_one_reader(as_service, namespace):
    for (producer, channel), reader in topology.RESTRICTED.items():
        stream = events_stream(namespace, producer, channel)
        for service, client in as_service.items():
            if service == reader:
                await client.xgroup_create(stream, service, id="0", mkstream=True)
                continue
            with pytest.raises(NoPermissionError):
                await client.xgroup_create(stream, service, id="0", mkstream=True)


@pytest.mark.parametrize("command", HARMLESS, ids=lambda c: c[0])
async def test_no_service_may_run_what_an_operator_would_fear(as_service, command):
    for client in as_service.values():
        with pytest.raises(NoPermissionError):
            await client.execute_command(*command)


@pytest.mark.parametrize("command", DESTRUCTIVE, ids=lambda c: c[0])
async def test_no_service_may_destroy_the_server(as_service, redis, namespace, command):
    for service in as_service:
        user = service_user_name(namespace, service)
        verdict = await redis.execute_command("ACL", "DRYRUN", user, *command)
        assert "no permissions" in verdict.decode(), verdict


async def test_no_service_may_delete_or_trim_a_stream_it_reads_or_writes(
    as_service, redis, namespace
):
    stream = events_stream(namespace, "registry")
    entry_id = await redis.xadd(stream, ENTRY)
    for client in as_service.values():
        for command in (
            ("DEL", stream),
            ("XTRIM", stream, "MAXLEN", "0"),
            ("XDEL", stream, entry_id),
        ):
            with pytest.raises(NoPermissionError):
                await client.execute_command(*command)
    assert await redis.xlen(stream) == 1


async def test_an_agency_reads_only_its_own_feed(bus_users, as_service, redis, namespace):
    await as_service["cases"].xadd(events_stream(namespace, "cases"), ENTRY)
    agency_url = await bus_users.agency("dukcapil", ["cases"], history=True)
    other_url = await bus_users.agency("bpjs", ["training"])
    feed = f"{namespace}.feed.dukcapil"
    async with Redis.from_url(agency_url) as agency:
        [[_, entries]] = await agency.xreadgroup("dukcapil", "reader-1", {feed: ">"})
        assert [fields[b"id"].decode() for _, fields in entries] == [ENTRY["id"]]
        assert await agency.xack(feed, "dukcapil", entries[0][0]) == 1
        for attempt in (
            lambda: agency.xadd(feed, ENTRY),  # read-only: not even into its own feed
            lambda: agency.xrange(events_stream(namespace, "cases")),
            lambda: agency.xreadgroup("cases", "x", {events_stream(namespace, "cases"): ">"}),
            lambda: agency.xreadgroup("registry", "x", {events_stream(namespace, "cases"): ">"}),
            lambda: agency.xrange(events_stream(namespace, "cases", "intake")),
            lambda: agency.xreadgroup("bpjs", "x", {f"{namespace}.feed.bpjs": ">"}),
            lambda: agency.xgroup_destroy(feed, "dukcapil"),
            lambda: agency.delete(feed),
            lambda: agency.execute_command("FLUSHALL"),
        ):
            with pytest.raises(NoPermissionError):
                await attempt()
    async with Redis.from_url(other_url) as other:
        assert await other.xreadgroup("bpjs", "r", {f"{namespace}.feed.bpjs": ">"}) == []


async def test_an_agency_cannot_be_granted_a_restricted_stream(redis, namespace):
    with pytest.raises(ValueError):
        await agencies.grant(redis, namespace, "x", ["cases.intake"], password=new_password())


async def test_rotating_cuts_the_old_password_and_removing_cuts_everything(
    bus_users, redis, namespace
):
    old_url = await bus_users.agency("bappeda", ["registry"])
    live = Redis.from_url(old_url, retry=NO_RETRY)  # logged in before the rotation
    assert await live.ping()
    new = new_password()
    await agencies.rotate(redis, namespace, "bappeda", new)
    with pytest.raises((RedisConnectionError, AuthenticationError)):
        await live.ping()  # its connection was closed; logging in again fails
    await live.aclose()
    with pytest.raises(AuthenticationError):
        async with Redis.from_url(old_url, retry=NO_RETRY) as agency:
            await agency.ping()
    user = agency_user_name(namespace, "bappeda")
    new_url = with_password(user_url(bus_users.admin_url, user), new)
    async with Redis.from_url(new_url) as agency:
        assert await agency.ping()
    await agencies.revoke(redis, namespace, "bappeda")
    with pytest.raises(AuthenticationError):
        async with Redis.from_url(new_url, retry=NO_RETRY) as agency:
            await agency.ping()
    assert not await redis.exists(f"{namespace}.feed.bappeda")
    assert await agencies.granted(redis, namespace) == {}


@pytest.fixture
def owned_server(tmp_path: Path) -> Iterator[tuple[LocalRedis, str]]:
    acl_file, password = owned_acl_file(tmp_path / "acl")
    server = LocalRedis(tmp_path / "redis", acl_file=acl_file)
    server.start()
    try:
        yield server, with_password(f"redis://{ADMIN}@127.0.0.1:{server.port}/0", password)
    finally:
        server.stop()


async def test_the_unauthenticated_default_user_can_do_nothing(owned_server):
    server, admin_url = owned_server
    attempts = [("PING",), ("XADD", "k", "*", "f", "v"), ("XRANGE", "k", "-", "+")]
    async with Redis(port=server.port, retry=NO_RETRY) as anonymous:
        for command in [*attempts, *HARMLESS, *DESTRUCTIVE]:  # our own server: run them all
            with pytest.raises((AuthenticationError, ResponseError)) as refused:
                await anonymous.execute_command(*command)
            assert "NOAUTH" in str(refused.value) or "auth" in str(refused.value).lower()
        with pytest.raises((AuthenticationError, ResponseError)):
            await anonymous.execute_command("AUTH", "default", "")
    async with Redis.from_url(admin_url) as admin:  # while its administrator can
        assert await admin.ping()


async def test_history_granted_to_an_agency_leaves_out_entries_that_identify_someone(
    bus_users, redis, namespace
):
    stream = events_stream(namespace, "registry")
    identified = '{"worker_id": "w-1", "name": "Siti Aminah", "phone": "+6281234567890"}'
    legacy = {"id": "1", "type": "kesos.registry.worker_registered.v1", "data": identified}
    public = {"id": "2", "type": "kesos.registry.worker_registered.v2",
              "data": '{"worker_id": "w-1", "role": "psm", "name": null}'}  # fmt: skip
    protected = {"id": "3", "type": "kesos.registry.person_registered.v1",
                 "data": '{"person_id": "p-1", "categories": ["LUT", "ODHA"]}'}  # fmt: skip
    for entry in (legacy, public, protected):
        await redis.xadd(stream, entry)
    await bus_users.agency("bappeda", ["registry"], history=True)
    copied = await redis.xrange(f"{namespace}.feed.bappeda")
    assert [fields[b"id"] for _, fields in copied] == [b"2"]  # no identity, no protected code


async def test_why_agencies_never_read_a_services_stream(bus_users, redis, namespace):
    """XREADGROUP needs only read rights, and no ACL names a group: a read-only user on a
    shared stream could read a service's group with NOACK and the service would never see
    those entries. Hence the feeds (docs/adr/0005 §2)."""
    stream = events_stream(namespace, "cases")
    await redis.xgroup_create(stream, "registry", id="0", mkstream=True)
    await redis.xadd(stream, ENTRY)
    rules = ("resetchannels", "-@all", "+xreadgroup", f"%R~{stream}")  # read-only on the key
    thief = await bus_users.user(BusUser(f"{namespace}-read-only", rules))
    async with Redis.from_url(thief.authenticated_url()) as client:
        stolen = await client.xreadgroup("registry", "x", {stream: ">"}, noack=True)
    assert len(stolen[0][1]) == 1
    assert await redis.xreadgroup("registry", "registry-1", {stream: ">"}) == []  # gone


async def test_a_service_writes_only_the_feeds_of_agencies_granted_its_stream(
    bus_users, as_service, namespace
):
    await bus_users.agency("bps", ["cases"])
    feed = f"{namespace}.feed.bps"
    assert await as_service["cases"].xadd(feed, ENTRY)  # granted: the relay copies to it
    for other in ("registry", "training", "notifications"):
        with pytest.raises(NoPermissionError):
            await as_service[other].xadd(feed, ENTRY)


async def test_the_operator_asks_for_replays_and_writes_no_entry_a_service_applies(
    bus_users, redis, namespace
):
    operator = await bus_users.user(operator_user(namespace))
    dead = dead_stream(namespace, "registry")
    dead_id = await redis.xadd(dead, ENTRY)
    async with Redis.from_url(operator.authenticated_url()) as client:
        assert [e for e, _ in await client.xrange(dead)] == [dead_id]
        await client.hset(f"{namespace}.registry.replays", dead_id, "requested")
        # Not a dead letter either: it would ask its own forgery to be replayed.
        for stream in (
            dead,
            retry_stream(namespace, "registry"),
            events_stream(namespace, "training"),
        ):
            with pytest.raises(NoPermissionError):
                await client.xadd(stream, ENTRY)
