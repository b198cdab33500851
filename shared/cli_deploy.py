"""`kesos deploy secrets`: every secret an installation from deploy/compose.yaml reads, made once.

Compose hands a secret to a container by bind-mounting its file, and the container reads it as
its own user (Kesos 10001, PostgreSQL and Valkey 999): so the files are 0644, and the directory
that holds them 0700, closed to the host's other users. Nothing here is ever printed.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from shared.cli_bus import write_acl_file
from shared.launcher.local import ensure_secret
from shared.settings import SERVICE_PORTS, BusSettings

MOUNTED = 0o644  # read inside a container by another uid; the 0700 directory guards the host

deploy = typer.Typer(help="Installing from deploy/ (Compose, Kubernetes).", no_args_is_help=True)


@deploy.command("secrets")
def make_secrets(
    directory: Annotated[
        Path, typer.Argument(help="Where deploy/compose.yaml reads its secrets.")
    ] = Path("deploy/secrets"),
) -> None:
    """Create what is missing (what exists is kept): the token secret, PostgreSQL's passwords
    (the superuser's and one per service), and the Redis ACL file with a password per user."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    ensure_secret(directory / "jwt-secret", lambda: secrets.token_hex(32), mode=MOUNTED)
    for name in ("postgres", *SERVICE_PORTS):
        ensure_secret(directory / "db" / name, mode=MOUNTED)
    users = write_acl_file(
        directory / "redis" / "users.acl", directory / "redis", BusSettings().namespace,
        list(SERVICE_PORTS), mode=MOUNTED,
    )  # fmt: skip
    typer.echo(f"secrets in {directory}: a token secret, {len(SERVICE_PORTS) + 1} store "
               f"passwords, {users} Redis users")  # fmt: skip
