"""Events the registry service publishes on `<namespace>.registry.events` (and `.contacts`).

Worker events carry the worker's public state — role, wilayah, status, tier; no name, birth date,
phone or NIK — and the envelope's `sequence` is the worker's version, so training, cases and
notifications keep order-tolerant projections (`upsert_if_newer`). How to reach a worker (name,
phone) travels on the restricted `<ns>.registry.contacts`, which only notifications reads
(docs/adr/0005-least-privilege.md).

Person events carry no identity either: no NIK, no name, no birth date. The only projection
of persons (cases' check that a reported person id exists inside the reporter's wilayah) needs
the id and where the person lives; the categories and whether a NIK is on record serve the
rekap and data-quality reports of other agencies. `person_linked` says which person a reported
case is about.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.catalog import CATALOG
from shared.contracts.envelope import Event
from shared.contracts.oversight import ProtectedRecordOpened

WorkerRole = Literal["psm", "tksk"]
WorkerStatus = Literal["active", "inactive"]


class WorkerState(Event):
    """A social worker as anyone granted the registry's stream may know them: role, place,
    status and tier — never a name, birth date or phone."""

    subject_field: ClassVar[str] = "worker_id"

    worker_id: str
    role: WorkerRole
    wilayah: str = Field(description="PSM: home desa code; TKSK: kecamatan code")
    kecamatan: str = Field(description="the kecamatan the worker belongs to (63.05.01)")
    status: WorkerStatus
    tier: str | None = Field(None, description="highest training tier certified (dasar, …)")


@CATALOG.register
class WorkerRegistered(WorkerState):
    type: ClassVar[str] = "kesos.registry.worker_registered.v2"


@CATALOG.register
class WorkerDeactivated(WorkerState):
    type: ClassVar[str] = "kesos.registry.worker_deactivated.v2"


@CATALOG.register
class WorkerTierRaised(WorkerState):
    type: ClassVar[str] = "kesos.registry.worker_tier_raised.v2"


@CATALOG.register
class WorkerContact(Event):
    """Restricted (`<ns>.registry.contacts`, read by notifications alone): how to reach a
    worker, published whenever their name, phone or status may have changed."""

    type: ClassVar[str] = "kesos.registry.worker_contact.v1"
    subject_field: ClassVar[str] = "worker_id"
    stream_channel: ClassVar[str] = "contacts"

    worker_id: str
    role: WorkerRole
    name: str
    phone: str | None = Field(None, description="E.164, e.g. +6281234567890")
    wilayah: str
    kecamatan: str
    status: WorkerStatus


class WorkerStateV1(Event):
    """Version 1 put a worker's name, sex, birth date and phone on the public stream. No longer
    published (docs/adr/0005); kept so entries already on a stream stay readable."""

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
class WorkerRegisteredV1(WorkerStateV1):
    type: ClassVar[str] = "kesos.registry.worker_registered.v1"


@CATALOG.register
class WorkerContactUpdatedV1(WorkerStateV1):
    type: ClassVar[str] = "kesos.registry.worker_contact_updated.v1"


@CATALOG.register
class WorkerDeactivatedV1(WorkerStateV1):
    type: ClassVar[str] = "kesos.registry.worker_deactivated.v1"


@CATALOG.register
class WorkerTierRaisedV1(WorkerStateV1):
    type: ClassVar[str] = "kesos.registry.worker_tier_raised.v1"


class PersonState(Event):
    """A PMKS/PPKS person as other services may know them: where, which categories, no identity."""

    subject_field: ClassVar[str] = "person_id"

    person_id: str
    desa: str = Field(description="desa/kelurahan code where the person lives (63.05.01.2003)")
    kecamatan: str
    categories: tuple[str, ...] = Field(
        description="PMKS category codes, e.g. LUT, PD — never a protected one (ODHA, ABH, …)"
    )
    nik_recorded: bool = Field(description="false while the person's NIK is not yet recorded")
    protected: bool = Field(
        False, description="the person is also in a protected category, left out of `categories`"
    )


@CATALOG.register
class PersonRegistered(PersonState):
    type: ClassVar[str] = "kesos.registry.person_registered.v1"


@CATALOG.register
class PersonUpdated(PersonState):
    """A new report brought categories the person did not have yet."""

    type: ClassVar[str] = "kesos.registry.person_updated.v1"


@CATALOG.register
class PersonProfile(Event):
    """Restricted (`<ns>.registry.profiles`, read by cases alone): the sex and birth date of a
    person who has a case, for the rekap by sex and age band the Dinas reports (ADR 0012).
    Published when a case is linked to them and when such a person changes or absorbs another;
    `sequence` is the person's version."""

    type: ClassVar[str] = "kesos.registry.person_profile.v1"
    subject_field: ClassVar[str] = "person_id"
    stream_channel: ClassVar[str] = "profiles"

    person_id: str
    sex: Literal["L", "P"]
    birth_date: date | None = Field(None, description="null: not known")


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


