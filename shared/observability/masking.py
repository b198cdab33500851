"""Personal data never reaches a log: NIK, KK and phone numbers are masked wherever they appear.

A structlog processor masks the message and every structured value, recursively: values under
personal keys (`nik`, `kk`, `phone`, `name`, `birth_date`, …) whatever their format, any 16-digit
number (a NIK or KK), and Indonesian phone numbers (`+62…`, `62…`, `08…`) inside any text.

Request, correlation, causation and event ids are left whole — a masked id is a broken trail.
They are safe to leave: ids we make are UUIDs, and an id a client sends is refused at the edge
(`shared.web.middleware`) when it holds anything this module would mask.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.contracts.identity import IDENTITY_FIELDS

ID_KEYS = frozenset({"request_id", "correlation_id", "causation_id", "event_id"})
SIXTEEN_DIGITS = re.compile(r"(?<!\d)(\d{6})\d{10}(?!\d)")
PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[\s-]?8\d(?:[\s-]?\d){6,11}(?!\d)")
KEEP_PHONE_DIGITS = 3


def mask_text(text: str) -> str:
    """Keep a NIK/KK's 6-digit region (useful when debugging), and a phone's last 3 digits."""
    text = SIXTEEN_DIGITS.sub(lambda m: m.group(1) + "*" * 10, text)
    return PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    national = digits[2:] if digits.startswith("62") else digits[1:]  # after +62 or trunk 0
    return "+62" + "*" * (len(national) - KEEP_PHONE_DIGITS) + national[-KEEP_PHONE_DIGITS:]


def mask_value(value: Any, *, personal: bool = False) -> Any:
    if isinstance(value, str):
        masked = mask_text(value)
        return masked if not personal or masked != value else "*" * min(len(value), 8)
    if isinstance(value, int) and not isinstance(value, bool):
        return mask_value(str(value), personal=personal) if personal or value >= 10**15 else value
    if isinstance(value, Mapping):
        return _mask_mapping(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(item, personal=personal) for item in value]
    return value


def _is_personal(key: object) -> bool:
    return isinstance(key, str) and key.lower() in IDENTITY_FIELDS


def _mask_mapping(values: Mapping[Any, Any]) -> dict[Any, Any]:
    return {
        key: value if key in ID_KEYS else mask_value(value, personal=_is_personal(key))
        for key, value in values.items()
    }


def mask_personal_data(_logger: Any, _method: str, event: Any) -> Any:
    """structlog processor: mask the whole event dict (message included), ids excepted."""
    return _mask_mapping(event)
