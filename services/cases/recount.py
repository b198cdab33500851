"""`python -m services.cases.recount`: make the rekap's counts again from the cases.

The counts are kept with every case write (`cases_rekap_counts`). Run this once after an
upgrade to `cases0003` that older replicas kept writing through, and after any change of which
PMKS categories are protected (reference data): a case is counted as protected when it is
written. Safe beside running replicas: their writes wait for it, then add to the new counts.
Reads `CASES_DATABASE_URL` like the service.
"""

from __future__ import annotations

import asyncio
import sys

import structlog

from services.cases import NAME
from services.cases.adapters.cases import recount_rekap
from services.cases.app import MIGRATIONS
from shared.observability.logging import configure_logging
from shared.persistence.engine import create_engine, session_factory
from shared.persistence.migrate import migrate
from shared.settings import SERVICE_PORTS, ServiceSettings

log = structlog.get_logger(__name__)


async def recount(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await recount_rekap(session)
            await session.commit()
    finally:
        await engine.dispose()
    return rows


def main() -> int:
    settings = ServiceSettings.from_env(NAME, SERVICE_PORTS[NAME])
    configure_logging(NAME)
    migrate(settings.database_url, MIGRATIONS)
    rows = asyncio.run(recount(settings.database_url))
    log.info("rekap_recounted", count_rows=rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
