"""The bus's Redis users: every service, every agency and the operator as its own ACL user.

Each user may run only the commands its work needs, on only the keys of its streams
(`shared.messaging.topology`); nothing else — no FLUSH*, CONFIG, KEYS, MODULE, DEBUG, no pub/sub.

- A service reads its source streams with its consumer group (XREADGROUP, XACK, XCLAIM,
  XPENDING, XGROUP CREATE/DELCONSUMER, XINFO) and may XADD only to its own streams: its public
  and restricted channels, its dead letters and retries, and the feeds of exactly the agencies
  granted its public stream (re-applied whenever a grant changes). Redis checks a command
  against the root rules and each `(selector)`; a command passes when one of them allows both
  the command and every key, so "XADD to a stream it reads" fails.
- An agency reads its own feed `<ns>.feed.<agency>` with its own consumer group, and nothing
  else: it cannot write a single entry, nor see a service's stream or group (Redis ACLs cannot
  confine a user to a group name, so agencies never touch the services' streams: ADR 0005).
- The operator (`kesos dead …`) lists and discards dead letters and asks for replays, which the
  service performs: nobody but a service writes an entry that service applies.

Consumer *group* names are not subject to ACLs at all: a service holding its source streams
could in principle ack another group's entries. That is the limit of Redis's model; services
are ours, agencies are kept off the shared streams for exactly that reason.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.messaging import topology
from shared.messaging.streams import dead_stream, failures_key, replays_key, retry_stream

AGENCY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")

NOTHING = ("resetchannels", "-@all", "+ping", "+select")
CONSUMING = (
    "+xreadgroup", "+xack", "+xclaim", "+xpending", "+xgroup|create", "+xgroup|delconsumer",
    "+xinfo|groups", "+xinfo|consumers", "+multi", "+exec", "+discard",
)  # fmt: skip
FEED_READING = (
    "+xreadgroup", "+xack", "+xclaim", "+xautoclaim", "+xpending", "+xgroup|createconsumer",
    "+xgroup|delconsumer", "+xinfo|stream", "+xinfo|groups", "+xinfo|consumers", "+xlen",
    "+xrange", "+xrevrange", "+xread",
)  # fmt: skip


@dataclass(frozen=True)
class BusUser:
    """A Redis user: its name and its ACL rules (applied after `reset on >password`)."""

    name: str
    rules: tuple[str, ...]


def service_user_name(namespace: str, service: str) -> str:
    return f"{namespace}-{service}"


def agency_user_name(namespace: str, agency: str) -> str:
    return f"{namespace}-agency-{agency}"


def feed_stream(namespace: str, agency: str) -> str:
    """An agency's own stream: the events of the streams it was granted, copied by the relays."""
    return f"{namespace}.feed.{agency}"


def grants_key(namespace: str, producer: str) -> str:
    """The set of agencies granted a producer's public stream (read by its relay)."""
    return f"{namespace}.grants.{producer}"


def service_user(
    namespace: str,
    service: str,
    *,
    reads: Sequence[str] | None = None,
    writes: Sequence[str] | None = None,
    feeds: Sequence[str] = (),
) -> BusUser:
    """A service's user; the streams come from `topology` unless given (test services).
    `feeds`: the agencies granted its public stream, whose feeds its relay writes."""
    reads = topology.streams_read(namespace, service) if reads is None else reads
    writes = topology.streams_written(namespace, service) if writes is None else writes
    own_reads = [*reads, retry_stream(namespace, service)]
    dead, retry = dead_stream(namespace, service), retry_stream(namespace, service)
    outputs = [*writes, dead, retry, *(feed_stream(namespace, agency) for agency in feeds)]
    bookkeeping = [failures_key(namespace, service), replays_key(namespace, service)]
    return BusUser(
        service_user_name(namespace, service),
        (
            *NOTHING,
            *CONSUMING,
            "+wait",  # the relay: are the published entries on the replicas yet?
            *_keys(own_reads),
            _selector(("+xadd", "+xlen"), outputs),
            _selector(("+xrange", "+xdel"), [dead]),  # replaying what an operator asked for
            _selector(("+hset", "+hdel", "+hmget", "+hkeys"), bookkeeping),
            _selector(("+smembers",), [grants_key(namespace, service)]),
        ),
    )


def agency_user(namespace: str, agency: str) -> BusUser:
    if not AGENCY_NAME.match(agency):
        raise ValueError("an agency name is 1-40 of a-z, 0-9 and -, starting with a letter/digit")
    return BusUser(
        agency_user_name(namespace, agency),
        (*NOTHING, *FEED_READING, *_keys([feed_stream(namespace, agency)])),
    )


