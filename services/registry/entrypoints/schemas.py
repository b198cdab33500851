"""Request and response bodies of the registry's HTTP API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, StringConstraints

from services.registry.domain.access import sees_full_nik
from services.registry.domain.workers import Registration, Worker, WorkerRole, masked_nik
from shared.security import Principal

T = TypeVar("T")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# Loose shapes only: the NIK, phone and wilayah rules run in the domain, whose errors name the
# rule broken (`nik-invalid-birth-date`, …), which a schema error could not.
NikText = Annotated[str, Field(min_length=1, max_length=40, examples=["6305011708900001"])]
PhoneText = Annotated[str, Field(min_length=1, max_length=40, examples=["0812 3456 7890"])]


class Items(BaseModel, Generic[T]):
    items: list[T]


class NewWorker(BaseModel):
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


class ContactChange(BaseModel):
    phone: PhoneText


class Deactivation(BaseModel):
    reason: Reason


class NikSearch(BaseModel):
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
