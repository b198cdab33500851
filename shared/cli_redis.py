"""How `kesos` commands reach Redis: `--redis` / `REDIS_URL` naming a user, its password in
`--redis-password-file` / `REDIS_PASSWORD_FILE` — or, on a machine running `make run`, the
launcher's server as the user the command needs (operator for dead letters, admin for users),
with the password the launcher keeps under `var/secrets/redis/`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shared.launcher.local import secrets_dir
from shared.messaging.users import user_url
from shared.settings import with_password

VAR = Path("var")
FALLBACK = "redis://127.0.0.1:6379/0"

RedisUrl = Annotated[
    str | None,
    typer.Option(
        "--redis",
        envvar="REDIS_URL",
        help="The bus's Redis, naming the user (redis://user@host:port/0); "
        "default: the server `make run` started.",
    ),
]
PasswordFile = Annotated[
    Path | None,
    typer.Option(
        "--redis-password-file", envvar="REDIS_PASSWORD_FILE", help="That user's password."
    ),
]


def redis_url(url: str | None, password_file: Path | None, *, local_user: str) -> str:
    """The URL to connect with, password included; never printed."""
    if url is None:
        launched = VAR / "redis-url"
        if not launched.exists():
            return FALLBACK
        url = user_url(launched.read_text().strip(), local_user)
        password_file = password_file or secrets_dir(VAR) / local_user
    if password_file is None:
        return url
    return with_password(url, password_file.read_text(encoding="utf-8").strip())
