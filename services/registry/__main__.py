"""`python -m services.registry`: migrate the store and serve the API (port 8001 by default)."""

import sys

from services.registry import MIGRATIONS, NAME
from services.registry.app import build_app
from shared.reference import wilayah
from shared.web.service import run_service

sys.exit(run_service(NAME, build_app, MIGRATIONS, preload=[wilayah]))
