"""Services as real processes, for tests that need a port, a SIGKILL or an exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx

from shared.local_redis import free_port
from tests.support.waiting import eventually


def start_sample_service(
    store_url: str,
    redis_url: str,
    namespace: str,
    secret: str,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.sample_service", "--store", store_url,
         "--redis", redis_url, "--namespace", namespace, "--secret", secret, "--port", str(port)],
        env={**os.environ, **(env or {})},
        stderr=subprocess.DEVNULL if log is None else log.open("ab"),
    )  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def wait_until_ready(base: str, timeout: float = 60) -> None:
    """Until the process at `base` answers 200 on /readyz."""

    async def ready(client: httpx.AsyncClient) -> bool:
        try:
            return (await client.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    async with httpx.AsyncClient(base_url=base) as client:
        await eventually(lambda: ready(client), timeout=timeout, message=f"{base} ready")
