"""`kesos token` prints a token the services accept, signed with the install's secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared.cli import app
from shared.cli_token import parse_ttl
from shared.security import Principal, Role, SecuritySettings, TokenVerifier
from tests.shared.security.conftest import SECRET


def verify(token: str, secret: str = SECRET) -> Principal:
    return TokenVerifier(SecuritySettings(jwt_secret=secret)).verify(token)


def test_kesos_token_prints_a_verifiable_token() -> None:
    arguments = ["token", "--role", "operator", "--wilayah", "63.05", "--sub", "alice"]
    result = CliRunner().invoke(app, arguments, env={"KESOS_JWT_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    assert verify(result.stdout.strip()) == Principal(
        sub="alice", role=Role.OPERATOR, wilayah="63.05"
    )


def test_kesos_token_carries_grants_and_a_custom_lifetime() -> None:
    arguments = ["token", "--role", "integration", "--wilayah", "6305", "--sub", "dukcapil"]
    arguments += ["--grant", "cases:write", "--grant", "x", "--ttl", "30m"]
    result = CliRunner().invoke(app, arguments, env={"KESOS_JWT_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    principal = verify(result.stdout.strip())
    assert principal.grants == frozenset({"cases:write", "x"})
    assert principal.wilayah == "63.05"


def test_kesos_token_reads_the_launchers_secret_file(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "jwt-secret").write_text(f"file-{SECRET}\n")
    arguments = ["token", "--role", "psm", "--wilayah", "63.05.01", "--sub", "w-1"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert verify(result.stdout.strip(), f"file-{SECRET}").is_worker


def test_kesos_token_without_a_secret_says_where_to_put_one() -> None:
    arguments = ["token", "--role", "admin", "--wilayah", "63", "--sub", "root"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 1
    assert "KESOS_JWT_SECRET" in result.output
    assert "var/jwt-secret" in result.output


@pytest.mark.parametrize(
    "bad",
    [
        ["--role", "boss", "--wilayah", "63", "--sub", "a"],
        ["--role", "admin", "--wilayah", "63.0", "--sub", "a"],
        ["--role", "admin", "--wilayah", "63", "--sub", " "],
        ["--role", "admin", "--wilayah", "63", "--sub", "a", "--ttl", "8 weeks"],
        ["--role", "admin", "--wilayah", "63", "--sub", "a", "--ttl", "0"],
        ["--role", "admin", "--wilayah", "63", "--sub", "a", "--ttl", "2d"],  # over the maximum
    ],
)
def test_kesos_token_refuses_bad_options(bad: list[str]) -> None:
    result = CliRunner().invoke(app, ["token", *bad], env={"KESOS_JWT_SECRET": SECRET})
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("30m", 1800), ("8h", 28800), ("2d", 172800)]
)
def test_ttl_accepts_seconds_and_units(text: str, seconds: int) -> None:
    assert parse_ttl(text) == seconds
