"""The diklat and PMKS stories as the notifications service sees them: workers, enrolments,
certificates and case steps."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis

from shared.contracts.cases import CaseStep
from shared.contracts.envelope import Envelope, Event
from shared.contracts.registry import WorkerContact
from shared.contracts.training import CertificateIssued, ParticipantEnrolled
from shared.messaging.streams import events_stream
from shared.security import mint_token
from tests.support.entries import envelope_of, publish
from tests.support.waiting import eventually

TUNGKAP = "63.05.01.2003"  # desa Tungkap, Binuang
RANTAU_KIWA = "63.05.04.1004"  # kelurahan Rantau Kiwa, Tapin Utara
PHONE = "+6281234567890"
Step = TypeVar("Step", bound=CaseStep)
SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def bearer(
    role: str = "operator", wilayah: str = "63.05", sub: str = "alice", grants: tuple[str, ...] = ()
) -> dict[str, str]:
    token = mint_token(
        SECRET, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC), grants=grants
    )
    return {"Authorization": f"Bearer {token}"}


ADMIN = bearer("admin", "63", "admin-1")


def worker(worker_id: str, name: str, wilayah: str = TUNGKAP, **changes: Any) -> WorkerContact:
    """A worker's contact, as the registry publishes it on its restricted contacts stream."""
    values: dict[str, Any] = {
        "worker_id": worker_id,
        "role": "psm",
        "name": name,
        "phone": PHONE,
        "wilayah": wilayah,
        "kecamatan": wilayah[:8],
        "status": "active",
    }
    return WorkerContact(**{**values, **changes})


def enrolled(worker_id: str, enrolment_id: str | None = None) -> ParticipantEnrolled:
    return ParticipantEnrolled(
        enrolment_id=enrolment_id or f"enr-{worker_id}",
        batch_id="batch-2011",
        worker_id=worker_id,
        tier="dasar",
        batch_title="Diklat Dasar PSM 2011",
        starts_on=date(2011, 5, 24),
        ends_on=date(2011, 5, 27),
        venue="Aula Kantor Dinsosduknaker Tapin",
    )


def certified(worker_id: str, number: str) -> CertificateIssued:
    return CertificateIssued(
        certificate_id=f"cert-{worker_id}",
        number=number,
        batch_id="batch-2011",
        worker_id=worker_id,
        tier="dasar",
        issued_on=date(2011, 5, 27),
        issuer="Dinas Sosial Kabupaten Tapin",
        batch_title="Diklat Dasar PSM 2011",
    )


def case_step(step: type[Step], **changes: Any) -> Step:
    """A LUT case in Tungkap reported by PSM Siti, assigned to TKSK Rahmat of Binuang."""
    values: dict[str, Any] = {
        "case_id": "3f2a9c1e-7b4d-4e21-9a0c-5d6e7f809a1b",
        "categories": ("LUT",),
        "desa": TUNGKAP,
        "kecamatan": TUNGKAP[:8],
        "status": "in_verification",
        "reported_by": "w-siti",
        "reporter_role": "psm",
        "assigned_tksk_id": "w-rahmat",
        "action": "assign",
        "actor_id": "system",
        "actor_role": "system",
        "at": datetime(2024, 8, 12, 9, 30, tzinfo=UTC),
    }
    return step(**{**values, **changes})


@dataclass
class Notifications:
    app: FastAPI
    client: httpx.AsyncClient
    redis: Redis
    namespace: str
    export_file: Path
    store_url: str

    async def publish(self, event: Event, *, sequence: int | None = None) -> Envelope:
        envelope = envelope_of(event, sequence=sequence)
        await publish(self.redis, self.namespace, envelope, type(event).stream_channel)
        return envelope

    async def deliveries(self, headers: dict[str, str] = ADMIN, **params: Any) -> list[Any]:
        response = await self.client.get("/v1/deliveries", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def delivery_of(
        self, recipient_id: str, status: str = "sent", template: str | None = None
    ) -> dict[str, Any]:
        """Wait until the recipient has a delivery in `status` (read as the recipient)."""

        async def found() -> dict[str, Any] | None:
            own = await self.deliveries(bearer("psm", TUNGKAP, recipient_id), status=status)
            return next((d for d in own if template in (None, d["template"])), None)

        return dict(await eventually(found, message=f"{recipient_id} has a {status} delivery"))

    def exported(self) -> list[dict[str, Any]]:
        if not self.export_file.exists():
            return []
        return [json.loads(line) for line in self.export_file.read_text("utf-8").splitlines()]

    async def published(self) -> list[Envelope]:
        stream = events_stream(self.namespace, "notifications")
        entries: Any = await self.redis.xrange(stream)  # redis-py types it loosely
        return [Envelope.from_fields(fields) for _, fields in entries]

    async def handled(self, entries: int) -> None:
        """Wait until the consumers have committed (and acked) this many entries in total."""
        runner = self.app.state.bus.runner
        await eventually(lambda: runner.handled >= entries, message=f"{entries} entries handled")
