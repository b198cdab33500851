"""Who hears of a PMKS case step, and the words the codes of the event become.

A case event carries codes ("63.05.01.2003", ("LUT",), "pindah_domisili"); a TKSK or PSM reads
names. The shared reference data turns the codes into names here, once, when the delivery is
recorded, so the message says the same thing however late it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from shared.contracts.cases import CaseStep
from shared.reference import Kind, pmks_categories
from shared.reference.wilayah import region_name, region_or_none

# The Dinas keeps Kalimantan Selatan time (WITA, UTC+8, no daylight saving): a case assigned at
# 23:00 WITA is assigned "today" there, though it is still the day before in UTC.
WITA = timezone(timedelta(hours=8), "WITA")
VERIFY_WITHIN = timedelta(days=7)  # what steps without a `due_day` (older ones) were given
CASE_REF_LENGTH = 8  # enough to find the case in the app; a whole UUID is noise in a message
PSM = "psm"

DESA_KINDS = {Kind.DESA: "Desa", Kind.KELURAHAN: "Kelurahan", Kind.DESA_ADAT: "Desa Adat"}
# Said instead of a sensitive category's name (ODHA, ABH, …): a message may be read over the
# recipient's shoulder or sit in a gateway's log, and "ODHA in desa X" can name a person.
PROTECTED_CATEGORY = "kategori terlindungi"  # the TKSK reads which one in the app

# The closure reasons of the cases service's workflow (DOMAIN.md §5), as a PSM would say them.
CLOSURE_REASONS = {
    "tertangani": "kebutuhannya telah tertangani",
    "meninggal": "yang bersangkutan telah meninggal dunia",
    "pindah_domisili": "yang bersangkutan telah pindah domisili",
    "dirujuk_permanen": "yang bersangkutan telah dirujuk secara permanen (misalnya ke panti)",
    "duplikat": "laporan ganda (duplikat)",
    "tidak_memenuhi_kriteria": "tidak memenuhi kriteria PMKS",
}
NO_REASON = "tidak disebutkan"
# Why a receiving institution declined a referral (cases' DeclineReason), as a TKSK would say it.
DECLINE_REASONS = {
    "kapasitas_penuh": "kapasitasnya penuh",
    "tidak_memenuhi_syarat": "yang bersangkutan tidak memenuhi syarat layanan",
    "di_luar_layanan": "layanan tersebut di luar layanan lembaga",
    "ditolak_penerima": "yang bersangkutan atau keluarganya menolak layanan",
    "lainnya": "alasan lain (lihat catatan di aplikasi)",
}
# What waits for the Dinas's approval, by the case's status after the step.
AWAITING_APPROVAL = {
    "closure_requested": "penutupan",
    "assessment_review": "hasil asesmen",
    "plan_review": "rencana tindak lanjut",
}


def assigned_tksk(step: CaseStep) -> str | None:
    """The TKSK a new or reassigned case is now waiting on."""
    return step.assigned_tksk_id


def reporting_psm(step: CaseStep) -> str | None:
    """The PSM who reported the case; an operator's walk-in report has no worker to tell."""
    return step.reported_by if step.reporter_role == PSM else None


def place_words(case_id: str, desa: str, kecamatan: str) -> dict[str, str]:
    """Which case and where, as every case message says it."""
    desa_kind, desa_name = desa_words(desa)
    return {
        "case_ref": case_id[:CASE_REF_LENGTH],
        "desa_kind": desa_kind,
        "desa_name": desa_name,
        "kecamatan_name": region_name(kecamatan),
    }


def case_words(step: CaseStep) -> dict[str, str]:
    """The template variables a case step adds to its event's own fields."""
    return {
        **place_words(step.case_id, step.desa, step.kecamatan),
        "categories_text": categories_text(step.categories, protected=step.protected),
        "verify_by": verify_day(step).isoformat(),
        "closure_reason_text": closure_reason_text(step.reason_code),
        "decline_reason_text": DECLINE_REASONS.get(step.reason_code or "", NO_REASON),
        "approval_text": AWAITING_APPROVAL.get(step.status, step.status.replace("_", " ")),
    }


def desa_words(code: str) -> tuple[str, str]:
    """("Desa", "Tungkap") or ("Kelurahan", "Rantau Kiwa"): people name the kind too."""
    region = region_or_none(code)
    if region is None:
        return "Desa", code
    return DESA_KINDS.get(region.kind, "Desa") if region.kind else "Desa", region.name


def categories_text(codes: Iterable[str], *, protected: bool = False) -> str:
    """ "Lanjut Usia Terlantar (LUT) dan Fakir Miskin (FM)"; sensitive ones are not named (the
    public events leave them out and say `protected`; older events named them)."""
    categories = pmks_categories()
    named: list[str] = []
    for code in codes:
        category = categories.find(code)
        if category is None:
            named.append(code)
        elif category.sensitive:
            protected = True
        else:
            named.append(f"{category.name} ({category.code})")
    if protected:
        named.append(PROTECTED_CATEGORY)
    return joined(named)


def joined(items: list[str]) -> str:
    """An Indonesian list: "A", "A dan B", "A, B dan C"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} dan {items[-1]}"


def verify_day(step: CaseStep) -> date:
    """The last day of the TKSK's verification: the case's own deadline (working days; its
    steps carry it since cases keep deadlines), else as older steps were read (`verify_by`)."""
    if step.next_step == "verify" and step.due_day is not None:
        return step.due_day
    return verify_by(step.at)


def verify_by(assigned_at: datetime) -> date:
    """Before cases kept deadlines: seven calendar days from the assignment (WITA)."""
    return assigned_at.astimezone(WITA).date() + VERIFY_WITHIN


def closure_reason_text(code: str | None) -> str:
    """The closure reason in words; an unknown code is still readable, a missing one is said."""
    if not code:
        return NO_REASON
    return CLOSURE_REASONS.get(code, code.replace("_", " "))
