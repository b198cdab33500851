"""Token keys and rules (`KESOS_*`), refusing a guessable HS256 secret outside dev mode.

Single-site installs sign with a shared HS256 secret; production verifies RS256 tokens from
an external identity provider with its public key. `make run` writes a random secret to
`var/jwt-secret` and turns on dev mode; nothing here ever generates one, so a service never
starts with a secret nobody else (the CLI, the other services) knows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.security.principal import Role

Algorithm = Literal["HS256", "RS256"]

MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash output
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "secret",
        "secret-key",
        "secretkey",
        "supersecret",
        "changeme",
        "change-me",
        "change_me",
        "changeit",
        "password",
        "default",
        "dev",
        "development",
        "test",
        "kesos",
        "jwt-secret",
        "jwt_secret",
        "your-256-bit-secret",
        "your-secret-key",
    }
)


class InsecureSecret(ValueError):
    """The configured keys would let anyone forge tokens, or there are none to check them."""


class SecuritySettings(BaseSettings):
    """`KESOS_*` environment variables; defaults are production's (dev mode off)."""

    model_config = SettingsConfigDict(
        env_prefix="KESOS_",
        extra="ignore",
        hide_input_in_errors=True,  # the input holds the secret; errors end up in logs
    )

    dev_mode: bool = False
    jwt_secret: SecretStr | None = None
    jwt_secret_file: Path = Path("var/jwt-secret")
    jwt_public_key: str | None = None  # PEM, RS256, from the identity provider
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = Field("kesos", min_length=1)
    jwt_audience: str = Field("kesos", min_length=1)
    # Clock skew tolerated on exp/nbf/iat: bounded, so a lax setting cannot revive old tokens.
    token_leeway_s: int = Field(30, ge=0, le=300)
    # The longest a token may live (exp − iat): a stolen token dies within a working day, and a
    # token "valid for ten years" is refused however it was signed.
    token_max_lifetime_s: int = Field(12 * 3600, ge=60, le=7 * 24 * 3600)

    # The province's identity provider (OIDC, e.g. a Keycloak realm; shared/security/provider.py):
    # its RS256/ES256 tokens are checked with its published keys, found from its issuer URL
    # (discovery) or given as a JWKS URL; the issuer is then the token's expected `iss`.
    oidc_issuer: str | None = None
    jwks_url: str | None = None
    jwks_refresh_s: int = Field(300, ge=10, le=24 * 3600)
    # Where its tokens carry who the caller is (dotted paths into the claims, e.g.
    # `realm_access.roles`), and its role names → Kesos's (JSON; empty: Kesos's own names).
    claim_sub: str = Field("sub", min_length=1)
    claim_role: str = Field("role", min_length=1)
    claim_wilayah: str = Field("wilayah", min_length=1)
    role_map: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _load_and_refuse_weak_keys(self) -> Self:
        self.jwt_secret = _present(self.jwt_secret) or _read_secret(self.jwt_secret_file)
        self.jwt_public_key = _read_public_key(self.jwt_public_key, self.jwt_public_key_file)
        unknown = set(self.role_map.values()) - {role.value for role in Role}
        if unknown:
            raise ValueError(f"KESOS_ROLE_MAP maps to roles Kesos does not have: {sorted(unknown)}")
        if self.jwt_public_key is None and not self.uses_provider:
            _refuse_weak_secret(self.jwt_secret, self.dev_mode, self.jwt_secret_file)
        return self

    @property
    def uses_provider(self) -> bool:
        """Tokens come from the identity provider (its keys), not from a key configured here."""
        return bool(self.oidc_issuer or self.jwks_url)

    @property
    def expected_issuer(self) -> str:
        return self.oidc_issuer or self.jwt_issuer

    @property
    def algorithm(self) -> Algorithm:
        """One algorithm per install, so a token can never pick a weaker one."""
        return "RS256" if self.jwt_public_key else "HS256"

    def secret(self) -> str | None:
        """The HS256 secret (from the environment or the secret file), if any."""
        return None if self.jwt_secret is None else self.jwt_secret.get_secret_value()


def _present(secret: SecretStr | None) -> SecretStr | None:
    """An empty `KESOS_JWT_SECRET=` means unset, not an empty key."""
    return secret if secret is not None and secret.get_secret_value().strip() else None


def _read_secret(path: Path) -> SecretStr | None:
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8").strip()  # editors and `echo` add a newline
    return SecretStr(text) if text else None


def _read_public_key(pem: str | None, path: Path | None) -> str | None:
    if pem and pem.strip():
        return pem.strip()
    if path is None:
        return None
    if not path.is_file():
        # An explicitly configured key that is missing is a broken deployment, not HS256.
        raise InsecureSecret(f"KESOS_JWT_PUBLIC_KEY_FILE {path} does not exist")
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise InsecureSecret(f"KESOS_JWT_PUBLIC_KEY_FILE {path} is empty")
    return text


def _refuse_weak_secret(secret: SecretStr | None, dev_mode: bool, file: Path) -> None:
    """Never echo the secret itself in the error: it ends up in logs."""
    if secret is None:
        raise InsecureSecret(_missing_secret_message(dev_mode, file))
    if dev_mode:
        return
    value = secret.get_secret_value()
    if value.strip().lower() in KNOWN_DEFAULT_SECRETS:
        raise InsecureSecret(
            "KESOS_JWT_SECRET is a well-known default; anyone could forge tokens. "
            "Use a random secret of at least 32 bytes (or KESOS_DEV_MODE=1 locally)."
        )
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        raise InsecureSecret(
            f"KESOS_JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes; "
            "use a random secret of at least 32 bytes (or KESOS_DEV_MODE=1 locally)."
        )


def _missing_secret_message(dev_mode: bool, file: Path) -> str:
    if dev_mode:
        return (
            f"no JWT secret: dev mode generates none; set KESOS_JWT_SECRET or write one to "
            f"{file} (`make run` does this)."
        )
    return (
        f"no JWT secret: set KESOS_JWT_SECRET (at least {MIN_SECRET_BYTES} random bytes) or "
        f"write one to {file} (KESOS_JWT_SECRET_FILE), or configure KESOS_JWT_PUBLIC_KEY "
        "for RS256 tokens from an identity provider."
    )
