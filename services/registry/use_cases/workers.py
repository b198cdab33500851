"""Registering, reading and changing social workers (callers: the HTTP entrypoint)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.registry.domain.access import (
    require_may_change_contact,
    require_no_active_tksk,
    require_visible,
    visible_id,
)
from services.registry.domain.errors import (
    ConcurrentUpdate,
    NikAlreadyRegistered,
    OutsideWilayah,
)
from services.registry.domain.workers import Registration, Worker, WorkerRole, WorkerStatus
from services.registry.use_cases.events import record_change
from services.registry.use_cases.ports import RegistryWork, WorkerQuery
from services.registry.use_cases.reviews import hold_worker_for_review
from shared.audit import Actor
from shared.contracts.registry import WorkerDeactivated, WorkerRegistered
from shared.reference import normalise_nik, normalise_region_code, training_tiers
from shared.security import Principal, narrowest


@dataclass(frozen=True, slots=True)
class WorkerFilters:
    """A list request's filters, as typed by the caller."""

    wilayah: str | None = None
    role: WorkerRole | None = None
    status: WorkerStatus | None = None
    tier: str | None = None


async def register_worker(
    uow: RegistryWork, form: Registration, by: Principal, now: datetime, worker_id: str
) -> Worker:
    """A new worker. A NIK already a worker's inside the caller's wilayah is refused (409); one
    outside it is not — that would confirm it exists there — but held for the Dinas to review,
    and the caller's answer is the same as for any new worker."""
    worker = Worker.register(worker_id, form, now)
    if not by.covers(worker.wilayah):
        raise OutsideWilayah(worker.wilayah)
    elsewhere = await _refuse_duplicates(uow, worker, by)
    if elsewhere is not None:
        return await hold_worker_for_review(uow, worker, elsewhere, Actor.of(by), now)
    if not await uow.workers.add(worker):
        # A concurrent registration committed between our check and our insert: name it.
        await _refuse_duplicates(uow, worker, by)
        raise ConcurrentUpdate()
    await record_change(
        uow, WorkerRegistered, worker, by=Actor.of(by), action="worker.register", now=now
    )
    return worker


async def _refuse_duplicates(uow: RegistryWork, worker: Worker, by: Principal) -> Worker | None:
    """Refuse what the caller may know of; the worker holding the NIK elsewhere, if any."""
    if worker.role is WorkerRole.TKSK:
        require_no_active_tksk(worker, await uow.workers.active_tksk(worker.kecamatan), by)
    mine = [w for w in await uow.workers.all_with_nik(worker.nik) if visible_id(by, w)]
    if mine:
        raise NikAlreadyRegistered(mine[0].worker_id)
    return await uow.workers.with_nik(worker.nik)


async def read_worker(uow: RegistryWork, worker_id: str, by: Principal) -> Worker:
    return require_visible(by, await uow.workers.get(worker_id))


async def change_contact(
    uow: RegistryWork, worker_id: str, phone: str, by: Principal, now: datetime
) -> Worker:
    worker = await read_worker(uow, worker_id, by)
    require_may_change_contact(by, worker)
    changed = worker.with_phone(phone, now)
    if changed is None:
        return worker  # the same number: nothing changes, nothing to tell anyone
    await uow.workers.save(changed, expected_version=worker.version)
    # Nothing public changed: only notifications, on the restricted stream, hears of it.
    await record_change(uow, None, changed, by=Actor.of(by), action="worker.contact", now=now)
    return changed


async def deactivate_worker(
    uow: RegistryWork, worker_id: str, reason: str, by: Principal, now: datetime
) -> Worker:
    worker = await read_worker(uow, worker_id, by)
    changed = worker.deactivated(now)
    await uow.workers.save(changed, expected_version=worker.version)
    await record_change(
        uow, WorkerDeactivated, changed,
        by=Actor.of(by), action="worker.deactivate", now=now, reason=reason,
    )  # fmt: skip
    return changed


async def search_by_nik(uow: RegistryWork, nik: str, by: Principal, now: datetime) -> list[Worker]:
    """The workers with this NIK the caller may see; every search is audited, a miss too."""
    number = normalise_nik(nik)
    found = [w for w in await uow.workers.all_with_nik(number) if visible_id(by, w)]
    for worker in found:
        await uow.audit(Actor.of(by), "worker.search", worker, now)
    if not found:
        await uow.audit_search(Actor.of(by), "worker.search", number, by.wilayah, now)
    return found


async def list_workers(
    uow: RegistryWork, filters: WorkerFilters, by: Principal, *, after: str | None, limit: int
) -> list[Worker]:
    """A page of workers inside both the caller's wilayah and the requested one."""
    wanted = normalise_region_code(filters.wilayah) if filters.wilayah else None
    scope = narrowest(by.wilayah, wanted) if wanted else by.wilayah
    if scope is None:
        return []  # the requested wilayah is outside the caller's
    tier = training_tiers().get(filters.tier).code if filters.tier else None
    query = WorkerQuery(scope=scope, role=filters.role, status=filters.status, tier=tier)
    return await uow.workers.page(query, after=after, limit=limit)
