"""`python -m services.training` as operators run it: migrates, serves, survives fuzzing, stops."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from shared.local_redis import free_port
from tests.support.fuzz import fuzz_service
from tests.support.processes import stop
from tests.support.waiting import eventually
from tests.training.integration.conftest import SECRET, bearer

pytestmark = pytest.mark.integration


async def test_the_service_process_survives_fuzzing_and_stops_cleanly(
    make_store, redis_url: str, namespace: str, redis, tmp_path: Path
) -> None:
    store = await make_store("postgresql", "training")  # the process migrates it at start-up
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "services.training"],
        env={
            **os.environ, "TRAINING_DATABASE_URL": store.url, "REDIS_URL": redis_url,
            "KESOS_NAMESPACE": namespace, "KESOS_JWT_SECRET": SECRET,
            "TRAINING_PORT": str(port), "KESOS_MIN_IDLE_MS": "1000",
        },
        stdout=(log := (tmp_path / "training.log").open("wb")),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            await eventually(lambda: _ready(client), timeout=60, message="training up")
        fuzzed = await asyncio.to_thread(fuzz_service, base, bearer(), max_examples=15)
        assert "POST /v1/batches/{batch_id}/enrolments" in fuzzed
        process.send_signal(signal.SIGTERM)
        # uvicorn re-raises the SIGTERM it handled once shutdown is done: death by that signal
        assert await asyncio.to_thread(process.wait, 30) in (0, -signal.SIGTERM)
        assert "bus_stopped" in (tmp_path / "training.log").read_text()
    finally:
        stop(process)
        log.close()


async def _ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False
