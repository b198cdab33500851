"""`python -m services.<name>`: configure logs, migrate the store, serve the app.

Every service's `__main__` is one call to `run_service`, so they all start, log, migrate and
stop the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from shared.observability.logging import configure_logging
from shared.persistence.migrate import migrate
from shared.settings import SERVICE_PORTS, BusSettings, ServiceSettings
from shared.web.server import serve


def run_service(
    name: str, build_app: Callable[[ServiceSettings], FastAPI], migrations: Path
) -> int:
    settings = ServiceSettings.from_env(name, SERVICE_PORTS[name])
    configure_logging(name)
    migrate(settings.database_url, migrations)
    app = build_app(settings)
    return serve(
        app,
        host=settings.host,
        port=settings.port,
        graceful_timeout_s=BusSettings().graceful_timeout_s,
    )
