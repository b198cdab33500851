"""Who may do what where: every role, caller wilayah and endpoint kind, and every token failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.security import mint_token
from tests.shared.web.conftest import RANTAU_KIWA, SECRET, TUNGKAP, bearer

pytestmark = pytest.mark.integration

ROLES = ("admin", "operator", "tksk", "psm", "integration")
# caller wilayah → whether the visit in desa Tungkap (63.05.01.2003) is inside it
WILAYAH = {
    "63": True,  # province
    "63.05": True,  # kabupaten Tapin
    "63.06": False,  # another kabupaten
    "63.05.01": True,  # kecamatan Binuang
    "63.05.04": False,  # kecamatan Tapin Utara
    TUNGKAP: True,  # the desa itself
    RANTAU_KIWA: False,  # another desa
}
CASES = [(role, wilayah, inside) for role in ROLES for wilayah, inside in WILAYAH.items()]


def expected_read(role: str, inside: bool) -> int:
    return 200 if inside else 404


def expected_create(role: str, inside: bool) -> int:
    if role == "integration":
        return 403  # read-only unless granted
    return 201 if inside else 403  # the caller named a desa outside its wilayah


def expected_close(role: str, inside: bool) -> int:
    if role in ("psm", "integration"):
        return 403  # a PSM records; it does not close
    return 200 if inside else 404


@pytest.fixture
async def visit(sample):
    return await sample.record()


@pytest.mark.parametrize(("role", "wilayah", "inside"), CASES)
async def test_read_one(sample, visit, role, wilayah, inside):
    response = await sample.client.get(f"/v1/visits/{visit['id']}", headers=bearer(role, wilayah))
    assert response.status_code == expected_read(role, inside), response.text
    if response.status_code == 404:
        assert response.json()["type"] == "urn:kesos:problem:not-found"  # same as a missing one


@pytest.mark.parametrize(("role", "wilayah", "inside"), CASES)
async def test_list(sample, visit, role, wilayah, inside):
    response = await sample.client.get("/v1/visits", headers=bearer(role, wilayah))
    assert response.status_code == 200, response.text
    ids = [item["id"] for item in response.json()["items"]]
    assert (visit["id"] in ids) is inside


@pytest.mark.parametrize(("role", "wilayah", "inside"), CASES)
async def test_create(sample, role, wilayah, inside):
    response = await sample.client.post(
        "/v1/visits", json={"desa": TUNGKAP, "note": "PD fisik"}, headers=bearer(role, wilayah)
    )
    assert response.status_code == expected_create(role, inside), response.text


@pytest.mark.parametrize(("role", "wilayah", "inside"), CASES)
async def test_transition(sample, visit, role, wilayah, inside):
    response = await sample.client.post(
        f"/v1/visits/{visit['id']}/close",
        json={"reason": "tertangani"},
        headers=bearer(role, wilayah),
    )
    assert response.status_code == expected_close(role, inside), response.text


async def test_an_integration_client_granted_writes_may_create(sample):
    headers = bearer("integration", "63.05", grants=["visits:write"])
    response = await sample.client.post(
        "/v1/visits", json={"desa": TUNGKAP, "note": "x"}, headers=headers
    )
    assert response.status_code == 201


def _forged(**changes) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": "kesos",
        "aud": "kesos",
        "sub": "mallory",
        "role": "admin",
        "wilayah": "63",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    claims.update(changes.pop("claims", {}))
    return jwt.encode(claims, changes.pop("key", SECRET), algorithm="HS256")


TOKEN_FAILURES = {
    "missing": None,
    "expired": mint_token(
        SECRET, sub="a", role="admin", wilayah="63", now=datetime.now(UTC) - timedelta(days=2)
    ),
    "wrong signature": _forged(key="another-secret-that-is-long-enough-0123456789abcdef"),
    "wrong audience": _forged(claims={"aud": "someone-else"}),
    "malformed": "not.a.token",
    "not bearer": "Basic YWxpY2U6c2VjcmV0",
}


@pytest.mark.parametrize("failure", TOKEN_FAILURES)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/visits/x"),
        ("GET", "/v1/visits"),
        ("POST", "/v1/visits"),
        ("POST", "/v1/visits/x/close"),
    ],
)
async def test_every_token_failure_is_401(sample, failure, method, path):
    value = TOKEN_FAILURES[failure]
    headers = (
        {}
        if value is None
        else {"Authorization": value if failure == "not bearer" else f"Bearer {value}"}
    )
    response = await sample.client.request(
        method, path, headers=headers, json={"desa": TUNGKAP, "note": "x"}
    )
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].startswith("urn:kesos:problem:token-")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_health_endpoints_need_no_token(sample):
    for path in ("/healthz", "/readyz", "/metrics"):
        assert (await sample.client.get(path)).status_code == 200, path
