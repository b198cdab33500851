"""A sample service built on the chassis, the way real services are: visits to a desa.

It exercises every endpoint kind (read one, list, create, transition, audit trail) with the
chassis' security, idempotency, audit and problem+json, and consumes the test domain's counter
events so its bus has a subscriber. Run as a process:

    python -m tests.support.sample_service --store URL --redis URL --namespace NS --port P
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.audit import Actor, audit_trail, record_audit
from shared.contracts.catalog import EventCatalog
from shared.contracts.envelope import Event
from shared.messaging.bus import ServiceBus
from shared.messaging.outbox import utcnow
from shared.persistence.engine import create_engine, session_factory
from shared.persistence.migrate import migrate_async
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from shared.reference import require_desa
from shared.security import Principal, Role, SecuritySettings, TokenVerifier, narrowest
from shared.settings import BusSettings
from shared.web import bodies
from shared.web.app import WebSettings, create_app
from shared.web.auth import allow, require_scope, require_target_in_scope
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import Cursor, Limit, Page, decode_cursor, page_of
from shared.web.problems import Problem, not_found
from tests.support import tally

TABLES = MetaData()
visits = Table(
    "visits",
    TABLES,
    Column("id", String(36), primary_key=True),
    Column("desa", String(20), nullable=False, index=True),
    Column("note", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
)

CATALOG = EventCatalog()
for model in tally.CATALOG:
    CATALOG.register(model)


@CATALOG.register
class VisitRecorded(Event):
    type: ClassVar[str] = "kesos.visits.visit_recorded.v1"
    subject_field: ClassVar[str] = "visit_id"
    visit_id: str
    desa: str
    status: str


class NewVisit(bodies.Body):
    desa: str = Field(description="Kemendagri desa/kelurahan code, e.g. 63.05.01.2003")
    note: str = Field(min_length=1, max_length=2000)

    @field_validator("desa")
    @classmethod
    def _desa_code(cls, value: str) -> str:
        return require_desa(value).code  # a known desa/kelurahan of the reference data


class Closing(bodies.Body):
    reason: str = Field(min_length=1, max_length=500)


class Visit(BaseModel):
    id: str
    desa: str
    note: str
    status: str
    version: int


class AuditLine(BaseModel):
    at: str
    actor: str
    role: str
    action: str
    reason: str | None


WRITERS = (Role.ADMIN, Role.OPERATOR, Role.TKSK, Role.PSM)
CLOSERS = (Role.ADMIN, Role.OPERATOR, Role.TKSK)
READERS = (*WRITERS, Role.INTEGRATION)


def visits_router(uows: UnitOfWorkFactory[UnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1/visits", tags=["visits"])

    @router.post("", status_code=201, response_model=Visit)
    async def record_visit(
        request: Request,
        key: IdempotencyKey,
        body: NewVisit,
        caller: Annotated[Principal, Depends(allow(*WRITERS, grant="visits:write"))],
    ) -> Any:
        require_target_in_scope(caller, body.desa)

        async def write(uow: UnitOfWork) -> tuple[int, Any]:
            visit = {
                "id": str(uuid.uuid4()),
                "desa": body.desa,
                "note": body.note,
                "status": "open",
                "version": 1,
            }
            await uow.session.execute(insert(visits).values(**visit))
            uow.outbox.add(
                VisitRecorded(visit_id=visit["id"], desa=body.desa, status="open"), sequence=1
            )
            await record_audit(
                uow.session, Actor.of(caller), "visit.record", record_type="visit",
                record_id=visit["id"], wilayah=body.desa, now=utcnow(),
            )  # fmt: skip
            return 201, visit

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    @router.get("/{visit_id}", response_model=Visit)
    async def get_visit(
        visit_id: str, caller: Annotated[Principal, Depends(allow(*READERS))]
    ) -> Any:
        async with uows() as uow:
            row = (await uow.session.execute(select(visits).where(visits.c.id == visit_id))).first()
        if row is None:
            raise not_found("visit")
        require_scope(caller, row.desa, "visit")
        return row._asdict()

    @router.get("", response_model=Page[Visit])
    async def list_visits(
        caller: Annotated[Principal, Depends(allow(*READERS))],
        limit: Limit = 50,
        cursor: Cursor = None,
        wilayah: str | None = None,
        status: str | None = None,
    ) -> Any:
        scope = narrowest(caller.wilayah, wilayah) if wilayah else caller.wilayah
        if scope is None:
            return Page[Visit](items=[])
        query = select(visits).where(visits.c.desa.like(f"{scope}%")).order_by(visits.c.id)
        if status:
            query = query.where(visits.c.status == status)
        if (after := decode_cursor(cursor)) is not None:
            query = query.where(visits.c.id > str(after))
        async with uows() as uow:
            rows = (await uow.session.execute(query.limit(limit + 1))).all()
        items = [row._asdict() for row in rows if caller.covers(row.desa)]
        return page_of(items, limit, lambda item: item["id"])

    @router.post("/{visit_id}/close", response_model=Visit)
    async def close_visit(
        request: Request,
        key: IdempotencyKey,
        visit_id: str,
        body: Annotated[Closing, Body()],
        caller: Annotated[Principal, Depends(allow(*CLOSERS))],
    ) -> Any:
        async def write(uow: UnitOfWork) -> tuple[int, Any]:
            row = (await uow.session.execute(select(visits).where(visits.c.id == visit_id))).first()
            if row is None:
                raise not_found("visit")
            require_scope(caller, row.desa, "visit")
            if row.status != "open":
                raise Problem(409, "visit-not-open", "Visit not open", f"the visit is {row.status}")
            version = row.version + 1
            await uow.session.execute(
                update(visits)
                .where(visits.c.id == visit_id)
                .values(status="closed", version=version)
            )
            uow.outbox.add(
                VisitRecorded(visit_id=visit_id, desa=row.desa, status="closed"), sequence=version
            )
            await record_audit(
                uow.session, Actor.of(caller), "visit.close", record_type="visit",
                record_id=visit_id, wilayah=row.desa, now=utcnow(), reason=body.reason,
            )  # fmt: skip
            return 200, {**row._asdict(), "status": "closed", "version": version}

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    @router.get("/{visit_id}/audit", response_model=list[AuditLine])
    async def visit_audit(
        visit_id: str, caller: Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
    ) -> Any:
        async with uows() as uow:
            row = (
                await uow.session.execute(select(visits.c.desa).where(visits.c.id == visit_id))
            ).first()
            if row is None:
                raise not_found("visit")
            require_scope(caller, row.desa, "visit")
            trail = await audit_trail(uow.session, "visit", visit_id)
        return [
            AuditLine(
                at=e.at.isoformat(), actor=e.actor, role=e.role, action=e.action, reason=e.reason
            )
            for e in trail
        ]

    return router


async def prepare(url: str, engine: AsyncEngine) -> None:
    await migrate_async(url)
    async with engine.begin() as connection:
        await connection.run_sync(TABLES.create_all)
        await connection.run_sync(tally.TABLES.create_all)


def build_app(store_url: str, redis_url: str, namespace: str, secret: str, **bus_overrides: Any):
    """The composition root of the sample service (what each service's app.py does)."""
    engine = create_engine(store_url)
    uows = UnitOfWorkFactory(
        session_factory(engine), namespace=namespace, service="visits", make=UnitOfWork
    )
    settings = BusSettings(
        namespace=namespace, consumer="visits-1", min_idle_ms=1000, reclaim_interval_s=0.2,
        relay_poll_s=0.2, block_ms=200, **bus_overrides,
    )  # fmt: skip
    bus = ServiceBus(
        service="visits", settings=settings, redis_url=redis_url, engine=engine, uows=uows,
        catalog=CATALOG, handlers=tally.HANDLERS,
    )  # fmt: skip
    app = create_app(
        service="visits",
        version="0.1.0",
        bus=bus,
        verifier=TokenVerifier(SecuritySettings(jwt_secret=secret, dev_mode=False)),
        routers=[visits_router(uows)],
        settings=WebSettings(max_body_bytes=64 * 1024, stopped_subscriber_grace_s=0.5),
    )
    app.state.engine = engine
    return app


def main() -> int:
    import asyncio

    from shared.observability.logging import configure_logging
    from shared.web.server import serve

    parser = argparse.ArgumentParser()
    for option in ("--store", "--redis", "--namespace", "--secret"):
        parser.add_argument(option, required=True)
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    configure_logging("visits", json=True)
    engine = create_engine(arguments.store)
    asyncio.run(prepare(arguments.store, engine))
    app = build_app(arguments.store, arguments.redis, arguments.namespace, arguments.secret)
    return serve(app, host="127.0.0.1", port=arguments.port, graceful_timeout_s=5)


if __name__ == "__main__":
    sys.exit(main())
