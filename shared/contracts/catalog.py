"""The type registry: `kesos.<producer>.<event>.v<n>` → the pydantic model of its data.

The consumer runner dispatches on it; `docs/events/` and the AsyncAPI document are generated
from it. Producer modules (`shared/contracts/<producer>.py`) register their events in
`CATALOG` with the `@CATALOG.register` decorator.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from pydantic import ValidationError

from shared.contracts.envelope import Envelope, Event, producer_of

E = TypeVar("E", bound=type[Event])


class PoisonEvent(ValueError):
    """A known event type whose data does not validate: retrying cannot fix it."""


class EventCatalog:
    def __init__(self) -> None:
        self._types: dict[str, type[Event]] = {}

    def register(self, model: E) -> E:
        producer_of(model.type)  # refuse a malformed type name at import time
        if model.type in self._types and self._types[model.type] is not model:
            raise ValueError(f"event type {model.type} registered twice")
        self._types[model.type] = model
        return model

    def get(self, event_type: str) -> type[Event] | None:
        return self._types.get(event_type)

    def __iter__(self) -> Iterator[type[Event]]:
        return iter(sorted(self._types.values(), key=lambda model: model.type))

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._types

    def producers(self) -> list[str]:
        return sorted({producer_of(event_type) for event_type in self._types})

    def parse(self, envelope: Envelope) -> Event | None:
        """The typed payload, or None for a type this catalog does not know."""
        model = self.get(envelope.type)
        if model is None:
            return None
        try:
            return model.model_validate(envelope.data)
        except ValidationError as error:
            raise PoisonEvent(f"{envelope.type} {envelope.id}: {error}") from error


CATALOG = EventCatalog()
