"""Scheduling a batch: tier, organiser level, calendar, seats."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.training.domain.batches import (
    Batch,
    BatchStatus,
    CompletionRule,
    plan_batch,
)
from services.training.domain.errors import (
    BatchClosed,
    BatchDatesInvalid,
    BatchFull,
    CompletionRuleInvalid,
    OrganiserLevelMismatch,
    SessionOutsideBatch,
    UnknownSession,
)
from services.training.domain.organisers import NATIONAL
from shared.reference import UnknownRegion, UnknownTier, training_tiers, wilayah
from tests.training.diklat import PLAN, SESSIONS


def plan(**changes: object) -> Batch:
    return plan_batch("b-1", replace(PLAN, **changes), training_tiers(), wilayah())  # type: ignore[arg-type]


def test_the_seed_articles_batch_is_scheduled_with_every_session() -> None:
    batch = plan()
    assert (batch.tier, batch.organiser_wilayah, batch.status) == ("dasar", "63.05", "scheduled")
    assert batch.completion_rule == CompletionRule()
    assert [s.kind for s in batch.sessions] == ["classroom", "classroom", "pkl", "discussion"]


@pytest.mark.parametrize(
    ("tier", "organiser", "expected"),
    [("dasar", "63.72", "63.72"), ("madya", "63", "63"), ("pratama", "id", NATIONAL)],
)
def test_each_tier_is_organised_at_its_own_level(tier: str, organiser: str, expected: str) -> None:
    assert plan(tier=tier, organiser_wilayah=organiser).organiser_wilayah == expected


@pytest.mark.parametrize(
    ("tier", "organiser"),
    [
        ("dasar", "63"),
        ("dasar", "63.05.01"),
        ("dasar", "ID"),
        ("madya", "63.05"),
        ("pratama", "63"),
    ],
)
def test_an_organiser_of_another_level_is_refused(tier: str, organiser: str) -> None:
    with pytest.raises(OrganiserLevelMismatch):
        plan(tier=tier, organiser_wilayah=organiser)


def test_unknown_tiers_and_regions_are_the_reference_datas_errors() -> None:
    with pytest.raises(UnknownTier):
        plan(tier="lanjutan")
    with pytest.raises(UnknownRegion):
        plan(organiser_wilayah="63.99")


def test_a_batch_cannot_end_before_it_starts() -> None:
    with pytest.raises(BatchDatesInvalid):
        plan(ends_on=date(2011, 5, 23))


def test_every_session_lies_within_the_batchs_days() -> None:
    with pytest.raises(SessionOutsideBatch):
        plan(ends_on=date(2011, 5, 26))


def test_a_completion_rule_asks_only_for_sessions_the_batch_has() -> None:
    with pytest.raises(CompletionRuleInvalid):
        plan(completion_rule=CompletionRule(min_sessions=5))
    with pytest.raises(CompletionRuleInvalid):
        plan(sessions=SESSIONS[:2], ends_on=date(2011, 5, 25),
             completion_rule=CompletionRule(required_kinds=("pkl",)))  # fmt: skip


def test_seats_run_out_at_capacity_and_a_withdrawal_frees_one() -> None:
    batch = plan(capacity=2)
    batch.take_seat()
    batch.take_seat()
    with pytest.raises(BatchFull):
        batch.take_seat()
    batch.free_seat()
    batch.take_seat()
    assert batch.enrolled == 2


def test_a_completed_batch_is_closed_once_and_for_all() -> None:
    batch = plan()
    batch.complete()
    assert (batch.status, batch.version) == (BatchStatus.COMPLETED, 2)
    for change in (batch.complete, batch.take_seat, batch.free_seat, batch.ensure_open):
        with pytest.raises(BatchClosed):
            change()


def test_a_session_is_found_by_its_id() -> None:
    assert plan().session("s3").kind == "pkl"
    with pytest.raises(UnknownSession):
        plan().session("s9")
