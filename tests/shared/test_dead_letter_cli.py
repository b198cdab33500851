"""Operators handle dead letters with `kesos dead list|replay|discard`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from shared.cli import app
from shared.messaging.dead_letters import DeadLetters
from shared.messaging.streams import dead_stream, replays_key, retry_stream
from shared.messaging.users import operator_user
from tests.support import tally
from tests.support.entries import envelope_of

pytestmark = pytest.mark.integration


async def test_an_operator_lists_replays_and_discards_dead_letters(
    bus_users, redis, namespace, monkeypatch
):
    operator = await bus_users.user(operator_user(namespace))  # its rights are enough
    monkeypatch.setenv("KESOS_NAMESPACE", namespace)
    for name, value in operator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COLUMNS", "250")
    dead = dead_stream(namespace, "tally")
    first, second = (
        envelope_of(tally.CounterSet(counter_id=name, value=1)).to_fields() for name in ("a", "b")
    )
    a_id = (
        await redis.xadd(dead, {**first, "dead_error": "boom", "dead_deliveries": "5"})
    ).decode()
    b_id = (await redis.xadd(dead, {**second, "dead_error": "bang"})).decode()
    cli = CliRunner()

    listed = await _invoke(cli, ["dead", "list", "--service", "tally"])
    assert listed.exit_code == 0, listed.output
    assert (
        a_id in listed.output
        and "boom" in listed.output
        and "kesos.counter.counter_set.v1" in listed.output
    )

    replayed = await _invoke(cli, ["dead", "replay", "--service", "tally", a_id])
    assert replayed.exit_code == 0, replayed.output
    # The operator asks; the service moves the letter (it alone writes what it applies).
    assert await redis.hkeys(replays_key(namespace, "tally")) == [a_id.encode()]
    letters = DeadLetters(redis, namespace=namespace, service="tally")
    assert await letters.replay_requested() == 1
    ((_, fields),) = await redis.xrange(retry_stream(namespace, "tally"))
    assert {k.decode(): v.decode() for k, v in fields.items()} == first  # original fields only

    discarded = await _invoke(cli, ["dead", "discard", "--service", "tally", b_id])
    assert discarded.exit_code == 0, discarded.output
    assert await redis.xlen(dead) == 0

    missing = await _invoke(cli, ["dead", "replay", "--service", "tally", b_id])
    assert missing.exit_code == 1 and "no such dead letter" in missing.output


async def test_a_forged_entry_stays_dead_whoever_asks_for_its_replay(
    bus_users, redis, namespace, monkeypatch
):
    operator = await bus_users.user(operator_user(namespace))
    monkeypatch.setenv("KESOS_NAMESPACE", namespace)
    for name, value in operator.env().items():
        monkeypatch.setenv(name, value)
    dead = dead_stream(namespace, "tally")
    fields = envelope_of(tally.CounterSet(counter_id="a", value=1)).to_fields()
    forged_id = (
        await redis.xadd(dead, {**fields, "dead_error": "forged: not its stream"})
    ).decode()

    refused = await _invoke(CliRunner(), ["dead", "replay", "--service", "tally", forged_id])
    assert refused.exit_code == 1 and "forged" in refused.output
    # Asked for all the same (by hand), and beside a request that names no entry at all:
    await redis.hset(replays_key(namespace, "tally"), mapping={forged_id: "1", "garbage": "1"})
    letters = DeadLetters(redis, namespace=namespace, service="tally")
    assert await letters.replay_requested() == 0
    assert not await redis.exists(retry_stream(namespace, "tally"))
    assert await redis.xlen(dead) == 1 and not await redis.exists(replays_key(namespace, "tally"))


async def _invoke(cli: CliRunner, arguments: list[str]):
    import asyncio

    # The command runs its own event loop: keep it off the test's.
    return await asyncio.to_thread(cli.invoke, app, arguments)
