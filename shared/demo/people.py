"""The demo's people: one TKSK per kecamatan of Tapin and 31 PSM over 8 kecamatan.

Deterministic (the same names, NIKs and phones on every run), so replaying the demo with the same
Idempotency-Keys finds what it already made. NIKs follow DOMAIN.md §3.1: kecamatan code, birth
date (day + 40 for women), serial.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.reference import wilayah
from shared.reference.identity import compose_nik

TAPIN = "63.05"
TUNGKAP = "63.05.01.2003"  # Binuang: the PSM who will report a neglected elderly person
RANTAU_KIWA = "63.05.04.1004"  # Tapin Utara: the PSM who will report a person with a disability
TATAKAN = "63.05.02.2001"  # Tapin Selatan: the PSM who will report a neglected child
PSM_KECAMATAN = ("01", "02", "03", "04", "05", "06", "07", "08")  # "PSM from 8 kecamatan"
PSM_COUNT = 31

MEN = (
    "Ahmad", "Muhammad", "Abdul", "Syahrani", "Rahmadi", "Gusti", "Fahriansyah", "Yusuf",
    "Hairul", "Akhmad", "Saipul", "Norhadi", "Jumberi", "Rusmanto", "Taufik", "Zainal",
)  # fmt: skip
WOMEN = (
    "Siti", "Noor", "Rusdiana", "Masitah", "Normilawati", "Rahmawati", "Khadijah", "Nurul",
    "Mariani", "Salasiah", "Hamidah", "Fitriani", "Jamilah", "Rabiatul", "Aida", "Hasnah",
)  # fmt: skip
FAMILY = (
    "Hidayat", "Rahman", "Aminah", "Hasanah", "Anwar", "Riduan", "Bahri", "Arifin",
    "Fauzi", "Rizki", "Irwan", "Huda", "Adawiyah", "Masrani", "Ilmi", "Sari",
)  # fmt: skip


@dataclass(frozen=True)
class DemoWorker:
    role: str  # psm | tksk
    name: str
    sex: str  # L | P
    birth_date: date
    nik: str
    phone: str
    wilayah: str

    def registration(self) -> dict[str, str]:
        return {
            "role": self.role,
            "nik": self.nik,
            "name": self.name,
            "sex": self.sex,
            "birth_date": self.birth_date.isoformat(),
            "phone": self.phone,
            "wilayah": self.wilayah,
        }


def tksk_workers() -> list[DemoWorker]:
    kecamatan = wilayah().children(TAPIN)
    return [
        _worker("tksk", index, region.code, region.code) for index, region in enumerate(kecamatan)
    ]


def psm_workers() -> list[DemoWorker]:
    """31 PSM: 4 per kecamatan (3 in the last), Tungkap's and Rantau Kiwa's among the first 30."""
    desa = [_desa_for_psm(kec) for kec in PSM_KECAMATAN]
    homes = [home for per_kecamatan in desa for home in per_kecamatan][:PSM_COUNT]
    return [_worker("psm", 100 + index, home, home[:8]) for index, home in enumerate(homes)]


def _desa_for_psm(kecamatan_suffix: str) -> list[str]:
    kecamatan = f"{TAPIN}.{kecamatan_suffix}"
    codes = [region.code for region in wilayah().children(kecamatan)]
    for special in (TUNGKAP, RANTAU_KIWA, TATAKAN):  # the story's desa first in its kecamatan
        if special in codes:
            codes.remove(special)
            codes.insert(0, special)
    return codes[:4]


def _worker(role: str, index: int, home: str, kecamatan: str) -> DemoWorker:
    female = index % 2 == 1 or home == RANTAU_KIWA  # Rantau Kiwa's PSM is a woman ("hers")
    names = WOMEN if female else MEN
    born = date(1965 + index % 25, 1 + index % 12, 1 + (index * 7) % 28)
    nik = compose_nik(kecamatan, born, female=female, serial=1 + index % 9000)
    phone = f"0812{51000000 + index * 7919:08d}"
    return DemoWorker(
        role=role,
        name=f"{names[index % len(names)]} {FAMILY[(index // 2 + index // 16) % len(FAMILY)]}",
        sex="P" if female else "L",
        birth_date=born,
        nik=nik,
        phone=phone,
        wilayah=home,
    )
