"""Case steps are told in names, not codes: who hears of which step, and in which words."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from services.notifications.adapters.template_file import packaged_templates
from services.notifications.app import build_app
from services.notifications.domain.case_notices import (
    assigned_tksk,
    case_words,
    categories_text,
    desa_words,
    reporting_psm,
    verify_by,
)
from services.notifications.entrypoints.consumers import case_notice
from services.notifications.settings import DispatcherSettings
from shared.contracts.cases import (
    CaseAssigned,
    CaseClosed,
    CaseReassigned,
    CaseReturned,
    CaseStep,
    CaseVerified,
)
from shared.messaging.runner import HandlerContext
from shared.security import SecuritySettings
from shared.settings import BusSettings, ServiceSettings
from tests.notifications.integration.story import RANTAU_KIWA, SECRET, case_step
from tests.support.entries import envelope_of

PLACE = "di Desa Tungkap, Kecamatan Binuang"


def rendered(template: str, step: CaseStep, name: str = "Rahmat") -> str:
    chosen = packaged_templates()[template]
    event_data = {**step.model_dump(mode="json"), **case_words(step)}
    return chosen.render({**chosen.variables_from(event_data), "name": name})


def test_the_tksk_is_told_of_a_new_case_by_place_category_and_deadline() -> None:
    step = case_step(CaseAssigned, next_step="verify", due_day=date(2024, 8, 15))
    assert rendered("case_assigned", step) == (
        f"Yth. Rahmat, ada kasus PMKS baru untuk Anda tangani {PLACE}, kategori Lanjut Usia "
        "Terlantar (LUT) (ref. 3f2a9c1e). Mohon lakukan verifikasi paling lambat "
        "15 Agustus 2024."
    )
    # A step from before cases kept deadlines: seven days on, as it was then.
    assert rendered("case_assigned", case_step(CaseAssigned)).endswith("19 Agustus 2024.")


def test_a_tksk_handed_an_ongoing_case_is_not_asked_to_verify_it_again() -> None:
    text = rendered("case_reassigned", case_step(CaseReassigned, status="monitoring"))
    assert text.startswith("Yth. Rahmat, Dinas Sosial mengalihkan kepada Anda")
    assert PLACE in text and "lanjutkan penanganannya" in text and "verifikasi" not in text


@pytest.mark.parametrize(
    ("template", "step", "says"),
    [
        ("case_verified", CaseVerified, "telah diverifikasi oleh TKSK"),
        ("case_returned", CaseReturned, "Mohon lengkapi laporan tersebut"),
        ("case_closed", CaseClosed, "Alasan penutupan: yang bersangkutan telah pindah domisili."),
    ],
)
def test_the_reporting_psm_is_told_of_the_step_in_words(template, step, says) -> None:
    text = rendered(template, case_step(step, reason_code="pindah_domisili"), "Siti Aminah")
    assert text.startswith("Yth. Siti Aminah, ")
    assert PLACE in text and "(ref. 3f2a9c1e)" in text and says in text
    assert "{" not in text and "63.05" not in text and "pindah_domisili" not in text


def test_a_closure_without_a_reason_code_still_reads_well() -> None:
    assert "Alasan penutupan: tidak disebutkan." in rendered("case_closed", case_step(CaseClosed))


def test_the_verification_deadline_counts_on_the_dinas_calendar_wita() -> None:
    late_evening_in_wita = datetime(2024, 8, 10, 17, 0, tzinfo=UTC)  # 11 Aug, 01:00 WITA
    assert verify_by(late_evening_in_wita).isoformat() == "2024-08-18"


def test_categories_are_named_but_sensitive_ones_only_said_to_be_protected() -> None:
    assert categories_text(["LUT", "FM"]) == "Lanjut Usia Terlantar (LUT) dan Fakir Miskin (FM)"
    assert categories_text(["ODHA", "PD", "KTK"]) == (
        "Penyandang Disabilitas (PD) dan kategori terlindungi"
    )
    # Today's events leave protected codes out and say `protected`.
    assert categories_text(["PD"], protected=True) == (
        "Penyandang Disabilitas (PD) dan kategori terlindungi"
    )
    assert categories_text([], protected=True) == "kategori terlindungi"


def test_a_kelurahan_is_called_one_and_an_unknown_code_is_printed_as_is() -> None:
    assert desa_words(RANTAU_KIWA) == ("Kelurahan", "Rantau Kiwa")
    assert desa_words("99.99.99.9999") == ("Desa", "99.99.99.9999")


def test_the_psm_hears_only_of_her_own_reports_and_the_tksk_of_assignments() -> None:
    assert reporting_psm(case_step(CaseVerified)) == "w-siti"
    walk_in = case_step(CaseVerified, reported_by="op-1", reporter_role="operator")
    assert reporting_psm(walk_in) is None
    assert assigned_tksk(case_step(CaseAssigned)) == "w-rahmat"


async def test_an_operators_walk_in_report_is_skipped_with_a_debug_line() -> None:
    walk_in = case_step(CaseVerified, reported_by="op-1", reporter_role="operator")
    handler = case_notice(packaged_templates()["case_verified"], "in_app", reporting_psm)
    context = HandlerContext(uow=None, envelope=envelope_of(walk_in), now=walk_in.at)

    with capture_logs() as logs:
        await handler(walk_in, context)  # touches no store: there is nobody to tell

    [line] = logs
    assert (line["log_level"], line["event"]) == ("debug", "case_notice_has_no_recipient")


def test_handling_case_events_subscribes_the_service_to_the_cases_stream(tmp_path: Path) -> None:
    namespace = f"t{uuid.uuid4().hex[:10]}"
    app = build_app(
        ServiceSettings(
            "notifications", f"sqlite+aiosqlite:///{tmp_path}/n.db", "redis://x", "", 0
        ),
        bus_settings=BusSettings(namespace=namespace),
        security=SecuritySettings(jwt_secret=SECRET),
        dispatcher_settings=DispatcherSettings(export_file=tmp_path / "outbox.jsonl"),
    )  # built, not started: the streams are decided from the handlers alone
    assert f"{namespace}.cases.events" in app.state.bus.streams
