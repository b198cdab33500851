"""Scanning a wilayah for records likely to be one person (domain.duplicates) and putting each
new pair to the Dinas as a `duplicate` review; an import does the same for each person it
registers without a NIK (`imports`). Desa by desa: a block never spans two, so a province is
scanned in as many small reads as it has desa with persons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.registry.domain.duplicates import candidate_of, candidate_pairs
from services.registry.use_cases.ports import RegistryWork
from services.registry.use_cases.reviews import open_duplicate_review
from shared.audit import Actor, record_audit
from shared.security import Principal


@dataclass(frozen=True, slots=True)
class Scan:
    wilayah: str
    desa: int  # desa with persons, scanned
    persons: int
    pairs: int  # likely pairs found, old and new
    opened: int  # reviews opened: pairs never put to the Dinas before


async def scan_for_duplicates(uow: RegistryWork, scope: str, by: Principal, now: datetime) -> Scan:
    """Every desa with persons inside `scope` (already narrowed to the caller's wilayah)."""
    desa = await uow.persons.desa_inside(scope)
    persons = pairs = opened = 0
    for code in desa:
        found = {p.person_id: p for p in await uow.persons.in_desa(code)}
        persons += len(found)
        for pair in candidate_pairs(map(candidate_of, found.values())):
            pairs += 1
            opened += await open_duplicate_review(uow, pair, found, now, f"scan {scope}")
    await record_audit(
        uow.session, Actor.of(by), "person.duplicate_scan", record_type="wilayah",
        record_id=scope, wilayah=scope, now=now, reason=f"{pairs} pairs, {opened} new",
    )  # fmt: skip
    return Scan(scope, len(desa), persons, pairs, opened)
