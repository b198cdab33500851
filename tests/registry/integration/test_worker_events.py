"""Worker events on `<ns>.registry.events` (and contacts on `.contacts`), and tiers raised by
training's certificates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from redis.asyncio import Redis

from shared.contracts.envelope import Envelope
from shared.contracts.registry import WorkerContact, WorkerState
from shared.contracts.training import CertificateIssued
from tests.registry.integration.conftest import NIK_WOMAN, nik, published
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

REGISTERED = "kesos.registry.worker_registered.v2"
DEACTIVATED = "kesos.registry.worker_deactivated.v2"
TIER_RAISED = "kesos.registry.worker_tier_raised.v2"
CONTACT = "kesos.registry.worker_contact.v1"
IDENTITY = ("nik", "name", "sex", "birth_date", "phone")


def public(worker: dict) -> dict:
    """What the public events carry: the worker's public state, nothing that identifies them."""
    return {name: worker[name] for name in WorkerState.model_fields}


def contact(worker: dict) -> dict:
    """What notifications alone reads on the restricted stream: how to reach the worker."""
    return {name: worker[name] for name in WorkerContact.model_fields}


async def events_of(
    redis: Redis, namespace: str, worker_id: str, channel: str = "events"
) -> list[Envelope]:
    return [e for e in await published(redis, namespace, channel) if e.subject == worker_id]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_every_change_publishes_the_public_state_and_the_contact_in_sequence(
    make_registry, redis, kind
):
    registry = await make_registry(kind)
    worker = await registry.register()
    path = f"/v1/workers/{worker['worker_id']}"
    changed = (await registry.post(f"{path}/contact", {"phone": "081311112222"})).json()
    deactivated = (await registry.post(f"{path}/deactivate", {"reason": "pindah"})).json()

    async def three_contacts():
        found = await events_of(redis, registry.namespace, worker["worker_id"], "contacts")
        return found if len(found) == 3 else None

    contacts = await eventually(three_contacts, timeout=15, message="three contacts")
    assert [e.type for e in contacts] == [CONTACT] * 3
    assert [e.sequence for e in contacts] == [1, 2, 3]
    assert [e.data for e in contacts] == [contact(w) for w in (worker, changed, deactivated)]
    events = await events_of(redis, registry.namespace, worker["worker_id"])
    # A new phone changes nothing public: no public event for it.
    assert [e.type for e in events] == [REGISTERED, DEACTIVATED]
    assert [e.sequence for e in events] == [1, 3]
    assert [e.data for e in events] == [public(w) for w in (worker, deactivated)]
    assert not any(field in e.data for e in events for field in IDENTITY)
    assert {e.source for e in events + contacts} == {"/kesos/registry"}


def certificate(worker_id: str, tier: str = "dasar") -> dict[str, str]:
    """A training stream entry, as the training service's relay writes it."""
    event = CertificateIssued(
        certificate_id=str(uuid.uuid4()),
        number=f"DIKLAT/{tier.upper()}/2011/001",
        batch_id=str(uuid.uuid4()),
        worker_id=worker_id,
        tier=tier,
        issued_on=date(2011, 5, 27),
        issuer="Dinas Sosial Kabupaten Tapin",
        batch_title="Diklat Dasar PSM 2011",
    )
    envelope = Envelope.wrap(event, source="/kesos/training", time=datetime.now(UTC), sequence=1)
    return envelope.to_fields()


async def send(redis: Redis, namespace: str, *entries: dict[str, str]) -> None:
    for fields in entries:
        await redis.xadd(f"{namespace}.training.events", fields)  # type: ignore[arg-type]


async def tier_of(registry, worker_id: str) -> str | None:
    return (await registry.get(worker_id)).json()["tier"]


async def _tier_is(registry, worker_id: str, tier: str) -> bool:
    return await tier_of(registry, worker_id) == tier


