"""Wilayah scope: the one rule deciding whether a record lies inside a caller's area.

Kemendagri codes nest by segment — province `63`, kabupaten `63.05`, kecamatan `63.05.01`,
desa/kelurahan `63.05.01.2003` (widths 2/2/2/4). Comparing strings by prefix would let `63.0`
cover `63.05` or `63.05` cover a `63.050…`; comparing whole segments cannot, so every scope
decision goes through `within`. Malformed codes are inside nothing and contain nothing: a
typo must never widen access.
"""

from __future__ import annotations

import re

SEGMENT_WIDTHS = (2, 2, 2, 4)

# ASCII digits only: `\d` would accept other scripts' digits, which no Kemendagri code has.
_DOTTED = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?")
_UNDOTTED = re.compile(r"[0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{4})?)?)?")


def segments(code: str | None) -> tuple[str, ...] | None:
    """The code's segments (`("63", "05")`), dotted or not; None when it is not a wilayah code."""
    if not isinstance(code, str):
        return None
    if _DOTTED.fullmatch(code):
        return tuple(code.split("."))
    if _UNDOTTED.fullmatch(code):
        return _split_undotted(code)
    return None


def _split_undotted(code: str) -> tuple[str, ...]:
    parts: list[str] = []
    start = 0
    for width in SEGMENT_WIDTHS:
        if start >= len(code):
            break
        parts.append(code[start : start + width])
        start += width
    return tuple(parts)


def canonical(code: str | None) -> str | None:
    """The dotted form (`6305012003` → `63.05.01.2003`) stores and filters compare; None if
    malformed."""
    parts = segments(code)
    return None if parts is None else ".".join(parts)


def is_wilayah_code(code: str | None) -> bool:
    """Whether `code` is a well-formed code prefix (province down to desa)."""
    return segments(code) is not None


def within(record_code: str | None, scope: str | None) -> bool:
    """Whether a record coded `record_code` lies inside `scope` (the scope itself included)."""
    record = segments(record_code)
    area = segments(scope)
    if record is None or area is None:
        return False
    return record[: len(area)] == area


def narrowest(a: str | None, b: str | None) -> str | None:
    """The narrower of two nested areas in dotted form, or None when they do not overlap.

    A list filter is `narrowest(caller_scope, requested)`: scope `63.05` asking for `63.05.01`
    sees `63.05.01`; asking for `63.06` sees nothing; asking for `63` still sees only `63.05`.
    """
    if within(a, b):
        return canonical(a)
    if within(b, a):
        return canonical(b)
    return None


def intersects(scope: str | None, filter_code: str | None) -> bool:
    """Whether a caller with `scope` could see any record matching `filter_code`."""
    return narrowest(scope, filter_code) is not None