@CATALOG.register
class PersonMerged(Event):
    """The Dinas found two records to be one person: `person_id` is merged into `into` (kept),
    and every case that was about either is now about `into`. Ids and place only."""

    type: ClassVar[str] = "kesos.registry.person_merged.v1"
    subject_field: ClassVar[str] = "person_id"

    person_id: str = Field(description="the record merged away: it now stands for `into`")
    into: str = Field(description="the person kept")
    desa: str = Field(description="where the kept person lives")
    kecamatan: str
    cases: tuple[str, ...] = Field(
        description="every case now about `into`, those of both records, oldest link first"
    )


class ImportedPerson(BaseModel):
    """One person of `persons_imported`: what `person_registered` (or `person_updated`) would
    have said of them, and their version — that event's `sequence`."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    version: int = Field(description="the person's version: a newer state has a higher one")
    desa: str
    kecamatan: str
    categories: tuple[str, ...] = Field(description="as in `person_registered`: none protected")
    nik_recorded: bool
    protected: bool = False


@CATALOG.register
class PersonsImported(Event):
    """The persons one batch of an import registered or gave new categories, in one entry.

    A province's import is millions of persons: an event for each was most of the import's
    work and of every consumer's (docs/adr/0010-import-batch-events.md). Outside imports a person's
    changes are still `person_registered`/`person_updated`; keep each person's state only when
    its `version` is newer than the one held, as with those events' `sequence`."""

    type: ClassVar[str] = "kesos.registry.persons_imported.v1"
    subject_field: ClassVar[str] = "import_id"

    import_id: str
    persons: tuple[ImportedPerson, ...]


PERSON_EVENTS: tuple[type[PersonState], ...] = (PersonRegistered, PersonUpdated)

WORKER_EVENTS: tuple[type[WorkerState], ...] = (
    WorkerRegistered,
    WorkerDeactivated,
    WorkerTierRaised,
)
WORKER_EVENTS_V1: tuple[type[WorkerStateV1], ...] = (
    WorkerRegisteredV1,
    WorkerContactUpdatedV1,
    WorkerDeactivatedV1,
    WorkerTierRaisedV1,
)


@CATALOG.register
class PersonRecordOpened(ProtectedRecordOpened):
    """Restricted (`<ns>.registry.oversight`, read by notifications alone): Dinas staff broke
    the glass on a person in a protected category."""

    type: ClassVar[str] = "kesos.registry.protected_record_opened.v1"


class FamilyMember(BaseModel):
    """A current member of a family, by person id, and since when (projections keep a person
    in the family they joined last, whatever order the events of two families arrive in)."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    joined_at: datetime


class FamilyState(Event):
    """A family as other services may know it: where it lives and who is in it, by id — no
    No. KK, no names, no relationships."""

    subject_field: ClassVar[str] = "family_id"

    family_id: str
    desa: str = Field(description="desa/kelurahan code where the family lives")
    kecamatan: str
    size: int = Field(description="current members")
    members: tuple[FamilyMember, ...]
    kk_recorded: bool = Field(description="false while the family's No. KK is not yet recorded")


@CATALOG.register
class FamilyRegistered(FamilyState):
    type: ClassVar[str] = "kesos.registry.family_registered.v1"


@CATALOG.register
class FamilyChanged(FamilyState):
    """Members joined or left (a move publishes this for both families)."""

    type: ClassVar[str] = "kesos.registry.family_changed.v1"


class ImportedFamily(BaseModel):
    """One family of `families_imported`: what `family_registered` (or `family_changed`) would
    have said of it, and its version — that event's `sequence`."""

    model_config = ConfigDict(frozen=True)

    family_id: str
    version: int = Field(description="the family's version: a newer state has a higher one")
    desa: str
    kecamatan: str
    size: int
    members: tuple[FamilyMember, ...]
    kk_recorded: bool


@CATALOG.register
class FamiliesImported(Event):
    """The families one batch of an import registered or added members to, in one entry (as
    `persons_imported`; outside imports `family_registered`/`family_changed`)."""

    type: ClassVar[str] = "kesos.registry.families_imported.v1"
    subject_field: ClassVar[str] = "import_id"

    import_id: str
    families: tuple[ImportedFamily, ...]


class InstitutionState(Event):
    """A receiving institution a case's referral may name (services/registry/domain/
    institutions.py): reference data, no personal details. Its integration client's token has
    the institution's id as `sub`."""

    subject_field: ClassVar[str] = "institution_id"

    institution_id: str
    kind: str = Field(description="panti_sosial, lks, puskesmas, rumah_sakit, dukcapil, bpjs, …")
    institution_name: str
    wilayah: str = Field(description="the area it serves: a province, kabupaten, kecamatan or desa")
    active: bool


@CATALOG.register
class InstitutionRegistered(InstitutionState):
    type: ClassVar[str] = "kesos.registry.institution_registered.v1"


@CATALOG.register
class InstitutionChanged(InstitutionState):
    """Renamed, or (de)activated: an inactive institution takes no new referrals."""

    type: ClassVar[str] = "kesos.registry.institution_changed.v1"
