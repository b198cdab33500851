"""Referring a person to a service: panti/LKS, Puskesmas, Dukcapil, the desa's DTKS operator …

Primero's rule, kept by DOMAIN.md §5: a referral shares the person's details with another
agency, so it needs their recorded consent, or a documented reason to override it (a child at
risk cannot wait for a guardian's signature).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.cases.domain.errors import ConsentRequired, ServiceRequired
from services.cases.domain.reasons import cleaned


@dataclass(frozen=True, slots=True)
class Referral:
    referral_id: str
    service: str  # who receives the person, as the TKSK names it ("Puskesmas Binuang")
    consent: bool
    override_reason: str | None  # why the referral went ahead without consent
    referred_at: datetime
    referred_by: str


def new_referral(
    referral_id: str,
    service: str,
    consent: bool,
    override_reason: str | None,
    by: str,
    now: datetime,
) -> Referral:
    name = cleaned(service)
    if name is None:
        raise ServiceRequired()
    override = cleaned(override_reason)
    if not consent and override is None:
        raise ConsentRequired()
    return Referral(referral_id, name, consent, override, now, by)
