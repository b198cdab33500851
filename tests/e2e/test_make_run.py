"""`make run`'s launcher on a fresh directory: its own Redis, SQLite stores under var/, the dev
secret, every service up; a service that dies comes back; Ctrl-C stops services, then Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from shared.launcher.processes import available_services
from shared.local_redis import free_port
from shared.settings import SERVICE_PORTS
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_the_launcher_brings_the_system_up_restarts_and_stops(tmp_path: Path):
    services = available_services(tuple(SERVICE_PORTS))
    ports = {name: free_port() for name in services}
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KESOS_JWT_SECRET")}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in ports.items()})
    launcher = subprocess.Popen(
        [sys.executable, "-m", "shared.launcher"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            for name, port in ports.items():
                await eventually(lambda p=port: _ready(client, p), timeout=120, message=name)
            assert (tmp_path / "var" / "jwt-secret").read_text().strip()
            for name in services:
                assert (tmp_path / "var" / f"{name}.db").exists()
            redis_url = (tmp_path / "var" / "redis-url").read_text().strip()
            assert (tmp_path / "var" / "redis" / "appendonlydir").exists()

            victim = services[0]
            pid = await _pid_listening(ports[victim])
            os.kill(pid, signal.SIGKILL)
            await eventually(lambda: _ready(client, ports[victim]), timeout=60, message="restarted")
    finally:
        launcher.send_signal(signal.SIGINT)
        output, _ = await asyncio.to_thread(launcher.communicate, timeout=60)
    assert launcher.returncode == 0, output.decode()
    assert b"Kesos is up" in output and b"stopped." in output
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    assert not await _answers(port), "the launcher's Redis is stopped after the services"


async def _ready(client: httpx.AsyncClient, port: int) -> bool:
    try:
        return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def _pid_listening(port: int) -> int:
    output = await asyncio.to_thread(
        subprocess.run, ["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True
    )
    return int(output.stdout.split("pid=")[1].split(",")[0])


async def _answers(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True
