"""Settings refuse keys that would let anyone forge a token (DESIGN.md §7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.security import SecuritySettings
from tests.shared.security.conftest import SECRET

PUBLIC_PEM = "-----BEGIN PUBLIC KEY-----\nMIIB...\n-----END PUBLIC KEY-----"


def test_a_long_random_secret_from_the_environment_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KESOS_JWT_SECRET", SECRET)
    settings = SecuritySettings()
    assert settings.secret() == SECRET
    assert settings.algorithm == "HS256"
    assert (settings.jwt_issuer, settings.jwt_audience, settings.token_leeway_s) == (
        "kesos",
        "kesos",
        30,
    )


def test_no_secret_at_all_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"no JWT secret.*KESOS_JWT_PUBLIC_KEY"):
        SecuritySettings()


def test_an_empty_secret_counts_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KESOS_JWT_SECRET", "")
    with pytest.raises(ValidationError, match="no JWT secret"):
        SecuritySettings()


@pytest.mark.parametrize("secret", ["secret", "changeme", "dev", "kesos", "KESOS", " Secret "])
def test_a_well_known_default_is_refused_outside_dev_mode(secret: str) -> None:
    with pytest.raises(ValidationError, match="well-known default") as refused:
        SecuritySettings(jwt_secret=secret)
    assert "input_value" not in str(refused.value)


def test_a_refusal_never_echoes_the_secret_into_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KESOS_JWT_SECRET", "Zq9-too-short")
    with pytest.raises(ValidationError, match="shorter") as refused:
        SecuritySettings()
    assert "Zq9-too-short" not in str(refused.value)


@pytest.mark.parametrize("secret", ["x" * 31, "ä" * 15])
def test_a_short_secret_is_refused_outside_dev_mode(secret: str) -> None:
    with pytest.raises(ValidationError, match="shorter than 32 bytes"):
        SecuritySettings(jwt_secret=secret)


def test_a_secret_of_32_bytes_is_enough() -> None:
    assert SecuritySettings(jwt_secret="ä" * 16).secret() == "ä" * 16


def test_the_secret_file_is_read_when_the_environment_has_none(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "jwt-secret").write_text(SECRET + "\n")
    assert SecuritySettings().secret() == SECRET  # cwd is tmp_path: the default var/jwt-secret


def test_the_environment_wins_over_the_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("file-" + SECRET)
    monkeypatch.setenv("KESOS_JWT_SECRET_FILE", str(secret_file))
    assert SecuritySettings().secret() == "file-" + SECRET
    monkeypatch.setenv("KESOS_JWT_SECRET", SECRET)
    assert SecuritySettings().secret() == SECRET


def test_a_weak_secret_file_is_refused_outside_dev_mode(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("changeme\n")
    with pytest.raises(ValidationError, match="well-known default"):
        SecuritySettings(jwt_secret_file=secret_file)


@pytest.mark.parametrize("secret", ["changeme", "short"])
def test_dev_mode_accepts_any_secret_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(secret)
    monkeypatch.setenv("KESOS_DEV_MODE", "1")
    settings = SecuritySettings(jwt_secret_file=secret_file)
    assert settings.dev_mode
    assert settings.secret() == secret


def test_dev_mode_still_needs_a_secret_and_generates_none(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"dev mode generates none.*var/jwt-secret"):
        SecuritySettings(dev_mode=True)
    assert not (tmp_path / "var").exists()


def test_an_rs256_public_key_needs_no_secret() -> None:
    settings = SecuritySettings(jwt_public_key=PUBLIC_PEM)
    assert settings.algorithm == "RS256"
    assert settings.secret() is None


def test_an_rs256_public_key_makes_a_leftover_weak_secret_irrelevant() -> None:
    assert SecuritySettings(jwt_public_key=PUBLIC_PEM, jwt_secret="dev").algorithm == "RS256"


def test_the_public_key_can_come_from_a_file(tmp_path: Path) -> None:
    pem = tmp_path / "idp.pem"
    pem.write_text(PUBLIC_PEM + "\n")
    settings = SecuritySettings(jwt_public_key_file=pem)
    assert (settings.algorithm, settings.jwt_public_key) == ("RS256", PUBLIC_PEM)


def test_a_configured_public_key_file_that_is_missing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        SecuritySettings(jwt_public_key_file=tmp_path / "absent.pem", jwt_secret=SECRET)


def test_the_secret_never_appears_in_the_settings_repr() -> None:
    assert SECRET not in repr(SecuritySettings(jwt_secret=SECRET))