async def test_a_certificate_raises_the_workers_tier(registry, redis):
    worker = await registry.register()
    await send(redis, registry.namespace, certificate(worker["worker_id"]))
    await eventually(lambda: _tier_is(registry, worker["worker_id"], "dasar"), timeout=15)
    raised = (await registry.get(worker["worker_id"])).json()
    assert raised["version"] == 2

    async def raised_event():
        found = await events_of(redis, registry.namespace, worker["worker_id"])
        return [e for e in found if e.type == TIER_RAISED]

    [event] = await eventually(raised_event, timeout=15, message="worker_tier_raised")
    assert (event.sequence, event.data) == (2, public(raised))
    assert event.causationid is not None  # the certificate caused it


async def test_tiers_are_raised_once_and_never_lowered(registry, redis):
    worker = (await registry.register())["worker_id"]
    sentinel = (await registry.register(nik=NIK_WOMAN, sex="P"))["worker_id"]
    madya = certificate(worker, "madya")
    unknown_worker = certificate(str(uuid.uuid4()))
    # The same event twice, a lower tier after a higher one, a worker nobody registered, then
    # a sentinel: once the sentinel is applied, everything before it has been.
    await send(
        redis, registry.namespace, madya, madya, certificate(worker, "dasar"), unknown_worker,
        certificate(sentinel),
    )  # fmt: skip
    await eventually(lambda: _tier_is(registry, sentinel, "dasar"), timeout=15)
    assert await tier_of(registry, worker) == "madya"
    assert (await registry.get(worker)).json()["version"] == 2

    async def raised_for_worker():
        events = await events_of(redis, registry.namespace, worker)
        return [e for e in events if e.type == TIER_RAISED]

    raised = await eventually(raised_for_worker, timeout=15)
    assert [(e.sequence, e.data["tier"]) for e in raised] == [(2, "madya")]

    async def all_acknowledged() -> bool:
        stream = f"{registry.namespace}.training.events"
        return (await redis.xpending(stream, "registry"))["pending"] == 0

    # the unknown worker's certificate was acknowledged too: nothing to wait for
    await eventually(all_acknowledged, timeout=15, message="no pending entries")


async def test_a_higher_tier_after_a_lower_one_raises_again(registry, redis):
    worker = (await registry.register(nik=nik(7)))["worker_id"]
    await send(redis, registry.namespace, certificate(worker, "dasar"))
    await eventually(lambda: _tier_is(registry, worker, "dasar"), timeout=15)
    await send(redis, registry.namespace, certificate(worker, "pratama"))
    await eventually(lambda: _tier_is(registry, worker, "pratama"), timeout=15)
    assert (await registry.get(worker)).json()["version"] == 3


async def test_forged_entries_are_dead_lettered_at_once_not_applied(registry, redis):
    """Only a producer's Redis user can write its stream; an entry that still claims another
    producer, or travels on the wrong stream, is a defect or an attack: set aside, never run."""
    worker = (await registry.register())["worker_id"]
    sentinel = (await registry.register(nik=NIK_WOMAN, sex="P"))["worker_id"]
    ns = registry.namespace
    claims_registry = {**certificate(worker, "pratama"), "source": "/kesos/registry"}
    await redis.xadd(f"{ns}.training.events", claims_registry)  # type: ignore[arg-type]
    await redis.xadd(f"{ns}.cases.events", certificate(worker, "pratama"))  # type: ignore[arg-type]
    await send(redis, ns, certificate(sentinel))
    await eventually(lambda: _tier_is(registry, sentinel, "dasar"), timeout=15)

    async def buried() -> list[dict[bytes, bytes]] | None:
        dead = [fields for _, fields in await redis.xrange(f"{ns}.registry.dead")]
        return dead if len(dead) == 2 else None

    letters = await eventually(buried, timeout=15, message="two dead letters")
    assert all(letter[b"dead_error"].startswith(b"forged") for letter in letters)
    assert {letter[b"dead_deliveries"] for letter in letters} == {b"1"}  # at once, not retried
    assert await tier_of(registry, worker) is None
