"""A case's deadline notices in words, and who hears them: the worker the step waits on, or the
Dinas's operators of the case's wilayah (escalations, and steps waiting on the Dinas)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.notifications.adapters.template_file import packaged_templates
from services.notifications.domain.deadline_notices import awaiting_worker, deadline_words
from services.notifications.domain.officers import Officers
from shared.contracts.cases import CaseDeadline, CaseDueSoon, CaseEscalated, CaseOverdue
from tests.notifications.integration.story import TUNGKAP


def deadline(kind: type[CaseDeadline], **changes: Any) -> CaseDeadline:
    values: dict[str, Any] = dict(
        case_id="3f2a9c1e-7b4d-4e21-9a0c-5d6e7f809a1b", set_by=2, step="verify",
        awaiting_role="tksk", awaiting_id="w-rahmat", desa=TUNGKAP, kecamatan=TUNGKAP[:8],
        due_day=date(2026, 3, 27), due_at=datetime.fromisoformat("2026-03-27T16:00:00+00:00"),
    )  # fmt: skip
    return kind(**{**values, **changes})


def rendered(template: str, event: CaseDeadline, name: str = "Rahmat") -> str:
    chosen = packaged_templates()[template]
    data = {**event.model_dump(mode="json"), **deadline_words(event)}
    return chosen.render({**chosen.variables_from(data), "name": name})


def test_the_tksk_is_reminded_then_told_it_is_overdue() -> None:
    place = "Desa Tungkap, Kecamatan Binuang (ref. 3f2a9c1e)"
    assert rendered("case_due_soon", deadline(CaseDueSoon)) == (
        f"Yth. Rahmat, pengingat: batas waktu verifikasi kasus PMKS di {place} adalah "
        "27 Maret 2026."
    )
    assert rendered("case_overdue", deadline(CaseOverdue, working_days_late=1)) == (
        f"Yth. Rahmat, batas waktu verifikasi kasus PMKS di {place} telah lewat pada "
        "27 Maret 2026. Mohon segera ditindaklanjuti."
    )


def test_an_escalation_says_whose_step_is_late_and_by_how_much() -> None:
    text = rendered("case_escalated", deadline(CaseEscalated, working_days_late=2), "Bu Kabid")
    assert text.startswith("Yth. Bu Kabid, verifikasi kasus PMKS di Desa Tungkap")
    assert "oleh TKSK terlambat 2 hari kerja dari batas 27 Maret 2026" in text


def test_a_step_waiting_on_the_dinas_goes_to_its_operators_of_the_wilayah() -> None:
    closure = deadline(CaseOverdue, step="approve_closure", awaiting_role="operator",
                       awaiting_id=None)  # fmt: skip
    assert awaiting_worker(closure) is None and awaiting_worker(deadline(CaseDueSoon)) == "w-rahmat"
    assert "persetujuan penutupan" in rendered("case_overdue", closure, "Bu Kabid")
    operators = Officers.from_data(
        [{"operator_id": "op-tapin", "name": "Operator Tapin", "wilayah": "63.05"},
         {"operator_id": "op-banjar", "name": "Operator Banjar", "wilayah": "63.03"}],
        "operator_id",
    )  # fmt: skip
    assert [o.officer_id for o in operators.covering(TUNGKAP)] == ["op-tapin"]