def operator_user(namespace: str, name: str | None = None) -> BusUser:
    """Dead letters of every service: list, count, discard, and ask for a replay — which the
    service performs: the operator writes no entry a service would apply."""
    return BusUser(
        name or f"{namespace}-operator",
        (
            *NOTHING,
            "+xrange", "+xlen", "+xdel",
            *_keys([dead_stream(namespace, "*")]),
            _selector(("+hset",), [replays_key(namespace, "*")]),
        ),
    )  # fmt: skip


def admin_user(name: str) -> BusUser:
    """The server's administrator: creates the others (`kesos bus users`, the launcher)."""
    return BusUser(name, ("~*", "&*", "+@all"))


def new_password() -> str:
    """256 random bits, URL-safe (it goes into `redis://user:password@…`)."""
    return secrets.token_urlsafe(32)


async def apply_user(admin: Redis, user: BusUser, password: str) -> None:
    """Create the user, or reset an existing one to exactly these rules and this password."""
    await admin.execute_command(
        "ACL", "SETUSER", user.name, "reset", "on", f">{password}", *user.rules
    )


async def apply_rules(admin: Redis, user: BusUser) -> bool:
    """Reset an existing user's rights to exactly these rules, keeping its password; False when
    there is no such user (a service not provisioned on this server)."""
    if await admin.execute_command("ACL", "GETUSER", user.name) is None:
        return False
    await admin.execute_command(
        "ACL", "SETUSER", user.name, "resetkeys", "clearselectors", *user.rules
    )
    return True


async def granted_agencies(redis: Redis, namespace: str, service: str) -> list[str]:
    """The agencies granted a service's public stream (their feeds its relay writes)."""
    members = await redis.smembers(grants_key(namespace, service))
    return sorted(m.decode() if isinstance(m, bytes) else m for m in members)


async def disconnect(admin: Redis, name: str) -> None:
    """Close a user's open connections: a changed password must stop working at once."""
    await admin.execute_command("CLIENT", "KILL", "USER", name)


async def remove_user(admin: Redis, name: str) -> bool:
    return bool(await admin.execute_command("ACL", "DELUSER", name))


async def save_users(admin: Redis) -> bool:
    """Persist the users to the server's ACL file; False when it has none, or one it may not
    write (the Valkey chart's is read-only and rebuilt from its values at every start)."""
    try:
        await admin.execute_command("ACL", "SAVE")
    except ResponseError as error:
        if "ACL" not in str(error):
            raise
        return False
    return True


def user_url(server_url: str, name: str) -> str:
    """The server's URL naming `name` as the user, without any password."""
    parts = urlsplit(server_url)
    hosts = parts.netloc.rpartition("@")[2] or "127.0.0.1"  # also a Sentinel URL's list
    return urlunsplit(parts._replace(netloc=f"{quote(name, safe='')}@{hosts}"))


def acl_file_line(user: BusUser, password: str) -> str:
    """The user as a line of a Redis ACL file; the password only as its SHA-256."""
    digest = hashlib.sha256(password.encode()).hexdigest()
    return " ".join(("user", user.name, "on", f"#{digest}", *user.rules))


DEFAULT_OFF = "user default off resetkeys resetchannels -@all"  # nobody without a name


def feeds_allowed(path: Path, namespace: str, service: str) -> list[str]:
    """The agencies whose feeds the service's user may write, as an ACL file has it."""
    if not path.exists():
        return []
    name, feed = service_user_name(namespace, service), re.escape(feed_stream(namespace, ""))
    for line in path.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:2] == ["user", name]:
            return sorted(set(re.findall(rf"~{feed}([a-z0-9-]+)", line)))
    return []


def merge_acl_file(path: Path, lines: Mapping[str, str], *, mode: int = 0o600) -> None:
    """Write these users' lines (name → `user <name> …`) to an ACL file, keeping the lines of
    every other user already in it (agencies added with `kesos agency add`)."""
    kept = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) > 1 and words[0] == "user" and words[1] not in lines:
                kept.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*lines.values(), *kept]) + "\n", encoding="utf-8")
    path.chmod(mode)


def _keys(streams: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"~{stream}" for stream in streams)


def _selector(commands: Sequence[str], keys: Sequence[str]) -> str:
    return "(" + " ".join((*_keys(keys), *commands)) + ")"
