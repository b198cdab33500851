"""Social workers the registry owns: PSM (a desa/kelurahan) and TKSK (a kecamatan).

Permensos 10/2019: a PSM serves the desa/kelurahan they live in. Permensos 28/2018: a TKSK serves
one kecamatan, and a kecamatan has one TKSK at a time. A worker is a frozen value: every change
returns a new one with `version` + 1, the version being both the optimistic lock and the
`sequence` other services order their projections by.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from services.registry.domain.errors import BirthDateInFuture, WorkerNotActive, WrongWilayahLevel
from shared.reference import (
    Level,
    TrainingTiers,
    Wilayah,
    check_identity,
    normalise_nik,
    normalise_phone,
    training_tiers,
    wilayah,
)


class WorkerRole(StrEnum):
    PSM = "psm"
    TKSK = "tksk"


class WorkerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


HOME_LEVEL = {WorkerRole.PSM: Level.DESA, WorkerRole.TKSK: Level.KECAMATAN}


@dataclass(frozen=True, slots=True)
class Registration:
    """What an operator submits, as typed: validated and normalised by `Worker.register`."""

    role: WorkerRole
    nik: str
    name: str
    sex: str  # L = laki-laki, P = perempuan
    birth_date: date
    phone: str | None
    wilayah: str


@dataclass(frozen=True, slots=True)
class Worker:
    worker_id: str
    role: WorkerRole
    nik: str  # 16 digits, normalised
    name: str
    sex: str
    birth_date: date
    phone: str | None  # E.164
    wilayah: str  # PSM: home desa/kelurahan; TKSK: kecamatan
    kecamatan: str
    status: WorkerStatus
    tier: str | None
    version: int
    registered_at: datetime
    updated_at: datetime
    nik_review: str | None = None  # the Dinas's review while another worker holds the NIK

    @classmethod
    def register(
        cls, worker_id: str, form: Registration, now: datetime, regions: Wilayah | None = None
    ) -> Worker:
        """A new active worker, or the named error of the first rule the form breaks."""
        nik = normalise_nik(form.nik)  # first: a bad NIK is the likeliest typo
        phone = normalise_phone(form.phone) if form.phone else None
        home, kecamatan = home_of(
            form.role, form.wilayah, wilayah() if regions is None else regions
        )
        if form.birth_date >= now.date():
            raise BirthDateInFuture()
        check_identity(nik, form.sex, form.birth_date)  # before 1900; NIK's date and sex
        return cls(
            worker_id=worker_id, role=form.role, nik=nik, name=form.name, sex=form.sex,
            birth_date=form.birth_date, phone=phone, wilayah=home, kecamatan=kecamatan,
            status=WorkerStatus.ACTIVE, tier=None, version=1, registered_at=now, updated_at=now,
        )  # fmt: skip

    @property
    def is_active(self) -> bool:
        return self.status is WorkerStatus.ACTIVE

    def with_phone(self, phone: str, now: datetime) -> Worker | None:
        """The worker with a new (normalised) phone; None when it is the same number."""
        number = normalise_phone(phone)
        return None if number == self.phone else self._changed(now, phone=number)

    def deactivated(self, now: datetime) -> Worker:
        if not self.is_active:
            raise WorkerNotActive()
        return self._changed(now, status=WorkerStatus.INACTIVE)

    def tier_raised_to(
        self, tier: str, now: datetime, tiers: TrainingTiers | None = None
    ) -> Worker | None:
        """The worker holding `tier`, or None when they already hold it or a higher one.

        Certificates arrive in any order (and again, on redelivery): a tier is never lowered.
        """
        tiers = training_tiers() if tiers is None else tiers
        certified = tiers.get(tier)
        if self.tier is not None and tiers.is_at_least(self.tier, certified.code):
            return None
        return self._changed(now, tier=certified.code)

    def _changed(self, now: datetime, **changes: Any) -> Worker:
        return replace(self, **changes, version=self.version + 1, updated_at=now)


def home_of(role: WorkerRole, code: str, regions: Wilayah) -> tuple[str, str]:
    """The worker's wilayah and kecamatan: a PSM lives in a desa, a TKSK serves a kecamatan."""
    region = regions.get(code)  # UnknownRegion / MalformedRegionCode name the reference rule
    expected = HOME_LEVEL[role]
    if region.level is not expected:
        raise WrongWilayahLevel(role, region.code, region.level, expected)
    if role is WorkerRole.TKSK:
        return region.code, region.code
    return region.code, regions.kecamatan_of(region.code).code
