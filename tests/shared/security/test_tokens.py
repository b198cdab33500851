"""Bearer tokens: what `mint_token` signs, `TokenVerifier` proves, and why it refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from jwt.algorithms import has_crypto

from shared.security import (
    REASONS,
    InvalidToken,
    Principal,
    Role,
    SecuritySettings,
    TokenVerifier,
    mint_token,
    tokens,
)
from tests.shared.security.conftest import SECRET

needs_crypto = pytest.mark.skipif(
    not has_crypto,
    reason="RS256 needs the `cryptography` package, which pyjwt[crypto] brings; not installed",
)


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier(SecuritySettings(jwt_secret=SECRET))


def now() -> datetime:
    return datetime.now(UTC)


def claims(**overrides: Any) -> dict[str, Any]:
    issued = int(now().timestamp())
    base: dict[str, Any] = {
        "iss": "kesos",
        "aud": "kesos",
        "sub": "alice",
        "role": "operator",
        "wilayah": "63.05",
        "iat": issued,
        "exp": issued + 3600,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not ...}


def signed(payload: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def hmac_signed_with(key: bytes, payload: dict[str, Any]) -> str:
    """A token signed by hand, for keys PyJWT itself refuses to sign with."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(payload).encode())
    mac = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(mac)}"


def refusal(verifier: TokenVerifier, token: str | None) -> str:
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(token)
    assert refused.value.reason in REASONS
    return refused.value.reason


def test_a_minted_token_verifies_into_its_principal(verifier: TokenVerifier) -> None:
    token = mint_token(SECRET, sub="alice", role=Role.OPERATOR, wilayah="63.05", now=now())
    assert verifier.verify(token) == Principal(sub="alice", role=Role.OPERATOR, wilayah="63.05")


def test_grants_and_undotted_wilayah_survive_the_round_trip(verifier: TokenVerifier) -> None:
    token = mint_token(
        SECRET, sub="dukcapil", role="integration", wilayah="6305", now=now(), grants=["w", "x"]
    )
    principal = verifier.verify(token)
    assert principal.wilayah == "63.05"
    assert principal.grants == frozenset({"w", "x"})
    assert principal.has_grant("w") and not principal.has_grant("y")


def test_a_token_carries_exactly_the_designed_claims() -> None:
    issued = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    token = mint_token(SECRET, sub="w-1", role="psm", wilayah="63.05.01", now=issued, ttl_s=60)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload == {
        "iss": "kesos",
        "aud": "kesos",
        "sub": "w-1",
        "role": "psm",
        "wilayah": "63.05.01",
        "iat": int(issued.timestamp()),
        "exp": int(issued.timestamp()) + 60,
    }
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"role": "boss"}, "boss"),
        ({"wilayah": "63.0"}, "wilayah"),
        ({"sub": " "}, "sub"),
        ({"ttl_s": 0}, "ttl_s"),
        ({"now": datetime(2025, 1, 1)}, "timezone"),
    ],
)
def test_minting_refuses_what_no_verifier_would_accept(
    arguments: dict[str, Any], problem: str
) -> None:
    base: dict[str, Any] = {"sub": "alice", "role": "operator", "wilayah": "63", "now": now()}
    with pytest.raises(ValueError, match=problem):
        mint_token(SECRET, **(base | arguments))


@pytest.mark.parametrize("token", [None, "", "   "])
def test_no_token_is_missing(verifier: TokenVerifier, token: str | None) -> None:
    assert refusal(verifier, token) == "missing"


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "a.b", "....", "eyJhbGciOiJIUzI1NiJ9.%%%.sig", "x" * 9000],
)
def test_garbage_is_malformed(verifier: TokenVerifier, token: str) -> None:
    assert refusal(verifier, token) == "malformed"


def test_a_non_object_payload_is_malformed(verifier: TokenVerifier) -> None:
    token = jwt.api_jws.encode(b"[1, 2]", SECRET, algorithm="HS256")
    assert refusal(verifier, token) == "malformed"


def test_an_expired_token_is_expired(verifier: TokenVerifier) -> None:
    long_ago = now() - timedelta(hours=9)
    token = mint_token(SECRET, sub="a", role="admin", wilayah="63", now=long_ago, ttl_s=3600)
    assert refusal(verifier, token) == "expired"


