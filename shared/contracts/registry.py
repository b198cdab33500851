"""Events the registry service publishes on `<namespace>.registry.events`.

Worker events carry the worker's full public state (never the NIK) and the envelope's `sequence`
is the worker's version, so training, cases and notifications keep order-tolerant projections
(`upsert_if_newer`). They are the only events besides `person_*` that may carry personal data
(name, phone): services need them for their projections (DESIGN.md §3).

Person events carry less: no NIK, no name, no birth date. The only projection of persons (cases'
check that a reported person id exists inside the reporter's wilayah) needs the id and where the
person lives; the categories and whether a NIK is on record serve the rekap and data-quality
reports of other agencies. `person_linked` says which person a reported case is about.
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


class PersonState(Event):
    """A PMKS/PPKS person as other services may know them: where, which categories, no identity."""

    subject_field: ClassVar[str] = "person_id"

    person_id: str
    desa: str = Field(description="desa/kelurahan code where the person lives (63.05.01.2003)")
    kecamatan: str
    categories: tuple[str, ...] = Field(description="PMKS category codes, e.g. LUT, PD")
    nik_recorded: bool = Field(description="false while the person's NIK is not yet recorded")


@CATALOG.register
class PersonRegistered(PersonState):
    type: ClassVar[str] = "kesos.registry.person_registered.v1"


@CATALOG.register
class PersonUpdated(PersonState):
    """A new report brought categories the person did not have yet."""

    type: ClassVar[str] = "kesos.registry.person_updated.v1"


@CATALOG.register
class PersonLinked(Event):
    """The registry matched a reported case to a person: a new one, or one it already knew."""

    type: ClassVar[str] = "kesos.registry.person_linked.v1"
    subject_field: ClassVar[str] = "case_id"

    case_id: str
    person_id: str
    matched_by: Literal["new", "nik", "person_id"] = Field(
        description="new: registered from the report; nik: an existing person with that NIK; "
        "person_id: the report named the registry person"
    )


PERSON_EVENTS: tuple[type[PersonState], ...] = (PersonRegistered, PersonUpdated)

WORKER_EVENTS: tuple[type[WorkerState], ...] = (
    WorkerRegistered,
    WorkerContactUpdated,
    WorkerDeactivated,
    WorkerTierRaised,
)
