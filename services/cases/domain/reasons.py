"""The fixed vocabularies a case step chooses from (DOMAIN.md §5), and how free text is cleaned.

Coded reasons (rather than free text) are what the Dinas's rekap counts: how many cases were
rejected as duplicates, how many closed because the person moved away.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from services.cases.domain.errors import ReasonNotRecognised, ReasonRequired, RiskLevelUnknown
from services.cases.domain.states import Action


class RejectionReason(StrEnum):
    BUKAN_PPKS = "bukan_ppks"  # not a PMKS/PPKS after the home visit
    DUPLIKAT = "duplikat"  # the same person already has a case
    DI_LUAR_WILAYAH = "di_luar_wilayah"  # lives outside the kecamatan


class ClosureReason(StrEnum):
    TERTANGANI = "tertangani"  # needs met
    MENINGGAL = "meninggal"
    PINDAH_DOMISILI = "pindah_domisili"
    DIRUJUK_PERMANEN = "dirujuk_permanen"  # placed permanently, e.g. in a panti
    DUPLIKAT = "duplikat"
    TIDAK_MEMENUHI_KRITERIA = "tidak_memenuhi_kriteria"


class DeclineReason(StrEnum):
    """Why an institution declines a referral."""

    KAPASITAS_PENUH = "kapasitas_penuh"  # no place (a full panti)
    TIDAK_MEMENUHI_SYARAT = "tidak_memenuhi_syarat"  # the person does not meet its criteria
    DI_LUAR_LAYANAN = "di_luar_layanan"  # not a service it gives, or not in its area
    DITOLAK_PENERIMA = "ditolak_penerima"  # the person (or family) refused the service
    LAINNYA = "lainnya"  # other: the note says what


class RiskLevel(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


Code = TypeVar("Code", RejectionReason, ClosureReason, DeclineReason)


def cleaned(text: str | None) -> str | None:
    """Free text with surrounding blanks removed; blank counts as absent."""
    if text is None:
        return None
    return text.strip() or None


def required_reason(action: Action, reason: str | None) -> str:
    why = cleaned(reason)
    if why is None:
        raise ReasonRequired(action)
    return why


def coded_reason(action: Action, reason: str | None, codes: type[Code]) -> Code:
    """A reason from a fixed list, matched ignoring case and surrounding blanks."""
    why = required_reason(action, reason).lower()
    try:
        return codes(why)
    except ValueError:
        raise ReasonNotRecognised(action, _values(codes)) from None


def risk_level(level: str) -> RiskLevel:
    try:
        return RiskLevel(level.strip().lower())
    except ValueError:
        raise RiskLevelUnknown(_values(RiskLevel)) from None


def _values(codes: Iterable[StrEnum]) -> list[str]:
    return [code.value for code in codes]
