"""Steps 1–4 of the Tapin story, end to end: three services as processes, real Redis, and
PostgreSQL or SQLite stores; then a run where every service is SIGKILLed once mid-story."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from shared.demo.show import Show
from shared.demo.story import StoryResult, play
from tests.e2e.conftest import System

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_the_diklat_story(start_system, kind):
    system = await start_system(kind)
    api = system.api()
    try:
        result = await play(api, Show.quiet())
    finally:
        await api.close()
    await assert_final_state(system, result)


async def test_the_story_survives_each_service_being_killed_once(start_system):
    system = await start_system("postgresql")
    # Right after the calls whose events each service must process, that service dies.
    victims = {"workers": "training", "batch": "notifications", "certificates": "registry"}

    async def crash(step: str) -> None:
        if step in victims:
            await system.crash_and_restart(victims[step])

    api = system.api()
    try:
        result = await play(api, Show.quiet(), after_step=crash)
    finally:
        await api.close()
    await assert_final_state(system, result)


async def assert_final_state(system: System, result: StoryResult) -> None:
    assert len(result.tksk) == 12
    assert len(result.psm) == 31
    assert len(result.enrolled) == 30
    ((refused, answer),) = result.refused
    assert refused["worker_id"] == result.psm[-1]["worker_id"]
    assert answer.status == 409 and answer.problem_type == "urn:kesos:problem:batch-full"

    certified = result.completion["certified"]
    assert sorted(c["worker_id"] for c in certified) == sorted(
        w["worker_id"] for w in result.enrolled
    )
    assert len({c["number"] for c in certified}) == 30

    assert result.tiers == {w["worker_id"]: "dasar" for w in result.enrolled}  # raised via events
    api = system.api()
    try:
        refused_worker = await api.get("registry", f"/v1/workers/{refused['worker_id']}")
        assert refused_worker["tier"] is None
        enrolments = await api.get("training", f"/v1/batches/{result.batch['batch_id']}/enrolments")
        assert Counter(e["status"] for e in enrolments["items"]) == {"certified": 30}
    finally:
        await api.close()

    for worker in result.enrolled:
        sent = [m for m in result.messages[worker["worker_id"]] if m["status"] == "sent"]
        assert sorted(m["template"] for m in sent) == ["certificate", "enrolment"], worker["name"]
        assert all(worker["name"].split()[0] in (m["text"] or "") for m in sent)
    assert result.messages.get(refused["worker_id"], []) == []

    exported = [json.loads(line) for line in system.export_file.read_text().splitlines()]
    assert len(exported) == 60 == len({line["delivery_id"] for line in exported})  # none twice
