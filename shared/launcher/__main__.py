"""`make run` / `python -m shared.launcher`: bring the whole system up on this machine.

Uses `REDIS_URL` when set, else starts its own persistent Redis under `var/redis`, whose
unauthenticated default user is off; gives every service its own Redis user with only its rights
(passwords in `var/secrets/redis/`, docs/adr/0005); writes a random dev secret to
`var/jwt-secret`; starts every service (each migrates its SQLite store under `var/` on start),
restarts one that dies, prints the URLs and an operator token; on Ctrl-C stops the services
first, then its Redis. Service logs go to `var/log/<service>.log`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import httpx
from redis.exceptions import NoPermissionError

from shared.launcher.local import Access, ensure_dev_secret, local_redis, provision, secrets_dir
from shared.launcher.processes import Supervisor, available_services
from shared.messaging.users import service_user_name
from shared.security import mint_token
from shared.settings import (
    SERVICE_PORTS,
    BusSettings,
    redis_url_from,
    service_url,
)

VAR = Path("var")
READY_TIMEOUT_S = 90.0


def main() -> int:
    services = available_services(tuple(SERVICE_PORTS))
    secret = ensure_dev_secret(VAR / "jwt-secret")
    stop = _stop_on_signals()
    with local_redis(VAR) as admin:
        redis = bus_env(admin, services)
        env = {"KESOS_DEV_MODE": "true", "KESOS_JWT_SECRET": secret}
        supervisor = Supervisor({name: {**env, **redis[name]} for name in services}, VAR / "log")
        print(f"kesos: starting {', '.join(services)} (logs in {VAR / 'log'}) …", flush=True)
        supervisor.start_all()
        try:
            _wait_ready(services, supervisor, stop)
            _welcome(services, _server_of(redis[services[0]]["REDIS_URL"]), secret)
            while not stop():
                supervisor.watch_once()
                time.sleep(0.5)
        finally:
            print("kesos: stopping the services …", flush=True)
            supervisor.stop_all()
            print("kesos: stopped.", flush=True)
    return 0


def bus_env(admin: Access | None, services: list[str]) -> dict[str, dict[str, str]]:
    """Each service's Redis settings: its own user on our server; on a server given by
    `REDIS_URL`, its own user too when that URL may create users, else that URL itself."""
    namespace = BusSettings().namespace
    if admin is None:
        given = redis_url_from(os.environ)
        try:
            access = asyncio.run(provision(given, namespace, services, secrets_dir(VAR)))
        except NoPermissionError:
            print("kesos: REDIS_URL may not create users; the services share it", flush=True)
            return {name: {"REDIS_URL": given} for name in services}
    else:
        (VAR / "redis-url").write_text(admin.url + "\n")  # for `kesos dead`/`agency`
        url = admin.authenticated_url()
        access = asyncio.run(provision(url, namespace, services, secrets_dir(VAR)))
    return {name: access[service_user_name(namespace, name)].env() for name in services}


def _server_of(url: str) -> str:
    """The server's address, without the user a URL names."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


def _stop_on_signals() -> StopFlag:
    flag = StopFlag()
    signal.signal(signal.SIGINT, flag.set)
    signal.signal(signal.SIGTERM, flag.set)
    return flag


class StopFlag:
    def __init__(self) -> None:
        self._set = False

    def set(self, _signum: int, _frame: FrameType | None) -> None:
        self._set = True

    def __call__(self) -> bool:
        return self._set


def _wait_ready(services: list[str], supervisor: Supervisor, stop: StopFlag) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    waiting = set(services)
    while waiting and not stop() and time.monotonic() < deadline:
        for name in sorted(waiting):
            if _ready(name):
                print(f"kesos: {name} is ready", flush=True)
                waiting.discard(name)
        supervisor.watch_once()
        time.sleep(0.5)
    for name in sorted(waiting):
        print(f"kesos: {name} is not ready yet — see {VAR / 'log' / name}.log", flush=True)


def _ready(name: str) -> bool:
    try:
        return httpx.get(f"{service_url(name)}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _welcome(services: list[str], redis_url: str, secret: str) -> None:
    token = mint_token(
        secret, sub="operator", role="operator", wilayah="63.05", ttl_s=12 * 3600,
        now=datetime.now(UTC),
    )  # fmt: skip
    print("\nKesos is up:", flush=True)
    for name in services:
        print(f"  {name:<14} {service_url(name)}   (API docs: {service_url(name)}/docs)")
    print(f"  {'redis':<14} {redis_url}   (no default user: each service, the operator and")
    print(f"  {'':<14} each agency its own; passwords in {VAR / 'secrets' / 'redis'})")
    print("\nAn operator token for Kabupaten Tapin (63.05), valid 12 hours:")
    print(f"  {token}")
    print("\nPlay the Tapin story in another terminal:  .venv/bin/kesos demo")
    print("Stop with Ctrl-C.\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
