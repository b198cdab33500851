"""`kesos token …`: issue a bearer token for local and test use (DESIGN.md §7, §9).

Signs HS256 with the install's own secret (`KESOS_JWT_SECRET`, else `var/jwt-secret`, which
`make run` writes), so the running services accept what it prints. Production tokens come from
the identity provider, not from here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import typer
from pydantic import ValidationError

from shared.security import Role, SecuritySettings, canonical, mint_token

_TTL = re.compile(r"([0-9]+)([smhd]?)")
_SECONDS_PER_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """Seconds in `90`, `90s`, `30m`, `8h` or `2d`."""
    match = _TTL.fullmatch(text.strip().lower())
    if match is None:
        raise typer.BadParameter("use a number of seconds or e.g. 30m, 8h, 2d", param_hint="--ttl")
    seconds = int(match[1]) * _SECONDS_PER_UNIT[match[2]]
    if seconds <= 0:
        raise typer.BadParameter("must be positive", param_hint="--ttl")
    return seconds


def _signing_settings() -> SecuritySettings:
    """Dev-mode rules: any secret the install has will do, but there must be one."""
    try:
        settings = SecuritySettings(dev_mode=True)
    except ValidationError as error:
        for problem in error.errors():
            typer.echo(f"kesos token: {problem['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(code=1) from None
    if settings.secret() is None:
        typer.echo(
            "kesos token: no JWT secret to sign with; set KESOS_JWT_SECRET or write one to "
            f"{settings.jwt_secret_file} (RS256 installs get tokens from their identity provider)",
            err=True,
        )
        raise typer.Exit(code=1)
    return settings


def token(
    role: Annotated[Role, typer.Option("--role", help="Who the caller is.")],
    wilayah: Annotated[str, typer.Option("--wilayah", help="Kemendagri code prefix, e.g. 63.05.")],
    sub: Annotated[str, typer.Option("--sub", help="User id; the worker id for psm and tksk.")],
    ttl: Annotated[str, typer.Option("--ttl", help="Lifetime: 3600, 30m, 8h, 2d.")] = "8h",
    grant: Annotated[
        list[str] | None,
        typer.Option("--grant", help="A grant (repeatable), e.g. for integration."),
    ] = None,
) -> None:
    """Print a signed bearer token the running services accept."""
    if canonical(wilayah) is None:
        raise typer.BadParameter("not a Kemendagri code such as 63.05", param_hint="--wilayah")
    if not sub.strip():
        raise typer.BadParameter("must not be empty", param_hint="--sub")
    ttl_s = parse_ttl(ttl)
    settings = _signing_settings()
    if ttl_s > settings.token_max_lifetime_s:
        raise typer.BadParameter(
            f"the services refuse tokens living longer than {settings.token_max_lifetime_s} s "
            "(KESOS_TOKEN_MAX_LIFETIME_S)",
            param_hint="--ttl",
        )
    typer.echo(
        mint_token(
            settings.secret() or "",
            sub=sub,
            role=role,
            wilayah=wilayah,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_s=ttl_s,
            now=datetime.now(UTC),
            grants=grant or (),
        )
    )
