"""deploy/Dockerfile: linted by hadolint, one image for every service, installed from the pins
without dev extras, run as a non-root user, no secret baked in."""

from __future__ import annotations

import re

from tests.deploy.conftest import DEPLOY, ROOT, run_tool

DOCKERFILE = DEPLOY / "Dockerfile"


def test_hadolint_passes_the_dockerfile():
    result = run_tool("hadolint", DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_broken_dockerfile(tmp_path):
    broken = tmp_path / "Dockerfile"
    text = DOCKERFILE.read_text(encoding="utf-8")
    text = text.replace("ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm", "ARG PYTHON_IMAGE=python")
    broken.write_text(text + "RUN pip install fastapi\n", encoding="utf-8")
    result = run_tool("hadolint", broken)
    assert result.returncode != 0
    assert "DL3013" in result.stdout  # an unpinned pip install


def test_the_image_installs_the_pins_without_dev_extras_and_runs_as_a_non_root_user():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"ARG PYTHON_IMAGE=python:\d+\.\d+\.\d+-slim-bookworm", text)  # pinned
    assert "-c constraints.txt /src" in text and "[dev]" not in text
    users = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert users == ["10001:10001"]  # the last stage's, numeric: a pod can check runAsNonRoot
    instructions = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in instructions if re.search("SECRET|PASSWORD|TOKEN", line)]


def test_the_build_context_holds_the_package_and_nothing_else():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in ignored if line and not line.startswith("#")]
    assert rules[0] == "*"  # everything out (var/, .venv, deploy/secrets) …
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert allowed == {"pyproject.toml", "constraints.txt", "README.md", "shared", "services"}
