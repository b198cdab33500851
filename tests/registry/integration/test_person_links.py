"""Cases' reports register or link the reported person: `person_reported` on the restricted
intake stream, `case_reported` naming a registry person, or an older `case_reported` carrying the
typed-in person (docs/adr/0003, 0005)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from shared.contracts.cases import (
    CaseCategoriesVerified,
    CaseReported,
    PersonReported,
    ReportedPerson,
)
from shared.contracts.envelope import Envelope
from shared.messaging.streams import dead_stream
from tests.registry.integration.conftest import BINUANG, NIK_WOMAN, TUNGKAP, bearer, published
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

REGISTERED = "kesos.registry.person_registered.v1"
UPDATED = "kesos.registry.person_updated.v1"
LINKED = "kesos.registry.person_linked.v1"


def case_reported(
    case_id: str,
    *,
    nik: str | None = NIK_WOMAN,
    categories: tuple[str, ...] = ("LUT",),
    person_id: str | None = None,
) -> dict[str, str]:
    """A cases stream entry, as the cases service's relay writes it."""
    person = None if person_id else ReportedPerson(nik=nik, name="Siti Aminah", sex="P")
    event = CaseReported(
        case_id=case_id, categories=categories, desa=TUNGKAP, kecamatan=BINUANG,
        status="reported", reported_by="w-psm", reporter_role="psm", person_id=person_id,
        action="report", actor_id="w-psm", actor_role="psm", at=datetime.now(UTC),
        person=person,
    )  # fmt: skip
    envelope = Envelope.wrap(event, source="/kesos/cases", time=datetime.now(UTC), sequence=1)
    return envelope.to_fields()


async def send(redis: Redis, namespace: str, *entries: dict[str, str]) -> None:
    for fields in entries:
        await redis.xadd(f"{namespace}.cases.events", fields)  # type: ignore[arg-type]


async def person_events(redis: Redis, namespace: str, links: int) -> list[Envelope]:
    """The person events once `links` cases are linked."""

    async def linked() -> list[Envelope] | None:
        found = [e for e in await published(redis, namespace) if ".person_" in e.type]
        return found if sum(e.type == LINKED for e in found) >= links else None

    return await eventually(linked, timeout=15, message=f"{links} person_linked events")


async def test_reported_cases_register_or_link_their_person_once(make_registry, redis, store_kind):
    registry = await make_registry(store_kind)
    ns = registry.namespace
    first = case_reported("c-1")
    replayed = case_reported("c-1")  # the same report again under a new event id
    await send(redis, ns, first, first, case_reported("c-2", categories=("PD",)), replayed)
    events = await person_events(redis, ns, links=2)
    person_id = events[0].subject
    await send(
        redis, ns, case_reported("c-3", person_id=person_id), case_reported("c-4", nik=None)
    )  # fmt: skip
    events = await person_events(redis, ns, links=4)

    assert [(e.type, e.subject, e.sequence) for e in events] == [
        (REGISTERED, person_id, 1),
        (LINKED, "c-1", None),
        (UPDATED, person_id, 2),
        (LINKED, "c-2", None),
        (LINKED, "c-3", None),
        (REGISTERED, events[5].subject, 1),
        (LINKED, "c-4", None),
    ]
    links = [(e.data["case_id"], e.data["matched_by"]) for e in events if e.type == LINKED]
    assert links == [("c-1", "new"), ("c-2", "nik"), ("c-3", "person_id"), ("c-4", "new")]
    assert events[2].data["categories"] == ["LUT", "PD"]
    assert [e.data["nik_recorded"] for e in events if e.type == REGISTERED] == [True, False]
    assert all("nik" not in e.data and "name" not in e.data for e in events)

    person = (await registry.client.get(f"/v1/persons/{person_id}", headers=bearer())).json()
    assert (person["cases"], person["version"]) == (["c-1", "c-2", "c-3"], 2)

    # Cases alone hears each linked person's sex and birth date, for its rekap (ADR 0012):
    # at each link, and with a change of a person who has a case; never on the public stream.
    profiles = await eventually(
        lambda: _profiles(redis, ns, 5), timeout=15, message="the linked persons' profiles"
    )
    assert {(e.subject, e.data["sex"]) for e in profiles} == {
        (person_id, "P"), (events[5].subject, "P"),
    }  # fmt: skip
    assert {e.sequence for e in profiles if e.subject == person_id} == {1, 2}
    assert len(profiles) == 5  # links c-1 … c-4, and the change while c-1 was linked
    assert all(set(e.data) == {"person_id", "sex", "birth_date"} for e in profiles)

    async def all_acknowledged() -> bool:  # the duplicate and the replay too, with no effect
        return (await redis.xpending(f"{ns}.cases.events", "registry"))["pending"] == 0

    await eventually(all_acknowledged, timeout=15, message="no pending entries")


