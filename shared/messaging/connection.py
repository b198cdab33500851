"""Where the bus's Redis is: one server, or a primary that Redis Sentinel watches over.

Every setting that names Redis takes one URL (`REDIS_URL`, `kesos bus --redis`):

    redis://user:password@host:6379/0          one server (rediss:// with TLS)
    redis+sentinel://user:password@s1:26379,s2:26379,s3:26379/kesos/0
                                               the primary of the Sentinel group `kesos`, db 0

With Sentinel, the user and password are the service's own ACL user on the data nodes; the
Sentinels themselves are asked with `sentinel_username`/`sentinel_password` from the query when
they require it (`REDIS_SENTINEL_PASSWORD_FILE` fills it in from a file). Clients ask the
Sentinels for the primary on every new connection, so after a failover the next reconnect finds
the new one: the relay, the consumers and the reclaimer ride through it as through any outage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from faststream.redis import RedisBroker, RedisSentinelBroker
from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379


@dataclass(frozen=True)
class SentinelTarget:
    nodes: tuple[tuple[str, int], ...]
    primary: str  # the Sentinel group's name ("master name" in Redis's words)
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_username: str | None = None
    sentinel_password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SentinelTarget | None:
        """The target a `redis+sentinel://` URL names; None for any other URL."""
        parts = urlsplit(url)
        if parts.scheme != SENTINEL_SCHEME:
            return None
        credentials, _, hosts = parts.netloc.rpartition("@")
        user, _, password = credentials.partition(":")
        path = [unquote(piece) for piece in parts.path.split("/") if piece]
        if not hosts or not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
            raise ValueError(
                f"a Sentinel URL is {SENTINEL_SCHEME}://[user:password@]host:port[,host:port…]"
                "/<group>[/<db>]"
            )
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return cls(
            nodes=tuple(_node(each) for each in hosts.split(",")),
            primary=path[0],
            db=int(path[1]) if len(path) == 2 else 0,
            username=unquote(user) or None,
            password=unquote(password) or None,
            sentinel_username=query.get("sentinel_username"),
            sentinel_password=query.get("sentinel_password"),
        )

    def sentinel_options(self) -> dict[str, Any]:
        options = {"username": self.sentinel_username, "password": self.sentinel_password}
        return {key: value for key, value in options.items() if value}

    def node_url(self) -> str:
        """A plain URL with the data nodes' credentials and db (for FastStream's options)."""
        credentials = ""
        if self.username or self.password:
            credentials = (
                f"{quote(self.username or '', safe='')}:{quote(self.password or '', safe='')}@"
            )
        host, port = self.nodes[0]
        return f"redis://{credentials}{host}:{port}/{self.db}"


def _node(text: str) -> tuple[str, int]:
    host, _, port = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "")
    if not host:
        raise ValueError(f"Sentinel node {text!r} is not host:port")
    return host.strip("[]"), int(port) if port else SENTINEL_PORT


def redis_client(url: str, **options: Any) -> Redis:
    """A client for the URL's server, or for the Sentinel group's current primary."""
    target = SentinelTarget.parse(url)
    if target is None:
        return Redis.from_url(url, **options)
    sentinels = Sentinel(
        list(target.nodes),
        sentinel_kwargs={**_timeouts(options), **target.sentinel_options()},
        db=target.db,
        username=target.username,
        password=target.password,
        **options,
    )
    return sentinels.master_for(target.primary)


def redis_broker(url: str, **options: Any) -> RedisBroker:
    """FastStream's broker for the same target (its Sentinel broker for a Sentinel URL)."""
    target = SentinelTarget.parse(url)
    if target is None:
        return RedisBroker(url, **options)
    return RedisSentinelBroker(
        target.node_url(),
        sentinels=list(target.nodes),
        sentinel_master_name=target.primary,
        sentinel_kwargs={**_timeouts(options), **target.sentinel_options()},
        specification_url=f"{SENTINEL_SCHEME}://{','.join(f'{h}:{p}' for h, p in target.nodes)}",
        **options,
    )


def _timeouts(options: dict[str, Any]) -> dict[str, Any]:
    """A Sentinel that does not answer is skipped for the next one as fast as a server would."""
    names = ("socket_connect_timeout", "socket_timeout")
    return {name: options[name] for name in names if name in options}
