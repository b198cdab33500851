"""`python -m services.notifications`: migrate, then serve the API, consumers and dispatcher."""

import sys

from services.notifications import MIGRATIONS, NAME
from services.notifications.app import build_app
from shared.web.service import run_service

sys.exit(run_service(NAME, build_app, MIGRATIONS))
