"""The worker rules, without a store: registration, levels per role, tiers, versions, access."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.registry.domain.access import (
    can_see,
    require_may_change_contact,
    require_no_active_tksk,
)
from services.registry.domain.errors import (
    BirthDateInFuture,
    NotOwnRecord,
    TkskAlreadyActive,
    WorkerNotActive,
    WrongWilayahLevel,
)
from services.registry.domain.workers import (
    Registration,
    Worker,
    WorkerRole,
    WorkerStatus,
)
from services.registry.use_cases.disclosure import disclose_worker
from shared.reference import InvalidNik, InvalidPhone, Rule, UnknownRegion
from shared.security import Principal, Role

NOW = datetime(2011, 5, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2011, 5, 27, 15, 0, tzinfo=UTC)
TUNGKAP, BINUANG = "63.05.01.2003", "63.05.01"


def form(role: WorkerRole = WorkerRole.PSM, **changes) -> Registration:
    values = {
        "role": role,
        "nik": "6305011708900001",
        "name": "Ahmad Rifani",
        "sex": "L",
        "birth_date": date(1990, 8, 17),
        "phone": "0812-3456-7890",
        "wilayah": TUNGKAP if role is WorkerRole.PSM else BINUANG,
    }
    return Registration(**{**values, **changes})


def registered(worker_id: str = "w-1", role: WorkerRole = WorkerRole.PSM, **changes) -> Worker:
    return Worker.register(worker_id, form(role, **changes), NOW)


def caller(role: Role = Role.OPERATOR, wilayah: str = "63.05", sub: str = "alice") -> Principal:
    return Principal(sub=sub, role=role, wilayah=wilayah)


def test_a_registered_worker_is_active_untrained_at_version_one():
    worker = registered(nik="6305 0117 0890 0001")
    assert (worker.status, worker.tier, worker.version) == (WorkerStatus.ACTIVE, None, 1)
    assert (worker.nik, worker.phone) == ("6305011708900001", "+6281234567890")
    assert (worker.wilayah, worker.kecamatan) == (TUNGKAP, BINUANG)


def test_a_psm_lives_in_a_desa_and_a_tksk_serves_a_kecamatan():
    tksk = registered(role=WorkerRole.TKSK, wilayah="630501")
    assert (tksk.wilayah, tksk.kecamatan) == (BINUANG, BINUANG)
    with pytest.raises(WrongWilayahLevel) as psm_error:
        registered(wilayah=BINUANG)
    assert psm_error.value.facts == {"expected": "desa"}
    with pytest.raises(WrongWilayahLevel) as tksk_error:
        registered(role=WorkerRole.TKSK, wilayah=TUNGKAP)
    assert tksk_error.value.facts == {"expected": "kecamatan"}
    with pytest.raises(WrongWilayahLevel):
        registered(wilayah="63.05")


def test_registration_names_the_first_broken_rule():
    with pytest.raises(InvalidNik) as nik_error:
        registered(nik="6305011708900001"[:-1], wilayah="63.05.99.2001")
    assert nik_error.value.rule is Rule.NIK_INVALID_LENGTH
    with pytest.raises(UnknownRegion):
        registered(wilayah="63.05.01.2999")
    with pytest.raises(InvalidPhone):
        registered(phone="0812")
    with pytest.raises(BirthDateInFuture):
        registered(birth_date=NOW.date())


def test_a_worker_without_a_phone_may_be_registered():
    assert registered(phone=None).phone is None


def test_every_change_increments_the_version():
    worker = registered()
    moved = worker.with_phone("0813 1111 2222", LATER)
    assert moved is not None and (moved.phone, moved.version) == ("+6281311112222", 2)
    assert moved.with_phone("+6281311112222", LATER) is None  # the same number is no change
    trained = moved.tier_raised_to("dasar", LATER)
    assert trained is not None and trained.version == 3
    gone = trained.deactivated(LATER)
    assert (gone.status, gone.version, gone.updated_at) == (WorkerStatus.INACTIVE, 4, LATER)
    assert worker.version == 1  # values are frozen: changes are new workers


def test_a_worker_is_deactivated_once():
    with pytest.raises(WorkerNotActive):
        registered().deactivated(LATER).deactivated(LATER)


@pytest.mark.parametrize(
    ("held", "certified", "after"),
    [
        (None, "dasar", "dasar"),
        ("dasar", "madya", "madya"),
        ("dasar", "pratama", "pratama"),
        ("madya", "dasar", None),  # never lowered
        ("pratama", "madya", None),
        ("madya", "madya", None),  # the same tier again: nothing to publish
    ],
)
def test_a_tier_is_raised_never_lowered(held, certified, after):
    worker = registered()
    if held is not None:
        worker = worker.tier_raised_to(held, NOW) or worker
    raised = worker.tier_raised_to(certified, LATER)
    assert (raised.tier if raised else None) == after


def test_one_active_tksk_per_kecamatan():
    active = registered("tksk-1", WorkerRole.TKSK)
    candidate = registered("tksk-2", WorkerRole.TKSK, nik="6305015708900002", sex="P")
    with pytest.raises(TkskAlreadyActive) as error:
        require_no_active_tksk(candidate, active, caller())
    assert error.value.facts == {"kecamatan": BINUANG, "worker_id": "tksk-1"}
    require_no_active_tksk(candidate, None, caller())  # e.g. after the first was deactivated
    psm = registered("psm-1")
    require_no_active_tksk(psm, active, caller())  # PSM are many per desa


def test_a_conflict_names_a_worker_only_inside_the_callers_wilayah():
    active = registered("tksk-1", WorkerRole.TKSK)
    candidate = registered("tksk-2", WorkerRole.TKSK, nik="6305015708900002", sex="P")
    with pytest.raises(TkskAlreadyActive) as error:
        require_no_active_tksk(candidate, active, caller(wilayah="63.05.04"))
    assert "worker_id" not in error.value.facts


def test_who_sees_and_changes_a_worker():
    psm = registered("psm-1")
    assert can_see(caller(Role.TKSK, BINUANG), psm)
    assert not can_see(caller(Role.OPERATOR, "63.05.04"), psm)
    myself = caller(Role.PSM, "63.05.04.1004", sub="psm-1")  # a token from before a move
    assert can_see(myself, psm)
    require_may_change_contact(myself, psm)
    require_may_change_contact(caller(Role.OPERATOR), psm)
    with pytest.raises(NotOwnRecord):
        require_may_change_contact(caller(Role.PSM, TUNGKAP, sub="psm-2"), psm)


def test_only_dinas_staff_and_the_worker_see_the_full_nik():
    worker = Worker.register("w-1", form(), NOW)
    full = {
        role
        for role in Role
        if disclose_worker(worker, caller(role)).show("nik", worker.nik) == worker.nik
    }
    assert full == {Role.ADMIN, Role.OPERATOR}
    own = Principal(sub="w-1", role=Role.PSM, wilayah=TUNGKAP)
    assert disclose_worker(worker, own).show("nik", worker.nik) == worker.nik
