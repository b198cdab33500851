"""The training rules a command can break, one error per rule.

Each is mapped to a problem+json type in one table (`entrypoints/http.py`), so the names here are
the vocabulary operators read in responses: `BatchFull` answers `batch-full`.
"""

from __future__ import annotations

from collections.abc import Sequence


class TrainingError(Exception):
    """A command refused by a training rule."""


class BatchNotFound(TrainingError):
    """No such batch — or one outside the caller's view, which must look the same."""


class EnrolmentNotFound(TrainingError):
    """No such enrolment in this batch."""


class OutsideWilayah(TrainingError):
    """The caller named a batch or worker it may see but not act on."""


class OrganiserLevelMismatch(TrainingError):
    """The organiser's wilayah is not of the level the tier is run at (dasar: a kabupaten)."""


class BatchDatesInvalid(TrainingError):
    """The batch ends before it starts."""


class SessionOutsideBatch(TrainingError):
    """A session is dated outside the batch's days."""


class CompletionRuleInvalid(TrainingError):
    """The completion rule asks for sessions the batch does not have."""


class WorkerNotYetKnown(TrainingError):
    """Training's projection has not yet received the worker from the registry."""


class WorkerNotEligible(TrainingError):
    """The worker may not join this batch; `reasons` lists every rule that refuses them."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = list(reasons)


class BatchFull(TrainingError):
    """Every seat of the batch is taken."""


class AlreadyEnrolled(TrainingError):
    """The worker already holds a seat in this batch."""


class BatchClosed(TrainingError):
    """The batch is completed: its participants and attendance are final."""


class UnknownSession(TrainingError):
    """The batch has no session with that id."""


class NotEnrolled(TrainingError):
    """The worker holds no active seat in this batch (never enrolled, or withdrawn)."""
