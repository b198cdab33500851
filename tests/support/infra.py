"""Real Redis and PostgreSQL for tests: TEST_REDIS_URL / TEST_DATABASE_URL when set, else
testcontainers when a Docker engine answers, else skip — and under CI=true nothing may skip."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def unavailable(what: str) -> None:
    message = f"{what} is not available (set TEST_REDIS_URL / TEST_DATABASE_URL or run Docker)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"under CI=true no test may skip: {message}")
    pytest.skip(message)


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


@contextmanager
def redis_service() -> Iterator[str | None]:
    if url := os.environ.get("TEST_REDIS_URL"):
        yield url
    elif _docker_answers():
        from testcontainers.redis import RedisContainer

        with RedisContainer("redis:7-alpine") as container:
            host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
            yield f"redis://{host}:{port}/0"
    else:
        yield None


@contextmanager
def postgres_service() -> Iterator[str | None]:
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
    elif _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:15-alpine", driver="asyncpg") as container:
            yield container.get_connection_url()
    else:
        yield None


class PostgresDatabases:
    """Creates and drops databases on one server; every test gets its own."""

    def __init__(self, admin_url: str):
        self.admin_url = make_url(admin_url)
        self.template: str | None = None  # a migrated database that tests copy

    async def drop_templates(self) -> None:
        if self.template is not None:
            await self.drop(self.template)
            self.template = None

    def url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    async def create(self, prefix: str, template: str | None = None) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        clause = f' TEMPLATE "{template}"' if template else ""
        await self.execute(f'CREATE DATABASE "{name}"{clause}')
        return name

    async def drop(self, name: str) -> None:
        await self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def execute(self, statement: str) -> None:
        engine = create_async_engine(
            self.admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
        )
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()
