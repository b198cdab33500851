"""Async engines for a service's own store: SQLite embedded by default, PostgreSQL in production.

SQLite runs with WAL, foreign keys, a 5 s busy timeout and write transactions begun IMMEDIATE, so
two writers queue instead of failing on lock upgrade (DESIGN.md §5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


class PoolSettings(BaseSettings):
    """PostgreSQL connections per process (`KESOS_DB_POOL_SIZE`, …). The pool keeps `size` open
    once the load needed them; past that, each extra request opens and closes a connection of
    its own (a connect costs more than the request), up to `overflow` at a time. Size it to the
    requests a process serves at once, within the server's `max_connections` over all replicas.
    """

    model_config = SettingsConfigDict(env_prefix="KESOS_DB_POOL_", extra="ignore")

    size: int = Field(20, ge=1)
    overflow: int = Field(10, ge=0)
    recycle_s: int = Field(1800, ge=60)  # under the idle limits of proxies and managed servers


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # A store error's text names its statement, never its values (a NIK, a name): it is logged,
    # and a failed event's error is kept in the dead-letter stream operators read.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        return _sqlite_engine(url, **kwargs)
    pool = PoolSettings()
    # No ping before each checkout (three round trips on every request, docs/performance.md): a
    # connection the server dropped fails its request, which the pool then discards
    # (`shared.web.problems` answers it 503, retryable), and none lives past the recycle age.
    kwargs.setdefault("pool_recycle", pool.recycle_s)
    kwargs.setdefault("pool_size", pool.size)
    kwargs.setdefault("max_overflow", pool.overflow)
    return create_async_engine(url, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # One connection, so the process's transactions queue for it in arrival order. Several
        # would each take the file's write lock (BEGIN IMMEDIATE) and wait in SQLite's busy
        # handler, which sleeps up to 100 ms between tries: seconds of tail under load.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (needed for SAVEPOINT
        # and for BEGIN IMMEDIATE below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
