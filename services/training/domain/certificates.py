"""Certificates (sertifikat) of a completed batch and how they are numbered.

A number reads `{TIER}/{organiser wilayah}/{year}/{seq:03d}`, e.g. `DASAR/63.05/2011/001`: the
tier in capitals, the organiser's wilayah code (`ID` for national batches), the batch's year (the
year it ends: the angkatan's year, not the day the operator recorded completion) and a sequence
that runs on across every batch of that tier, organiser and year. So two batches of one Dinas in
one year never share a number, and a number once issued is never issued again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def series_of(tier: str, organiser_wilayah: str, year: int) -> str:
    """The numbering series a batch's certificates draw from."""
    return f"{tier.upper()}/{organiser_wilayah}/{year}"


def certificate_number(series: str, sequence: int) -> str:
    """The printed number; three digits keep a year's numbers aligned, more are allowed."""
    if sequence < 1:
        raise ValueError("certificate sequences start at 1")
    return f"{series}/{sequence:03d}"


@dataclass(frozen=True, slots=True)
class Certificate:
    certificate_id: str
    number: str
    batch_id: str
    enrolment_id: str
    worker_id: str
    worker_wilayah: str  # where the holder lived when certified: who may read it
    tier: str
    organiser_wilayah: str
    issued_on: date
    issuer: str  # the organiser's name, as printed
    batch_title: str
