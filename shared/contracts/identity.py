"""Which data fields identify a person: never on a stream an agency may read (docs/adr/0005).

Public events are held to it by a contract test; `kesos agency add --history` uses it to leave
out entries written before identities moved to the restricted streams.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shared.reference import pmks_categories

# Field names (as we and partners spell them) that identify a person: kept off public streams
# here, masked whatever their value in logs (`shared.observability.masking`).
IDENTITY_FIELDS = frozenset(
    {
        "nik", "kk", "no_kk", "nkk", "name", "nama", "birth_date", "tanggal_lahir",
        "phone", "phone_number", "telepon", "no_hp", "hp", "whatsapp", "address", "alamat",
    }
)  # fmt: skip


def carries_identity(data: Any) -> bool:
    """Whether an event's data holds a non-empty identifying field, however deep."""
    if isinstance(data, Mapping):
        return any(
            (key in IDENTITY_FIELDS and value not in (None, "")) or carries_identity(value)
            for key, value in data.items()
        )
    if isinstance(data, list):
        return any(carries_identity(item) for item in data)
    return False


def fit_for_agencies(fields: Mapping[bytes, bytes]) -> bool:
    """Whether a raw stream entry may reach an agency: no identifying field, and no protected
    PMKS category named (entries written before ADR 0005 may carry either)."""
    try:
        data = json.loads(fields.get(b"data", b"{}"))
    except ValueError:
        return False  # not ours to judge: keep it out
    categories = data.get("categories", []) if isinstance(data, dict) else []
    named = isinstance(categories, list) and not pmks_categories().sensitive().isdisjoint(
        code for code in categories if isinstance(code, str)
    )
    return not carries_identity(data) and not named
