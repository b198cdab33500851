"""What each caller may see of a case (shared.security.disclosure), the audit row of every read
that showed who it is about, and breaking the glass on a protected case.

The relation is the case's own: the TKSK it is assigned to and the PSM who reported it. A case in
a protected category shows who and why only to them, to the Dinas's designated officers and to
Dinas staff who broke the glass for it; everyone else sees that it exists and where it stands.
"""

from __future__ import annotations

from datetime import datetime

from services.cases.adapters.cases import StoredCase
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.errors import CaseNotProtected
from services.cases.use_cases.transitions import visible_case
from shared.audit import Actor, record_reads
from shared.contracts.cases import CaseRecordOpened
from shared.glass import GlassGrant, break_glass, open_grants
from shared.security import Principal, Role
from shared.security.disclosure import Disclosure, Relation, is_protected, person_disclosure

RECORD = "case"


def relation_to(stored: StoredCase, by: Principal) -> Relation:
    case = stored.case
    if by.role is Role.TKSK and by.sub == case.assigned_tksk_id:
        return Relation.ASSIGNED_TKSK
    if by.role is Role.PSM and by.sub == case.reported_by:
        return Relation.REPORTING_PSM
    return Relation.NONE


async def disclose_cases(
    uow: CasesUnitOfWork,
    found: list[StoredCase],
    by: Principal,
    now: datetime,
    *,
    audit: bool = True,
) -> list[Disclosure]:
    """Each case as `by` may see it; a read that shows its person is audited (unless the
    caller's own write is audited already)."""
    protected = [s.case.case_id for s in found if is_protected(s.case.categories)]
    grants = await open_grants(uow.session, by.sub, RECORD, protected, now) if protected else {}
    shown = [
        person_disclosure(
            by, relation_to(stored, by), protected=is_protected(stored.case.categories),
            grant_id=grants.get(stored.case.case_id),
        )
        for stored in found
    ]  # fmt: skip
    if audit:
        reads = [
            (s.case.case_id, s.case.desa, d.why)
            for s, d in zip(found, shown, strict=True)
            if d.identifies
        ]
        actor = Actor.of(by)
        await record_reads(
            uow.session, actor, "case.read", record_type=RECORD, records=reads, now=now
        )
    return shown


async def open_protected_case(
    uow: CasesUnitOfWork, case_id: str, reason: str, by: Principal, now: datetime, ttl_s: int
) -> GlassGrant:
    """Break the glass on a protected case inside the caller's wilayah: audited, reported to
    the designated officers (`protected_record_opened` on the oversight stream)."""
    stored = await visible_case(uow, case_id, by)
    case = stored.case
    if not is_protected(case.categories):
        raise CaseNotProtected()
    grant = await break_glass(
        uow.session, Actor.of(by), record_type=RECORD,
        record_id=case_id, wilayah=case.desa, reason=reason, now=now, ttl_s=ttl_s,
    )  # fmt: skip
    uow.outbox.add(grant.announced(CaseRecordOpened))
    return grant
