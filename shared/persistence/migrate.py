"""Apply a service's migrations: the shared kernel branch (outbox, inbox) and its own branch."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, service_versions: Path | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    locations = [MIGRATIONS / "versions"]
    if service_versions is not None:
        locations.append(service_versions)
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", ":".join(str(p) for p in locations))
    config.attributes["url"] = url
    return config


def migrate(url: str, service_versions: Path | None = None) -> None:
    """Upgrade every branch to its head (idempotent)."""
    command.upgrade(alembic_config(url, service_versions), "heads")


async def migrate_async(url: str, service_versions: Path | None = None) -> None:
    # Alembic's env runs its own event loop: keep it off the caller's.
    await asyncio.to_thread(migrate, url, service_versions)
