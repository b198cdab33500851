"""The use cases over an in-memory unit of work: what they change, publish and audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.registry.domain.errors import (
    ConcurrentUpdate,
    NikAlreadyRegistered,
    OutsideWilayah,
    TkskAlreadyActive,
    WorkerNotFound,
)
from services.registry.domain.workers import Registration, WorkerRole, WorkerStatus
from services.registry.use_cases import workers as cases
from services.registry.use_cases.tiers import raise_tier
from shared.audit import Actor
from shared.security import Principal, Role
from tests.registry.unit.fakes import FakeWork

NOW = datetime(2011, 5, 20, 9, 0, tzinfo=UTC)
OPERATOR = Principal(sub="alice", role=Role.OPERATOR, wilayah="63.05")
TRAINING = Actor(sub="registry.raise_tier_on_certificate", role="service")
REGISTERED = "kesos.registry.worker_registered.v2"
TIER_RAISED = "kesos.registry.worker_tier_raised.v2"
CONTACT = "kesos.registry.worker_contact.v1"
DEACTIVATED = "kesos.registry.worker_deactivated.v2"


def form(role: WorkerRole = WorkerRole.PSM, nik: str = "6305011708900001", **changes):
    wilayah = "63.05.01.2003" if role is WorkerRole.PSM else "63.05.01"
    values = {
        "role": role, "nik": nik, "name": "Ahmad Rifani", "sex": "L",
        "birth_date": date(1990, 8, 17), "phone": "081234567890", "wilayah": wilayah,
    }  # fmt: skip
    return Registration(**{**values, **changes})


async def register(uow: FakeWork, worker_id: str = "w-1", by: Principal = OPERATOR, **changes):
    return await cases.register_worker(uow, form(**changes), by, NOW, worker_id)


async def test_registering_publishes_the_worker_at_sequence_one_and_audits():
    uow = FakeWork()
    worker = await register(uow)
    [(event, sequence), (contact, _)] = uow.outbox.events
    assert (event.type, sequence, event.subject) == (REGISTERED, 1, "w-1")
    assert not {"nik", "name", "birth_date", "phone"} & set(event.model_dump())
    assert (contact.type, contact.stream_channel) == (CONTACT, "contacts")  # restricted
    assert uow.audited == [("alice", "worker.register", "w-1", None)]
    assert await uow.workers.get("w-1") == worker


async def test_a_registration_outside_the_callers_wilayah_is_refused():
    uow = FakeWork()
    with pytest.raises(OutsideWilayah):
        await register(uow, by=Principal(sub="bob", role=Role.OPERATOR, wilayah="63.05.04"))
    assert uow.workers.rows == {} and uow.outbox.events == []


async def test_one_nik_one_worker():
    uow = FakeWork()
    await register(uow, "w-1")
    with pytest.raises(NikAlreadyRegistered) as error:
        await register(uow, "w-2", role=WorkerRole.TKSK)
    assert error.value.facts == {"worker_id": "w-1"}


async def test_a_kecamatan_gets_a_new_tksk_only_after_the_old_one_leaves():
    uow = FakeWork()
    await register(uow, "tksk-1", role=WorkerRole.TKSK)
    with pytest.raises(TkskAlreadyActive):
        await register(uow, "tksk-2", role=WorkerRole.TKSK, nik="6305015708900002", sex="P")
    await cases.deactivate_worker(uow, "tksk-1", "mengundurkan diri", OPERATOR, NOW)
    tksk = await register(uow, "tksk-2", role=WorkerRole.TKSK, nik="6305015708900002", sex="P")
    assert tksk.status is WorkerStatus.ACTIVE


async def test_each_change_publishes_the_next_sequence():
    uow = FakeWork()
    await register(uow)
    later = NOW + timedelta(days=1)
    await cases.change_contact(uow, "w-1", "0813 1111 2222", OPERATOR, later)
    await cases.change_contact(uow, "w-1", "+6281311112222", OPERATOR, later)  # no change
    await cases.deactivate_worker(uow, "w-1", "pindah", OPERATOR, later)
    assert uow.published() == [
        (REGISTERED, 1), (CONTACT, 1), (CONTACT, 2), (DEACTIVATED, 3), (CONTACT, 3),
    ]  # fmt: skip
    assert uow.audited[-1] == ("alice", "worker.deactivate", "w-1", "pindah")


async def test_a_stale_worker_is_not_saved():
    uow = FakeWork()
    worker = await register(uow)
    changed = worker.with_phone("081311112222", NOW)
    assert changed is not None
    await uow.workers.save(changed, expected_version=1)
    with pytest.raises(ConcurrentUpdate):
        await uow.workers.save(changed, expected_version=1)


async def test_a_worker_outside_the_wilayah_is_not_found():
    uow = FakeWork()
    await register(uow)
    outside = Principal(sub="bob", role=Role.OPERATOR, wilayah="63.05.04")
    with pytest.raises(WorkerNotFound):
        await cases.read_worker(uow, "w-1", outside)
    assert await cases.search_by_nik(uow, "6305011708900001", outside, NOW) == []
    found = await cases.search_by_nik(uow, "6305 0117 0890 0001", OPERATOR, NOW)
    assert [worker.worker_id for worker in found] == ["w-1"]
    assert uow.audited[-1] == ("alice", "worker.search", "w-1", None)


async def test_a_certificate_raises_the_tier_once():
    uow = FakeWork()
    await register(uow)
    raised = await raise_tier(uow, "w-1", "madya", by=TRAINING, now=NOW, reason="certificate 1")
    assert raised is not None and raised.tier == "madya"
    for tier in ("madya", "dasar"):
        assert await raise_tier(uow, "w-1", tier, by=TRAINING, now=NOW, reason="again") is None
    assert uow.published() == [(REGISTERED, 1), (CONTACT, 1), (TIER_RAISED, 2)]


async def test_a_certificate_for_an_unknown_worker_changes_nothing():
    uow = FakeWork()
    assert await raise_tier(uow, "nobody", "dasar", by=TRAINING, now=NOW, reason="x") is None
    assert uow.outbox.events == [] and uow.audited == []


async def listed(uow: FakeWork, by: Principal, **filters) -> list[str]:
    found = await cases.list_workers(uow, cases.WorkerFilters(**filters), by, after=None, limit=9)
    return [worker.worker_id for worker in found]


async def test_lists_stay_inside_the_callers_wilayah():
    uow = FakeWork()
    await register(uow, "w-1")
    await register(uow, "w-2", nik="6305041708900002", wilayah="63.05.04.1004")
    tapin_utara = Principal(sub="bob", role=Role.TKSK, wilayah="63.05.04")
    assert await listed(uow, tapin_utara) == ["w-2"]
    assert await listed(uow, tapin_utara, wilayah="63") == ["w-2"]  # never wider than scope
    assert await listed(uow, tapin_utara, wilayah="63.05.01") == []
    assert await listed(uow, OPERATOR, role=WorkerRole.PSM) == ["w-1", "w-2"]
