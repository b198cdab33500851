"""Least-privilege Redis users for a test namespace (docs/adr/0005).

On the shared CI Redis a test makes its own users `<ns>-<service>` with the server's default
user, which it leaves alone, and deletes them afterwards. On a server the test owns, the default
user is off and `admin` makes them.
"""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from shared.launcher.local import Access, write_secret
from shared.messaging import agencies
from shared.messaging.users import (
    DEFAULT_OFF,
    BusUser,
    acl_file_line,
    admin_user,
    agency_user_name,
    apply_user,
    granted_agencies,
    new_password,
    remove_user,
    save_users,
    service_user,
    user_url,
)
from shared.settings import with_password

ADMIN = "test-admin"


class BusUsers:
    def __init__(self, admin_url: str, namespace: str, secrets: Path):
        self.admin_url = admin_url
        self.namespace = namespace
        self.secrets = secrets
        self.made: list[str] = []

    async def service(self, name: str, **streams: list[str]) -> Access:
        """The service's user (its rights from `topology`, or the `reads`/`writes` given)."""
        async with Redis.from_url(self.admin_url) as admin:
            feeds = await granted_agencies(admin, self.namespace, name)
        return await self.user(service_user(self.namespace, name, feeds=feeds, **streams))

    async def user(self, user: BusUser) -> Access:
        password = new_password()
        path = self.secrets / user.name
        write_secret(path, password)
        async with Redis.from_url(self.admin_url) as admin:
            await apply_user(admin, user, password)
            await save_users(admin)  # a server we own keeps its users across a restart
        self.made.append(user.name)
        return Access(user_url(self.admin_url, user.name), path)

    async def agency(self, name: str, producers: list[str], *, history: bool = False) -> str:
        """An agency granted these producers' public streams: its authenticated URL."""
        password = new_password()
        async with Redis.from_url(self.admin_url) as admin:
            await agencies.grant(
                admin, self.namespace, name, producers, password=password, history=history
            )
        user = agency_user_name(self.namespace, name)
        self.made.append(user)
        return with_password(user_url(self.admin_url, user), password)

    async def close(self) -> None:
        async with Redis.from_url(self.admin_url) as admin:
            for name in self.made:
                await remove_user(admin, name)


def owned_acl_file(directory: Path) -> tuple[Path, str]:
    """An ACL file for a server a test owns: default user off, `test-admin` may do anything."""
    password = new_password()
    path = directory / "users.acl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{DEFAULT_OFF}\n{acl_file_line(admin_user(ADMIN), password)}\n")
    return path, password
