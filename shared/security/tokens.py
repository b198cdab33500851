"""Bearer tokens: minting (for `kesos token` and tests) and verifying them into a `Principal`.

Verification names why a token was refused with a stable `InvalidToken.reason`, which the
HTTP layer maps to a 401 problem type; the reason never reveals the key or the token.

Time claims are strict (RFC 7519 NumericDate): `exp` and `iat` are required JSON numbers — not
numeric strings, booleans or non-finite values, which PyJWT alone would coerce or let through —
`nbf` too when present; a token lives at most `token_max_lifetime_s`, and clock skew is bounded
by `token_leeway_s`.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

import jwt
from jwt.algorithms import get_default_algorithms

from shared.security.principal import Principal, Role
from shared.security.provider import ProviderKeys
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
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud")  # and who: sub, role, wilayah (`ClaimMap`)
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
    """Checks bearer tokens against the install's one algorithm and key, or against the keys
    of the province's identity provider (`provider`), and maps their claims to a Principal."""

    def __init__(self, settings: SecuritySettings, provider: ProviderKeys | None = None) -> None:
        if provider is None and settings.uses_provider:
            provider = ProviderKeys(
                issuer=settings.oidc_issuer, jwks_url=settings.jwks_url,
                refresh_s=settings.jwks_refresh_s,
            )  # fmt: skip
        self._provider = provider
        self._algorithm = settings.algorithm
        self._key = None if provider else _verification_key(settings)
        self._issuer = settings.expected_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.token_leeway_s
        self._max_lifetime = settings.token_max_lifetime_s
        self._claims = ClaimMap(
            settings.claim_sub, settings.claim_role, settings.claim_wilayah, settings.role_map
        )
        self._lock = threading.Lock()  # verify_async checks provider tokens in worker threads
        self._verified: OrderedDict[str, tuple[Principal, float, str | None]] = OrderedDict()

    async def verify_async(self, token: str | None) -> Principal:
        """As `verify`; with an identity provider, whatever may fetch its keys runs in a worker
        thread, so a slow provider never stalls the event loop."""
        if self._provider is None:
            return self.verify(token)
        if self._provider.stale():
            await asyncio.to_thread(self._provider.refresh_if_stale)
        known = None if token is None else self._known(token)
        if known is not None:  # the common case: checked before, no thread needed
            return known
        return await asyncio.to_thread(self.verify, token)

    def verify(self, token: str | None) -> Principal:
        """The caller the token proves, or `InvalidToken` saying why it proves nothing.

        A client sends the same token with every request for hours: the signature is checked
        once, and the principal kept (for `VERIFIED_TOKENS` tokens) until the token expires."""
        if token is None or not token.strip():
            raise InvalidToken("missing")
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("malformed", "token too long")
        known = self._known(token)
        if known is not None:
            return known
        kid, key, algorithm = self._key_for(token)
        claims = self._decode(token, key, algorithm)  # an expired one is refused, with its reason
        _require_numeric_dates(claims)
        if claims["exp"] - claims["iat"] > self._max_lifetime:
            raise InvalidToken("lifetime-too-long", f"tokens live at most {self._max_lifetime} s")
        principal = self._claims.principal(claims)
        self._remember(token, principal, claims["exp"] + self._leeway, kid)
        return principal

    def _known(self, token: str) -> Principal | None:
        """The principal of a token verified before, still unexpired, its key still published."""
        with self._lock:
            known = self._verified.get(token)
            if known is None:
                return None
            principal, until, kid = known
            if time.time() >= until or (kid is not None and not self._provider_knows(kid)):
                del self._verified[token]
                return None
            self._verified.move_to_end(token)
            return principal

    def _provider_knows(self, kid: str) -> bool:
        return self._provider is not None and self._provider.knows(kid)

    def _remember(self, token: str, principal: Principal, until: float, kid: str | None) -> None:
        with self._lock:
            self._verified[token] = (principal, until, kid)
            if len(self._verified) > VERIFIED_TOKENS:
                self._verified.popitem(last=False)

    def _key_for(self, token: str) -> tuple[str | None, Any, str]:
        """The key id (provider tokens), key and the one algorithm the token must use."""
        if self._provider is None:
            return None, self._key, self._algorithm
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as error:
            raise InvalidToken("malformed", str(error)) from None
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("malformed", "the token names no signing key (kid)")
        try:
            found = self._provider.key(kid)
        except KeyError:
            raise InvalidToken("bad-signature", "no such signing key") from None
        return kid, found.key, found.algorithm_name

    def _decode(self, token: str, key: Any, algorithm: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],  # never the token's own choice, never `none`
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


@dataclass(frozen=True)
class ClaimMap:
    """Where a token says who the caller is: Kesos's own tokens carry `sub`, `role` and
    `wilayah`; an identity provider's carry them where its configuration puts them (e.g.
    Keycloak: roles in `realm_access.roles`, the wilayah as a user attribute's claim), with its
    role names mapped to Kesos's (`role_map`; empty: Kesos's own names)."""

    sub: str = "sub"
    role: str = "role"
    wilayah: str = "wilayah"
    role_map: Mapping[str, str] = field(default_factory=dict)

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        sub, wilayah = _claim(claims, self.sub), _claim(claims, self.wilayah)
        if not isinstance(sub, str) or not sub.strip():
            raise InvalidToken("invalid-claims", f"{self.sub} must be a non-empty string")
        if not isinstance(wilayah, str) or canonical(wilayah) is None:
            raise InvalidToken("invalid-claims", f"{self.wilayah} is not a Kemendagri code")
        return Principal(
            sub=sub, role=self._role(_claim(claims, self.role)), wilayah=wilayah,
            grants=_grants(claims),
        )  # fmt: skip

    def _role(self, value: Any) -> Role:
        """The one Kesos role among the token's (a provider lists its own roles too: those are
        ignored); none, or two, and the token proves no role — we never pick one."""
        if isinstance(value, list) and self.role == "role":  # Kesos's own: exactly one string
            raise InvalidToken("invalid-claims", "role must be one role name")
        names = [n for n in (value if isinstance(value, list) else [value]) if isinstance(n, str)]
        # With a map, only the names it maps count: a provider role that happens to be called
        # `admin` is no Kesos admin unless the installation says so.
        mapped = (
            {self.role_map[n] for n in names if n in self.role_map} if self.role_map else set(names)
        )
        roles = mapped & ROLE_NAMES
        if len(roles) != 1:
            raise InvalidToken(
                "invalid-claims", f"{self.role} names {len(roles)} kesos roles, not 1"
            )
        return Role(roles.pop())


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by dotted path (`realm_access.roles`); None when any step is missing."""
    value: Any = claims
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def _grants(claims: Mapping[str, Any]) -> frozenset[str]:
    grants = claims.get("grants", [])
    if not isinstance(grants, list) or not all(isinstance(g, str) and g for g in grants):
        raise InvalidToken("invalid-claims", "grants must be a list of strings")
    return frozenset(grants)
