"""Referring a person to a service, and the referral's own life until it comes back.

A referral names a receiving institution (panti sosial, puskesmas/RSUD, Dukcapil, BPJS, LKS …,
kept by the registry) and goes `sent` → `accepted` or `declined` (with a coded reason) →
`completed` (an accepted one, with a coded outcome). The institution answers through its own
`integration` client, or the assigned TKSK records its answer on its behalf (Primero's referral
`in_progress → accepted/rejected → done`, DOMAIN.md §5).

Primero's rule, kept by DOMAIN.md §5: a referral shares the person's details with another
agency, so it needs their recorded consent, or a documented reason to override it (a child at
risk cannot wait for a guardian's signature).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.cases.domain.errors import (
    ConsentRequired,
    OutcomeUnknown,
    ReferralState,
    ServiceRequired,
)
from services.cases.domain.reasons import DeclineReason, cleaned


class ReferralStatus(StrEnum):
    SENT = "sent"  # dikirim: waiting for the institution's answer
    ACCEPTED = "accepted"  # diterima: the service is under way
    DECLINED = "declined"  # ditolak: the case is the TKSK's again
    COMPLETED = "completed"  # selesai, with its outcome


class ReferralOutcome(StrEnum):
    """What the institution did, coded so the rekap can count it."""

    DILAYANI = "dilayani"  # the service was given
    DILAYANI_SEBAGIAN = "dilayani_sebagian"  # part of it
    TIDAK_DILAYANI = "tidak_dilayani"  # accepted, but the person was not served in the end
    DIRUJUK_LANJUT = "dirujuk_lanjut"  # passed on to another institution
    MENINGGAL = "meninggal"


LIVE = frozenset({ReferralStatus.SENT, ReferralStatus.ACCEPTED})


@dataclass(frozen=True, slots=True)
class Referral:
    referral_id: str
    service: str  # who receives the person: the institution's name, or as the TKSK named it
    consent: bool
    override_reason: str | None  # why the referral went ahead without consent
    referred_at: datetime
    referred_by: str
    institution_id: str | None = None  # None: named only (referrals made before institutions)
    status: ReferralStatus = ReferralStatus.SENT
    answered_at: datetime | None = None  # accepted or declined
    answered_by: str | None = None  # the institution's client, or the TKSK on its behalf
    decline_reason: DeclineReason | None = None
    outcome: ReferralOutcome | None = None
    note: str | None = None  # the institution's words on declining or completing; stays home
    completed_at: datetime | None = None

    @property
    def live(self) -> bool:
        """Sent or accepted: someone is still to act on it."""
        return self.status in LIVE

    def accept(self, by: str, now: datetime) -> Referral:
        self._require(ReferralStatus.SENT, "accepted")
        return replace(self, status=ReferralStatus.ACCEPTED, answered_at=now, answered_by=by)

    def decline(self, by: str, now: datetime, reason: DeclineReason, note: str | None) -> Referral:
        self._require(ReferralStatus.SENT, "declined")
        return replace(
            self, status=ReferralStatus.DECLINED, answered_at=now, answered_by=by,
            decline_reason=reason, note=cleaned(note),
        )  # fmt: skip

    def complete(self, now: datetime, outcome: ReferralOutcome, note: str | None) -> Referral:
        self._require(ReferralStatus.ACCEPTED, "completed")
        return replace(
            self, status=ReferralStatus.COMPLETED, outcome=outcome, note=cleaned(note),
            completed_at=now,
        )  # fmt: skip

    def _require(self, status: ReferralStatus, becoming: str) -> None:
        if self.status is not status:
            raise ReferralState(becoming, self.status.value)


def new_referral(
    referral_id: str,
    service: str,
    consent: bool,
    override_reason: str | None,
    by: str,
    now: datetime,
    institution_id: str | None = None,
) -> Referral:
    name = cleaned(service)
    if name is None:
        raise ServiceRequired()
    override = cleaned(override_reason)
    if not consent and override is None:
        raise ConsentRequired()
    return Referral(referral_id, name, consent, override, now, by, institution_id)


def referral_outcome(code: str | None) -> ReferralOutcome:
    try:
        return ReferralOutcome((code or "").strip().lower())
    except ValueError:
        raise OutcomeUnknown([outcome.value for outcome in ReferralOutcome]) from None
