"""schemathesis against every service's own OpenAPI, each a real process on a PostgreSQL store
(the stricter one: it refuses text SQLite takes, such as U+0000): no 5xx, no answer off the
documented schema (bounded examples)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from shared.launcher.processes import ServiceProcess, available_services
from shared.local_redis import free_port
from shared.settings import SERVICE_PORTS
from tests.e2e.conftest import SECRET, _ready, token
from tests.support.fuzz import fuzz_service
from tests.support.infra import PostgresDatabases
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", available_services(tuple(SERVICE_PORTS)))
async def test_a_service_survives_fuzzing(
    name: str, redis_url: str, namespace: str, tmp_path: Path, postgres: PostgresDatabases
):
    port = free_port()
    database = await postgres.create(f"fuzz_{name}")
    env = {
        f"{name.upper()}_PORT": str(port),
        f"{name.upper()}_DATABASE_URL": postgres.url(database),
        "REDIS_URL": redis_url,
        "KESOS_NAMESPACE": namespace,
        "KESOS_JWT_SECRET": SECRET,
        "NOTIFICATIONS_EXPORT_FILE": str(tmp_path / "outbox.jsonl"),
    }
    service = ServiceProcess(name, env, tmp_path / f"{name}.log")
    service.start()
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=5) as client:
            await eventually(lambda: _ready(client, base), timeout=90, message=f"{name} ready")
        headers = {"Authorization": f"Bearer {token('operator', '63.05')}"}
        fuzzed = await asyncio.to_thread(fuzz_service, base, headers, max_examples=12)
        assert fuzzed
    finally:
        await asyncio.to_thread(service.stop)
        await postgres.drop(database)
