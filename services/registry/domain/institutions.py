"""Receiving institutions: where a TKSK refers a person (panti sosial, puskesmas/RSUD, Dukcapil,
BPJS, LKS …), as reference data the Dinas keeps, with the wilayah each one serves.

An institution answers its referrals through its own `integration` client: the client's token
carries the institution's id as its `sub` (docs/adr/0012), so the cases service knows whose
referrals it may answer without a table of clients.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.registry.domain.errors import InstitutionNameRequired
from shared.reference import wilayah


class InstitutionKind(StrEnum):
    PANTI_SOSIAL = "panti_sosial"  # incl. the province's UPTD panti and private panti
    LKS = "lks"  # Lembaga Kesejahteraan Sosial
    PUSKESMAS = "puskesmas"
    RUMAH_SAKIT = "rumah_sakit"  # RSUD and others
    DUKCAPIL = "dukcapil"  # KTP-el, KK, akta: a person without documents
    BPJS = "bpjs"  # BPJS Kesehatan (PBI)
    DESA = "desa"  # the desa's operator, e.g. for usulan DTKS/DTSEN
    LAINNYA = "lainnya"


@dataclass(frozen=True, slots=True)
class Institution:
    institution_id: str
    kind: InstitutionKind
    name: str
    wilayah: str  # the area it serves (dotted code: a province, kabupaten, kecamatan or desa)
    address: str | None
    phone: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def register(
        cls,
        institution_id: str,
        kind: str,
        name: str,
        serves: str,
        address: str | None,
        phone: str | None,
        now: datetime,
    ) -> Institution:
        return cls(
            institution_id, InstitutionKind(kind), _name(name), wilayah().get(serves).code,
            _text(address), _text(phone), True, 1, now, now,
        )  # fmt: skip

    def changed(
        self,
        now: datetime,
        *,
        name: str | None = None,
        address: str | None = None,
        phone: str | None = None,
        active: bool | None = None,
    ) -> Institution:
        """Only what is given changes; the kind and the wilayah served stay (register anew)."""
        return replace(
            self,
            name=self.name if name is None else _name(name),
            address=self.address if address is None else _text(address),
            phone=self.phone if phone is None else _text(phone),
            active=self.active if active is None else active,
            version=self.version + 1,
            updated_at=now,
        )


def _name(name: str) -> str:
    cleaned = _text(name)
    if cleaned is None:
        raise InstitutionNameRequired()
    return cleaned


def _text(text: str | None) -> str | None:
    return (text or "").strip() or None
