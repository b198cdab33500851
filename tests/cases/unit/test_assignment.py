"""A case goes to the active TKSK of its kecamatan, or waits unassigned until there is one."""

from __future__ import annotations

import pytest

from services.cases.domain.assignment import assign_waiting, auto_assign
from services.cases.domain.errors import RoleNotAllowed
from tests.cases.unit.builders import ACTORS, BINUANG, TKSK_ID, at, case_in, reported

RANTAU_KIWA = "63.05.04.1004"  # Tapin Utara
TAPIN_UTARA = "63.05.04"


def test_a_reported_case_goes_to_the_active_tksk_of_its_kecamatan() -> None:
    case, event = auto_assign(reported(), {BINUANG: TKSK_ID, TAPIN_UTARA: "tksk-tu"}, at(1))
    assert case.status == "in_verification" and case.assigned_tksk_id == TKSK_ID
    assert event is not None and event.action == "assign" and event.actor_role == "system"
    assert case.version == event.sequence == 2


@pytest.mark.parametrize("active", [{}, {BINUANG: None}, {TAPIN_UTARA: "tksk-tu"}])
def test_without_an_active_tksk_the_case_waits_unassigned(active: dict[str, str | None]) -> None:
    case = reported()
    waiting, event = auto_assign(case, active, at(1))
    assert waiting is case and event is None
    assert waiting.status == "reported" and waiting.assigned_tksk_id is None


def test_a_case_already_assigned_is_left_as_it_is() -> None:
    case = case_in("verified")
    assert auto_assign(case, {BINUANG: "tksk-baru"}, at(9)) == (case, None)


def test_a_new_tksk_receives_the_waiting_cases_of_their_kecamatan_oldest_first() -> None:
    later = reported("case-b", minutes=5)
    earlier = reported("case-a", minutes=2)
    elsewhere = reported("case-c", minutes=1, desa=RANTAU_KIWA, by="operator")
    taken = case_in("in_verification")
    changes = assign_waiting([later, taken, elsewhere, earlier], BINUANG, "tksk-baru", at(10))
    assert [change.case.case_id for change in changes] == ["case-a", "case-b"]
    assert all(change.case.assigned_tksk_id == "tksk-baru" for change in changes)
    assert all(change.event.at == at(10) for change in changes)


def test_no_waiting_case_means_no_assignment() -> None:
    assert assign_waiting([case_in("closed")], BINUANG, "tksk-baru", at(10)) == []


@pytest.mark.parametrize("role", ["admin", "operator", "tksk-assigned", "psm-reporter"])
def test_only_the_service_itself_assigns(role: str) -> None:
    with pytest.raises(RoleNotAllowed):
        reported().assign(TKSK_ID, at(1), by=ACTORS[role])
