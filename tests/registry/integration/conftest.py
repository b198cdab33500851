"""A registry app on a real store (SQLite or PostgreSQL) and a real Redis, per test."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from services.registry import MIGRATIONS
from services.registry.app import build_app
from shared.contracts.envelope import Envelope
from shared.persistence.migrate import migrate_async
from shared.security import SecuritySettings, mint_token
from shared.settings import ServiceSettings
from tests.support.apps import RunningApps, service_bus_settings

SECRET = "registry-test-secret-that-is-long-enough-0123456789"
TAPIN = "63.05"
BINUANG = "63.05.01"
TUNGKAP = "63.05.01.2003"  # desa Tungkap, Binuang
BINUANG_KELURAHAN = "63.05.01.1001"
TAPIN_UTARA = "63.05.04"
RANTAU_KIWA = "63.05.04.1004"  # kelurahan Rantau Kiwa, Tapin Utara
# A man born 17-08-1990 registered in Binuang; a woman's birth day is + 40 (DOMAIN.md §3.1).
NIK_MAN = "6305011708900001"
NIK_WOMAN = "6305015708900002"

Make = Callable[..., Awaitable["Registry"]]


def bearer(role: str = "operator", wilayah: str = TAPIN, sub: str = "alice") -> dict[str, str]:
    token = mint_token(SECRET, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


def new_worker(role: str = "psm", wilayah: str = TUNGKAP, **changes: Any) -> dict[str, Any]:
    body = {
        "role": role,
        "nik": NIK_MAN,
        "name": "Ahmad Rifani",
        "sex": "L",
        "birth_date": "1990-08-17",
        "phone": "0812-3456-7890",
        "wilayah": wilayah,
    }
    return {**body, **changes}


def new_person(desa: str = TUNGKAP, **changes: Any) -> dict[str, Any]:
    body = {
        "nik": NIK_WOMAN,
        "name": "Siti Aminah",
        "sex": "P",
        "birth_date": "1990-08-17",
        "desa": desa,
        "categories": ["LUT"],
    }
    return {**body, **changes}


def nik(serial: int, kecamatan: str = "630501") -> str:
    """A plausible NIK per serial: men born 17-08-1990 in a Tapin kecamatan."""
    return f"{kecamatan}170890{serial:04d}"


@dataclass
class Registry:
    app: FastAPI
    client: httpx.AsyncClient
    store_url: str
    namespace: str

    async def register(self, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/workers", json=new_worker(**body), headers=headers or bearer()
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def get(self, worker_id: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.get(f"/v1/workers/{worker_id}", headers=headers or bearer())

    async def post(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.post(path, json=body, headers=headers or bearer())


@pytest.fixture
async def make_registry(make_store, redis_url, namespace, running_apps: RunningApps) -> Make:
    async def make(kind: str = "sqlite") -> Registry:
        store = await make_store(kind, "registry")
        await migrate_async(store.url, MIGRATIONS)
        settings = ServiceSettings(
            service="registry", database_url=store.url, redis_url=redis_url,
            host="127.0.0.1", port=0,
        )  # fmt: skip
        app = build_app(
            settings,
            bus_settings=service_bus_settings(namespace, "registry"),
            security=SecuritySettings(jwt_secret=SECRET),
        )
        client = await running_apps.start(app, "http://registry.test")
        return Registry(app, client, store.url, namespace)

    return make


@pytest.fixture
async def registry(make_registry) -> Registry:
    return await make_registry("sqlite")


async def published(redis: Redis, namespace: str, channel: str = "events") -> list[Envelope]:
    """Every event on one of the registry's streams (the public one by default), oldest first."""
    entries = await redis.xrange(f"{namespace}.registry.{channel}")
    return [Envelope.from_fields(fields or {}) for _, fields in entries or []]
