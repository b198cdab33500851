"""The province's identity provider (OpenID Connect, e.g. a Keycloak realm): its signing keys.

Tokens it issues are RS256 or ES256 JWTs naming their key (`kid`). The keys are its JWKS, found
by discovery (`<issuer>/.well-known/openid-configuration` → `jwks_uri`) or given as a URL;
they are kept `refresh_s` and fetched again then, so a key the provider withdrew (revoked)
stops verifying within that time — tokens already verified with it too. A key id not seen yet
(the provider rotated) fetches them again at once, but at most once per `min_interval_s`: made-up
key ids cannot make us hammer the provider. While the provider cannot be reached the last keys
are kept; with none at all, no token can be checked (`ProviderUnavailable`, answered 503).

Fetching blocks: `TokenVerifier.verify_async` runs it in a worker thread, off the event loop.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import structlog

log = structlog.get_logger(__name__)

ALGORITHMS = ("RS256", "ES256")  # what a provider's token may be signed with; never HS256
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
FETCH_TIMEOUT_S = 3.0

FetchJson = Callable[[str], Any]


class ProviderUnavailable(Exception):
    """No signing key of the identity provider is known: no token can be checked now."""


def fetch_json(url: str) -> Any:
    """GET a JSON document over HTTPS (plain HTTP only on this machine's loopback, for tests)."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise ValueError(f"identity provider URLs must be https: {url}")
    answer = httpx.get(url, timeout=FETCH_TIMEOUT_S, follow_redirects=False)
    answer.raise_for_status()
    return answer.json()


class ProviderKeys:
    def __init__(
        self,
        *,
        issuer: str | None = None,
        jwks_url: str | None = None,
        refresh_s: float = 300.0,
        min_interval_s: float = 10.0,
        algorithms: Iterable[str] = ALGORITHMS,
        fetch: FetchJson = fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not issuer and not jwks_url:
            raise ValueError("the identity provider needs an issuer (discovery) or a JWKS URL")
        self._issuer = issuer.rstrip("/") if issuer else None
        self._jwks_url = jwks_url
        self._refresh_s = refresh_s
        self._min_interval_s = min_interval_s
        self._algorithms = frozenset(algorithms)
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -math.inf
        self._tried_at = -math.inf

    def key(self, kid: str) -> jwt.PyJWK:
        """The signing key `kid`, fetching the keys again when stale or when `kid` is new."""
        with self._lock:
            if self._stale():
                self._refresh()
            if kid not in self._keys and self._clock() - self._tried_at >= self._min_interval_s:
                self._refresh()  # the provider may have rotated its keys
            if not self._keys:
                raise ProviderUnavailable("no signing keys from the identity provider")
            found = self._keys.get(kid)
        if found is None:
            raise KeyError(kid)
        return found

    def knows(self, kid: str) -> bool:
        """Whether `kid` is among the keys as last fetched (no fetching here)."""
        return kid in self._keys

    def stale(self) -> bool:
        return self._stale() and self._clock() - self._tried_at >= self._min_interval_s

    def refresh_if_stale(self) -> None:
        with self._lock:
            if self.stale():
                self._refresh()

    def _stale(self) -> bool:
        return self._clock() - self._fetched_at >= self._refresh_s

    def _refresh(self) -> None:
        self._tried_at = self._clock()
        try:
            document = self._fetch(self._jwks_location())
            keys = dict(_signing_keys(document, self._algorithms))
        except Exception as error:  # the provider is down or answers nonsense: keep what we had
            log.warning(
                "identity_provider_keys_unavailable", error=str(error), kept=len(self._keys)
            )
            return
        if set(keys) != set(self._keys):
            log.info("identity_provider_keys", kids=sorted(keys))
        self._keys = keys
        self._fetched_at = self._tried_at

    def _jwks_location(self) -> str:
        if self._jwks_url is None:
            discovery = self._fetch(f"{self._issuer}/.well-known/openid-configuration")
            if discovery.get("issuer", "").rstrip("/") != self._issuer:
                raise ValueError("the discovery document names another issuer")
            self._jwks_url = str(discovery["jwks_uri"])
        return self._jwks_url


def _signing_keys(document: Any, algorithms: frozenset[str]) -> Iterable[tuple[str, jwt.PyJWK]]:
    """The JWKS's signature keys with an id and an allowed algorithm; any other key is skipped
    (an encryption key, a symmetric one, an algorithm we do not accept)."""
    for entry in document["keys"]:
        kid, use = entry.get("kid"), entry.get("use", "sig")
        if not kid or use != "sig" or entry.get("kty") not in ("RSA", "EC"):
            continue
        algorithm = entry.get("alg") or ("RS256" if entry["kty"] == "RSA" else "ES256")
        if algorithm not in algorithms:
            continue
        try:
            yield kid, jwt.PyJWK(entry, algorithm=algorithm)
        except jwt.PyJWKError as error:
            log.warning("identity_provider_key_skipped", kid=kid, error=str(error))
