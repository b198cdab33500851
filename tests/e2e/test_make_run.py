"""`make run`'s launcher on a fresh directory: its own Redis, SQLite stores under var/, the dev
secret, every service up; a service that dies comes back; Ctrl-C stops services, then Redis;
and nothing is lost on the next start."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError

from shared.demo.people import psm_workers
from shared.launcher.processes import available_services
from shared.local_redis import free_port
from shared.security import mint_token
from shared.settings import SERVICE_PORTS, with_password
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


class Launcher:
    def __init__(self, directory: Path):
        self.directory = directory
        self.services = available_services(tuple(SERVICE_PORTS))
        self.ports = {name: free_port() for name in self.services}
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KESOS_JWT_SECRET")}
        env.update({f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shared.launcher"], cwd=self.directory, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        async with httpx.AsyncClient(timeout=5) as client:
            for name, port in self.ports.items():
                await eventually(lambda p=port: _ready(client, p), timeout=120, message=name)

    async def stop(self) -> tuple[int, bytes]:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        output, _ = await asyncio.to_thread(self.process.communicate, timeout=60)
        return self.process.returncode, output

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def headers(self) -> dict[str, str]:
        secret = (self.directory / "var" / "jwt-secret").read_text().strip()
        token = mint_token(secret, sub="t", role="operator", wilayah="63.05", now=datetime.now(UTC))
        return {"Authorization": f"Bearer {token}"}


async def test_the_launcher_brings_the_system_up_restarts_and_stops(tmp_path: Path):
    launcher = Launcher(tmp_path)
    try:
        await launcher.start()
        var = tmp_path / "var"
        assert (var / "jwt-secret").read_text().strip()
        assert all((var / f"{name}.db").exists() for name in launcher.services)
        assert (var / "redis" / "appendonlydir").exists()
        redis_port = int((var / "redis-url").read_text().strip().rsplit(":", 1)[1].split("/")[0])
        await assert_least_privilege(var, redis_port, launcher.services)

        victim = launcher.services[0]
        os.kill(await _pid_listening(launcher.ports[victim]), signal.SIGKILL)
        async with httpx.AsyncClient(timeout=5) as client:
            await eventually(
                lambda: _ready(client, launcher.ports[victim]), timeout=60, message="back"
            )
    finally:
        code, output = await launcher.stop()
    assert code == 0, output.decode()
    assert b"Kesos is up" in output and b"stopped." in output
    assert not await _answers(redis_port), "the launcher's Redis is stopped after the services"


async def test_nothing_is_lost_on_the_next_start(tmp_path: Path):
    launcher = Launcher(tmp_path)
    person = psm_workers()[0]
    try:
        await launcher.start()
        async with httpx.AsyncClient(base_url=launcher.url("registry"), timeout=10) as client:
            made = await client.post(
                "/v1/workers", json=person.registration(), headers=launcher.headers()
            )
            assert made.status_code == 201, made.text
    finally:
        await launcher.stop()
    try:
        await launcher.start()  # the same var/: same stores, same Redis data (AOF)
        async with httpx.AsyncClient(timeout=10) as client:
            headers = launcher.headers()
            worker_id = made.json()["worker_id"]
            again = await client.get(
                f"{launcher.url('registry')}/v1/workers/{worker_id}", headers=headers
            )
            assert again.status_code == 200 and again.json()["name"] == person.name
            refused = await client.post(
                f"{launcher.url('registry')}/v1/workers",
                json=person.registration(),
                headers=headers,
            )
            assert refused.json()["type"] == "urn:kesos:problem:nik-already-registered"
        redis = Redis.from_url(admin_url(tmp_path / "var"))
        assert await redis.xlen("kesos.registry.events") == 1  # the event survived the restart
        assert await redis.xlen("kesos.registry.contacts") == 1  # and its restricted twin
        await redis.aclose()
    finally:
        code, output = await launcher.stop()
    assert code == 0, output.decode()


def admin_url(var: Path) -> str:
    password = (var / "secrets" / "redis" / "kesos-admin").read_text().strip()
    return with_password((var / "redis-url").read_text().strip(), password)


async def assert_least_privilege(var: Path, port: int, services: list[str]) -> None:
    """The launcher's Redis: nobody without a name, every service its own user (0600)."""
    anonymous = Redis(port=port, retry=Retry(NoBackoff(), 0))
    with pytest.raises(AuthenticationError):
        await anonymous.ping()
    await anonymous.aclose()
    async with Redis.from_url(admin_url(var)) as admin:
        users = {name.decode() for name in await admin.execute_command("ACL", "USERS")}
    assert {f"kesos-{name}" for name in services} | {"kesos-operator"} <= users
    for name in services:
        secret = var / "secrets" / "redis" / f"kesos-{name}"
        assert secret.stat().st_mode & 0o777 == 0o600
    acl = (var / "redis" / "users.acl").read_text()
    assert "user default off" in acl and ">" not in acl  # hashes only, never a password


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
