"""Settings every service shares: where the bus is and how it delivers (DESIGN.md §4)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class BusSettings(BaseSettings):
    """`KESOS_*` environment variables; defaults are production's."""

    model_config = SettingsConfigDict(env_prefix="KESOS_", extra="ignore")

    namespace: str = Field("kesos", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    consumer: str | None = None  # KESOS_CONSUMER; default <service>-<hostname>
    stream_maxlen: int = Field(1_000_000, ge=1000)
    max_records: int = Field(100, ge=1, le=10_000)
    block_ms: int = Field(2000, ge=10)
    min_idle_ms: int = Field(60_000, ge=1000)
    max_deliveries: int = Field(5, ge=1)
    reclaim_interval_s: float = Field(5.0, gt=0)
    idle_consumer_s: float = Field(3600.0, gt=0)
    relay_batch: int = Field(500, ge=1)
    relay_poll_s: float = Field(1.0, gt=0)
    relay_backoff_max_s: float = Field(5.0, gt=0)
    # With Redis replicas (Sentinel): how many must hold a published batch before the relay marks
    # it published, so a failover cannot lose what the outbox let go of (docs/operations.md).
    relay_replicas: int = Field(0, ge=0)
    relay_replica_timeout_ms: int = Field(1000, ge=1)
    outbox_retention_s: float = Field(7 * 24 * 3600.0, gt=0)
    graceful_timeout_s: float = Field(15.0, gt=0)

    def consumer_name(self, service: str) -> str:
        return self.consumer or f"{service}-{socket.gethostname()}"


@dataclass(frozen=True)
class ServiceSettings:
    """Where one service listens and keeps its store (DESIGN.md §5, §9).

    `<SERVICE>_DATABASE_URL` (default: SQLite under `var/`), `REDIS_URL`, `KESOS_HOST` and
    `<SERVICE>_PORT` (defaults: 127.0.0.1 and the service's port of DESIGN.md §9).
    `<SERVICE>_DATABASE_PASSWORD_FILE` holds the store's password, kept out of the URL the same
    way (a Compose or Kubernetes secret, deploy/).

    The service connects to Redis as its own ACL user (docs/adr/0005): `REDIS_URL` names it
    (`redis://kesos-cases@host:6379/0`) and `REDIS_PASSWORD_FILE` holds its password, so the
    URL can be logged and the secret stays in a file (a Kubernetes Secret, `var/secrets/…`).
    """

    service: str
    database_url: str = field(repr=False)  # may carry the password
    redis_url: str = field(repr=False)  # may carry the password
    host: str
    port: int

    @classmethod
    def from_env(
        cls, service: str, default_port: int, env: Mapping[str, str] = os.environ
    ) -> ServiceSettings:
        host, port = listen_address(service, default_port, env)
        return cls(
            service=service,
            database_url=database_url_from(env, service),
            redis_url=redis_url_from(env),
            host=host,
            port=port,
        )


def listen_address(service: str, default_port: int, env: Mapping[str, str]) -> tuple[str, int]:
    """`KESOS_HOST` (127.0.0.1) and `<SERVICE>_PORT` (the service's port of DESIGN.md §9)."""
    host = env.get("KESOS_HOST") or "127.0.0.1"
    return host, int(env.get(f"{service.upper()}_PORT") or default_port)


def database_url_from(env: Mapping[str, str], service: str) -> str:
    prefix = service.upper()
    url = env.get(f"{prefix}_DATABASE_URL") or default_database_url(service)
    password_file = env.get(f"{prefix}_DATABASE_PASSWORD_FILE")
    if not password_file:
        return url
    password = _secret_in(password_file)
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def redis_url_from(env: Mapping[str, str]) -> str:
    url = env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if password_file := env.get("REDIS_PASSWORD_FILE"):
        url = with_password(url, _secret_in(password_file))
    if sentinel_password_file := env.get("REDIS_SENTINEL_PASSWORD_FILE"):
        url = with_sentinel_password(url, _secret_in(sentinel_password_file))
    return url


def _secret_in(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip()  # editors and `echo` add a newline


def with_password(url: str, password: str) -> str:
    """`redis://user@host/0` with the password put in (URL-quoted); also a Sentinel URL's
    (`redis+sentinel://user@s1:26379,s2:26379/kesos`)."""
    parts = urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    user = unquote(credentials.partition(":")[0]) or "default"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{hosts or '127.0.0.1'}"
    return urlunsplit(parts._replace(netloc=netloc))


def with_sentinel_password(url: str, password: str) -> str:
    """A Sentinel URL with the password the Sentinels themselves ask for."""
    parts = urlsplit(url)
    query = [pair for pair in parse_qsl(parts.query) if pair[0] != "sentinel_password"]
    query.append(("sentinel_password", password))
    return urlunsplit(parts._replace(query=urlencode(query)))


def default_database_url(service: str, var: Path = Path("var")) -> str:
    """The embedded default: one SQLite file per service under `var/` (git ignores it)."""
    return f"sqlite+aiosqlite:///{var / service}.db"


SERVICE_PORTS = {"registry": 8001, "training": 8002, "cases": 8003, "notifications": 8004}

WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # listen everywhere: reached on loopback here


def service_url(service: str, env: Mapping[str, str] = os.environ) -> str:
    """Where every tool (the launcher, `kesos demo`) finds a service: `<SERVICE>_URL` when it
    runs elsewhere (another host, behind an ingress), else the host and port the service itself
    listens on (`KESOS_HOST`, `<SERVICE>_PORT`), so moving a port moves every tool."""
    given = env.get(f"{service.upper()}_URL")
    if given:
        return given.rstrip("/")
    host, port = listen_address(service, SERVICE_PORTS[service], env)
    host = "127.0.0.1" if host in WILDCARDS else host
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    return f"http://{host}:{port}"
