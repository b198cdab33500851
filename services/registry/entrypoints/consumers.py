"""What the registry does with other services' events: thin handlers calling one use case."""

from __future__ import annotations

from services.registry.use_cases.tiers import raise_tier
from shared.audit import Actor
from shared.contracts.training import CertificateIssued
from shared.messaging.runner import Handler, HandlerContext

RAISE_TIER = "registry.raise_tier_on_certificate"  # the inbox key: never rename it
_SERVICE = Actor(sub=RAISE_TIER, role="service")


async def raise_tier_on_certificate(event: CertificateIssued, context: HandlerContext) -> None:
    await raise_tier(
        context.uow, event.worker_id, event.tier,
        by=_SERVICE, now=context.now, reason=f"certificate {event.number}",
    )  # fmt: skip


HANDLERS = (Handler(name=RAISE_TIER, event=CertificateIssued, apply=raise_tier_on_certificate),)
