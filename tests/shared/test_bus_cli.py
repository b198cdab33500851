"""`kesos bus users` and `kesos agency add|rotate|remove|list` (docs/adr/0005)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, NoPermissionError
from typer.testing import CliRunner

from shared.cli import app
from shared.local_redis import LocalRedis
from shared.messaging import agencies
from shared.messaging.users import (
    acl_file_line,
    admin_user,
    agency_user_name,
    feed_stream,
    grants_key,
    new_password,
    user_url,
)
from shared.settings import with_password

pytestmark = pytest.mark.integration


async def kesos(*arguments: str):
    # The command runs its own event loop: keep it off the test's.
    return await asyncio.to_thread(CliRunner().invoke, app, list(arguments))


@pytest.fixture
def as_admin(redis_url, namespace, monkeypatch):
    monkeypatch.setenv("KESOS_NAMESPACE", namespace)
    monkeypatch.setenv("REDIS_URL", redis_url)  # the CI server's default user: its admin


async def test_an_agency_is_added_rotated_regranted_and_removed(
    as_admin, redis_url, redis, namespace, tmp_path: Path
):
    user = agency_user_name(namespace, "bps-tapin")
    first, second = tmp_path / "first", tmp_path / "second"
    try:
        added = await kesos(
            "agency", "add", "bps-tapin", "--stream", "cases", "--stream", "training",
            "--password-file", str(first),
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        assert (
            first.stat().st_mode & 0o777 == 0o600 and first.read_text().strip() not in added.output
        )
        assert await redis.sismember(grants_key(namespace, "cases"), "bps-tapin")
        listed = await kesos("agency", "list")
        assert "bps-tapin: cases, training" in listed.output

        async def reads_its_feed(password_file: Path) -> bool:
            password = await asyncio.to_thread(password_file.read_text)
            url = with_password(user_url(redis_url, user), password.strip())
            async with Redis.from_url(url, retry=Retry(NoBackoff(), 0)) as agency:
                feed = {f"{namespace}.feed.bps-tapin": ">"}
                return await agency.xreadgroup("bps-tapin", "r1", feed) == []

        assert await reads_its_feed(first)
        rotated = await kesos("agency", "rotate", "bps-tapin", "--password-file", str(second))
        assert rotated.exit_code == 0, rotated.output
        with pytest.raises(AuthenticationError):
            await reads_its_feed(first)
        assert await reads_its_feed(second)

        regranted = await kesos("agency", "add", "bps-tapin", "--stream", "registry")
        assert regranted.exit_code == 0 and "grants changed" in regranted.output
        assert not await redis.sismember(grants_key(namespace, "cases"), "bps-tapin")
        assert await reads_its_feed(second)  # the password stays

        removed = await kesos("agency", "remove", "bps-tapin")
        assert removed.exit_code == 0, removed.output
        with pytest.raises(AuthenticationError):
            await reads_its_feed(second)
        again = await kesos("agency", "remove", "bps-tapin")
        assert again.exit_code == 1 and "no such agency" in again.output
    finally:
        await redis.execute_command("ACL", "DELUSER", user)


async def test_a_restricted_stream_or_an_unknown_one_cannot_be_granted(as_admin):
    for stream in ("cases.intake", "contacts", "bank"):
        refused = await kesos("agency", "add", "x", "--stream", stream)
        assert refused.exit_code == 2, refused.output


async def test_bus_users_writes_an_acl_file_for_a_new_server(namespace, monkeypatch, tmp_path):
    monkeypatch.setenv("KESOS_NAMESPACE", namespace)
    acl, secrets = tmp_path / "users.acl", tmp_path / "secrets"
    made = await kesos("bus", "users", "--acl-file", str(acl), "--secrets-dir", str(secrets))
    assert made.exit_code == 0, made.output
    lines = acl.read_text().splitlines()
    assert lines[0].startswith("user default off")
    users = sorted(line.split()[1] for line in lines[1:])
    assert users == sorted(
        f"{namespace}-{name}"
        for name in ("cases", "notifications", "operator", "registry", "training")
    )
    for name in users:
        password = (secrets / name).read_text().strip()
        assert (secrets / name).stat().st_mode & 0o777 == 0o600
        assert password not in acl.read_text()  # the file holds hashes only


async def test_writing_the_acl_file_again_keeps_the_feeds_agencies_were_granted(
    namespace, monkeypatch, tmp_path
):
    """A server run from an ACL file (Compose): an agency granted `registry`, saved by the
    grant; `kesos bus users --acl-file` run again for an upgrade; the server restarted from the
    file — and the registry's relay may still write the agency's feed."""
    monkeypatch.setenv("KESOS_NAMESPACE", namespace)
    acl, secrets = tmp_path / "users.acl", tmp_path / "secrets"
    assert (
        await kesos("bus", "users", "--acl-file", str(acl), "--secrets-dir", str(secrets))
    ).exit_code == 0
    admin_password = new_password()
    with acl.open("a") as file:
        file.write(acl_file_line(admin_user("test-admin"), admin_password) + "\n")
    server = LocalRedis(tmp_path / "redis", acl_file=acl)
    server.start()
    try:
        admin_url = with_password(f"redis://test-admin@127.0.0.1:{server.port}/0", admin_password)
        async with Redis.from_url(admin_url) as admin:
            await agencies.grant(admin, namespace, "bpjs", ["registry"], password=new_password())
        rerun = await kesos("bus", "users", "--acl-file", str(acl), "--secrets-dir", str(secrets))
        assert rerun.exit_code == 0, rerun.output
        server.stop()
        server.start()
        registry = f"{namespace}-registry"
        url = with_password(
            f"redis://{registry}@127.0.0.1:{server.port}/0",
            (secrets / registry).read_text().strip(),
        )
        async with Redis.from_url(url) as relay:
            assert await relay.xadd(feed_stream(namespace, "bpjs"), {"id": "1"})
            with pytest.raises(NoPermissionError):  # and no feed of an agency not granted
                await relay.xadd(feed_stream(namespace, "other"), {"id": "1"})
    finally:
        server.stop()


async def test_a_grant_the_server_cannot_save_says_so(as_admin):
    """The test server has no ACL file (the Valkey chart's is read-only): the grant works, and
    the operator is told it lasts only until the server restarts."""
    granted = await kesos("agency", "add", "dukcapil", "--stream", "registry")
    assert granted.exit_code == 0, granted.output
    assert "could not save its users" in granted.output
    removed = await kesos("agency", "remove", "dukcapil")
    assert removed.exit_code == 0 and "could not save its users" in removed.output
