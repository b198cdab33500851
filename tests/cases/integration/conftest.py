"""The cases app on a real store and Redis, fed worker events the way registry sends them."""

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

from services.cases.adapters.tables import cases, workers
from services.cases.app import MIGRATIONS, build_app
from shared.contracts.envelope import Envelope, Event
from shared.contracts.registry import (
    PersonLinked,
    PersonRegistered,
    PersonState,
    WorkerRegistered,
    WorkerState,
)
from shared.persistence.migrate import migrate_async
from shared.persistence.tables import inbox
from shared.security import SecuritySettings, mint_token
from shared.settings import ServiceSettings
from tests.support.apps import RunningApps, service_bus_settings
from tests.support.nodes import Store
from tests.support.waiting import eventually

SECRET = "cases-test-secret-that-is-long-enough-0123456789abcdef"
TAPIN = "63.05"
BINUANG = "63.05.01"
TUNGKAP = "63.05.01.2003"  # desa in Binuang
PADANG_SARI = "63.05.01.2016"  # another desa in Binuang
TAPIN_UTARA = "63.05.04"
RANTAU_KIWA = "63.05.04.1004"
TAPIN_SELATAN = "63.05.02"
TATAKAN = "63.05.02.2001"
OTHER_KABUPATEN = "63.03"
NIK = "6305014506400003"  # a woman born 5 June 1940
NAME = "Nenek Siti Jubaidah"


