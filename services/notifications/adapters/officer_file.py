"""The designated officers and the Dinas's operators, read from `NOTIFICATIONS_OFFICERS_FILE`
and `NOTIFICATIONS_OPERATORS_FILE` once at start-up."""

from __future__ import annotations

import json
from pathlib import Path

from services.notifications.domain.officers import Officers


def officers_from(path: Path | None, id_key: str = "officer_id") -> Officers:
    """No file configured: nobody to tell by message (the audit trail still tells)."""
    if path is None:
        return Officers()
    return Officers.from_data(json.loads(path.read_text(encoding="utf-8")), id_key)


def operators_from(path: Path | None) -> Officers:
    """The Dinas's operators (`NOTIFICATIONS_OPERATORS_FILE`): told of escalations and of
    what waits on the Dinas; no file, no messages (the work queues still show them)."""
    return officers_from(path, "operator_id")
