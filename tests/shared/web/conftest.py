from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.security import mint_token
from tests.support import sample_service
from tests.support.apps import RunningApps

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
TUNGKAP = "63.05.01.2003"  # desa Tungkap, Binuang
RANTAU_KIWA = "63.05.04.1004"  # kelurahan Rantau Kiwa, Tapin Utara


def token(role: str = "operator", wilayah: str = "63.05", sub: str = "alice", **claims: Any) -> str:
    return mint_token(SECRET, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC), **claims)


def bearer(
    role: str = "operator", wilayah: str = "63.05", sub: str = "alice", **claims: Any
) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, wilayah, sub, **claims)}"}


@dataclass
class Sample:
    app: FastAPI
    client: httpx.AsyncClient
    store_url: str

    async def record(
        self, desa: str = TUNGKAP, note: str = "lansia terlantar", **headers: str
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/visits", json={"desa": desa, "note": note}, headers={**bearer(), **headers}
        )
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
async def make_sample(
    make_store, redis_url, namespace, running_apps: RunningApps
) -> Callable[..., Any]:
    async def make(kind: str = "sqlite") -> Sample:
        store = await make_store(kind, "visits")
        app = sample_service.build_app(store.url, redis_url, namespace, SECRET)
        client = await running_apps.start(app, "http://visits.test")
        return Sample(app, client, store.url)

    return make


@pytest.fixture
async def sample(make_sample) -> Sample:
    return await make_sample("sqlite")