def bearer(role: str = "operator", wilayah: str = TAPIN, sub: str = "operator-tapin") -> dict:
    token = mint_token(SECRET, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


def psm(worker_id: str, desa: str = TUNGKAP) -> dict:
    return bearer("psm", desa, worker_id)


def tksk(worker_id: str, kecamatan: str = BINUANG) -> dict:
    return bearer("tksk", kecamatan, worker_id)


PLAN = {
    "items": [{"service": "kursi roda", "provider": "Dinas Sosial", "target_date": "2026-12-31"}]
}


def report_body(desa: str = TUNGKAP, categories: tuple[str, ...] = ("LUT",), **extra: Any) -> dict:
    body: dict[str, Any] = {
        "categories": list(categories),
        "desa": desa,
        "description": "Lansia tinggal sendiri, tidak terurus",
        "person": {"nik": NIK, "name": NAME, "sex": "P", "birth_date": "1940-06-05"},
    }
    body.update(extra)
    return body


@dataclass
class Cases:
    """One running cases app and what a test needs around it."""

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
        role: str = "tksk",
        wilayah: str = BINUANG,
        **state: Any,
    ) -> str:
        """XADD a registry worker event to `<ns>.registry.events`, as registry's relay does."""
        worker_id = worker_id or str(uuid.uuid4())
        values: dict[str, Any] = {
            "worker_id": worker_id, "role": role, "name": "Ahmad Rizani", "sex": "L",
            "birth_date": "1975-03-04", "phone": "+6281234567890", "wilayah": wilayah,
            "kecamatan": ".".join(wilayah.split(".")[:3]), "status": "active", "tier": None,
        }  # fmt: skip
        values.update(state)
        await self.publish(event(**values), sequence)
        return worker_id

    async def publish(self, event: Event, sequence: int | None = None) -> None:
        """XADD a registry event to `<ns>.registry.events`, as registry's relay does."""
        envelope = Envelope.wrap(
            event, source="/kesos/registry", time=datetime.now(UTC), sequence=sequence
        )
        stream = f"{self.namespace}.registry.events"
        await self.redis.xadd(stream, envelope.to_fields())  # type: ignore[arg-type]

    async def publish_person(
        self,
        person_id: str,
        desa: str = TUNGKAP,
        *,
        event: type[PersonState] = PersonRegistered,
        sequence: int = 1,
    ) -> None:
        kecamatan = ".".join(desa.split(".")[:3])
        person = event(
            person_id=person_id, desa=desa, kecamatan=kecamatan, categories=("LUT",),
            nik_recorded=True,
        )  # fmt: skip
        await self.publish(person, sequence)

    async def publish_link(self, case_id: str, person_id: str, matched_by: str = "new") -> None:
        link = PersonLinked(case_id=case_id, person_id=person_id, matched_by=matched_by)  # type: ignore[arg-type]
        await self.publish(link, 1)

    async def handled(self, handler: str, count: int) -> None:
        """Wait until `handler` has committed `count` events (its inbox rows)."""

        async def done() -> bool:
            async with self.store.engine.connect() as connection:
                query = select(func.count()).where(inbox.c.handler == handler)
                return bool((await connection.execute(query)).scalar_one() >= count)

        await eventually(done, message=f"{count} events handled by {handler}")

    async def worker_row(self, worker_id: str) -> Any:
        async with self.store.engine.connect() as connection:
            query = select(workers).where(workers.c.worker_id == worker_id)
            return (await connection.execute(query)).mappings().first()

    async def case_row(self, case_id: str) -> Any:
        async with self.store.engine.connect() as connection:
            query = select(cases).where(cases.c.case_id == case_id)
            return (await connection.execute(query)).mappings().first()

    async def known(self, worker_id: str, sequence: int = 1) -> None:
        async def projected() -> bool:
            row = await self.worker_row(worker_id)
            return row is not None and row["sequence"] >= sequence

        await eventually(projected, message=f"worker {worker_id} projected")

    async def active_tksk(self, kecamatan: str = BINUANG, worker_id: str | None = None) -> str:
        worker_id = await self.publish_worker(worker_id, wilayah=kecamatan)
        await self.known(worker_id)
        return worker_id

    async def report(self, headers: dict, **body: Any) -> dict[str, Any]:
        response = await self.client.post("/v1/cases", json=report_body(**body), headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def act(
        self, case_id: str, step: str, headers: dict, body: dict | None = None
    ) -> httpx.Response:
        return await self.client.post(f"/v1/cases/{case_id}/{step}", json=body, headers=headers)

    async def ok(self, case_id: str, step: str, headers: dict, body: dict | None = None) -> dict:
        response = await self.act(case_id, step, headers, body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def plan(self, case_id: str, headers: dict) -> dict:
        """The assigned TKSK's plan, approved by the Dinas where the approvals ask for it
        (by default every plan): the case is `planned` after."""
        case = await self.ok(case_id, "plan", headers, PLAN)
        if case["status"] == "plan_review":
            case = await self.ok(case_id, "approve-plan", bearer())
        assert case["status"] == "planned", case
        return case

    async def get(self, case_id: str, headers: dict) -> httpx.Response:
        return await self.client.get(f"/v1/cases/{case_id}", headers=headers)

    async def entries(self, channel: str = "events") -> list[tuple[dict[str, str], Envelope]]:
        raw: Any = await self.redis.xrange(f"{self.namespace}.cases.{channel}")
        decoded = [{_text(k): _text(v) for k, v in fields.items()} for _, fields in raw]
        return [(fields, Envelope.from_fields(fields)) for fields in decoded]

    async def events(self, count: int, case_id: str | None = None) -> list[Envelope]:
        """Wait until `count` events (of one case, when given) are on `<ns>.cases.events`."""

        async def found() -> list[Envelope]:
            envelopes = [e for _, e in await self.entries()]
            if case_id is not None:
                envelopes = [e for e in envelopes if e.subject == case_id]
            return envelopes if len(envelopes) >= count else []

        return list(await eventually(found, message=f"{count} case events"))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@pytest.fixture
async def make_cases(
    make_store: Callable[..., Any],
    redis_url: str,
    namespace: str,
    redis: Redis,
    running_apps: RunningApps,
) -> Callable[..., Any]:
    async def make(kind: str = "sqlite") -> Cases:
        store = await make_store(kind, "cases")
        await migrate_async(store.url, MIGRATIONS)
        app = build_app(
            ServiceSettings("cases", store.url, redis_url, "127.0.0.1", 0),
            bus_settings=service_bus_settings(namespace, "cases"),
            security=SecuritySettings(jwt_secret=SECRET),
        )
        client = await running_apps.start(app, "http://cases.test")
        return Cases(app, client, store, redis, namespace)

    return make


@pytest.fixture
async def cases_app(make_cases: Callable[..., Any]) -> Cases:
    return await make_cases("sqlite")
