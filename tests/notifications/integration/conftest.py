"""The notifications service on a real store and Redis, built the way `app.py` builds it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from services.notifications import MIGRATIONS
from services.notifications.app import build_app
from services.notifications.domain.channels import Channel
from services.notifications.settings import DispatcherSettings
from shared.persistence.migrate import migrate_async
from shared.security import SecuritySettings
from shared.settings import BusSettings, ServiceSettings
from tests.notifications.integration.story import SECRET, Notifications


def dispatcher_settings(export_file: Path, **overrides: Any) -> DispatcherSettings:
    values: dict[str, Any] = {
        "export_file": export_file,
        "poll_s": 0.2,
        "backoff_base_s": 0.05,
        "backoff_max_s": 0.2,
        "max_attempts": 3,
        "send_timeout_s": 5.0,
        "lease_s": 30.0,
    }
    return DispatcherSettings(**{**values, **overrides})


def bus_settings_for(namespace: str) -> BusSettings:
    return BusSettings(
        namespace=namespace,
        consumer="notifications-test",
        min_idle_ms=1000,
        reclaim_interval_s=0.2,
        relay_poll_s=0.2,
        block_ms=200,
    )


MakeNotifications = Callable[..., Awaitable[Notifications]]


@pytest.fixture
async def make_notifications(
    make_store, redis_url: str, redis: Redis, namespace: str, tmp_path: Path
) -> AsyncIterator[MakeNotifications]:
    started: list[tuple[Any, httpx.AsyncClient]] = []

    async def make(
        kind: str = "sqlite", *, channel: Channel | None = None, **dispatcher: Any
    ) -> Notifications:
        store = await make_store(kind, "notifications")
        await migrate_async(store.url, MIGRATIONS)
        export_file = tmp_path / "var" / "notifications" / "outbox.jsonl"
        app = build_app(
            ServiceSettings("notifications", store.url, redis_url, "127.0.0.1", 0),
            bus_settings=bus_settings_for(namespace),
            security=SecuritySettings(jwt_secret=SECRET),
            channel=channel,
            dispatcher_settings=dispatcher_settings(export_file, **dispatcher),
        )
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://notifications.test")
        started.append((lifespan, client))
        return Notifications(app, client, redis, namespace, export_file, store.url)

    yield make
    for lifespan, client in started:
        await client.aclose()
        await lifespan.__aexit__(None, None, None)
