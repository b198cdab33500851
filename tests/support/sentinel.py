"""A Sentinel-watched Redis a test owns: a primary, a replica and a Sentinel, on loopback.

As in production, every data node takes its users from one ACL file (no default user; a
`test-admin` that replication and the Sentinel authenticate as, and the services' own users), so
a service's user exists on whichever node becomes the primary."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from redis import Redis

from shared.local_redis import LocalRedis, free_port, server_binary
from shared.messaging.users import DEFAULT_OFF, BusUser, acl_file_line, admin_user, new_password
from shared.settings import with_password
from tests.support.bus_users import ADMIN

GROUP = "kesos"


class SentinelGroup:
    def __init__(self, directory: Path, users: list[tuple[BusUser, str]]):
        self.directory = directory
        self.admin_password = new_password()
        acl = directory / "users.acl"
        acl.parent.mkdir(parents=True, exist_ok=True)
        lines = [DEFAULT_OFF, acl_file_line(admin_user(ADMIN), self.admin_password)]
        lines += [acl_file_line(user, password) for user, password in users]
        acl.write_text("\n".join(lines) + "\n")
        # Either node may become the other's replica; a primary without one refuses writes
        # (what the relay's KESOS_RELAY_REPLICAS expects of production's primary).
        replication = (
            "--masteruser", ADMIN, "--masterauth", self.admin_password,
            "--min-replicas-to-write", "1", "--min-replicas-max-lag", "10",
            "--repl-diskless-sync-delay", "0",  # a test has no other replica to wait for
        )  # fmt: skip
        self.primary = LocalRedis(
            directory / "a", fsync="always", acl_file=acl, extra_args=replication
        )
        self.replica = LocalRedis(
            directory / "b", fsync="always", acl_file=acl,
            extra_args=(*replication, "--replicaof", "127.0.0.1", str(self.primary.port)),
        )  # fmt: skip
        self.sentinel_port = free_port()
        self._sentinel: subprocess.Popen[bytes] | None = None

    def url(self, user: str, password: str) -> str:
        """A Sentinel URL whose first node answers nothing: clients must move on to the next."""
        nowhere = free_port()
        return with_password(
            f"redis+sentinel://{user}@127.0.0.1:{nowhere},127.0.0.1:{self.sentinel_port}/{GROUP}/0",
            password,
        )

    def start(self) -> None:
        self.primary.start()
        self.replica.start()
        self._start_sentinel()
        self._until(lambda: len(self._ask("SENTINEL", "REPLICAS", GROUP)) == 1, "replica known")
        self.until_replicated(self.primary.port)

    def until_replicated(self, primary_port: int, timeout: float = 30) -> None:
        """Until the primary counts a good replica (and so takes writes again)."""

        def good_replicas() -> bool:
            with self.admin(primary_port) as admin:
                return admin.info("replication").get("min_slaves_good_slaves") == 1

        self._until(good_replicas, "a good replica", timeout)

    def stop(self) -> None:
        if self._sentinel is not None:
            self._sentinel.terminate()
            self._sentinel.wait(timeout=10)
        self.replica.stop()
        self.primary.stop()

    def primary_port(self) -> int:
        _host, port = self._ask("SENTINEL", "GET-MASTER-ADDR-BY-NAME", GROUP)
        return int(port)

    def admin(self, port: int) -> Redis:
        return Redis.from_url(
            with_password(f"redis://{ADMIN}@127.0.0.1:{port}/0", self.admin_password)
        )

    def kill_primary_and_wait_for_failover(self, timeout: float = 60) -> None:
        """SIGKILL the primary; once the replica is promoted, the old primary comes back as the
        new one's replica, as the Valkey chart's pods do (they ask the Sentinel at start)."""
        self.primary.kill()
        self._until(lambda: self.primary_port() == self.replica.port, "replica promoted", timeout)
        self.primary.extra_args = (
            *self.primary.extra_args,
            "--replicaof",
            "127.0.0.1",
            str(self.replica.port),
        )
        self.primary.start()
        self.until_replicated(self.replica.port, timeout)

    def _start_sentinel(self) -> None:
        config = self.directory / "sentinel.conf"  # Sentinel rewrites its config: a file of its own
        config.write_text(
            "\n".join([
                f"port {self.sentinel_port}",
                "bind 127.0.0.1",
                f"dir {self.directory.resolve()}",
                f"logfile {(self.directory / 'sentinel.log').resolve()}",
                f"sentinel monitor {GROUP} 127.0.0.1 {self.primary.port} 1",
                f"sentinel auth-user {GROUP} {ADMIN}",
                f"sentinel auth-pass {GROUP} {self.admin_password}",
                # 2 s: a primary stalled by a loaded CI machine is not taken for a dead one
                f"sentinel down-after-milliseconds {GROUP} 2000",
                f"sentinel failover-timeout {GROUP} 10000",
            ]) + "\n"
        )  # fmt: skip
        self._sentinel = subprocess.Popen(
            [server_binary(), str(config.resolve()), "--sentinel"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self._until(self._sentinel_answers, "sentinel up")

    def _sentinel_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.sentinel_port), timeout=0.5) as c:
                c.sendall(b"PING\r\n")
                return c.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def _ask(self, *command: str) -> list:
        with Redis(port=self.sentinel_port, decode_responses=True) as sentinel:
            return sentinel.execute_command(*command)

    @staticmethod
    def _until(condition, what: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not within {timeout}s")
            time.sleep(0.1)
