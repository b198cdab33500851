"""What a local run needs besides the services: a dev secret, a Redis and its users.

Our own Redis takes its users from `var/redis/users.acl`: the unauthenticated `default` user is
off, `kesos-admin` may do anything, and every service, the operator (`kesos dead …`) and each
agency is its own user with only its rights (docs/adr/0005). Passwords live in
`var/secrets/redis/<user>` (0600); the ACL file holds only their SHA-256.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis

from shared.local_redis import LocalRedis, free_port
from shared.messaging import agencies
from shared.messaging.users import (
    DEFAULT_OFF,
    BusUser,
    acl_file_line,
    admin_user,
    agency_user,
    apply_rules,
    apply_user,
    granted_agencies,
    merge_acl_file,
    new_password,
    operator_user,
    save_users,
    service_user,
    user_url,
)
from shared.settings import with_password

LOCAL_REDIS_PORT = 6391
ADMIN = "kesos-admin"


def secrets_dir(var: Path) -> Path:
    return var / "secrets" / "redis"


def ensure_secret(path: Path, make: Callable[[], str] = new_password, *, mode: int = 0o600) -> str:
    """The secret in `path`, made once (random) and readable only by its owner."""
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    secret = make()
    write_secret(path, secret, mode=mode)
    return secret


def write_secret(path: Path, secret: str, *, mode: int = 0o600) -> None:
    """Created 0600 in a 0700 directory, never readable by others, not even for a moment.

    (`mode` 0644 for files a container bind-mounts as a secret and reads as another user: the
    0700 directory still keeps them from the host's other users; deploy/.)"""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret + "\n")


def ensure_dev_secret(path: Path) -> str:
    """A random HS256 secret in `var/jwt-secret`."""
    return ensure_secret(path, lambda: secrets.token_hex(32))


@dataclass(frozen=True)
class Access:
    """How one Redis user connects: a URL naming it, and the file holding its password."""

    url: str
    password_file: Path

    def env(self) -> dict[str, str]:
        return {"REDIS_URL": self.url, "REDIS_PASSWORD_FILE": str(self.password_file.resolve())}

    def authenticated_url(self) -> str:
        return with_password(self.url, self.password_file.read_text().strip())


@contextmanager
def local_redis(var: Path) -> Iterator[Access | None]:
    """Our own persistent server under `var/redis` (its admin's access), stopped after; or,
    when `REDIS_URL` is set, nothing: the caller uses that server as it is given."""
    if os.environ.get("REDIS_URL"):
        yield None
        return
    port = LOCAL_REDIS_PORT if _port_free(LOCAL_REDIS_PORT) else free_port()
    admin_file = secrets_dir(var) / ADMIN
    password = ensure_secret(admin_file)
    acl_file = var / "redis" / "users.acl"
    merge_acl_file(
        acl_file, {"default": DEFAULT_OFF, ADMIN: acl_file_line(admin_user(ADMIN), password)}
    )
    server = LocalRedis(var / "redis", port=port, fsync="everysec", acl_file=acl_file)
    server.start()
    try:
        yield Access(user_url(server.url, ADMIN), admin_file)
    finally:
        server.stop()


async def provision(
    admin_url: str, namespace: str, services: list[str], secrets: Path
) -> dict[str, Access]:
    """Give every service, and the operator, its own user (created or reset to today's rules)
    with a password kept in `secrets/<user>`, by user name; each agency's user gets today's
    rules too (its password is the agency's, never kept here)."""
    async with Redis.from_url(admin_url) as admin:
        users = [
            service_user(namespace, name, feeds=await granted_agencies(admin, namespace, name))
            for name in services
        ]
        users.append(operator_user(namespace))
        access = {user.name: await _apply(admin, user, admin_url, secrets) for user in users}
        for agency in await agencies.granted(admin, namespace):
            await apply_rules(admin, agency_user(namespace, agency))
        await save_users(admin)
    return access


async def _apply(admin: Redis, user: BusUser, admin_url: str, secrets: Path) -> Access:
    password_file = secrets / user.name
    await apply_user(admin, user, ensure_secret(password_file))
    return Access(user_url(admin_url, user.name), password_file)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
