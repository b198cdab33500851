from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SECRET = "k3s0s-test-secret-0123456789abcdef-long-enough"


@pytest.fixture(autouse=True)
def isolated_security_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No developer's KESOS_* variables or `var/jwt-secret` may leak into these tests."""
    for name in list(os.environ):
        if name.startswith("KESOS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
