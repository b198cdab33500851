"""Who hears of a case's deadline (due soon, overdue, escalated), and the words its codes become.

A notice of a step that waits on a worker (the assigned TKSK, the reporting PSM) goes to that
worker; one that waits on the Dinas (a closure to approve, a kecamatan without a TKSK) and every
escalation go to the Dinas's operators of the case's wilayah (`Officers`, from the operators'
file: staff, not registry workers).
"""

from __future__ import annotations

from services.notifications.domain.case_notices import place_words
from shared.contracts.cases import CaseDeadline

WORKERS = ("tksk", "psm")
# The step a deadline is for, as the message says it ("batas waktu verifikasi …").
STEP_WORDS = {
    "assign": "penunjukan TKSK",
    "verify": "verifikasi",
    "resubmit": "pelengkapan laporan",
    "assess": "asesmen",
    "approve_assessment": "persetujuan asesmen",
    "plan": "rencana tindak lanjut",
    "approve_plan": "persetujuan rencana tindak lanjut",
    "refer": "rujukan atau pemantauan",
    "start_monitoring": "dimulainya pemantauan",
    "record_follow_up": "kunjungan pemantauan",
    "approve_closure": "persetujuan penutupan",
}
WHO_WORDS = {"tksk": "TKSK", "psm": "PSM", "operator": "Dinas"}


def awaiting_worker(event: CaseDeadline) -> str | None:
    """The worker the step waits on; None when it waits on the Dinas."""
    return event.awaiting_id if event.awaiting_role in WORKERS else None


def deadline_words(event: CaseDeadline) -> dict[str, str]:
    """The template variables a deadline notice adds to its event's own fields."""
    return {
        **place_words(event.case_id, event.desa, event.kecamatan),
        "step_text": STEP_WORDS.get(event.step, event.step.replace("_", " ")),
        "awaiting_text": WHO_WORDS.get(event.awaiting_role, event.awaiting_role),
    }