def test_expiry_allows_the_configured_clock_leeway() -> None:
    lapsed = mint_token(
        SECRET, sub="a", role="admin", wilayah="63", now=now() - timedelta(seconds=20), ttl_s=1
    )
    lenient = TokenVerifier(SecuritySettings(jwt_secret=SECRET, token_leeway_s=60))
    strict = TokenVerifier(SecuritySettings(jwt_secret=SECRET, token_leeway_s=0))
    assert lenient.verify(lapsed).sub == "a"
    assert refusal(strict, lapsed) == "expired"


def test_a_verified_token_is_remembered_only_until_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The signature is checked once per token, not per request; expiry still holds."""
    verifier = TokenVerifier(SecuritySettings(jwt_secret=SECRET, token_leeway_s=0))
    expiry = int(now().timestamp()) + 60
    token = signed(claims(exp=expiry))
    first = verifier.verify(token)
    with monkeypatch.context() as patched:
        patched.setattr(jwt, "decode", lambda *args, **kwargs: pytest.fail("decoded again"))
        assert verifier.verify(token) is first

    def lapsed(*args: Any, **kwargs: Any) -> None:  # PyJWT's answer once its clock passed exp
        raise jwt.ExpiredSignatureError("Signature has expired")

    monkeypatch.setattr(tokens.time, "time", lambda: expiry + 1.0)
    monkeypatch.setattr(jwt, "decode", lapsed)
    assert refusal(verifier, token) == "expired"  # decoded again, and refused with its reason


def test_the_remembered_tokens_are_bounded(verifier: TokenVerifier) -> None:
    for n in range(tokens.VERIFIED_TOKENS + 10):
        verifier.verify(signed(claims(sub=f"user-{n}")))
    assert len(verifier._verified) == tokens.VERIFIED_TOKENS


def test_another_secret_is_a_bad_signature(verifier: TokenVerifier) -> None:
    token = signed(claims(), secret="another-secret-also-at-least-32-bytes!!")
    assert refusal(verifier, token) == "bad-signature"


def test_a_tampered_payload_is_a_bad_signature(verifier: TokenVerifier) -> None:
    header, _, signature = signed(claims()).split(".")
    _, payload, _ = hmac_signed_with(b"any", claims(role="admin", wilayah="63")).split(".")
    assert refusal(verifier, f"{header}.{payload}.{signature}") == "bad-signature"


def test_an_unsigned_alg_none_token_is_refused(verifier: TokenVerifier) -> None:
    token = jwt.encode(claims(), None, algorithm="none")
    assert refusal(verifier, token) == "bad-signature"


def test_another_audience_is_the_wrong_audience(verifier: TokenVerifier) -> None:
    assert refusal(verifier, signed(claims(aud="someone-else"))) == "wrong-audience"


def test_another_issuer_is_the_wrong_issuer(verifier: TokenVerifier) -> None:
    assert refusal(verifier, signed(claims(iss="someone-else"))) == "wrong-issuer"


def test_issuer_and_audience_come_from_settings() -> None:
    custom = SecuritySettings(jwt_secret=SECRET, jwt_issuer="idp", jwt_audience="tapin")
    token = signed(claims(iss="idp", aud="tapin"))
    assert TokenVerifier(custom).verify(token).sub == "alice"
    assert refusal(TokenVerifier(custom), signed(claims())) == "wrong-issuer"


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud", "sub", "role", "wilayah"])
def test_a_missing_claim_is_invalid(verifier: TokenVerifier, claim: str) -> None:
    assert refusal(verifier, signed(claims(**{claim: ...}))) == "invalid-claims"


@pytest.mark.parametrize(
    "overrides",
    [
        {"role": "superuser"},
        {"role": "ADMIN"},
        {"role": ["admin"]},
        {"role": 1},
        {"wilayah": "63.0"},
        {"wilayah": "63.05."},
        {"wilayah": ""},
        {"wilayah": 63},
        {"wilayah": ["63"]},
        {"sub": ""},
        {"sub": 42},
        {"grants": "write"},
        {"grants": [1]},
        {"grants": [""]},
        {"iat": int(now().timestamp()) + 3600},  # issued in the future
    ],
)
def test_bad_claim_values_are_invalid(verifier: TokenVerifier, overrides: dict[str, Any]) -> None:
    assert refusal(verifier, signed(claims(**overrides))) == "invalid-claims"


def issued_at() -> int:
    return int(now().timestamp())


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": str(issued_at() + 3600)},  # PyJWT alone would coerce a numeric string
        {"iat": str(issued_at())},
        {"exp": True},
        {"iat": False},
        {"exp": [issued_at() + 3600]},
        {"nbf": str(issued_at())},
        {"nbf": issued_at() + 3600},  # not yet valid
        {"exp": issued_at() - 10, "iat": issued_at()},  # expires before it was issued
        {"iat": -5},
    ],
)
def test_time_claims_are_json_numbers_in_order(
    verifier: TokenVerifier, overrides: dict[str, Any]
) -> None:
    assert refusal(verifier, signed(claims(**overrides))) in {
        "invalid-claims",
        "malformed",
        "expired",
    }


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400"])
def test_non_finite_times_are_refused(verifier: TokenVerifier, value: str) -> None:
    # Python's json accepts these literals; a hand-built token carries them.
    body = json.dumps(claims()).replace(f'"exp": {claims()["exp"]}', f'"exp": {value}')
    token = hmac_signed_with(SECRET.encode(), json.loads(body))
    assert refusal(verifier, token) in {"invalid-claims", "malformed"}


def test_fractional_numeric_dates_are_accepted(verifier: TokenVerifier) -> None:
    issued = now().timestamp()
    token = signed(claims(iat=issued, exp=issued + 600.5, nbf=issued - 1.5))
    assert verifier.verify(token).sub == "alice"


def test_a_token_living_longer_than_the_maximum_is_refused(verifier: TokenVerifier) -> None:
    ten_years = signed(claims(exp=issued_at() + 10 * 365 * 86400))
    assert refusal(verifier, ten_years) == "lifetime-too-long"
    just_over = signed(claims(exp=issued_at() + 12 * 3600 + 1))
    assert refusal(verifier, just_over) == "lifetime-too-long"
    assert verifier.verify(signed(claims(exp=issued_at() + 12 * 3600))).sub == "alice"


def test_the_maximum_lifetime_is_a_setting() -> None:
    short = TokenVerifier(SecuritySettings(jwt_secret=SECRET, token_max_lifetime_s=600))
    assert refusal(short, signed(claims())) == "lifetime-too-long"  # an hour is too long here


def test_clock_skew_is_bounded_by_settings() -> None:
    with pytest.raises(ValueError):
        SecuritySettings(jwt_secret=SECRET, token_leeway_s=3600)


def test_every_reason_is_a_stable_string() -> None:
    assert REASONS == (
        "missing",
        "malformed",
        "expired",
        "bad-signature",
        "wrong-audience",
        "wrong-issuer",
        "invalid-claims",
        "lifetime-too-long",
    )


def test_a_refusal_never_echoes_the_secret(verifier: TokenVerifier) -> None:
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(signed(claims(), secret="x" * 40))
    assert SECRET not in str(refused.value)
    assert "x" * 40 not in str(refused.value)


# --- RS256: an external identity provider's public key ------------------------------------


@pytest.fixture
def rsa_pems() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@needs_crypto
def test_rs256_tokens_from_the_identity_provider_verify(rsa_pems: tuple[str, str]) -> None:
    private, public = rsa_pems
    verifier = TokenVerifier(SecuritySettings(jwt_public_key=public))
    token = jwt.encode(claims(role="tksk", sub="w-7"), private, algorithm="RS256")
    assert verifier.verify(token) == Principal(sub="w-7", role=Role.TKSK, wilayah="63.05")


@needs_crypto
def test_an_hs256_token_is_refused_by_an_rs256_install(rsa_pems: tuple[str, str]) -> None:
    _, public = rsa_pems
    verifier = TokenVerifier(SecuritySettings(jwt_public_key=public, jwt_secret=SECRET))
    assert refusal(verifier, signed(claims())) == "bad-signature"
    # the classic confusion: the public key itself used as an HMAC secret
    assert refusal(verifier, hmac_signed_with(public.encode(), claims())) == "bad-signature"
    assert refusal(verifier, jwt.encode(claims(), None, algorithm="none")) == "bad-signature"


@needs_crypto
def test_an_rs256_install_refuses_a_private_key_as_its_public_key(
    rsa_pems: tuple[str, str],
) -> None:
    private, _ = rsa_pems
    with pytest.raises(ValueError, match="public key"):
        TokenVerifier(SecuritySettings(jwt_public_key=private))
