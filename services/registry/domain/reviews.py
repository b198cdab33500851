"""What the Dinas must decide about identities (ADR 0005), instead of the registry guessing.

- `nik-elsewhere`: a person was registered with a NIK the registry holds for a person outside the
  registrant's wilayah. Answering 409 would confirm the NIK exists there, so the new record is
  kept, its NIK marked as under review, and a Dinas covering both places decides: the same
  person (the new record merges into the other) or different persons (the new record loses the
  NIK, which one of them must have been given wrongly).
- `worker-nik-elsewhere`: the same for a worker: the same person (moved: the earlier record is
  deactivated) or a wrong registration (the new record is deactivated).
- `report-mismatch`: a case report's NIK names a person whose name or birth date differ. Nothing
  is linked and the person's categories stay as they are until the Dinas decides: the same
  person (the case links to them) or different persons (a new person, without the disputed NIK).
- `duplicate`: two records look like one person (domain.duplicates: an import, or a scan of a
  wilayah). The same person: one is merged into the other (by default the newer record into
  the one registered first; the Dinas may keep the other), families and cases follow; different
  persons: nothing changes, and the pair is never proposed again.

A review is seen and decided only by Dinas staff whose wilayah covers every place it involves.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from services.registry.domain.errors import DecisionNotAllowed, KeepNotInReview, ReviewClosed


class ReviewKind(StrEnum):
    NIK_ELSEWHERE = "nik-elsewhere"
    WORKER_NIK_ELSEWHERE = "worker-nik-elsewhere"
    REPORT_MISMATCH = "report-mismatch"
    DUPLICATE = "duplicate"


class Decision(StrEnum):
    SAME_PERSON = "same_person"
    DIFFERENT_PERSONS = "different_persons"


class ReviewStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


RECORD_TYPE = {
    ReviewKind.NIK_ELSEWHERE: "person",
    ReviewKind.WORKER_NIK_ELSEWHERE: "worker",
    ReviewKind.REPORT_MISMATCH: "case",
    ReviewKind.DUPLICATE: "person",
}


@dataclass(frozen=True, slots=True)
class Review:
    review_id: str
    kind: ReviewKind
    status: ReviewStatus
    record_type: str
    record_id: str  # the new person or worker, or the reported case
    other_id: str | None  # the person or worker already holding the NIK
    wilayah: str  # where the record is
    other_wilayah: str | None  # where the other is
    # A report's typed-in person (report-mismatch); a duplicate's score, and whom it kept.
    details: Mapping[str, Any] | None
    opened_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    decision: Decision | None = None
    note: str | None = None

    @classmethod
    def open(
        cls,
        review_id: str,
        kind: ReviewKind,
        *,
        record_id: str,
        wilayah: str,
        other_id: str,
        other_wilayah: str,
        now: datetime,
        details: Mapping[str, Any] | None = None,
    ) -> Review:
        return cls(
            review_id=review_id, kind=kind, status=ReviewStatus.OPEN,
            record_type=RECORD_TYPE[kind], record_id=record_id, other_id=other_id,
            wilayah=wilayah, other_wilayah=other_wilayah, details=details, opened_at=now,
        )  # fmt: skip

    @property
    def places(self) -> tuple[str, ...]:
        """Every wilayah the review involves: its reviewer must cover them all."""
        return tuple(code for code in (self.wilayah, self.other_wilayah) if code)

    def with_categories(self, codes: Iterable[str]) -> Review:
        """A held report's categories, grown by what the home visit confirmed meanwhile: the
        decision links the case with all of them."""
        details = dict(self.details or {})
        details["categories"] = list(dict.fromkeys([*details.get("categories", ()), *codes]))
        return replace(self, details=details)

    def resolved(
        self, decision: str, by: str, note: str, now: datetime, keep: str | None = None
    ) -> Review:
        """Decided; a duplicate found to be one person records which of the two is kept."""
        if self.status is not ReviewStatus.OPEN:
            raise ReviewClosed()
        try:
            chosen = Decision(decision)
        except ValueError:
            raise DecisionNotAllowed(decision) from None
        details = self.details
        if keep is not None and (
            self.kind is not ReviewKind.DUPLICATE
            or chosen is not Decision.SAME_PERSON
            or keep not in (self.record_id, self.other_id)
        ):
            raise KeepNotInReview()
        if self.kind is ReviewKind.DUPLICATE and chosen is Decision.SAME_PERSON:
            details = {**(details or {}), "kept": keep or self.other_id}
        return replace(
            self, status=ReviewStatus.RESOLVED, resolved_at=now, resolved_by=by,
            decision=chosen, note=note, details=details,
        )  # fmt: skip

    @property
    def kept(self) -> str | None:
        """The person a duplicate decided to be one is kept as (the other is merged into it)."""
        return None if self.details is None else self.details.get("kept")


def names_agree(a: str, b: str) -> bool:
    """The same name as people write it: case, accents, punctuation and spacing aside, and a
    letter or two of spelling ("Siti Rahmah" / "Siti Rahma"); "Siti Aminah" is not "Masriah"."""
    left, right = _plain(a), _plain(b)
    return left == right or difflib.SequenceMatcher(None, left, right).ratio() >= 0.9


def same_person(
    known_name: str,
    known_birth: date | None,
    known_sex: str,
    name: str,
    birth: date | None,
    sex: str,
) -> bool:
    """Whether a report's typed facts describe the person its NIK names."""
    births_agree = known_birth is None or birth is None or known_birth == birth
    return known_sex == sex and births_agree and names_agree(known_name, name)


def _plain(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", folded).split())
