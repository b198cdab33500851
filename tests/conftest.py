from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog
from redis.asyncio import Redis

from shared.local_redis import LocalRedis
from shared.persistence.engine import create_engine
from shared.settings import with_password
from tests.support import tally
from tests.support.apps import RunningApps
from tests.support.bus_users import ADMIN, BusUsers, owned_acl_file
from tests.support.infra import PostgresDatabases, postgres_service, redis_service, unavailable
from tests.support.nodes import Store
from tests.support.stores import Templates


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_service() as url:
        if url is None:
            unavailable("Redis")
        yield url  # type: ignore[misc]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    with postgres_service() as url:
        if url is None:
            unavailable("PostgreSQL")
        databases = PostgresDatabases(url)  # type: ignore[arg-type]
        yield databases
        asyncio.run(databases.drop_templates())


@pytest.fixture
def namespace() -> str:
    """A stream namespace per test: tests share one Redis and never FLUSHALL."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def redis(redis_url: str, namespace: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{namespace}.*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def bus_users(redis_url: str, namespace: str, tmp_path: Path) -> AsyncIterator[BusUsers]:
    """Least-privilege Redis users for this test's namespace, removed after it."""
    users = BusUsers(redis_url, namespace, tmp_path / "secrets")
    yield users
    await users.close()


@dataclass
class OwnedRedis:
    """A server this test owns (AOF, fsync always), its default user off (docs/adr/0005)."""

    server: LocalRedis
    admin_url: str
    users: BusUsers


@pytest.fixture
async def owned_redis(tmp_path: Path, namespace: str) -> AsyncIterator[OwnedRedis]:
    acl_file, password = owned_acl_file(tmp_path / "acl")
    server = LocalRedis(tmp_path / "redis", fsync="always", acl_file=acl_file)
    server.start()
    try:
        admin_url = with_password(f"redis://{ADMIN}@127.0.0.1:{server.port}/0", password)
        yield OwnedRedis(server, admin_url, BusUsers(admin_url, namespace, tmp_path / "secrets"))
    finally:
        server.stop()


@pytest.fixture
async def running_apps() -> AsyncIterator[RunningApps]:
    """Service apps started in-process by a test, stopped after it."""
    apps = RunningApps()
    yield apps
    await apps.close()


@pytest.fixture(autouse=True)
def reset_faults() -> Iterator[None]:
    yield
    tally.Faults.fail_values = set()
    tally.Faults.hold = None
    tally.Faults.held = []
    tally.Faults.gate = None
    structlog.contextvars.clear_contextvars()


StoreFactory = Callable[[str], Awaitable[Store]]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory.mktemp("templates"))


@pytest.fixture
async def make_store(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> AsyncIterator[Callable[[str, str], Awaitable[Store]]]:
    """`await make_store(kind, name)` → a migrated store; PostgreSQL databases are dropped after."""
    opened: list[Store] = []
    dropped: list[tuple[PostgresDatabases, str]] = []

    async def make(kind: str, name: str) -> Store:
        if kind == "sqlite":
            url = await templates.sqlite_copy(tmp_path / f"{name}.db")
        else:
            databases: PostgresDatabases = request.getfixturevalue("postgres")
            database, url = await templates.postgres_copy(databases, name)
            dropped.append((databases, database))
        store = Store(url, create_engine(url))
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.engine.dispose()
    for databases, database in dropped:
        await databases.drop(database)
