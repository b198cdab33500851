"""`kesos import persons FILE` against the running registry: the upload, the job followed to its
end, the summary as JSON with every bad row's line and rule; a dry run changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import System, token

pytestmark = pytest.mark.integration

EXTRACT = "\ufeff" + "\n".join([
    "nik;no_kk;nama;jenis_kelamin;tanggal_lahir;kode_desa;hubungan_keluarga;kategori_pmks",
    "6305015402400003;6305011203150004;Masriah;P;14-02-1940;63.05.01.2003;Kepala Keluarga;LUT",
    ";6305011203150004;Rahmat;L;03/09/1995;6305012003;anak;PD",
    ";;Siti;X;1940-02-14;63.05.01.2003;;LUT",
])  # fmt: skip


def kesos(system: System, *arguments: str, role: str = "operator") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "KESOS_TOKEN": token(role=role),
        "REGISTRY_URL": system.urls["registry"],
    }
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *arguments],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


async def test_kesos_import_persons_uploads_follows_and_summarises(start_system, tmp_path):
    system: System = await start_system("sqlite", env={"REGISTRY_IMPORT_DIR": str(tmp_path)})
    extract = tmp_path / "dtks-tapin.csv"
    extract.write_text(EXTRACT, encoding="utf-8")

    checked = kesos(system, "import", "persons", str(extract), "--dry-run", "--json")
    assert checked.returncode == 0, checked.stderr
    dry = json.loads(checked.stdout)
    assert (dry["dry_run"], dry["rows"], dry["persons_created"]) == (True, 3, 0)

    done = kesos(system, "import", "persons", str(extract), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {k: summary[k] for k in ("status", "rows", "persons_created", "families", "errors")} == {
        "status": "done", "rows": 3, "persons_created": 2, "families": 1, "errors": 1,
    }  # fmt: skip
    assert summary["bad_rows"] == [
        {"line": 4, "rule": "import-sex-unknown", "column": "jenis_kelamin"}
    ]

    shown = kesos(system, "import", "persons", str(extract))
    assert shown.returncode == 0 and "line 4: import-sex-unknown" in shown.stdout
    refused = kesos(system, "import", "persons", str(extract), role="psm")
    assert refused.returncode == 1 and "403" in refused.stderr