async def _profiles(redis: Redis, namespace: str, count: int) -> list[Envelope] | None:
    found = await published(redis, namespace, "profiles")
    return found if len(found) >= count else None


async def test_a_case_naming_an_unknown_person_is_dead_lettered_not_linked(registry, redis):
    unknown = case_reported("c-1", person_id=str(uuid.uuid4()))
    await send(redis, registry.namespace, unknown, case_reported("c-2"))
    events = await person_events(redis, registry.namespace, links=1)  # c-2 went through
    assert [e.data["case_id"] for e in events if e.type == LINKED] == ["c-2"]

    async def buried() -> list[dict[bytes, bytes]] | None:
        dead = await redis.xrange(dead_stream(registry.namespace, "registry"))
        return [fields for _, fields in dead] or None

    # Retried by the reclaimer until its delivery limit, then set aside with its error.
    (letter,) = await eventually(buried, timeout=30, message="c-1 dead-lettered")
    assert letter[b"subject"] == b"c-1"
    assert b"CasePersonUnknown" in letter[b"dead_error"]
    events = await person_events(redis, registry.namespace, links=1)
    assert [e.data["case_id"] for e in events if e.type == LINKED] == ["c-2"]  # still only c-2


def person_reported(case_id: str, nik: str | None = NIK_WOMAN) -> dict[str, str]:
    """A cases intake entry (the restricted stream only the registry reads)."""
    event = PersonReported(
        case_id=case_id, desa=TUNGKAP, categories=("LUT",), reported_by="w-psm",
        reporter_role="psm", at=datetime.now(UTC),
        person=ReportedPerson(nik=nik, name="Siti Aminah", sex="P"),
    )  # fmt: skip
    envelope = Envelope.wrap(event, source="/kesos/cases", time=datetime.now(UTC))
    return envelope.to_fields()


async def test_a_typed_in_person_arrives_on_the_intake_stream_and_links_once(registry, redis):
    ns = registry.namespace
    legacy = case_reported("c-1")  # an entry from before ADR 0005 carried the person itself
    await redis.xadd(f"{ns}.cases.intake", person_reported("c-1"))  # type: ignore[arg-type]
    await redis.xadd(f"{ns}.cases.intake", person_reported("c-2", nik=None))  # type: ignore[arg-type]
    await send(redis, ns, legacy, case_reported("c-2", nik=None))  # new: no person on it
    events = await person_events(redis, ns, links=2)
    links = sorted((e.data["case_id"], e.data["matched_by"]) for e in events if e.type == LINKED)
    assert links == [("c-1", "new"), ("c-2", "new")]
    assert sum(e.type == REGISTERED for e in events) == 2  # c-1 once, whichever came first


async def test_a_restricted_event_on_the_public_stream_is_dead_lettered(registry, redis):
    """Identity published where agencies read is a defect: it is set aside, not applied."""
    ns = registry.namespace
    await redis.xadd(f"{ns}.cases.events", person_reported("c-9"))  # type: ignore[arg-type]
    await send(redis, ns, case_reported("c-10"))
    events = await person_events(redis, ns, links=1)
    assert [e.data["case_id"] for e in events if e.type == LINKED] == ["c-10"]
    (letter,) = [fields for _, fields in await redis.xrange(dead_stream(ns, "registry"))]
    assert letter[b"subject"] == b"c-9" and letter[b"dead_error"].startswith(b"forged")


async def test_the_categories_a_tksk_verifies_reach_the_linked_person(registry, redis):
    """A TKSK who finds ODHA on the visit makes the registry's person protected too."""
    ns = registry.namespace
    await redis.xadd(f"{ns}.cases.intake", person_reported("c-1"))  # type: ignore[arg-type]
    [linked] = [e for e in await person_events(redis, ns, links=1) if e.type == LINKED]
    verified = CaseCategoriesVerified(
        case_id="c-1", categories=("LUT", "ODHA"), at=datetime.now(UTC)
    )
    envelope = Envelope.wrap(verified, source="/kesos/cases", time=datetime.now(UTC))
    await redis.xadd(f"{ns}.cases.intake", envelope.to_fields())  # type: ignore[arg-type]

    async def updated() -> list[Envelope]:
        found = await published(redis, ns)
        return [e for e in found if e.type == UPDATED]

    [event] = await eventually(updated, timeout=15, message="person_updated")
    assert (event.data["categories"], event.data["protected"]) == (["LUT"], True)
    seen = await registry.client.get(f"/v1/persons/{linked.data['person_id']}", headers=bearer())
    assert seen.json()["protected"] and seen.json()["categories"] == []  # withheld: not officer
