"""Request and response bodies of the registry's HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, StringConstraints, model_validator

from services.registry.domain.families import Family
from services.registry.domain.persons import PersonForm
from services.registry.domain.workers import Registration, Worker, WorkerRole
from services.registry.use_cases.families import FamilyForm, NewMemberRef
from services.registry.use_cases.persons import PersonView
from shared.security import Principal, Role
from shared.security.disclosure import Disclosure, is_protected, mask_nik
from shared.web.bodies import Body, Flag
from shared.web.glass import Reason

T = TypeVar("T")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Loose shapes only: the NIK, phone and wilayah rules run in the domain, whose errors name the
# rule broken (`nik-invalid-birth-date`, …), which a schema error could not.
NikText = Annotated[str, Field(min_length=1, max_length=40, examples=["6305011708900001"])]
PhoneText = Annotated[str, Field(min_length=1, max_length=40, examples=["0812 3456 7890"])]
CategoryCode = Annotated[str, Field(max_length=12, examples=["LUT"])]
RegionCode = Annotated[str, Field(max_length=20, examples=["63.05.01.2003"])]


class Items(BaseModel, Generic[T]):
    items: list[T]


class NewWorker(Body):
    role: Literal["psm", "tksk"]
    nik: NikText
    name: Name
    sex: Literal["L", "P"] = Field(description="L = laki-laki, P = perempuan")
    birth_date: date
    phone: PhoneText | None = None
    wilayah: str = Field(
        max_length=20, description="PSM: home desa/kelurahan code; TKSK: kecamatan code"
    )

    def registration(self) -> Registration:
        return Registration(
            role=WorkerRole(self.role), nik=self.nik, name=self.name, sex=self.sex,
            birth_date=self.birth_date, phone=self.phone, wilayah=self.wilayah,
        )  # fmt: skip


class ContactChange(Body):
    phone: PhoneText


class Deactivation(Body):
    reason: Reason


class NikSearch(Body):
    nik: NikText


DISCLOSURE = Field(
    description="the personal fields you see masked or not at all (absent), and why "
    "(docs/adr/0005): a null elsewhere is then not an unknown value"
)


class WorkerOut(BaseModel):
    worker_id: str
    role: Literal["psm", "tksk"]
    nik: str | None = Field(description="full, masked (630501**********) or absent (null)")
    name: str | None
    sex: Literal["L", "P"] | None
    birth_date: str | None = Field(description="YYYY-MM-DD, masked (1990-**-**) or null")
    phone: str | None = Field(description="E.164, e.g. +6281234567890")
    wilayah: str
    kecamatan: str
    status: Literal["active", "inactive"]
    tier: str | None
    version: int
    disclosure: dict[str, str] = DISCLOSURE

    @classmethod
    def of(cls, worker: Worker, shown: Disclosure) -> WorkerOut:
        return cls(
            worker_id=worker.worker_id, role=str(worker.role),
            nik=shown.show("nik", worker.nik), name=shown.show("name", worker.name),
            sex=shown.show("sex", worker.sex),
            birth_date=shown.show("birth_date", worker.birth_date.isoformat()),
            phone=shown.show("phone", worker.phone), wilayah=worker.wilayah,
            kecamatan=worker.kecamatan, status=str(worker.status),
            tier=worker.tier, version=worker.version, disclosure=shown.summary(),
        )  # fmt: skip


class NewPerson(Body):
    nik: NikText | None = Field(None, description="null or absent: NIK not yet recorded")
    name: Name
    sex: Literal["L", "P"] = Field(description="L = laki-laki, P = perempuan")
    birth_date: date | None = None
    desa: RegionCode = Field(description="desa/kelurahan code where the person lives")
    # Emptiness is the domain's rule (`person-category-required`), named like the others.
    categories: list[CategoryCode] = Field(max_length=30, description="PMKS codes, e.g. LUT")

    def form(self) -> PersonForm:
        return PersonForm(
            nik=self.nik, name=self.name, sex=self.sex, birth_date=self.birth_date,
            desa=self.desa, categories=tuple(self.categories),
        )  # fmt: skip


class PersonOut(BaseModel):
    person_id: str
    nik: str | None = Field(
        description="full, masked (630501**********) or absent; null too while not recorded"
    )
    nik_recorded: bool
    name: str | None
    sex: Literal["L", "P"] | None
    birth_date: str | None = Field(description="YYYY-MM-DD, masked (1940-**-**) or null")
    desa: str
    kecamatan: str
    categories: list[str] = Field(description="empty when the person is protected from you")
    protected: bool = Field(
        description="in a protected category (ODHA, ABH, …): who and why are shown only to "
        "those entitled, or through a broken glass"
    )
    version: int
    cases: list[str] = Field(description="ids of the cases reported about the person")
    merged_into: str | None = Field(
        None, description="a review found this record to be that person: read that one"
    )
    disclosure: dict[str, str] = DISCLOSURE

    @classmethod
    def of(cls, view: PersonView, shown: Disclosure, *, merged_visible: bool = False) -> PersonOut:
        person = view.person
        birth = person.birth_date.isoformat() if person.birth_date else None
        return cls(
            person_id=person.person_id, nik=shown.show("nik", person.nik),
            nik_recorded=person.nik_recorded, name=shown.show("name", person.name),
            sex=shown.show("sex", person.sex), birth_date=shown.show("birth_date", birth),
            desa=person.desa, kecamatan=person.kecamatan,
            categories=[] if shown.withheld else list(person.categories),
            protected=shown.withheld or is_protected(person.categories),
            version=person.version, cases=list(view.cases),
            merged_into=person.merged_into if merged_visible else None,
            disclosure=shown.summary(),
        )  # fmt: skip


KkText = Annotated[str, Field(min_length=1, max_length=40, examples=["6305010101100001"])]
RelationshipText = Annotated[
    str, Field(min_length=1, max_length=40, examples=["kepala keluarga", "istri", "anak"])
]


class HouseholdPerson(Body):
    """A member not registered yet: registered with the family, in its desa."""

    nik: NikText | None = Field(None, description="null or absent: NIK not yet recorded")
    name: Name
    sex: Literal["L", "P"] = Field(description="L = laki-laki, P = perempuan")
    birth_date: date | None = None
    categories: list[CategoryCode] = Field(
        default_factory=list, max_length=30, description="PMKS codes, when they are PMKS too"
    )

    def form(self, desa: str) -> PersonForm:
        return PersonForm(
            nik=self.nik, name=self.name, sex=self.sex, birth_date=self.birth_date, desa=desa,
            categories=tuple(self.categories), household=True,
        )  # fmt: skip


class NewMember(Body):
    person_id: str | None = Field(None, max_length=100, description="a registered person")
    person: HouseholdPerson | None = Field(
        None,
        description="or a member not registered yet (a spouse, a child): registered with the "
        "family, without a PMKS category unless given; a NIK already registered is that person",
    )
    relationship: RelationshipText = Field(
        description="as on the KK: kepala keluarga, suami, istri, anak, menantu, cucu, "
        "orang tua, mertua, famili lain, pembantu, lainnya"
    )

    @model_validator(mode="after")
    def one_person(self) -> NewMember:
        if (self.person_id is None) == (self.person is None):
            raise ValueError("give either person_id or person")
        return self

    def member(self) -> NewMemberRef:
        """The registered person's id, or how to register the new one in the family's desa."""
        named = self.person_id if self.person is None else self.person.form
        assert named is not None
        return named


class MoveMember(NewMember):
    move: Flag = Field(
        False, description="the person leaves their current family for this one (both change)"
    )


class NewFamily(Body):
    no_kk: KkText | None = Field(None, description="null or absent: No. KK not yet recorded")
    desa: RegionCode = Field(description="desa/kelurahan code where the family lives")
    members: list[NewMember] = Field(default_factory=list, max_length=30)

    def form(self) -> FamilyForm:
        return FamilyForm(
            no_kk=self.no_kk,
            desa=self.desa,
            members=[(member.member(), member.relationship) for member in self.members],
        )


class MemberOut(BaseModel):
    person_id: str
    relationship: str
    joined_at: datetime


class FamilyOut(BaseModel):
    family_id: str
    no_kk: str | None = Field(
        description="full to Dinas staff, masked (630501**********) to field workers"
    )
    kk_recorded: bool
    desa: str
    kecamatan: str
    size: int
    members: list[MemberOut]
    version: int

    @classmethod
    def of(cls, family: Family, viewer: Principal) -> FamilyOut:
        shown = family.no_kk
        if shown is not None and viewer.role not in (Role.ADMIN, Role.OPERATOR):
            shown = mask_nik(shown)  # a KK number is masked like a NIK: its region only
        return cls(
            family_id=family.family_id, no_kk=shown, kk_recorded=family.no_kk is not None,
            desa=family.desa, kecamatan=family.kecamatan, size=family.size,
            members=[
                MemberOut(person_id=m.person_id, relationship=str(m.relationship),
                          joined_at=m.joined_at)
                for m in family.members
            ],
            version=family.version,
        )  # fmt: skip
