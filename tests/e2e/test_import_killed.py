"""An import whose registry is SIGKILLed halfway resumes from its last committed batch when a
registry comes back — here without the file on its disk, as another replica would: it reads it
from the store. Every row applied once: no person or family twice, none missing."""

from __future__ import annotations

import csv
import io
from datetime import date

import httpx
import pytest

from shared.reference.identity import compose_nik
from tests.e2e.conftest import System, token
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

ROWS, PER_FAMILY = 900, 3
HEADER = "nik,no_kk,nama,jenis_kelamin,tanggal_lahir,kode_desa,hubungan_keluarga,kategori_pmks"


def extract() -> bytes:
    lines = [HEADER]
    for i in range(ROWS):
        born = date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        female = i % 2 == 1
        nik = "" if i % 4 == 0 else compose_nik("63.05.01", born, female=female, serial=i + 1)
        family = i // PER_FAMILY + 1
        kk = f"630501010110{family:04d}"
        relation = "kepala keluarga" if i % PER_FAMILY == 0 else "anak"
        sex = "P" if female else "L"
        lines.append(f"{nik},{kk},Warga {i},{sex},{born:%d-%m-%Y},63.05.01.2003,{relation},FM")
    return "\n".join(lines).encode()


async def test_a_killed_import_resumes_and_applies_every_row_once(start_system, tmp_path):
    env = {
        "REGISTRY_IMPORT_BATCH": "15",  # many small transactions: one is killed halfway
        "REGISTRY_IMPORT_LEASE_S": "2",
        "REGISTRY_IMPORT_POLL_S": "0.3",
        "REGISTRY_IMPORT_DIR": str(tmp_path / "imports"),
    }
    system: System = await start_system("postgresql", env=env)
    registry = system.urls["registry"]
    headers = {"Authorization": f"Bearer {token()}"}
    async with httpx.AsyncClient(base_url=registry, headers=headers, timeout=30) as client:
        answer = await client.post("/v1/imports", content=extract(), params={"filename": "x.csv"})
        assert answer.status_code == 202, answer.text
        path = f"/v1/imports/{answer.json()['import_id']}"

        async def progressed() -> bool:
            job = (await client.get(path)).json()
            return job["status"] == "running" and 0 < job["rows"] < ROWS // 2

        await eventually(progressed, timeout=60, interval=0.05, message="halfway")
        replica = system.supervisor.services["registry"]
        replica.kill()
        for local in (tmp_path / "imports").iterdir():  # another replica: no local copy
            local.unlink()
        replica.start()
        await system.wait_ready("registry")

        async def finished() -> dict | None:
            job = (await client.get(path)).json()
            return job if job["status"] == "done" else None

        job = await eventually(finished, timeout=120, message="the import finished")
        assert (job["rows"], job["errors"]) == (ROWS, 0)
        assert (job["persons_created"], job["families"]) == (ROWS, ROWS // PER_FAMILY)
        persons = await exported(client, "persons")
        assert len(persons) == ROWS
        assert len({p["name"] for p in persons}) == ROWS  # nobody twice
        families = await exported(client, "families")
        assert sorted(int(f["size"]) for f in families) == [PER_FAMILY] * (ROWS // PER_FAMILY)


async def exported(client: httpx.AsyncClient, what: str) -> list[dict[str, str]]:
    answer = await client.get(f"/v1/exports/{what}")
    return list(csv.DictReader(io.StringIO(answer.content.decode().removeprefix("\ufeff"))))
