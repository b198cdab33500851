"""`python -m services.cases`: migrate the store and serve the API (DESIGN.md §9)."""

import sys

from services.cases import NAME
from services.cases.app import MIGRATIONS, build_app
from shared.reference import wilayah
from shared.web.service import run_service

sys.exit(run_service(NAME, build_app, MIGRATIONS, preload=[wilayah]))
