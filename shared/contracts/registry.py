"""Events the registry service publishes on `<namespace>.registry.events`.

Worker events carry the worker's full public state (never the NIK) and the envelope's `sequence`
is the worker's version, so training, cases and notifications keep order-tolerant projections
(`upsert_if_newer`). They are the only events besides `person_*` that may carry personal data
(name, phone): services need them for their projections (DESIGN.md §3).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from shared.contracts.catalog import CATALOG
from shared.contracts.envelope import Event

WorkerRole = Literal["psm", "tksk"]
WorkerStatus = Literal["active", "inactive"]


class WorkerState(Event):
    """A social worker as other services may know them."""

    subject_field: ClassVar[str] = "worker_id"

    worker_id: str
    role: WorkerRole
    name: str
    sex: Literal["L", "P"] = Field(description="L = laki-laki, P = perempuan")
    birth_date: date
    phone: str | None = Field(None, description="E.164, e.g. +6281234567890")
    wilayah: str = Field(description="PSM: home desa code; TKSK: kecamatan code")
    kecamatan: str = Field(description="the kecamatan the worker belongs to (63.05.01)")
    status: WorkerStatus
    tier: str | None = Field(None, description="highest training tier certified (dasar, …)")


@CATALOG.register
class WorkerRegistered(WorkerState):
    type: ClassVar[str] = "kesos.registry.worker_registered.v1"


@CATALOG.register
class WorkerContactUpdated(WorkerState):
    type: ClassVar[str] = "kesos.registry.worker_contact_updated.v1"


@CATALOG.register
class WorkerDeactivated(WorkerState):
    type: ClassVar[str] = "kesos.registry.worker_deactivated.v1"


@CATALOG.register
class WorkerTierRaised(WorkerState):
    type: ClassVar[str] = "kesos.registry.worker_tier_raised.v1"


WORKER_EVENTS: tuple[type[WorkerState], ...] = (
    WorkerRegistered,
    WorkerContactUpdated,
    WorkerDeactivated,
    WorkerTierRaised,
)
