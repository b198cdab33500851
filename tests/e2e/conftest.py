"""The system as real processes: each service `python -m services.<name>` on real Redis, with
PostgreSQL stores (a database per service) or the SQLite defaults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from shared.demo.client import KesosApi
from shared.launcher.processes import Supervisor
from shared.local_redis import free_port
from shared.security import mint_token
from tests.support.bus_users import BusUsers
from tests.support.infra import PostgresDatabases
from tests.support.waiting import eventually

SECRET = "e2e-secret-that-is-long-enough-for-hs256-0123456789abcdef"
STORY_SERVICES = ("registry", "training", "cases", "notifications")


def token(role: str = "operator", wilayah: str = "63.05", sub: str = "e2e") -> str:
    return mint_token(SECRET, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC))


@dataclass
class System:
    supervisor: Supervisor
    urls: dict[str, str]
    export_file: Path

    def api(self, role: str = "operator", wilayah: str = "63.05", sub: str = "e2e") -> KesosApi:
        def mint(sub: str, role: str, wilayah: str) -> str:
            return token(role=role, wilayah=wilayah, sub=sub)

        return KesosApi(self.urls, mint, sub=sub, role=role, wilayah=wilayah, deadline_s=120)

    async def wait_ready(self, name: str | None = None) -> None:
        names = [name] if name else list(self.urls)
        async with httpx.AsyncClient(timeout=5) as client:
            for each in names:
                await eventually(
                    lambda each=each: _ready(client, self.urls[each]),
                    timeout=90,
                    message=f"{each} ready",
                )

    async def crash_and_restart(self, name: str) -> None:
        """SIGKILL (no graceful stop, a batch may be held), then start it again."""
        service = self.supervisor.services[name]
        service.kill()
        service.start()
        await self.wait_ready(name)


async def _ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(f"{url}/readyz")).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
async def start_system(
    request: pytest.FixtureRequest,
    namespace: str,
    tmp_path: Path,
    bus_users: BusUsers,
) -> AsyncIterator[Callable[..., Awaitable[System]]]:
    """The four services as processes, each as its own least-privilege Redis user."""
    started: list[System] = []
    databases: list[tuple[PostgresDatabases, str]] = []

    async def start(kind: str, env: Mapping[str, str] | None = None) -> System:
        envs: dict[str, dict[str, str]] = {}
        urls: dict[str, str] = {}
        export_file = tmp_path / "notifications" / "outbox.jsonl"
        for name in STORY_SERVICES:
            port = free_port()
            urls[name] = f"http://127.0.0.1:{port}"
            access = await bus_users.service(name)
            envs[name] = {
                **_service_env(name, port, namespace, export_file),
                **access.env(),
                **(env or {}),
            }
            envs[name][f"{name.upper()}_DATABASE_URL"] = await _store(
                request, kind, name, tmp_path, databases
            )
        system = System(Supervisor(envs, tmp_path / "log"), urls, export_file)
        system.supervisor.start_all()
        started.append(system)
        await system.wait_ready()
        return system

    yield start
    for system in started:
        await asyncio.to_thread(system.supervisor.stop_all)
    for postgres, database in databases:
        await postgres.drop(database)


def _service_env(name: str, port: int, namespace: str, export_file: Path) -> dict[str, str]:
    return {
        f"{name.upper()}_PORT": str(port),
        "KESOS_NAMESPACE": namespace,
        "KESOS_CONSUMER": f"{name}-e2e",
        "KESOS_JWT_SECRET": SECRET,
        "KESOS_DEV_MODE": "false",
        "KESOS_MIN_IDLE_MS": "1000",
        "KESOS_RECLAIM_INTERVAL_S": "0.5",
        "KESOS_RELAY_POLL_S": "0.5",
        "KESOS_BLOCK_MS": "500",
        "NOTIFICATIONS_EXPORT_FILE": str(export_file),
        # A delivery held by a killed dispatcher is retried after its lease: keep it short here.
        "NOTIFICATIONS_SEND_TIMEOUT_S": "3",
        "NOTIFICATIONS_LEASE_S": "6",
    }


async def _store(
    request: pytest.FixtureRequest,
    kind: str,
    name: str,
    tmp_path: Path,
    databases: list[tuple[PostgresDatabases, str]],
) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / name}.db"
    postgres: PostgresDatabases = request.getfixturevalue("postgres")
    database = await postgres.create(f"e2e_{name}")
    databases.append((postgres, database))
    return postgres.url(database)
