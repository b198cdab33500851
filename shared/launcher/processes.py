"""Service processes: start, watch, restart the ones that die, stop them in order.

Used by `make run` and by the end-to-end tests, so both run services exactly the same way:
`python -m services.<name>` in its own session (a terminal's Ctrl-C reaches the launcher only,
which then stops the services itself), logs to a file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


def available_services(order: tuple[str, ...]) -> list[str]:
    """The services of `order` that exist in this checkout (later issues add the rest)."""
    return [name for name in order if (SERVICES_DIR / name / "__main__.py").exists()]


@dataclass
class ServiceProcess:
    name: str
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    _log_file: object = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = self.log_path.open("ab")
        self._log_file = log_file
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"],
            env={**os.environ, **self.env},
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
        self.started_at = time.monotonic()

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (finish the batch, flush the relay), then SIGKILL after `timeout`."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the fault tests' crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Supervisor:
    """Keeps every service running: one that dies is restarted, with a growing back-off."""

    def __init__(self, services: Mapping[str, Mapping[str, str]], log_dir: Path):
        self.services = {
            name: ServiceProcess(name, env, log_dir / f"{name}.log")
            for name, env in services.items()
        }
        self._next_try: dict[str, float] = {}

    def start_all(self) -> None:
        for service in self.services.values():
            service.start()

    def watch_once(self) -> None:
        """Restart services that died; call it every second or so."""
        now = time.monotonic()
        for name, service in self.services.items():
            code = service.exit_code
            if code is None:
                continue
            due = self._next_try.setdefault(name, now + self._backoff(service))
            if now >= due:
                log.warning("service_restarting", service=name, exit_code=code)
                service.restarts += 1
                service.start()
                self._next_try.pop(name)

    def stop_all(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()

    @staticmethod
    def _backoff(service: ServiceProcess) -> float:
        healthy_for = time.monotonic() - service.started_at
        if healthy_for > 60:
            service.restarts = 0
        return min(2.0**service.restarts, 30.0)
