"""What a local run needs besides the services: a dev secret and a Redis."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.local_redis import LocalRedis, free_port

LOCAL_REDIS_PORT = 6391


def ensure_dev_secret(path: Path) -> str:
    """A random HS256 secret in `var/jwt-secret`, made once, readable only by its owner."""
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


@contextmanager
def local_redis(var: Path) -> Iterator[str]:
    """`REDIS_URL` when set; else our own persistent server under `var/redis`, stopped after."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    port = LOCAL_REDIS_PORT if _port_free(LOCAL_REDIS_PORT) else free_port()
    server = LocalRedis(var / "redis", port=port, fsync="everysec")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
