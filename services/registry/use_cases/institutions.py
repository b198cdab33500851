"""Registering and changing receiving institutions, and finding those a caller works with.

The Dinas (operators, admins) registers the institutions serving inside its wilayah; anyone
signed in may read those that reach theirs — reference data, no personal details. Every write
is audited and published (`institution_registered` / `institution_changed`), so the cases
service knows which institution a referral may name.
"""

from __future__ import annotations

from datetime import datetime

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.domain.access import require_may_register_in
from services.registry.domain.errors import InstitutionNotFound
from services.registry.domain.institutions import Institution, InstitutionKind
from shared.audit import Actor, audit_row
from shared.contracts.registry import InstitutionChanged, InstitutionRegistered, InstitutionState
from shared.persistence.tables import audit
from shared.security import Principal, intersects


async def register_institution(
    uow: RegistryUnitOfWork, institution: Institution, by: Principal
) -> Institution:
    require_may_register_in(by, institution.wilayah)
    await uow.institutions.add(institution)
    _record(uow, institution, by, "institution.register", InstitutionRegistered)
    return institution


async def change_institution(
    uow: RegistryUnitOfWork,
    institution_id: str,
    by: Principal,
    now: datetime,
    **changes: str | bool | None,
) -> Institution:
    held = await read_institution(uow, institution_id, by)
    require_may_register_in(by, held.wilayah)
    institution = held.changed(now, **changes)  # type: ignore[arg-type]
    await uow.institutions.save(institution, over=held)
    _record(uow, institution, by, "institution.change", InstitutionChanged)
    return institution


async def read_institution(
    uow: RegistryUnitOfWork, institution_id: str, by: Principal
) -> Institution:
    institution = await uow.institutions.get(institution_id)
    if institution is None or not reaches(institution, by):
        raise InstitutionNotFound()
    return institution


async def list_institutions(
    uow: RegistryUnitOfWork,
    by: Principal,
    kind: InstitutionKind | None,
    after: str | None,
    limit: int,
) -> list[Institution]:
    return await uow.institutions.reaching(by.wilayah, kind, after, limit)


def reaches(institution: Institution, by: Principal) -> bool:
    """It serves inside the caller's wilayah, or an area holding it."""
    return intersects(by.wilayah, institution.wilayah)


def _record(
    uow: RegistryUnitOfWork,
    institution: Institution,
    by: Principal,
    action: str,
    event: type[InstitutionState],
) -> None:
    state = event(
        institution_id=institution.institution_id, kind=institution.kind.value,
        institution_name=institution.name, wilayah=institution.wilayah,
        active=institution.active,
    )  # fmt: skip
    uow.outbox.add(state, sequence=institution.version)
    uow.append(audit, audit_row(
        Actor.of(by), action, record_type="institution", record_id=institution.institution_id,
        wilayah=institution.wilayah, now=institution.updated_at,
    ))  # fmt: skip
