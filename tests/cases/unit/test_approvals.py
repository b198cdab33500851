"""Which assessments and plans wait for the Dinas: a table per category, as data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cases.domain.approvals import Approvals, default_approvals
from services.cases.domain.states import Action


def test_by_default_every_plan_and_a_protected_case_s_assessment_wait_for_the_dinas() -> None:
    approvals = default_approvals()
    assert approvals.needed(Action.PLAN, ["LUT"])
    assert not approvals.needed(Action.ASSESS, ["LUT", "PD"])
    assert approvals.needed(Action.ASSESS, ["lut", "abh"])  # any protected category


def test_a_dinas_loads_its_own_table(tmp_path: Path) -> None:
    path = tmp_path / "approvals.json"
    path.write_text(json.dumps({"AT": ["assessment", "plan"], "lut": ["plan"]}))
    approvals = Approvals.from_file(path)
    assert approvals.needed(Action.ASSESS, ["PD", "AT"])
    assert approvals.needed(Action.PLAN, ["LUT"]) and not approvals.needed(Action.PLAN, ["PD"])
    assert not approvals.needed(Action.ASSESS, ["ABH"])  # its table, not the default
    assert Approvals.from_file(None) == default_approvals()


@pytest.mark.parametrize("table", [{"XYZ": ["plan"]}, {"LUT": ["closure"]}, {"*": ["assesment"]}])
def test_a_typo_stops_start_up_rather_than_turn_an_approval_off(table: dict) -> None:
    with pytest.raises(ValueError, match="approvals"):
        Approvals.of(table)
