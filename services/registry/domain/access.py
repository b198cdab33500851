"""Who may see and change which worker or person: the wilayah scope, plus a worker's own record.

A record outside the caller's wilayah is indistinguishable from a missing one (DESIGN.md §7), so
conflicts name an existing worker only when the caller could see it anyway.
"""

from __future__ import annotations

from services.registry.domain.errors import (
    NotOwnRecord,
    OutsideWilayah,
    PersonNotFound,
    TkskAlreadyActive,
    WorkerNotFound,
)
from services.registry.domain.persons import Person
from services.registry.domain.workers import Worker, WorkerRole
from shared.security import Principal


def is_self(viewer: Principal, worker: Worker) -> bool:
    """A PSM's or TKSK's token `sub` is their registry worker id."""
    return viewer.is_worker and viewer.sub == worker.worker_id


def can_see(viewer: Principal, worker: Worker) -> bool:
    return viewer.covers(worker.wilayah) or is_self(viewer, worker)


def require_visible(viewer: Principal, worker: Worker | None) -> Worker:
    if worker is None or not can_see(viewer, worker):
        raise WorkerNotFound()
    return worker


def visible_id(viewer: Principal, worker: Worker) -> str | None:
    return worker.worker_id if can_see(viewer, worker) else None


def require_may_change_contact(viewer: Principal, worker: Worker) -> None:
    """Dinas staff change any visible worker's contact; a field worker only their own."""
    if viewer.is_worker and not is_self(viewer, worker):
        raise NotOwnRecord()


def require_no_active_tksk(candidate: Worker, active: Worker | None, viewer: Principal) -> None:
    """One active TKSK per kecamatan (Permensos 28/2018)."""
    if candidate.role is not WorkerRole.TKSK or not candidate.is_active or active is None:
        return
    if active.worker_id != candidate.worker_id:
        raise TkskAlreadyActive(candidate.kecamatan, visible_id(viewer, active))


def require_visible_person(viewer: Principal, person: Person | None) -> Person:
    """A person is seen by whoever covers their desa (a PSM: their own desa only)."""
    if person is None or not viewer.covers(person.desa):
        raise PersonNotFound()
    return person


def require_may_register_in(viewer: Principal, desa: str) -> None:
    """The caller named the desa, so refusing it reveals nothing: 403, not 404."""
    if not viewer.covers(desa):
        raise OutsideWilayah(desa)
