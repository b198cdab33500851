"""The Python load generator of `bench.api`: `python -m bench.load PLAN URL --mode closed|paced`.

Runs in its own process and prints one line, `BENCH_RESULT {json}`, like the wrk script does.

- closed: `--connections` keep-alive HTTP/1.1 connections, each sending its next request as soon
  as the previous answer is read, for `--duration` seconds; the fallback when wrk is missing.
  Latency = request written → answer read.
- paced (open loop): request k is due at start + k / `--rate`, whether or not earlier answers
  came back; it waits for a free connection of the `--connections` kept open. Latency = the time
  it was due → its answer read, so a server that falls behind is charged for the queue it built
  (no coordinated omission). Timer lateness of this process counts too (about a millisecond).

A `Plan` says how to build request number `index` (0, 1, 2, … across the whole run); the wrk
script (`bench.wrk`) builds them by the same rules:
- `{1}`, `{2}`, … in the path and body are the tab-separated fields of an item (a line of
  `items_file`): in order, each once, when `consume` (a case to verify, a seat to give); else a
  random item (an id to read).
- `{nik}` and `{born}` are a unique valid NIK of Binuang (a man's: day 01-28) and the birth
  date it encodes, from the number `base + index`.
- A POST carries `Idempotency-Key: <run>-<index>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

RESULT = "BENCH_RESULT"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A NIK is PP KK SS DD MM YY NNNN: 28 days × 12 months × 100 years × 9999 serials.
NIK_NUMBERS = 28 * 12 * 100 * 9999


@dataclass(frozen=True)
class Plan:
    method: str
    path: str
    body: str = ""
    token: str = ""
    items_file: str = ""
    consume: bool = False
    base: int = 0  # the first unique number of this run ({nik}, {born})
    run: str = ""  # this run's tag: the prefix of its Idempotency-Keys

    @property
    def idempotent(self) -> bool:
        return self.method == "POST"

    @property
    def numbered(self) -> bool:
        """Whether requests need a unique number (a NIK)."""
        return "{nik}" in self.path + self.body


def nik_of(number: int) -> tuple[str, str]:
    """A valid NIK of kecamatan 63.05.01 for a man, and the birth date it encodes; one NIK per
    number below `NIK_NUMBERS`."""
    day = number % 28 + 1
    month = number // 28 % 12 + 1
    year = number // 336 % 100
    serial = number // 33_600 % 9999 + 1
    return (
        f"630501{day:02d}{month:02d}{year:02d}{serial:04d}",
        f"19{year:02d}-{month:02d}-{day:02d}",
    )


def read_items(path: str) -> list[list[str]]:
    if not path:
        return []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line]


class Renderer:
    """Request `index` of a plan: its path, headers and body, or the bytes on the wire."""

    def __init__(self, plan: Plan, host: str = "") -> None:
        self.plan = plan
        self.host = host
        self.items = read_items(plan.items_file)
        self._headers = {"Accept": "application/json"}
        if plan.token:
            self._headers["Authorization"] = f"Bearer {plan.token}"

    def values(self, index: int) -> dict[str, str]:
        values: dict[str, str] = {}
        if self.items:
            picked = (
                self.items[index % len(self.items)]
                if self.plan.consume
                else random.choice(self.items)
            )
            values.update((str(n), field) for n, field in enumerate(picked, start=1))
        if self.plan.numbered:
            values["nik"], values["born"] = nik_of(self.plan.base + index)
        return values

    def parts(self, index: int) -> tuple[str, dict[str, str], bytes]:
        values = self.values(index)
        headers = dict(self._headers)
        if self.plan.idempotent:
            headers["Idempotency-Key"] = f"{self.plan.run}-{index}"
        body = fill(self.plan.body, values).encode() if self.plan.body else b""
        if body:
            headers["Content-Type"] = "application/json"
        return fill(self.plan.path, values), headers, body

    def render(self, index: int) -> bytes:
        path, headers, body = self.parts(index)
        lines = [f"{self.plan.method} {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def fill(template: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template)


# --- HTTP/1.1 on keep-alive connections ---------------------------------------------------------


class Connection:
    """One keep-alive connection; `exchange` writes a request and reads the whole answer."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> int:
        """The answer's status code; reconnects first when the last answer closed the line."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = parse_headers(head)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            await read_chunked(self._reader)
        else:
            await self._reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def parse_headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return {name.strip().lower(): value.strip() for name, value in pairs}


async def read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)  # the chunk and its CRLF
        if size == 0:
            return


@dataclass
class Tally:
    latencies_s: list[float]
    non_2xx: int = 0
    socket_errors: int = 0

    def record(self, status: int, seconds: float) -> None:
        self.latencies_s.append(seconds)
        if not 200 <= status < 300:
            self.non_2xx += 1

    def result(self, elapsed_s: float, **extra: Any) -> dict[str, Any]:
        ordered = sorted(self.latencies_s)
        return {
            "requests": len(ordered),
            "duration_s": elapsed_s,
            "rps": len(ordered) / elapsed_s if elapsed_s else 0.0,
            "p50_ms": percentile(ordered, 50) * 1000,
            "p99_ms": percentile(ordered, 99) * 1000,
            "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            **extra,
        }


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest rank: the smallest value at or above q % of the values."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# --- the two modes ------------------------------------------------------------------------------


async def closed_loop(
    renderer: Renderer, host: str, port: int, connections: int, duration_s: float
) -> dict[str, Any]:
    tally = Tally([])
    counter = iter(range(NIK_NUMBERS))
    started = time.perf_counter()
    deadline = started + duration_s

    async def worker() -> None:
        connection = Connection(host, port)
        while time.perf_counter() < deadline:
            request = renderer.render(next(counter))
            sent = time.perf_counter()
            try:
                status = await connection.exchange(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                tally.socket_errors += 1
                connection.close()
                continue
            tally.record(status, time.perf_counter() - sent)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return tally.result(time.perf_counter() - started)


async def paced(
    renderer: Renderer, host: str, port: int, connections: int, duration_s: float, rate: float
) -> dict[str, Any]:
    tally = Tally([])
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(Connection(host, port))
    count = max(1, int(rate * duration_s))
    started = time.perf_counter() + 0.05

    async def one(index: int) -> None:
        due = started + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        connection = await idle.get()
        try:
            status = await connection.exchange(renderer.render(index))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            tally.socket_errors += 1
            connection.close()
            return
        finally:
            idle.put_nowait(connection)
        tally.record(status, time.perf_counter() - due)

    await asyncio.gather(*(one(index) for index in range(count)))
    elapsed = time.perf_counter() - started
    while not idle.empty():
        idle.get_nowait().close()
    return tally.result(elapsed, target_rate=rate)


def read_plan(path: str) -> Plan:
    return Plan(**json.loads(Path(path).read_text(encoding="utf-8")))


async def generate(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    renderer = Renderer(plan, f"{host}:{port}")
    if args.mode == "paced":
        return await paced(renderer, host, port, args.connections, args.duration, args.rate)
    return await closed_loop(renderer, host, port, args.connections, args.duration)


def write_plan(plan: Plan, path: Path) -> Path:
    path.write_text(json.dumps(asdict(plan)), encoding="utf-8")
    return path


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("plan", help="a Plan as JSON (bench.load.write_plan)")
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8003")
    parser.add_argument("--mode", choices=("closed", "paced"), default="closed")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds")
    parser.add_argument("--rate", type=float, default=200.0, help="paced: requests per second")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    plan = read_plan(args.plan)
    try:
        import uvloop
    except ImportError:  # Windows: asyncio's own loop
        result = asyncio.run(generate(args, plan))
    else:
        result = uvloop.run(generate(args, plan))
    print(RESULT, json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
