"""Request and response bodies of the registry's HTTP API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, StringConstraints

from services.registry.domain.access import sees_full_nik
from services.registry.domain.persons import PersonForm
from services.registry.domain.workers import Registration, Worker, WorkerRole, masked_nik
from services.registry.use_cases.persons import PersonView
from shared.security import Principal
from shared.web.bodies import Body

T = TypeVar("T")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
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


class WorkerOut(BaseModel):
    worker_id: str
    role: Literal["psm", "tksk"]
    nik: str = Field(description="in full for admin and operator, else masked (630501**********)")
    name: str
    sex: Literal["L", "P"]
    birth_date: date
    phone: str | None = Field(description="E.164, e.g. +6281234567890")
    wilayah: str
    kecamatan: str
    status: Literal["active", "inactive"]
    tier: str | None
    version: int

    @classmethod
    def of(cls, worker: Worker, viewer: Principal) -> WorkerOut:
        nik = worker.nik if sees_full_nik(viewer) else masked_nik(worker.nik)
        return cls.model_validate(
            {
                **{name: getattr(worker, name) for name in cls.model_fields},
                "role": str(worker.role),
                "status": str(worker.status),
                "nik": nik,
            }
        )


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
        description="in full for admin and operator, else masked; null while not recorded"
    )
    nik_recorded: bool
    name: str
    sex: Literal["L", "P"]
    birth_date: date | None
    desa: str
    kecamatan: str
    categories: list[str]
    version: int
    cases: list[str] = Field(description="ids of the cases reported about the person")

    @classmethod
    def of(cls, view: PersonView, viewer: Principal) -> PersonOut:
        person = view.person
        nik = person.nik
        if nik is not None and not sees_full_nik(viewer):
            nik = masked_nik(nik)
        fields = {name: getattr(person, name) for name in cls.model_fields if name != "cases"}
        return cls.model_validate({**fields, "nik": nik, "cases": view.cases})
