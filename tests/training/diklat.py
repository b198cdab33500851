"""The seed article's batch — Diklat Dasar PSM 2011 of Kabupaten Tapin — as test data."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.training.domain.batches import BatchPlan, Session
from shared.reference import wilayah

TAPIN = "63.05"
TUNGKAP = "63.05.01.2003"  # desa Tungkap, Binuang
RANTAU_KIWA = "63.05.04.1004"  # kelurahan Rantau Kiwa, Tapin Utara
BINUANG = "63.05.01"
ORGANISER = "Dinas Sosial Kabupaten Tapin"
VENUE = "Aula Kantor Dinsosduknaker Tapin"
# A desa of another kabupaten (Banjar): registry may hold workers anywhere in the province.
OTHER_KABUPATEN_DESA = "63.03.01.2001"


def diklat_dasar(**overrides: Any) -> dict[str, Any]:
    """The body of `POST /v1/batches` for the seed article's batch, 24–27 May 2011."""
    body: dict[str, Any] = {
        "tier": "dasar",
        "organiser_wilayah": TAPIN,
        "organiser": ORGANISER,
        "title": "Diklat Dasar PSM 2011",
        "starts_on": "2011-05-24",
        "ends_on": "2011-05-27",
        "venue": VENUE,
        "capacity": 30,
        "sessions": [
            _session("classroom", 24, "Materi kelas: PSM dan PSKS", VENUE),
            _session("classroom", 25, "Materi kelas: praktik mendata PMKS", VENUE),
            _session("pkl", 26, "Praktik kerja lapangan (PKL)", "Banjarbaru"),
            _session("discussion", 27, "Diskusi hasil kunjungan dan PKL, penutupan", VENUE),
        ],
    }
    body.update(overrides)
    return body


def _session(kind: str, day: int, title: str, location: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "date": date(2011, 5, day).isoformat(),
        "title": title,
        "location": location,
    }


def tapin_desa(count: int, kecamatan: int = 8) -> list[str]:
    """`count` desa codes of Tapin spread round-robin over its first `kecamatan` kecamatan."""
    by_kecamatan = [
        [region.code for region in wilayah().children(f"{TAPIN}.{number:02d}")]
        for number in range(1, kecamatan + 1)
    ]
    return [by_kecamatan[i % kecamatan][i // kecamatan] for i in range(count)]


# The same batch as a domain plan, for unit tests.
SESSIONS = (
    Session("s1", "classroom", date(2011, 5, 24), "Materi kelas", "Aula"),
    Session("s2", "classroom", date(2011, 5, 25), "Praktik PMKS", "Aula"),
    Session("s3", "pkl", date(2011, 5, 26), "PKL", "Banjarbaru"),
    Session("s4", "discussion", date(2011, 5, 27), "Diskusi dan penutupan", "Aula"),
)
PLAN = BatchPlan(
    tier="dasar", organiser_wilayah="6305", organiser="Dinas Sosial Kabupaten Tapin",
    title="Diklat Dasar PSM 2011", starts_on=date(2011, 5, 24), ends_on=date(2011, 5, 27),
    venue="Aula Kantor Dinsosduknaker Tapin", capacity=30, sessions=SESSIONS,
)  # fmt: skip
