"""A diklat batch (angkatan): its schedule, its seats and the rule for completing it."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from services.training.domain.errors import (
    BatchClosed,
    BatchDatesInvalid,
    BatchFull,
    CompletionRuleInvalid,
    SessionOutsideBatch,
    UnknownSession,
)
from services.training.domain.organisers import organiser_wilayah_for
from shared.reference import TrainingTiers, Wilayah

SessionKind = Literal["classroom", "pkl", "discussion"]


class BatchStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class Session:
    """One day of a batch: classroom material, field practice (PKL) or the closing discussion."""

    session_id: str
    kind: SessionKind
    date: date
    title: str
    location: str


@dataclass(frozen=True, slots=True)
class CompletionRule:
    """What a participant must attend to be certified, kept on each batch as data.

    The default — every session — is the Dinas' usual rule; a batch may instead ask for a minimum
    number of sessions, and independently for every session of some kinds (e.g. the PKL day).
    """

    min_sessions: int | None = None  # None: every session of the batch
    required_kinds: tuple[str, ...] = ()

    def check(self, sessions: Sequence[Session]) -> None:
        if self.min_sessions is not None and not 1 <= self.min_sessions <= len(sessions):
            raise CompletionRuleInvalid(
                f"min_sessions must be between 1 and the batch's {len(sessions)} sessions"
            )
        kinds = {session.kind for session in sessions}
        missing = sorted(set(self.required_kinds) - kinds)
        if missing:
            raise CompletionRuleInvalid(f"the batch has no {', '.join(missing)} session")

    def is_met(self, sessions: Sequence[Session], attended: Collection[str]) -> bool:
        present = [session for session in sessions if session.session_id in attended]
        needed = len(sessions) if self.min_sessions is None else self.min_sessions
        kinds_done = all(
            session.session_id in attended
            for session in sessions
            if session.kind in self.required_kinds
        )
        return len(present) >= needed and kinds_done

    def as_data(self) -> dict[str, Any]:
        return {"min_sessions": self.min_sessions, "required_kinds": list(self.required_kinds)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> CompletionRule:
        data = data or {}
        return cls(data.get("min_sessions"), tuple(data.get("required_kinds") or ()))


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """What an operator asks to schedule; `plan_batch` checks it against the rules."""

    tier: str
    organiser_wilayah: str
    organiser: str
    title: str
    starts_on: date
    ends_on: date
    venue: str
    capacity: int
    sessions: tuple[Session, ...]
    completion_rule: CompletionRule = field(default_factory=CompletionRule)


@dataclass(slots=True)
class Batch:
    batch_id: str
    tier: str
    organiser_wilayah: str
    organiser: str
    title: str
    starts_on: date
    ends_on: date
    venue: str
    capacity: int
    sessions: tuple[Session, ...]
    completion_rule: CompletionRule
    status: BatchStatus = BatchStatus.SCHEDULED
    enrolled: int = 0
    version: int = 1

    def ensure_open(self) -> None:
        if self.status is BatchStatus.COMPLETED:
            raise BatchClosed(f"batch {self.batch_id} is completed")

    def take_seat(self) -> None:
        self.ensure_open()
        if self.enrolled >= self.capacity:
            raise BatchFull(f"all {self.capacity} seats are taken")
        self.enrolled += 1

    def free_seat(self) -> None:
        self.ensure_open()
        self.enrolled = max(0, self.enrolled - 1)

    def session(self, session_id: str) -> Session:
        for session in self.sessions:
            if session.session_id == session_id:
                return session
        raise UnknownSession(f"batch {self.batch_id} has no session {session_id}")

    def complete(self) -> None:
        self.ensure_open()
        self.status = BatchStatus.COMPLETED
        self.version += 1


def plan_batch(batch_id: str, plan: BatchPlan, tiers: TrainingTiers, regions: Wilayah) -> Batch:
    """A new batch, once the tier, the organiser's level and the calendar are consistent."""
    tier = tiers.get(plan.tier)  # an unknown tier is the reference data's 422
    organiser_wilayah = organiser_wilayah_for(tier, plan.organiser_wilayah, regions)
    if plan.starts_on > plan.ends_on:
        raise BatchDatesInvalid(f"starts_on {plan.starts_on} is after ends_on {plan.ends_on}")
    for session in plan.sessions:
        if not plan.starts_on <= session.date <= plan.ends_on:
            raise SessionOutsideBatch(f"session {session.title!r} on {session.date} is outside")
    plan.completion_rule.check(plan.sessions)
    return Batch(
        batch_id=batch_id,
        tier=tier.code,
        organiser_wilayah=organiser_wilayah,
        organiser=plan.organiser,
        title=plan.title,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        venue=plan.venue,
        capacity=plan.capacity,
        sessions=plan.sessions,
        completion_rule=plan.completion_rule,
    )
