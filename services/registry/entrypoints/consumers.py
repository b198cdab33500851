"""What the registry does with other services' events: thin handlers calling one use case.

Handling a cases event makes the registry subscribe to `<ns>.cases.events` (the chassis derives
the source streams from the handlers' event types).
"""

from __future__ import annotations

from services.registry.use_cases.case_links import categories_verified, link_person_for_case
from services.registry.use_cases.tiers import raise_tier
from shared.audit import Actor
from shared.contracts.cases import CaseCategoriesVerified, CaseReported, PersonReported
from shared.contracts.training import CertificateIssued
from shared.ids import new_id
from shared.messaging.runner import Handler, HandlerContext

# The inbox keys: never rename them.
RAISE_TIER = "registry.raise_tier_on_certificate"
LINK_PERSON = "registry.link_person_on_case_reported"
LINK_TYPED_PERSON = "registry.link_person_on_person_reported"
VERIFIED_CATEGORIES = "registry.categories_on_case_verified"
_SERVICE = Actor(sub=RAISE_TIER, role="service")
_LINKER = Actor(sub=LINK_PERSON, role="service")


async def raise_tier_on_certificate(event: CertificateIssued, context: HandlerContext) -> None:
    await raise_tier(
        context.uow, event.worker_id, event.tier,
        by=_SERVICE, now=context.now, reason=f"certificate {event.number}",
    )  # fmt: skip


async def link_person_on_case_reported(
    event: CaseReported | PersonReported, context: HandlerContext
) -> None:
    """A report naming a registry person links on `case_reported`; a typed-in one arrives as
    `person_reported` on cases' restricted intake stream (older `case_reported` carried it)."""
    await link_person_for_case(
        context.uow, event, by=_LINKER, now=context.now, new_person_id=new_id()
    )


async def add_verified_categories(event: CaseCategoriesVerified, context: HandlerContext) -> None:
    await categories_verified(context.uow, event, by=_LINKER, now=context.now)


HANDLERS = (
    Handler(name=RAISE_TIER, event=CertificateIssued, apply=raise_tier_on_certificate),
    Handler(name=LINK_PERSON, event=CaseReported, apply=link_person_on_case_reported),
    Handler(name=LINK_TYPED_PERSON, event=PersonReported, apply=link_person_on_case_reported),
    Handler(name=VERIFIED_CATEGORIES, event=CaseCategoriesVerified, apply=add_verified_categories),
)
