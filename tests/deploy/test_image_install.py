"""What deploy/Dockerfile's build stage does, done here without a container engine: the package
installed from the pins, without dev extras, into a fresh venv — and from outside the source
tree, every service imports, the CLI answers and each store migrates (its migrations shipped)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shared.settings import SERVICE_PORTS
from tests.deploy.conftest import ROOT

DEV_ONLY = ("pytest", "ruff", "mypy", "hypothesis", "schemathesis", "testcontainers")


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_the_image_install_runs_every_service_without_dev_extras(tmp_path):
    venv = tmp_path / "opt-kesos"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    pip = [venv / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check"]
    run(*pip, "-c", ROOT / "constraints.txt", ROOT, cwd=tmp_path)

    installed = run(venv / "bin" / "pip", "list", "--format=freeze", cwd=tmp_path).lower()
    assert not [name for name in DEV_ONLY if f"\n{name}==" in f"\n{installed}"]
    python = venv / "bin" / "python"
    modules = ", ".join(f"services.{name}.app" for name in SERVICE_PORTS)
    where = run(python, "-c", f"import {modules}, shared; print(shared.__file__)", cwd=tmp_path)
    assert where.startswith(str(venv))  # the installed package, not the source tree
    assert "Kesos operations" in run(venv / "bin" / "kesos", "--help", cwd=tmp_path)
    for name in SERVICE_PORTS:
        store = f"sqlite+aiosqlite:///{tmp_path / name}.db"
        out = run(venv / "bin" / "kesos", "migrate", name, cwd=tmp_path,
                  env={f"{name.upper()}_DATABASE_URL": store})  # fmt: skip
        assert f"{name}: migrated" in out
