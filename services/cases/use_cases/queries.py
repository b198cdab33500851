"""Reading cases: lists in the caller's scope and the Dinas's rekap."""

from __future__ import annotations

from collections import Counter

from services.cases.adapters.cases import CaseFilter, StoredCase
from services.cases.adapters.unit_of_work import CasesUnitOfWork


async def list_cases(uow: CasesUnitOfWork, wanted: CaseFilter, limit: int) -> list[StoredCase]:
    return await uow.cases.matching(wanted, limit)


PROTECTED = "protected"  # the one category the protected ones are counted as (non-officers)


async def rekap(
    uow: CasesUnitOfWork, scope: str, *, split_protected: bool
) -> Counter[tuple[str, str, str]]:
    """Cases per kecamatan × category × status; unless `split_protected` (the designated
    officers), the protected categories count as one, `protected`: a count of ODHA in a small
    kecamatan says why those few are followed."""
    if split_protected:
        return await uow.cases.rekap(scope)
    return await uow.cases.rekap(scope, protected_as=PROTECTED)
