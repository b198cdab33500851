"""The notifications service on a real store and Redis, built the way `app.py` builds it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from services.notifications import MIGRATIONS
from services.notifications.app import build_app
from services.notifications.domain.channels import Channel
from services.notifications.settings import DispatcherSettings
from shared.persistence.migrate import migrate_async
from shared.security import SecuritySettings
from shared.settings import ServiceSettings
from tests.notifications.integration.story import SECRET, Notifications
from tests.support.apps import RunningApps, service_bus_settings


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


MakeNotifications = Callable[..., Awaitable[Notifications]]


@pytest.fixture
async def make_notifications(
    make_store,
    redis_url: str,
    redis: Redis,
    namespace: str,
    tmp_path: Path,
    running_apps: RunningApps,
) -> MakeNotifications:
    async def make(
        kind: str = "sqlite", *, channel: Channel | None = None, **dispatcher: Any
    ) -> Notifications:
        store = await make_store(kind, "notifications")
        await migrate_async(store.url, MIGRATIONS)
        export_file = tmp_path / "var" / "notifications" / "outbox.jsonl"
        app = build_app(
            ServiceSettings("notifications", store.url, redis_url, "127.0.0.1", 0),
            bus_settings=service_bus_settings(namespace, "notifications"),
            security=SecuritySettings(jwt_secret=SECRET),
            channel=channel,
            dispatcher_settings=dispatcher_settings(export_file, **dispatcher),
        )
        client = await running_apps.start(app, "http://notifications.test")
        return Notifications(app, client, redis, namespace, export_file, store.url)

    return make
