"""Event contracts: the envelope, the type catalog and one module per producer."""

# The producer modules register their events on import, so the catalog is complete.
from shared.contracts import cases, notifications, registry, training
from shared.contracts.catalog import CATALOG, EventCatalog, PoisonEvent
from shared.contracts.envelope import Envelope, Event, MalformedEntry, producer_of

__all__ = [
    "CATALOG",
    "Envelope",
    "Event",
    "EventCatalog",
    "MalformedEntry",
    "PoisonEvent",
    "cases",
    "notifications",
    "producer_of",
    "registry",
    "training",
]
