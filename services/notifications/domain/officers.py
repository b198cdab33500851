"""The Dinas's designated officers for protected data: who is told when someone breaks the glass.

Officers are staff of the Dinas, not registry workers, so they are data the installation keeps
(`NOTIFICATIONS_OFFICERS_FILE`, a JSON list of `{officer_id, name, wilayah}`); `officer_id` is the
`sub` of the officer's token, so they read their messages at `GET /v1/deliveries`. An officer is
told of every glass broken on a record inside their wilayah.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.security import canonical, within

WITA = timezone(timedelta(hours=8), "WITA")
# The message to the officers: oversight of Dinas staff, so its text is for its recipient and
# the other officers, not for the staff it oversees (`GET /v1/deliveries`).
OVERSIGHT_TEMPLATE = "protected_record_opened"
RECORD_WORDS = {"case": "kasus PMKS", "person": "data PMKS"}
REF_LENGTH = 8


@dataclass(frozen=True)
class Officer:
    officer_id: str
    name: str
    wilayah: str


class Officers:
    def __init__(self, officers: Iterable[Officer] = ()) -> None:
        self._officers = tuple(officers)

    @classmethod
    def from_data(cls, rows: Iterable[Mapping[str, Any]], id_key: str = "officer_id") -> Officers:
        """Staff as the installation lists them: `{<id_key>, name, wilayah}` each (the same
        shape serves the Dinas's operators, `operator_id`: who hears of escalations)."""
        officers = []
        for row in rows:
            wilayah = canonical(str(row.get("wilayah", "")))
            if wilayah is None or not str(row.get(id_key, "")).strip():
                raise ValueError(f"each needs an {id_key} and a wilayah code: {row!r}")
            officers.append(Officer(str(row[id_key]), str(row["name"]), wilayah))
        return cls(officers)

    def covering(self, record_wilayah: str) -> list[Officer]:
        return [o for o in self._officers if within(record_wilayah, o.wilayah)]


def glass_words(record_type: str, record_id: str, expires_at: datetime) -> dict[str, str]:
    """What the message says instead of the event's codes (WITA, the Dinas's clock)."""
    until = expires_at.astimezone(WITA)
    return {
        "record_words": RECORD_WORDS.get(record_type, "data"),
        "record_ref": record_id[:REF_LENGTH],
        "until_text": f"{until:%H.%M} WITA, {until.day:02d}-{until.month:02d}-{until.year}",
    }
