"""Who writes and who reads which stream: the bus's permissions, as one table.

Every producer writes its public stream `<ns>.<producer>.events`, which agencies may be granted
(`kesos agency add`): nothing on it identifies a person. The data one service needs from another
but no agency may see travels on a restricted channel of the producer, read by exactly one
service:

    cases    → intake    → registry        the person a PSM typed into a report
    registry → contacts  → notifications   a worker's name and phone, to send messages
    cases    → oversight → notifications   a protected case opened by breaking the glass
    registry → oversight → notifications   a protected person opened the same way
    registry → profiles  → cases           sex and birth date of a person with a case (rekap)

`READS` is what each service consumes. The Redis users (`shared.messaging.users`) are made from
this table, so a service can neither read nor write outside it; a contract test holds every
service's handlers to it, and the bus refuses to start when they disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.messaging.streams import PUBLIC, events_stream

Channel = tuple[str, str]  # (producer, channel)

SERVICES = ("registry", "training", "cases", "notifications")

RESTRICTED: Mapping[Channel, str] = {
    ("cases", "intake"): "registry",
    ("cases", "oversight"): "notifications",
    ("registry", "contacts"): "notifications",
    ("registry", "oversight"): "notifications",
    ("registry", "profiles"): "cases",
}

READS: Mapping[str, tuple[Channel, ...]] = {
    "registry": (("cases", PUBLIC), ("cases", "intake"), ("training", PUBLIC)),
    "training": (("registry", PUBLIC),),
    "cases": (("registry", PUBLIC), ("registry", "profiles")),
    "notifications": (
        ("cases", PUBLIC),
        ("cases", "oversight"),
        ("registry", PUBLIC),
        ("registry", "contacts"),
        ("registry", "oversight"),
        ("training", PUBLIC),
    ),
}


def channels_written(service: str) -> tuple[str, ...]:
    """The channels a service publishes on: its public stream and its restricted ones."""
    restricted = sorted(channel for producer, channel in RESTRICTED if producer == service)
    return (PUBLIC, *restricted)


def streams_read(namespace: str, service: str) -> list[str]:
    return sorted(events_stream(namespace, p, c) for p, c in READS.get(service, ()))


def streams_written(namespace: str, service: str) -> list[str]:
    return [events_stream(namespace, service, channel) for channel in channels_written(service)]


def grantable(producer: str) -> bool:
    """Whether an agency may be granted a producer's stream: its public one, if it exists."""
    return producer in SERVICES
