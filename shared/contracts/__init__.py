"""Event contracts: the envelope, the type catalog and one module per producer."""

from shared.contracts.catalog import CATALOG, EventCatalog, PoisonEvent
from shared.contracts.envelope import Envelope, Event, MalformedEntry, producer_of

__all__ = ["CATALOG", "Envelope", "Event", "EventCatalog", "MalformedEntry", "PoisonEvent", "producer_of"]
