"""The designated officers, read from `NOTIFICATIONS_OFFICERS_FILE` once at start-up."""

from __future__ import annotations

import json
from pathlib import Path

from services.notifications.domain.officers import Officers


def officers_from(path: Path | None) -> Officers:
    """No file configured: nobody to tell by message (the audit trail still tells)."""
    if path is None:
        return Officers()
    return Officers.from_data(json.loads(path.read_text(encoding="utf-8")))
