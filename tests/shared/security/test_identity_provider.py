"""Tokens from the province's identity provider (shared/security/provider.py), against a JWKS
served by a real local HTTP server that plays the provider: discovery, RS256 and ES256 keys, a
rotation, a revoked key, a provider that is down, and the claims of a Keycloak realm mapped to a
Kesos role and wilayah."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from shared.security import InvalidToken, Role, SecuritySettings, TokenVerifier
from shared.security.provider import ProviderKeys, ProviderUnavailable, fetch_json
from shared.web import problems
from shared.web.auth import Caller

KEYCLOAK = {
    "KESOS_CLAIM_ROLE": "realm_access.roles",
    "KESOS_CLAIM_WILAYAH": "kesos_wilayah",
    "KESOS_CLAIM_SUB": "preferred_username",
    "KESOS_ROLE_MAP": json.dumps({"kesos-operator": "operator", "kesos-tksk": "tksk"}),
    "KESOS_JWT_AUDIENCE": "kesos-api",
}


@dataclass
class SigningKey:
    kid: str
    private: Any
    algorithm: str

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        text = (RSAAlgorithm if self.algorithm == "RS256" else ECAlgorithm).to_jwk(public)
        return {**json.loads(text), "kid": self.kid, "use": "sig", "alg": self.algorithm}


def rsa_key(kid: str) -> SigningKey:
    return SigningKey(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")


def ec_key(kid: str) -> SigningKey:
    return SigningKey(kid, ec.generate_private_key(ec.SECP256R1()), "ES256")


@dataclass
class Provider:
    """A Keycloak realm as far as token checks see it: discovery and its JWKS."""

    issuer: str = ""
    keys: list[SigningKey] = field(default_factory=list)
    fetches: int = 0
    down: bool = False

    def token(self, key: SigningKey, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": self.issuer, "aud": "kesos-api", "iat": now, "exp": now + 300,
            "sub": "f3b0c1d2-keycloak-uuid", "preferred_username": "siti.tksk",
            "realm_access": {"roles": ["offline_access", "kesos-tksk", "uma_authorization"]},
            "kesos_wilayah": "63.05.01", **claims,
        }  # fmt: skip
        return jwt.encode(body, key.private, algorithm=key.algorithm, headers={"kid": key.kid})


@pytest.fixture
def provider() -> Iterator[Provider]:
    realm = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if realm.down:
                self.send_error(503)
                return
            if self.path == "/realms/kalsel/.well-known/openid-configuration":
                body = {"issuer": realm.issuer, "jwks_uri": f"{realm.issuer}/protocol/certs"}
            elif self.path == "/realms/kalsel/protocol/certs":
                realm.fetches += 1
                body = {"keys": [key.jwk() for key in realm.keys]}
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    realm.issuer = f"http://127.0.0.1:{server.server_port}/realms/kalsel"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield realm
    server.shutdown()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verifier_for(realm: Provider, monkeypatch, clock: Clock | None = None) -> TokenVerifier:
    for name, value in {**KEYCLOAK, "KESOS_OIDC_ISSUER": realm.issuer}.items():
        monkeypatch.setenv(name, value)
    settings = SecuritySettings()
    keys = ProviderKeys(
        issuer=realm.issuer, refresh_s=settings.jwks_refresh_s, min_interval_s=10,
        clock=clock or time.monotonic,
    )  # fmt: skip
    return TokenVerifier(settings, keys)


def refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as raised:
        verifier.verify(token)
    return raised.value.reason


@pytest.mark.parametrize("make_key", [rsa_key, ec_key])
def test_a_provider_token_maps_to_a_kesos_principal(provider, monkeypatch, make_key):
    key = make_key("k1")
    provider.keys = [key]
    verifier = verifier_for(provider, monkeypatch)
    principal = verifier.verify(provider.token(key))
    assert (principal.sub, principal.role, principal.wilayah) == (
        "siti.tksk",
        Role.TKSK,
        "63.05.01",
    )


def test_claims_the_installation_does_not_map_prove_nothing(provider, monkeypatch):
    key = rsa_key("k1")
    provider.keys = [key]
    verifier = verifier_for(provider, monkeypatch)
    roles = {"realm_access": {"roles": ["admin", "offline_access"]}}  # not mapped: no Kesos admin
    assert refusal(verifier, provider.token(key, **roles)) == "invalid-claims"
    two = {"realm_access": {"roles": ["kesos-tksk", "kesos-operator"]}}  # never picked for you
    assert refusal(verifier, provider.token(key, **two)) == "invalid-claims"
    assert refusal(verifier, provider.token(key, kesos_wilayah="Tapin")) == "invalid-claims"
    assert (
        refusal(verifier, provider.token(key, iss="https://elsewhere/realms/x")) == "wrong-issuer"
    )
    assert refusal(verifier, provider.token(key, aud="account")) == "wrong-audience"


def test_forged_and_keyless_tokens_are_refused(provider, monkeypatch):
    key = rsa_key("k1")
    provider.keys = [key]
    verifier = verifier_for(provider, monkeypatch)
    genuine = provider.token(key)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    stranger = rsa_key("k1")  # same kid, another key
    forged = jwt.encode(claims, stranger.private, algorithm="RS256", headers={"kid": "k1"})
    assert refusal(verifier, forged) == "bad-signature"
    public = key.jwk()["n"]  # alg confusion: HS256 "signed" with the public key's modulus
    confused = jwt.encode(claims, public, algorithm="HS256", headers={"kid": "k1"})
    assert refusal(verifier, confused) == "bad-signature"
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    assert refusal(verifier, unsigned) == "bad-signature"
    keyless = jwt.encode(claims, key.private, algorithm="RS256")
    assert refusal(verifier, keyless) == "malformed"
    assert refusal(verifier, provider.token(rsa_key("unknown"))) == "bad-signature"


def test_a_rotated_key_is_fetched_at_once_and_a_revoked_one_refused(provider, monkeypatch):
    clock = Clock()
    old, new = rsa_key("2026-10"), ec_key("2026-11")
    provider.keys = [old]
    verifier = verifier_for(provider, monkeypatch, clock)
    before = provider.token(old)
    assert verifier.verify(before).role is Role.TKSK

    provider.keys = [old, new]  # the provider rotates: new tokens carry the new kid
    clock.now += 11  # (past the pause between fetches for unknown key ids)
    assert verifier.verify(provider.token(new)).role is Role.TKSK
    assert verifier.verify(before).role is Role.TKSK  # the old key still stands

    provider.keys = [new]  # the old key is withdrawn (compromised)
    clock.now += 301  # the keys are fetched again after jwks_refresh_s
    verifier._provider.refresh_if_stale()  # what verify_async does before checking
    assert refusal(verifier, before) == "bad-signature"  # cached as verified: still refused
    assert verifier.verify(provider.token(new)).role is Role.TKSK


def test_made_up_key_ids_do_not_hammer_the_provider(provider, monkeypatch):
    clock = Clock()
    key = rsa_key("k1")
    provider.keys = [key]
    verifier = verifier_for(provider, monkeypatch, clock)
    verifier.verify(provider.token(key))
    fetched = provider.fetches
    for number in range(20):
        assert refusal(verifier, provider.token(rsa_key(f"made-up-{number}"))) == "bad-signature"
    assert provider.fetches == fetched  # none within min_interval_s of the last fetch


def test_a_provider_that_is_down_keeps_the_last_keys_and_with_none_answers_503(
    provider, monkeypatch
):
    clock = Clock()
    key = rsa_key("k1")
    provider.keys = [key]
    verifier = verifier_for(provider, monkeypatch, clock)
    verifier.verify(provider.token(key))
    provider.down = True
    clock.now += 400
    assert verifier.verify(provider.token(key, jti="another")).role is Role.TKSK  # kept keys

    fresh = verifier_for(provider, monkeypatch, Clock())
    with pytest.raises(ProviderUnavailable):
        fresh.verify(provider.token(key))


def probe_app() -> FastAPI:
    """An API endpoint behind the chassis's authentication, as every service's are."""
    app = FastAPI()
    problems.install(app)
    app.state.verifier = TokenVerifier(SecuritySettings())

    @app.get("/v1/me")
    async def me(caller: Caller) -> dict[str, str]:
        return {"sub": caller.sub, "role": str(caller.role), "wilayah": caller.wilayah}

    return app


async def get_me(app: FastAPI, token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        return await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


async def test_a_service_accepts_the_provider_s_tokens_and_only_those(provider, monkeypatch):
    key = rsa_key("k1")
    provider.keys = [key]
    for name, value in {**KEYCLOAK, "KESOS_OIDC_ISSUER": provider.issuer}.items():
        monkeypatch.setenv(name, value)
    app = probe_app()
    ok = await get_me(app, provider.token(key))
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"sub": "siti.tksk", "role": "tksk", "wilayah": "63.05.01"}
    kesos_own = jwt.encode({"sub": "x", "role": "admin"}, "k" * 40, algorithm="HS256")
    assert (await get_me(app, kesos_own)).status_code == 401

    provider.down = True  # a process that never got the keys cannot check anyone
    down = await get_me(probe_app(), provider.token(key))
    assert down.status_code == 503 and down.headers["retry-after"] == "5"
    assert down.json()["type"] == "urn:kesos:problem:identity-provider-unavailable"


def test_an_installation_on_a_provider_needs_no_secret_and_maps_only_to_kesos_roles():
    settings = SecuritySettings(oidc_issuer="https://sso.kalselprov.go.id/realms/dinsos")
    assert settings.uses_provider and settings.expected_issuer.endswith("/realms/dinsos")
    with pytest.raises(ValueError, match="superuser"):
        SecuritySettings(oidc_issuer="https://sso.example/realms/x", role_map={"x": "superuser"})


def test_identity_provider_urls_must_be_https():
    with pytest.raises(ValueError, match="https"):
        fetch_json("http://sso.kalselprov.go.id/realms/dinsos/.well-known/openid-configuration")
