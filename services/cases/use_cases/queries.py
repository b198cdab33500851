"""Reading cases: lists in the caller's scope and the Dinas's rekap."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from services.cases.adapters.cases import CaseFilter, StoredCase
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.demographics import Key
from services.cases.domain.demographics import demographic_rekap as demographic_rekap_of
from shared.reference import calendar, pmks_categories


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


async def demographic_rekap(
    uow: CasesUnitOfWork, scope: str, first: date | None, last: date, split_protected: bool
) -> Counter[Key]:
    """Cases reported from `first` (WITA; None: from the start) to `last` included, per
    kecamatan × category × sex × age band (on `last`) × status; protected categories as one
    unless `split_protected`, as in `rekap`."""
    reported_from = None if first is None else calendar.start_of(first)
    reported_before = calendar.start_of(last + timedelta(days=1))
    found = await uow.profiles.of_cases(scope, reported_from, reported_before)
    protected_as = None if split_protected else PROTECTED
    return demographic_rekap_of(found, last, pmks_categories().sensitive(), protected_as)
