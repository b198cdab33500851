"""A diklat's participants are reminded the day before it starts, from office opening (WITA):
once — even by two replicas at the same time, or a replica restarted — on the start day if the
watch was down the day before, never after, and never the ones who withdrew."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.entrypoints.reminder_watch import ReminderSettings, reminder_watch
from shared.persistence.engine import session_factory
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.persistence.watch import Watch
from shared.reference.calendar import WITA
from tests.support.watches import Clock, outbox_events, together
from tests.training.integration.conftest import Training, bearer

pytestmark = pytest.mark.integration
TUNGKAP, RANTAU_KIWA = "63.05.01.2003", "63.05.04.1004"


def watch(training: Training, clock: Clock) -> Watch[TrainingUnitOfWork]:
    uows = UnitOfWorkFactory(
        session_factory(training.store.engine), namespace=training.namespace,
        service="training", make=TrainingUnitOfWork,
    )  # fmt: skip
    return reminder_watch(uows, ReminderSettings(poll_s=60, batch=1), clock)


async def reminders(training: Training) -> list[dict]:
    return [data for kind, data in await outbox_events(training.store.engine)
            if kind == "kesos.training.batch_starting.v1"]  # fmt: skip


def wita(day: int, hour: int, minute: int = 0) -> datetime:
    """May 2011, at `hour`:`minute` WITA."""
    return datetime(2011, 5, day, hour, minute, tzinfo=WITA)


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_participants_are_reminded_once_the_day_before(make_training, kind):
    training: Training = await make_training(kind)
    batch = await training.schedule()
    staying, leaving = await training.active_psm(TUNGKAP, RANTAU_KIWA)
    assert (await training.enrol(batch["batch_id"], staying)).status_code == 201
    left = (await training.enrol(batch["batch_id"], leaving)).json()
    withdrawn = await training.client.post(
        f"/v1/batches/{batch['batch_id']}/enrolments/{left['enrolment_id']}/withdraw",
        json={"reason": "sakit"}, headers=bearer(),
    )  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text
    clock = Clock()
    first, second = watch(training, clock), watch(training, clock)
    for moment in (wita(23, 7, 59), wita(23, 8), wita(23, 15), wita(24, 9)):
        clock.now = moment
        await together(kind, first.round(), second.round())
        await watch(training, clock).round()  # restarted
    [reminder] = await reminders(training)
    assert reminder["batch_id"] == batch["batch_id"] and reminder["participants"] == [staying]
    assert reminder["starts_on"] == "2011-05-24" and "name" not in reminder


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_a_watch_down_the_day_before_reminds_on_the_start_day_and_not_after(
    make_training, kind
):
    training: Training = await make_training(kind)
    batch = await training.schedule()
    [worker] = await training.active_psm(TUNGKAP)
    assert (await training.enrol(batch["batch_id"], worker)).status_code == 201
    late = await training.schedule(title="Diklat Dasar PSM 2011 angkatan II")
    clock = Clock()
    clock.now = wita(25, 8)  # a watch first up after the start: too late, nothing is sent
    assert await watch(training, clock).round() == 0
    clock.now = wita(24, 7)  # one first up on the start day: still worth it
    assert await watch(training, clock).round() == 2  # the other has no one: recorded, silent
    assert [r["batch_id"] for r in await reminders(training)] == [batch["batch_id"]]
    assert late["batch_id"] != batch["batch_id"]
