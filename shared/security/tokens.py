"""Bearer tokens: minting (for `kesos token` and tests) and verifying them into a `Principal`.

Verification names why a token was refused with a stable `InvalidToken.reason`, which the
HTTP layer maps to a 401 problem type; the reason never reveals the key or the token.

Time claims are strict (RFC 7519 NumericDate): `exp` and `iat` are required JSON numbers — not
numeric strings, booleans or non-finite values, which PyJWT alone would coerce or let through —
`nbf` too when present; a token lives at most `token_max_lifetime_s`, and clock skew is bounded
by `token_leeway_s`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

import jwt
from jwt.algorithms import get_default_algorithms

from shared.security.principal import Principal, Role
from shared.security.scope import canonical
from shared.security.settings import SecuritySettings

Reason = Literal[
    "missing",
    "malformed",
    "expired",
    "bad-signature",
    "wrong-audience",
    "wrong-issuer",
    "invalid-claims",
    "lifetime-too-long",
]
REASONS: tuple[Reason, ...] = get_args(Reason)

ROLE_NAMES = frozenset(role.value for role in Role)
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "role", "wilayah")
TIME_CLAIMS = ("exp", "iat", "nbf")
MAX_TOKEN_CHARS = 8192  # no honest token is this long; don't spend CPU decoding one
VERIFIED_TOKENS = 4096  # the callers of a busy process, at a few KB of memory each

# Most specific first: InvalidSignatureError is a DecodeError, and all are InvalidTokenError.
_REASON_BY_ERROR: tuple[tuple[type[jwt.InvalidTokenError], Reason], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.InvalidAudienceError, "wrong-audience"),
    (jwt.InvalidIssuerError, "wrong-issuer"),
    (jwt.InvalidSignatureError, "bad-signature"),
    (jwt.InvalidAlgorithmError, "bad-signature"),  # `none`, or an algorithm we don't use
    (jwt.ImmatureSignatureError, "invalid-claims"),  # iat or nbf in the future
    (jwt.DecodeError, "malformed"),
)


class InvalidToken(Exception):
    """A bearer token that authenticates nobody; `reason` is one of `REASONS`."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: Reason = reason
        self.detail = detail


def mint_token(
    secret: str,
    *,
    sub: str,
    role: Role | str,
    wilayah: str,
    issuer: str = "kesos",
    audience: str = "kesos",
    ttl_s: int = 3600 * 8,
    now: datetime,
    grants: Iterable[str] = (),
) -> str:
    """An HS256 token for `sub`; `now` comes from the caller so tests are deterministic."""
    if not secret:
        raise ValueError("minting a token needs a secret")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if ttl_s <= 0:
        raise ValueError("ttl_s must be positive")
    principal = Principal(sub=sub, role=Role(role), wilayah=wilayah, grants=frozenset(grants))
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": principal.sub,
        "role": str(principal.role),
        "wilayah": principal.wilayah,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
    }
    if principal.grants:
        claims["grants"] = sorted(principal.grants)
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenVerifier:
    """Checks bearer tokens against the install's one algorithm and key."""

    def __init__(self, settings: SecuritySettings) -> None:
        self._algorithm = settings.algorithm
        self._key = _verification_key(settings)
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.token_leeway_s
        self._max_lifetime = settings.token_max_lifetime_s
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str | None) -> Principal:
        """The caller the token proves, or `InvalidToken` saying why it proves nothing.

        A client sends the same token with every request for hours: the signature is checked
        once, and the principal kept (for `VERIFIED_TOKENS` tokens) until the token expires."""
        if token is None or not token.strip():
            raise InvalidToken("missing")
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("malformed", "token too long")
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            self._verified.move_to_end(token)
            return known[0]
        claims = self._decode(token)  # an expired one is refused here, with its reason
        _require_numeric_dates(claims)
        if claims["exp"] - claims["iat"] > self._max_lifetime:
            raise InvalidToken("lifetime-too-long", f"tokens live at most {self._max_lifetime} s")
        principal = _principal(claims)
        self._remember(token, principal, claims["exp"] + self._leeway)
        return principal

    def _remember(self, token: str, principal: Principal, until: float) -> None:
        self._verified[token] = (principal, until)
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],  # never the token's own choice, never `none`
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.InvalidTokenError as error:
            raise InvalidToken(_reason(error), str(error)) from None


def _require_numeric_dates(claims: Mapping[str, Any]) -> None:
    """PyJWT turns `"exp": "9999999999"` into a number and takes `true` for 1: we do not."""
    for name in TIME_CLAIMS:
        if name not in claims:
            continue
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidToken("invalid-claims", f"{name} must be a JSON number")
        if not math.isfinite(value) or value < 0:
            raise InvalidToken("invalid-claims", f"{name} must be a finite, positive time")
    if claims["exp"] <= claims["iat"]:
        raise InvalidToken("invalid-claims", "exp must come after iat")


def _reason(error: jwt.InvalidTokenError) -> Reason:
    for error_type, reason in _REASON_BY_ERROR:
        if isinstance(error, error_type):
            return reason
    return "invalid-claims"  # missing claim, iat in the future, non-string sub, …


def _verification_key(settings: SecuritySettings) -> Any:
    """Parse the key once at start-up, so a bad key fails the deployment, not each request."""
    if settings.algorithm == "HS256":
        secret = settings.secret()
        if not secret:
            raise ValueError("HS256 verification needs a secret; see SecuritySettings")
        return secret
    rs256 = get_default_algorithms().get("RS256")
    if rs256 is None:
        raise RuntimeError("RS256 tokens need the `cryptography` package: install pyjwt[crypto]")
    key = rs256.prepare_key(settings.jwt_public_key)
    if not hasattr(key, "verify"):
        raise ValueError("KESOS_JWT_PUBLIC_KEY must be a public key, not a private one")
    return key


def _principal(claims: Mapping[str, Any]) -> Principal:
    sub, role, wilayah = claims["sub"], claims["role"], claims["wilayah"]
    if not isinstance(sub, str) or not sub.strip():
        raise InvalidToken("invalid-claims", "sub must be a non-empty string")
    if not isinstance(role, str) or role not in ROLE_NAMES:
        raise InvalidToken("invalid-claims", "role is not a kesos role")
    if not isinstance(wilayah, str) or canonical(wilayah) is None:
        raise InvalidToken("invalid-claims", "wilayah is not a Kemendagri code")
    return Principal(sub=sub, role=Role(role), wilayah=wilayah, grants=_grants(claims))


def _grants(claims: Mapping[str, Any]) -> frozenset[str]:
    grants = claims.get("grants", [])
    if not isinstance(grants, list) or not all(isinstance(g, str) and g for g in grants):
        raise InvalidToken("invalid-claims", "grants must be a list of strings")
    return frozenset(grants)
