"""The packaged template file (`services/notifications/templates.json`), read once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from services.notifications.domain.templates import TemplateBook

TEMPLATE_FILE = "templates.json"


@cache
def packaged_templates() -> TemplateBook:
    """Changing a message is a data change (and a new `version`), not a code change."""
    text = resources.files("services.notifications").joinpath(TEMPLATE_FILE).read_text("utf-8")
    return TemplateBook.from_data(json.loads(text))
