"""Completing a batch: the completion rule, grading and certificate numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.training.domain.batches import CompletionRule, plan_batch
from services.training.domain.certificates import certificate_number, series_of
from services.training.domain.enrolments import Enrolment, EnrolmentStatus, grade
from services.training.domain.errors import NotEnrolled
from services.training.use_cases.completion import issue_date
from shared.reference import training_tiers, wilayah
from tests.training.diklat import PLAN, SESSIONS

EVERY_SESSION = {"s1", "s2", "s3", "s4"}
NOW = datetime(2011, 5, 27, 15, tzinfo=UTC)


def test_by_default_every_session_must_be_attended() -> None:
    rule = CompletionRule()
    assert rule.is_met(SESSIONS, EVERY_SESSION)
    assert not rule.is_met(SESSIONS, EVERY_SESSION - {"s3"})
    assert not rule.is_met(SESSIONS, set())


def test_a_batch_may_ask_for_fewer_sessions_but_insist_on_some_kinds() -> None:
    rule = CompletionRule(min_sessions=3, required_kinds=("pkl",))
    assert rule.is_met(SESSIONS, {"s1", "s3", "s4"})
    assert not rule.is_met(SESSIONS, {"s1", "s2", "s4"})  # three, but not the PKL
    assert not rule.is_met(SESSIONS, {"s3", "s4"})  # the PKL, but only two


def test_the_rule_is_kept_as_data() -> None:
    rule = CompletionRule(min_sessions=3, required_kinds=("pkl",))
    assert rule.as_data() == {"min_sessions": 3, "required_kinds": ["pkl"]}
    assert CompletionRule.from_data(rule.as_data()) == rule
    assert CompletionRule.from_data(None) == CompletionRule()


def _enrolment(n: int) -> Enrolment:
    return Enrolment(f"e-{n}", "b-1", f"w-{n}", enrolled_at=NOW + timedelta(minutes=n))


def test_grading_certifies_full_attendance_in_enrolment_order_and_skips_withdrawn() -> None:
    batch = plan_batch("b-1", PLAN, training_tiers(), wilayah())
    third, first, second, gone = _enrolment(3), _enrolment(1), _enrolment(2), _enrolment(4)
    gone.withdraw("pindah", NOW)
    attended = {"w-1": EVERY_SESSION, "w-2": EVERY_SESSION - {"s3"}, "w-3": EVERY_SESSION}

    passed, failed = grade(batch, [third, first, second, gone], attended)

    assert [e.worker_id for e in passed] == ["w-1", "w-3"]
    assert [e.worker_id for e in failed] == ["w-2"]


def test_a_grade_closes_an_enrolment_once() -> None:
    enrolment = _enrolment(1)
    enrolment.grade(True, NOW)
    assert (enrolment.status, enrolment.version) == (EnrolmentStatus.CERTIFIED, 2)
    with pytest.raises(NotEnrolled):
        enrolment.grade(False, NOW)
    with pytest.raises(NotEnrolled):
        enrolment.withdraw("late", NOW)


def test_numbers_read_tier_organiser_year_and_sequence() -> None:
    series = series_of("dasar", "63.05", 2011)
    assert series == "DASAR/63.05/2011"
    assert certificate_number(series, 1) == "DASAR/63.05/2011/001"
    assert certificate_number(series, 30) == "DASAR/63.05/2011/030"
    assert certificate_number(series, 1234) == "DASAR/63.05/2011/1234"
    assert certificate_number(series_of("pratama", "ID", 2012), 7) == "PRATAMA/ID/2012/007"
    with pytest.raises(ValueError):
        certificate_number(series, 0)


def test_a_certificate_is_dated_the_closing_day_or_today_if_closed_early() -> None:
    batch = plan_batch("b-1", PLAN, training_tiers(), wilayah())
    assert issue_date(batch, datetime(2026, 1, 2, tzinfo=UTC)) == date(2011, 5, 27)
    assert issue_date(batch, datetime(2011, 5, 26, tzinfo=UTC)) == date(2011, 5, 26)
