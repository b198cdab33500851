"""Reading cases: lists in the caller's scope and the Dinas's rekap."""

from __future__ import annotations

from collections import Counter

from services.cases.adapters.cases import CaseFilter, StoredCase
from services.cases.adapters.unit_of_work import CasesUnitOfWork


async def list_cases(uow: CasesUnitOfWork, wanted: CaseFilter, limit: int) -> list[StoredCase]:
    return await uow.cases.matching(wanted, limit)


async def rekap(uow: CasesUnitOfWork, scope: str) -> Counter[tuple[str, str, str]]:
    return await uow.cases.rekap(scope)
