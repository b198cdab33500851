"""`kesos migrate` and `kesos demo`: commands about the whole local system."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer

from shared.demo.client import KesosApi
from shared.demo.show import Show
from shared.demo.story import play
from shared.launcher.processes import SERVICES_DIR, available_services
from shared.persistence.migrate import migrate
from shared.security import SecuritySettings, mint_token
from shared.settings import SERVICE_PORTS, ServiceSettings, service_url


def migrate_services(
    services: Annotated[list[str] | None, typer.Argument(help="Default: every service")] = None,
) -> None:
    """Apply the kernel and each service's migrations to its store (idempotent)."""
    for name in services or available_services(tuple(SERVICE_PORTS)):
        settings = ServiceSettings.from_env(name, SERVICE_PORTS[name])
        migrate(settings.database_url, SERVICES_DIR / name / "migrations" / "versions")
        typer.echo(f"{name}: migrated")


def demo(
    wilayah: Annotated[str, typer.Option(help="The operator's wilayah")] = "63.05",
) -> None:
    """Play the Tapin story (DOMAIN.md §6) against the running system, through its APIs."""
    secret = SecuritySettings(dev_mode=True).secret()
    if not secret:
        typer.echo("no secret: start the system with `make run` first (it writes var/jwt-secret)")
        raise typer.Exit(code=1)

    def mint(sub: str, role: str, scope: str) -> str:
        return mint_token(secret, sub=sub, role=role, wilayah=scope, now=datetime.now(UTC))

    urls = {name: service_url(name) for name in SERVICE_PORTS}
    asyncio.run(_play(KesosApi(urls, mint, wilayah=wilayah)))


async def _play(api: KesosApi) -> None:
    try:
        await play(api, Show())
    finally:
        await api.close()
