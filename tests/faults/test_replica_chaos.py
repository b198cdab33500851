"""The bounded replica chaos run of `make chaos` (tests/support/chaos.py): two replicas of every
service on PostgreSQL and one Redis with AOF, under load, through a rolling restart, a SIGKILL
of a replica of each service and a Redis restart — then every effect exactly once, nothing
pending, consumers of gone replicas removed, one relay leading at a time."""

from __future__ import annotations

import pytest

from tests.support.chaos import run_chaos

pytestmark = pytest.mark.integration


async def test_replicas_lose_nothing_through_restarts_kills_and_a_redis_restart(postgres, tmp_path):
    lines: list[str] = []
    counts = await run_chaos(postgres, tmp_path, rate=8.0, log=lines.append, whole_roll=False)
    assert counts.problems == [], "\n".join([*lines, *map(str, counts.figures.items())])
    assert counts.figures["reports accepted"] > 100  # the faults happened under load
    assert counts.figures["replicas that led a relay in turn"] > 4  # leadership moved
