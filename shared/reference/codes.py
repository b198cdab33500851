"""Kemendagri region codes as text: shape, level, kind and nesting, without the data.

Permendagri 58/2021: provinsi 2 digits; kabupaten/kota 2 more (kabupaten 01-69, kota 71-99);
kecamatan 2 more; desa/kelurahan 4 more whose first digit is 1 = kelurahan, 2 = desa,
3 = desa adat. The canonical form is dotted (`63.05.01.2003`); people and other systems also
write the bare digits (`6305012003`), so both are accepted and the dotted form is returned.
"""

from __future__ import annotations

import re
from enum import StrEnum

from shared.reference.errors import MalformedRegionCode, Rule

_DOTTED = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?")
_BARE = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10}")
_SEGMENTS = (2, 2, 2, 4)


class Level(StrEnum):
    """The administrative level, read from the number of segments of a code."""

    PROVINSI = "provinsi"
    KABKOTA = "kabkota"
    KECAMATAN = "kecamatan"
    DESA = "desa"  # a desa, a kelurahan or a desa adat: `Kind` tells which


class Kind(StrEnum):
    """Which kind of kabupaten/kota or desa/kelurahan a code denotes (from its digits)."""

    KABUPATEN = "kabupaten"
    KOTA = "kota"
    KELURAHAN = "kelurahan"
    DESA = "desa"
    DESA_ADAT = "desa_adat"


_LEVELS = (Level.PROVINSI, Level.KABKOTA, Level.KECAMATAN, Level.DESA)
_DESA_KINDS = {"1": Kind.KELURAHAN, "2": Kind.DESA, "3": Kind.DESA_ADAT}


def normalise_region_code(value: object) -> str:
    """The dotted form of a region code given dotted or bare, ignoring whitespace.

    Raises `MalformedRegionCode` for anything else: a half-dotted code (`6305.01`) is more
    likely a typo than an intent, so it is refused rather than guessed.
    """
    if not isinstance(value, str):
        raise MalformedRegionCode(Rule.WILAYAH_MALFORMED, "a region code must be text")
    compact = "".join(value.split())
    if _DOTTED.fullmatch(compact):
        return compact
    if _BARE.fullmatch(compact):
        return _dotted(compact)
    raise MalformedRegionCode(
        Rule.WILAYAH_MALFORMED,
        f"{compact[:20]!r} is not a region code like 63.05.01.2003 or 6305012003",
    )


def _dotted(digits: str) -> str:
    parts, start = [], 0
    for width in _SEGMENTS:
        if start >= len(digits):
            break
        parts.append(digits[start : start + width])
        start += width
    return ".".join(parts)


def level_of(code: str) -> Level:
    """The level of a normalised code."""
    return _LEVELS[code.count(".")]


def kind_of(code: str) -> Kind | None:
    """The kind a normalised code's digits denote, or None where its level has no kinds.

    Also None for digits that fit no kind (kab/kota `00` or `70`, desa starting 0 or 4-9), which
    the data loader treats as an error.
    """
    level = level_of(code)
    last = code.rsplit(".", 1)[-1]
    if level is Level.KABKOTA:
        number = int(last)
        if 1 <= number <= 69:
            return Kind.KABUPATEN
        return Kind.KOTA if 71 <= number <= 99 else None
    if level is Level.DESA:
        return _DESA_KINDS.get(last[0])
    return None


def parent_code(code: str) -> str | None:
    """The code one level up, or None for a province."""
    head, dot, _ = code.rpartition(".")
    return head if dot else None
