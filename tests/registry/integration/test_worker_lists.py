"""Listing workers: filters, wilayah scope and cursor pagination."""

from __future__ import annotations

import pytest

from tests.registry.integration.conftest import (
    BINUANG,
    BINUANG_KELURAHAN,
    RANTAU_KIWA,
    TAPIN_UTARA,
    TUNGKAP,
    bearer,
    nik,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def workers(registry) -> dict[str, str]:
    """Two PSM in Binuang, one in Tapin Utara, a TKSK in each kecamatan: name → worker id."""
    people = {
        "psm-tungkap": {"wilayah": TUNGKAP, "nik": nik(1)},
        "psm-binuang": {"wilayah": BINUANG_KELURAHAN, "nik": nik(2)},
        "psm-rantau-kiwa": {"wilayah": RANTAU_KIWA, "nik": nik(3, "630504")},
        "tksk-binuang": {"role": "tksk", "wilayah": BINUANG, "nik": nik(4)},
        "tksk-tapin-utara": {"role": "tksk", "wilayah": TAPIN_UTARA, "nik": nik(5, "630504")},
    }
    return {name: (await registry.register(**body))["worker_id"] for name, body in people.items()}


async def listed(registry, headers=None, **query) -> set[str]:
    response = await registry.client.get("/v1/workers", params=query, headers=headers or bearer())
    assert response.status_code == 200, response.text
    return {worker["worker_id"] for worker in response.json()["items"]}


def ids(workers: dict[str, str], *names: str) -> set[str]:
    return {workers[name] for name in names}


async def test_filters_by_role_wilayah_and_status(registry, workers):
    assert await listed(registry) == set(workers.values())
    psm = ids(workers, "psm-tungkap", "psm-binuang", "psm-rantau-kiwa")
    assert await listed(registry, role="psm") == psm
    binuang = ids(workers, "psm-tungkap", "psm-binuang", "tksk-binuang")
    assert await listed(registry, wilayah=BINUANG) == binuang
    assert await listed(registry, wilayah="630501", role="tksk") == ids(workers, "tksk-binuang")
    assert await listed(registry, wilayah=TUNGKAP) == ids(workers, "psm-tungkap")
    await registry.post(f"/v1/workers/{workers['psm-binuang']}/deactivate", {"reason": "pindah"})
    assert await listed(registry, status="inactive") == ids(workers, "psm-binuang")
    assert await listed(registry, status="active", role="psm", wilayah=BINUANG) == ids(
        workers, "psm-tungkap"
    )
    assert await listed(registry, tier="dasar") == set()


async def test_a_caller_lists_only_inside_their_wilayah(registry, workers):
    tapin_utara = bearer("tksk", TAPIN_UTARA)
    expected = ids(workers, "psm-rantau-kiwa", "tksk-tapin-utara")
    assert await listed(registry, tapin_utara) == expected
    assert await listed(registry, tapin_utara, wilayah="63") == expected  # no wider than scope
    assert await listed(registry, tapin_utara, wilayah=BINUANG) == set()
    assert await listed(registry, bearer("psm", TUNGKAP)) == ids(workers, "psm-tungkap")


async def test_pages_cover_every_worker_once(registry, workers):
    seen: list[str] = []
    query: dict[str, str | int] = {"limit": 2}
    for _ in range(5):
        page = (await registry.client.get("/v1/workers", params=query, headers=bearer())).json()
        seen += [worker["worker_id"] for worker in page["items"]]
        if page.get("next_cursor") is None:
            break
        query["cursor"] = page["next_cursor"]
    assert sorted(seen) == sorted(workers.values())
    assert len(page["items"]) == 1


@pytest.mark.parametrize(
    ("query", "status", "rule"),
    [
        ({"cursor": "not-a-cursor"}, 400, "invalid-cursor"),
        ({"cursor": "MTI"}, 400, "invalid-cursor"),  # a cursor that decodes to a number
        ({"tier": "sarjana"}, 422, "training-tier-unknown"),
        ({"wilayah": "63-05"}, 422, "wilayah-malformed"),
        ({"role": "lks"}, 422, "validation-failed"),
        ({"limit": 0}, 422, "validation-failed"),
    ],
)
async def test_bad_list_queries_are_problems(registry, query, status, rule):
    response = await registry.client.get("/v1/workers", params=query, headers=bearer())
    assert response.status_code == status, response.text
    assert response.json()["type"] == f"urn:kesos:problem:{rule}"
