"""`kesos bus users` and `kesos agency …`: the Redis users of the bus (docs/adr/0005).

Both act as the server's administrator (`--redis` naming an admin user; by default the server
`make run` started, as `kesos-admin`). Passwords are made here, kept in files readable only by
their owner, and never printed — except an agency's, shown once for the operator to hand over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from redis.asyncio import Redis

from shared.cli_redis import PasswordFile, RedisUrl, redis_url
from shared.launcher.local import ADMIN, ensure_secret, provision, secrets_dir, write_secret
from shared.messaging import agencies
from shared.messaging.connection import redis_client
from shared.messaging.users import (
    DEFAULT_OFF,
    acl_file_line,
    agency_user_name,
    feeds_allowed,
    merge_acl_file,
    new_password,
    operator_user,
    service_user,
)
from shared.settings import SERVICE_PORTS, BusSettings

T = TypeVar("T")
LOCAL_SECRETS = secrets_dir(Path("var"))

bus = typer.Typer(help="The bus's Redis users.", no_args_is_help=True)
agency = typer.Typer(
    help="Agencies reading Kesos events: each its own read-only user and feed.",
    no_args_is_help=True,
)

Secrets = Annotated[
    Path,
    typer.Option("--secrets-dir", help="Where each user's password file is kept (0600)."),
]
Name = Annotated[str, typer.Argument(help="The agency: a-z, 0-9 and -, e.g. bps-kalsel.")]
Streams = Annotated[
    list[str],
    typer.Option("--stream", help="A service whose public events it reads (repeatable)."),
]
NewPasswordFile = Annotated[
    Path | None,
    typer.Option("--password-file", help="Write the agency's password here instead of showing it."),
]


def write_acl_file(
    acl_file: Path, secrets: Path, namespace: str, services: list[str], *, mode: int = 0o600
) -> int:
    """An ACL file for a new server: no default user, each service's user and the operator's,
    each password made once in `secrets/<user>`. Returns how many users it holds.

    Written again (an upgrade that changed the rights), a service keeps the agency feeds its
    line already allowed: `kesos agency add` saved them there (ACL SAVE)."""
    wanted = [
        service_user(namespace, name, feeds=feeds_allowed(acl_file, namespace, name))
        for name in services
    ]
    wanted.append(operator_user(namespace))
    lines = {"default": DEFAULT_OFF}
    for user in wanted:
        password = ensure_secret(secrets / user.name, mode=mode)
        lines[user.name] = acl_file_line(user, password)
    merge_acl_file(acl_file, lines, mode=mode)
    return len(wanted)


def _as_admin(access: tuple[str | None, Path | None], action: Callable[[Redis], Awaitable[T]]) -> T:
    url = redis_url(*access, local_user=ADMIN)

    async def run() -> T:
        async with redis_client(url) as admin:
            return await action(admin)

    return asyncio.run(run())


@bus.command("users")
def users(
    redis: RedisUrl = None,
    password_file: PasswordFile = None,
    secrets: Secrets = LOCAL_SECRETS,
    acl_file: Annotated[
        Path | None,
        typer.Option("--acl-file", help="Write an ACL file for a new server instead."),
    ] = None,
) -> None:
    """Create (or reset to today's rights) each service's user and the operator's."""
    namespace = BusSettings().namespace
    services = list(SERVICE_PORTS)
    if acl_file is not None:
        written = write_acl_file(acl_file, secrets, namespace, services)
        typer.echo(f"wrote {written} users to {acl_file}; passwords in {secrets}")
        return
    url = redis_url(redis, password_file, local_user=ADMIN)
    made = asyncio.run(provision(url, namespace, services, secrets))
    for name, access in made.items():
        typer.echo(f"{name}: {access.url} (password in {access.password_file})")


@agency.command("add")
def add(
    name: Name,
    streams: Streams,
    history: Annotated[
        bool, typer.Option(help="Also copy what the streams hold now (default: from now on).")
    ] = False,
    new_password_file: NewPasswordFile = None,
    redis: RedisUrl = None,
    password_file: PasswordFile = None,
) -> None:
    """Grant an agency the public events of these services (or change what it is granted)."""
    namespace = BusSettings().namespace

    async def act(admin: Redis) -> bool:
        known = await agencies.exists(admin, namespace, name)
        password = None if known else new_password()
        saved = await agencies.grant(
            admin, namespace, name, streams, password=password, history=history,
            maxlen=BusSettings().stream_maxlen,
        )  # fmt: skip
        if password is not None:
            _hand_over(name, password, new_password_file)
        _unless_saved(saved)
        return known

    try:
        known = _as_admin((redis, password_file), act)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--stream") from None
    typer.echo(f"{name}: {'grants changed' if known else 'added'}: {', '.join(sorted(streams))}")


@agency.command("rotate")
def rotate(
    name: Name,
    new_password_file: NewPasswordFile = None,
    redis: RedisUrl = None,
    password_file: PasswordFile = None,
) -> None:
    """Give the agency a new password; the old one stops working at once."""
    namespace = BusSettings().namespace
    password = new_password()
    _on_agency(
        name,
        (redis, password_file),
        lambda admin: agencies.rotate(admin, namespace, name, password),
    )
    _hand_over(name, password, new_password_file)


@agency.command("remove")
def remove(name: Name, redis: RedisUrl = None, password_file: PasswordFile = None) -> None:
    """Revoke an agency: its user, its grants and its feed go."""
    namespace = BusSettings().namespace
    _on_agency(name, (redis, password_file), lambda admin: agencies.revoke(admin, namespace, name))
    typer.echo(f"{name}: removed")


@agency.command("list")
def list_agencies(redis: RedisUrl = None, password_file: PasswordFile = None) -> None:
    """The agencies and the services whose public events each reads."""
    namespace = BusSettings().namespace
    found = _as_admin((redis, password_file), lambda admin: agencies.granted(admin, namespace))
    for name, streams in found.items():
        typer.echo(f"{name}: {', '.join(streams)}  (feed {namespace}.feed.{name})")


def _on_agency(
    name: str, access: tuple[str | None, Path | None], action: Callable[[Redis], Awaitable[bool]]
) -> None:
    try:
        _unless_saved(_as_admin(access, action))
    except agencies.UnknownAgency:
        typer.echo(f"{name}: no such agency", err=True)
        raise typer.Exit(code=1) from None


def _unless_saved(saved: bool) -> None:
    if not saved:
        typer.echo(
            "note: the server could not save its users (no ACL file, or a read-only one like "
            "the Valkey chart's): the change lasts until it restarts. Carry it into the "
            "server's configuration (docs/operations.md, 'Agencies on Kubernetes').",
            err=True,
        )


def _hand_over(name: str, password: str, path: Path | None) -> None:
    """The password goes to a file (0600) or, once, to the operator's terminal."""
    user = agency_user_name(BusSettings().namespace, name)
    if path is not None:
        write_secret(path, password)
        typer.echo(f"{name}: user {user}, password written to {path}")
        return
    typer.echo(f"{name}: user {user}, password (shown once, hand it over safely): {password}")
