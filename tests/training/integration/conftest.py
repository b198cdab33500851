"""The training app on a real store and Redis, fed worker events the way registry sends them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import func, select

from services.training.adapters.tables import workers
from services.training.app import MIGRATIONS, build_app
from shared.contracts.envelope import Envelope
from shared.contracts.registry import WorkerRegistered, WorkerState
from shared.persistence.migrate import migrate_async
from shared.security import SecuritySettings, mint_token
from shared.settings import ServiceSettings
from tests.support.apps import RunningApps, service_bus_settings
from tests.support.nodes import Store
from tests.support.waiting import eventually
from tests.training.diklat import TAPIN, TUNGKAP, diklat_dasar

SECRET = "training-test-secret-that-is-long-enough-0123456789"


def bearer(role: str = "operator", wilayah: str = TAPIN, sub: str = "operator-tapin") -> dict:
    token = mint_token(SECRET, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Training:
    """One running training app and what a test needs around it."""

    app: FastAPI
    client: httpx.AsyncClient
    store: Store
    redis: Redis
    namespace: str

    async def publish_worker(
        self,
        worker_id: str | None = None,
        *,
        event: type[WorkerState] = WorkerRegistered,
        sequence: int = 1,
        **state: Any,
    ) -> str:
        """XADD a registry worker event to `<ns>.registry.events`, as registry's relay does."""
        worker_id = worker_id or str(uuid.uuid4())
        values: dict[str, Any] = {
            "worker_id": worker_id, "role": "psm", "name": "Siti Aminah", "sex": "P",
            "birth_date": "1980-01-02", "phone": "+6281234567890", "wilayah": TUNGKAP,
            "kecamatan": TUNGKAP.rsplit(".", 1)[0], "status": "active", "tier": None,
        }  # fmt: skip
        values.update(state)
        if "wilayah" in state and "kecamatan" not in state:
            values["kecamatan"] = ".".join(str(state["wilayah"]).split(".")[:3])
        envelope = Envelope.wrap(
            event(**values), source="/kesos/registry", time=datetime.now(UTC), sequence=sequence
        )
        stream = f"{self.namespace}.registry.events"
        await self.redis.xadd(stream, envelope.to_fields())  # type: ignore[arg-type]
        return worker_id

    async def projected(self) -> int:
        async with self.store.engine.connect() as connection:
            return int(
                (await connection.execute(select(func.count()).select_from(workers))).scalar_one()
            )

    async def worker_row(self, worker_id: str) -> Any:
        async with self.store.engine.connect() as connection:
            query = select(workers).where(workers.c.worker_id == worker_id)
            return (await connection.execute(query)).mappings().first()

    async def known(self, *worker_ids: str) -> None:
        """Wait until training's projection holds every one of `worker_ids`."""

        async def all_known() -> bool:
            return all([await self.worker_row(worker_id) is not None for worker_id in worker_ids])

        await eventually(all_known, message=f"{len(worker_ids)} workers projected")

    async def active_psm(self, *desa: str) -> list[str]:
        ids = [await self.publish_worker(wilayah=code) for code in desa]
        await self.known(*ids)
        return ids

    async def schedule(self, headers: dict | None = None, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/batches", json=diklat_dasar(**overrides), headers=headers or bearer()
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def enrol(self, batch_id: str, worker_id: str, **headers: str) -> httpx.Response:
        return await self.client.post(
            f"/v1/batches/{batch_id}/enrolments",
            json={"worker_id": worker_id},
            headers={**bearer(), **headers},
        )

    async def mark(self, batch_id: str, session_id: str, worker_id: str, present: bool) -> None:
        response = await self.client.post(
            f"/v1/batches/{batch_id}/attendance",
            json={"session_id": session_id, "worker_id": worker_id, "present": present},
            headers=bearer(),
        )
        assert response.status_code == 200, response.text

    async def events(self, event_type: str, count: int) -> list[Envelope]:
        """Wait until `count` events of a type are on `<ns>.training.events`; return them."""

        async def found() -> list[Envelope]:
            entries: Any = await self.redis.xrange(f"{self.namespace}.training.events")
            envelopes = [Envelope.from_fields(fields) for _, fields in entries]
            matching = [e for e in envelopes if e.type == event_type]
            return matching if len(matching) >= count else []

        return list(await eventually(found, message=f"{count} × {event_type}"))


@pytest.fixture
async def make_training(
    make_store: Callable[..., Any],
    redis_url: str,
    namespace: str,
    redis: Redis,
    running_apps: RunningApps,
) -> Callable[..., Any]:
    async def make(kind: str = "sqlite") -> Training:
        store = await make_store(kind, "training")
        await migrate_async(store.url, MIGRATIONS)
        app = build_app(
            ServiceSettings("training", store.url, redis_url, "127.0.0.1", 0),
            bus_settings=service_bus_settings(namespace, "training"),
            security=SecuritySettings(jwt_secret=SECRET),
        )
        client = await running_apps.start(app, "http://training.test")
        return Training(app, client, store, redis, namespace)

    return make


@pytest.fixture
async def training(make_training: Callable[..., Any]) -> Training:
    return await make_training("sqlite")
