"""The floor: the least a server does for each operation `bench.api` measures.

`python -m bench.floor --service cases --dsn postgresql://… --port N --namespace NS` serves the
measured paths of one service, on that service's own database (migrated by the service and seeded
by the bench), with FastAPI on uvicorn (uvloop, httptools, no access log), no middleware, no ORM,
no request or response models, and a pool of 20 asyncpg connections.

Each endpoint issues the service's essential statements, in one transaction where the service
writes (and where its reads write audit rows):
- it reads what the service reads to decide: the record, the kecamatan's active TKSK, the batch
  locked FOR UPDATE, the worker, the seat, the certificates held, the glass grants of protected
  records; and what it answers with (a case's steps, a person's cases, a batch's sessions);
- it writes the rows the service writes, one INSERT per table: the record, its category and
  step rows, one outbox row per event (an envelope of about the service's size), the audit rows
  (one per person shown by a read), the Idempotency-Key's row with the answer (a key used before
  fails that INSERT; the stored answer is then read, as in the service); and, where the cases
  service keeps the rekap's counts with every write (`cases_rekap_counts`), those counts, which
  its rekap then sums instead of grouping the cases;
- it checks the states the statements need (in verification and ours, seats left, NIK unused)
  and answers 404/409 otherwise; it does not verify the token's signature (it reads the caller's
  claims), does not validate the body beyond that (the load sends valid ones) and answers a
  small JSON.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

import asyncpg
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response

from shared.reference import pmks_categories

POOL_SIZE = 20
JSON_TYPE = "application/json"
SENSITIVE = sorted(pmks_categories().sensitive())  # the protected PMKS categories


# --- plumbing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    sub: str
    role: str
    wilayah: str


def caller_of(request: Request) -> Caller:
    """The bearer token's claims, unverified (the floor measures the work, not the key)."""
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    payload = token.split(".")[1] if token.count(".") == 2 else ""
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return Caller(claims["sub"], claims["role"], claims["wilayah"])


def covers(scope: str, code: str | None) -> bool:
    return code is not None and (code == scope or code.startswith(f"{scope}."))


def utcnow() -> datetime:
    return datetime.now(UTC)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(content: Any) -> str:
    return json.dumps(content, default=_plain)


def answer(content: Any, status: int = 200) -> Response:
    return Response(dumps(content), status_code=status, media_type=JSON_TYPE)


def refuse(status: int) -> Response:
    return answer({"status": status}, status)


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[asyncpg.Connection]:
    async with request.app.state.pool.acquire() as db, db.transaction():
        yield db


@dataclass(frozen=True)
class Rows:
    """INSERTs into one table: VALUES for one row, unnest of arrays for several."""

    table: str
    columns: tuple[tuple[str, str], ...]  # (name, PostgreSQL type)

    @cached_property
    def one(self) -> str:
        names = ", ".join(name for name, _ in self.columns)
        values = ", ".join(f"${n}::{kind}" for n, (_, kind) in enumerate(self.columns, 1))
        return f"INSERT INTO {self.table} ({names}) VALUES ({values})"

    @cached_property
    def many(self) -> str:
        names = ", ".join(name for name, _ in self.columns)
        arrays = ", ".join(f"${n}::{kind}[]" for n, (_, kind) in enumerate(self.columns, 1))
        return f"INSERT INTO {self.table} ({names}) SELECT * FROM unnest({arrays})"


async def insert(db: asyncpg.Connection, rows: Rows, values: Sequence[Sequence[Any]]) -> None:
    if len(values) == 1:
        await db.execute(rows.one, *values[0])
    elif values:
        await db.execute(rows.many, *(list(column) for column in zip(*values, strict=True)))


def _columns(spec: str) -> tuple[tuple[str, str], ...]:
    pairs = (item.split(":") for item in spec.split())
    return tuple((name, kind) for name, kind in pairs)


OUTBOX = Rows(
    "kesos_outbox",
    _columns("event_id:text stream:text type:text subject:text fields:text created_at:timestamptz"),
)
AUDIT = Rows(
    "kesos_audit",
    _columns(
        "at:timestamptz actor:text role:text action:text record_type:text record_id:text "
        "wilayah:text reason:text correlation_id:text"
    ),
)
IDEMPOTENCY = Rows(
    "kesos_idempotency",
    _columns(
        "caller:text key:text request_hash:text status_code:int4 response:text "
        "created_at:timestamptz"
    ),
)


Write = Callable[[asyncpg.Connection], Awaitable[Response]]


async def idempotent(request: Request, caller: Caller, write: Write) -> Response:
    """`write` in one transaction, its answer stored with it under the Idempotency-Key; a key
    used before fails that INSERT, and the answer stored then is the answer (no lookup first,
    as in the service)."""
    try:
        async with transaction(request) as db:
            return await write(db)
    except asyncpg.UniqueViolationError:
        async with request.app.state.pool.acquire() as db:
            stored = await replayed(db, caller, request.headers.get("idempotency-key"))
        if stored is None:
            raise
        return stored


async def replayed(db: asyncpg.Connection, caller: Caller, key: str | None) -> Response | None:
    """The stored answer of an Idempotency-Key already used by this caller."""
    if key is None:
        return None
    row = await db.fetchrow(
        "SELECT status_code, response FROM kesos_idempotency WHERE caller = $1 AND key = $2",
        caller.sub,
        key,
    )
    if row is None:
        return None
    return Response(row["response"], status_code=row["status_code"], media_type=JSON_TYPE)


async def remember(
    db: asyncpg.Connection, request: Request, caller: Caller, status: int, content: Any
) -> Response:
    """Store the answer with the write (when the request has a key) and return it."""
    text = dumps(content)
    key = request.headers.get("idempotency-key")
    if key is not None:
        digest = hashlib.sha256(await request.body()).hexdigest()
        await insert(db, IDEMPOTENCY, [(caller.sub, key, digest, status, text, utcnow())])
    return Response(text, status_code=status, media_type=JSON_TYPE)


@dataclass(frozen=True)
class Event:
    """One outbox row: the service's envelope (CloudEvents attributes, `data` as JSON)."""

    producer: str
    name: str
    subject: str
    data: dict[str, Any]
    sequence: int | None = None
    channel: str = "events"

    def row(self, namespace: str, now: datetime, correlation: str) -> tuple[Any, ...]:
        event_id = str(uuid.uuid4())
        kind = f"kesos.{self.producer}.{self.name}.v1"
        fields = {
            "id": event_id, "source": f"/kesos/{self.producer}", "type": kind,
            "specversion": "1.0", "time": now.isoformat().replace("+00:00", "Z"),
            "subject": self.subject, "correlationid": correlation,
            **({"sequence": str(self.sequence)} if self.sequence is not None else {}),
            "data": json.dumps(self.data, separators=(",", ":"), default=_plain),
        }  # fmt: skip
        stream = f"{namespace}.{self.producer}.{self.channel}"
        return (event_id, stream, kind, self.subject, json.dumps(fields), now)


async def publish(db: asyncpg.Connection, request: Request, events: Sequence[Event]) -> None:
    now, correlation = utcnow(), str(uuid.uuid4())
    namespace = request.app.state.namespace
    await insert(db, OUTBOX, [event.row(namespace, now, correlation) for event in events])


def audit_row(caller: Caller, action: str, kind: str, record: str, wilayah: str) -> tuple[Any, ...]:
    return (
        utcnow(),
        caller.sub,
        caller.role,
        action,
        kind,
        record,
        wilayah,
        None,
        str(uuid.uuid4()),
    )


async def audit(
    db: asyncpg.Connection, caller: Caller, action: str, kind: str, record: str, wilayah: str
) -> None:
    """A write's audit row."""
    await insert(db, AUDIT, [audit_row(caller, action, kind, record, wilayah)])


async def shown(
    db: asyncpg.Connection, caller: Caller, kind: str, records: Sequence[tuple[str, list[str]]]
) -> set[str]:
    """The records (id, categories) whose person the caller sees: unprotected ones, and the
    protected ones the caller holds an unexpired glass grant on."""
    protected = [record for record, codes in records if set(codes) & set(SENSITIVE)]
    granted: set[str] = set()
    if protected:
        rows = await db.fetch(
            "SELECT record_id FROM kesos_glass WHERE actor = $1 AND record_type = $2 "
            "AND record_id = ANY($3::text[]) AND expires_at > $4",
            caller.sub, kind, protected, utcnow(),
        )  # fmt: skip
        granted = {row["record_id"] for row in rows}
    return {record for record, _ in records if record not in protected or record in granted}


async def audit_reads(
    db: asyncpg.Connection, caller: Caller, kind: str, reads: Sequence[tuple[str, str]]
) -> None:
    rows = [audit_row(caller, f"{kind}.read", kind, record, where) for record, where in reads]
    await insert(db, AUDIT, rows)


async def rows_in_scope(
    db: asyncpg.Connection, table: str, order: str, caller: Caller, limit: int
) -> list[Any]:
    """Up to `limit + 1` rows whose desa lies in the caller's wilayah (one more: is there a next
    page), in `order`."""
    return await db.fetch(
        f"SELECT * FROM {table} WHERE desa = $1 OR desa LIKE $2 ORDER BY {order} LIMIT $3",
        caller.wilayah, f"{caller.wilayah}.%", limit + 1,
    )  # fmt: skip


def page(rows: Sequence[Any], limit: int, items: list[Any]) -> dict[str, Any]:
    return {"items": items, "next_cursor": "more" if len(rows) > limit else None}


def limit_of(request: Request) -> int:
    return int(request.query_params.get("limit", "50"))


# --- cases --------------------------------------------------------------------------------------

CASES = Rows(
    "cases_cases",
    _columns(
        "case_id:text categories:json desa:text kecamatan:text status:text reported_by:text "
        "reporter_role:text assigned_tksk_id:text person_ref:text person_id:text person:json "
        "description:text risk_level:text needs:json referrals:json follow_ups:int4 "
        "rejection_reason:text closure_reason:text version:int4 reported_at:timestamptz "
        "updated_at:timestamptz closed_at:timestamptz"
    ),
)
CASE_CATEGORIES = Rows("cases_case_categories", _columns("case_id:text category:text"))
STEPS = Rows(
    "cases_steps",
    _columns(
        "case_id:text sequence:int4 action:text from_state:text to_state:text actor_id:text "
        "actor_role:text at:timestamptz reason:text details:json"
    ),
)
CASE_OUT = (
    "case_id", "desa", "kecamatan", "status", "reported_by", "reporter_role", "assigned_tksk_id",
    "person_id", "description", "risk_level", "follow_ups", "version", "reported_at",
    "updated_at", "closed_at",
)  # fmt: skip


def case_out(row: Any, show_person: bool = True) -> dict[str, Any]:
    out = {name: row[name] for name in CASE_OUT}
    out["categories"] = json.loads(row["categories"])
    out["person"] = json.loads(row["person"]) if show_person and row["person"] else None
    return out


def case_event(name: str, case: Any, caller: Caller, action: str) -> Event:
    categories = [code for code in json.loads(case["categories"]) if code not in SENSITIVE]
    data = {
        "case_id": case["case_id"], "categories": categories, "desa": case["desa"],
        "kecamatan": case["kecamatan"], "status": case["status"],
        "reported_by": case["reported_by"], "reporter_role": case["reporter_role"],
        "assigned_tksk_id": case["assigned_tksk_id"], "action": action,
        "actor_id": caller.sub, "actor_role": caller.role, "at": case["updated_at"],
    }  # fmt: skip
    return Event("cases", name, case["case_id"], data, case["version"])


def step(case: Any, caller: Caller, action: str, came_from: str | None) -> tuple[Any, ...]:
    details = json.dumps({"categories": json.loads(case["categories"])})
    return (
        case["case_id"], case["version"], action, came_from, case["status"], caller.sub,
        caller.role, case["updated_at"], None, details,
    )  # fmt: skip


# Where the service keeps the rekap's counts with every case write (`cases_rekap_counts`,
# migration cases0003), the floor keeps them too and sums them for the rekap.
ANY_PROTECTED = "*protected"
SLOTS = 8
COUNT = """
    INSERT INTO cases_rekap_counts (depth, area, category, status, slot, kecamatan, cases)
    SELECT * FROM unnest(
        $1::int4[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::text[], $7::int4[])
    ON CONFLICT (depth, area, category, status, slot)
    DO UPDATE SET cases = cases_rekap_counts.cases + excluded.cases"""
REKAP_COUNTED = """
    SELECT kecamatan, CASE WHEN category = $4 THEN 'protected' ELSE category END AS category,
        status, sum(cases) AS count
    FROM cases_rekap_counts
    WHERE depth = $5 AND (area = $1 OR area LIKE $2) AND category <> ALL($3::text[])
    GROUP BY kecamatan, CASE WHEN category = $4 THEN 'protected' ELSE category END, status
    HAVING sum(cases) > 0"""


async def count(db: asyncpg.Connection, request: Request, case: Any, moves: dict[str, int]) -> None:
    """Add `moves` (status → +1/-1) to the case's counts, in key order, as the service does."""
    if not request.app.state.counted:
        return
    codes = set(json.loads(case["categories"]))
    codes |= {ANY_PROTECTED} if codes & set(SENSITIVE) else set()
    slot = random.randrange(SLOTS)
    rows = sorted(
        (depth, area, code, status, slot, case["kecamatan"], delta)
        for depth, area in ((3, case["kecamatan"]), (4, case["desa"]))
        for code in codes
        for status, delta in moves.items()
    )
    await db.execute(COUNT, *(list(column) for column in zip(*rows, strict=True)))


SYSTEM = Caller("cases", "system", "")
ACTIVE_TKSK = (
    "SELECT worker_id FROM cases_workers WHERE kecamatan = $1 AND role = 'tksk' "
    "AND status = 'active' ORDER BY worker_id LIMIT 1"
)
REKAP = """
    SELECT c.kecamatan, CASE WHEN cc.category = ANY($3::text[]) THEN 'protected'
        ELSE cc.category END AS category, c.status, count(DISTINCT c.case_id) AS count
    FROM cases_cases c JOIN cases_case_categories cc ON cc.case_id = c.case_id
    WHERE c.desa = $1 OR c.desa LIKE $2
    GROUP BY c.kecamatan, CASE WHEN cc.category = ANY($3::text[]) THEN 'protected'
        ELSE cc.category END, c.status"""


def new_case(body: dict[str, Any], caller: Caller, tksk: str | None) -> dict[str, Any]:
    now, desa = utcnow(), body["desa"]
    return {
        "case_id": str(uuid.uuid4()), "categories": json.dumps(body["categories"]),
        "desa": desa, "kecamatan": desa.rsplit(".", 1)[0],
        "status": "in_verification" if tksk else "reported", "reported_by": caller.sub,
        "reporter_role": caller.role, "assigned_tksk_id": tksk, "person_ref": str(uuid.uuid4()),
        "person_id": body.get("person_id"), "person": json.dumps(body.get("person")),
        "description": body.get("description", ""), "risk_level": None, "needs": "[]",
        "referrals": "[]", "follow_ups": 0, "rejection_reason": None, "closure_reason": None,
        "version": 2 if tksk else 1, "reported_at": now, "updated_at": now, "closed_at": None,
    }  # fmt: skip


def cases_router() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/cases")
    async def report_case(request: Request) -> Response:
        """Case, category, report (+ assign) step, 3 events, 2 audit rows, idempotency."""
        caller, body = caller_of(request), json.loads(await request.body())

        async def write(db: asyncpg.Connection) -> Response:
            tksk = await db.fetchval(ACTIVE_TKSK, body["desa"].rsplit(".", 1)[0])
            case = new_case(body, caller, tksk)
            await insert(db, CASES, [tuple(case[name] for name, _ in CASES.columns)])
            await insert(db, CASE_CATEGORIES, [(case["case_id"], c) for c in body["categories"]])
            reported = {**case, "status": "reported", "version": 1}
            steps = [step(reported, caller, "report", None)]
            events = [
                case_event("case_reported", reported, caller, "report"),
                Event("cases", "person_reported", case["case_id"], body, channel="intake"),
            ]
            audits = [audit_row(caller, "case.report", "case", case["case_id"], case["desa"])]
            if tksk:
                steps.append(step(case, SYSTEM, "assign", "reported"))
                events.append(case_event("case_assigned", case, SYSTEM, "assign"))
                audits.append(
                    audit_row(SYSTEM, "case.assign", "case", case["case_id"], case["desa"])
                )
            await insert(db, STEPS, steps)
            await publish(db, request, events)
            await insert(db, AUDIT, audits)
            await count(db, request, case, {case["status"]: +1})
            return await remember(db, request, caller, 201, case_out(case))

        return await idempotent(request, caller, write)

    @router.post("/v1/cases/{case_id}/verify")
    async def verify(case_id: str, request: Request) -> Response:
        """The case read, checked, updated over its version; step, 2 events, audit, key."""
        caller = caller_of(request)

        async def write(db: asyncpg.Connection) -> Response:
            case = await db.fetchrow("SELECT * FROM cases_cases WHERE case_id = $1", case_id)
            if case is None or not covers(caller.wilayah, case["desa"]):
                return refuse(404)
            if case["status"] != "in_verification" or case["assigned_tksk_id"] != caller.sub:
                return refuse(409)
            case = await db.fetchrow(
                "UPDATE cases_cases SET status = 'verified', version = $3, updated_at = $4 "
                "WHERE case_id = $1 AND version = $2 RETURNING *",
                case_id, case["version"], case["version"] + 1, utcnow(),
            )  # fmt: skip
            if case is None:
                return refuse(409)
            await insert(db, STEPS, [step(case, caller, "verify", "in_verification")])
            categories = {"case_id": case_id, "categories": json.loads(case["categories"])}
            await publish(db, request, [
                case_event("case_verified", case, caller, "verify"),
                Event("cases", "case_categories_verified", case_id, categories, channel="intake"),
            ])  # fmt: skip
            await audit(db, caller, "case.verify", "case", case_id, case["desa"])
            await count(db, request, case, {"in_verification": -1, "verified": +1})
            return await remember(db, request, caller, 200, case_out(case))

        return await idempotent(request, caller, write)

    @router.get("/v1/cases/{case_id}")
    async def get_case(case_id: str, request: Request) -> Response:
        """The case and its steps; the glass grant of a protected one; the read's audit row."""
        caller = caller_of(request)
        async with transaction(request) as db:
            case = await db.fetchrow("SELECT * FROM cases_cases WHERE case_id = $1", case_id)
            if case is None or not covers(caller.wilayah, case["desa"]):
                return refuse(404)
            steps = await db.fetch(
                "SELECT * FROM cases_steps WHERE case_id = $1 ORDER BY sequence", case_id
            )
            seen = await shown(db, caller, "case", [(case_id, json.loads(case["categories"]))])
            await audit_reads(db, caller, "case", [(case_id, case["desa"])] if seen else [])
        timeline = [{**dict(s), "details": json.loads(s["details"])} for s in steps]
        return answer({**case_out(case, bool(seen)), "timeline": timeline})

    @router.get("/v1/cases")
    async def list_cases(request: Request) -> Response:
        """A page in the caller's scope by (reported_at, case_id); one audit row per person."""
        caller, limit = caller_of(request), limit_of(request)
        async with transaction(request) as db:
            rows = await rows_in_scope(db, "cases_cases", "reported_at, case_id", caller, limit)
            items = rows[:limit]
            records = [(row["case_id"], json.loads(row["categories"])) for row in items]
            seen = await shown(db, caller, "case", records)
            reads = [(row["case_id"], row["desa"]) for row in items if row["case_id"] in seen]
            await audit_reads(db, caller, "case", reads)
        return answer(page(rows, limit, [case_out(r, r["case_id"] in seen) for r in items]))

    @router.get("/v1/rekap")
    async def rekap(request: Request) -> Response:
        """The service's aggregate: protected categories folded into one."""
        scope, pool = caller_of(request).wilayah, request.app.state.pool
        if request.app.state.counted:
            depth = 4 if scope.count(".") >= 3 else 3  # a desa's own counts, else kecamatan rows
            rows = await pool.fetch(
                REKAP_COUNTED, scope, f"{scope}.%", SENSITIVE, ANY_PROTECTED, depth
            )
        else:
            rows = await pool.fetch(REKAP, scope, f"{scope}.%", SENSITIVE)
        items = sorted(
            (dict(row) for row in rows), key=lambda r: (r["kecamatan"], r["category"], r["status"])
        )
        return answer({"wilayah": scope, "items": items})

    return router


# --- registry -----------------------------------------------------------------------------------

PERSONS = Rows(
    "registry_persons",
    _columns(
        "person_id:text nik:text name:text sex:text birth_date:date desa:text kecamatan:text "
        "categories:text version:int4 registered_at:timestamptz updated_at:timestamptz"
    ),
)


def person_out(row: Any, cases: list[str], show: bool = True) -> dict[str, Any]:
    identity = ("nik", "name", "sex", "birth_date")
    out = {name: (value if show or name not in identity else None) for name, value in row.items()}
    return {**out, "categories": row["categories"].split(","), "cases": cases}


def registry_router() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/persons")
    async def register(request: Request) -> Response:
        """NIK lookup, person, 1 event, audit, idempotency."""
        caller, body = caller_of(request), json.loads(await request.body())

        async def write(db: asyncpg.Connection) -> Response:
            if await db.fetchval("SELECT 1 FROM registry_persons WHERE nik = $1", body["nik"]):
                return refuse(409)  # the load never repeats a NIK
            now, person_id, desa = utcnow(), str(uuid.uuid4()), body["desa"]
            born = date.fromisoformat(body["birth_date"]) if body.get("birth_date") else None
            categories = ",".join(body["categories"])
            row = (
                person_id, body["nik"], body["name"], body["sex"], born, desa,
                desa.rsplit(".", 1)[0], categories, 1, now, now,
            )  # fmt: skip
            await insert(db, PERSONS, [row])
            state = {
                "person_id": person_id, "desa": desa, "kecamatan": row[6],
                "categories": body["categories"], "nik_recorded": True, "protected": False,
            }  # fmt: skip
            await publish(
                db, request, [Event("registry", "person_registered", person_id, state, 1)]
            )
            await audit(db, caller, "person.register", "person", person_id, desa)
            person = dict(zip((name for name, _ in PERSONS.columns), row, strict=True))
            return await remember(db, request, caller, 201, person_out(person, []))

        return await idempotent(request, caller, write)

    @router.get("/v1/persons/{person_id}")
    async def get_person(person_id: str, request: Request) -> Response:
        """The person and their cases; the glass grant of a protected one; the audit row."""
        caller = caller_of(request)
        async with transaction(request) as db:
            row = await db.fetchrow(
                "SELECT * FROM registry_persons WHERE person_id = $1", person_id
            )
            if row is None or not covers(caller.wilayah, row["desa"]):
                return refuse(404)
            cases = await db.fetch(
                "SELECT case_id FROM registry_case_links WHERE person_id = $1 "
                "ORDER BY linked_at, case_id",
                person_id,
            )
            seen = await shown(db, caller, "person", [(person_id, row["categories"].split(","))])
            await audit_reads(db, caller, "person", [(person_id, row["desa"])] if seen else [])
        return answer(person_out(row, [case["case_id"] for case in cases], bool(seen)))

    @router.get("/v1/persons")
    async def list_persons(request: Request) -> Response:
        """A page in scope by person_id, their cases, one audit row per person shown."""
        caller, limit = caller_of(request), limit_of(request)
        async with transaction(request) as db:
            rows = await rows_in_scope(db, "registry_persons", "person_id", caller, limit)
            items = rows[:limit]
            ids = [row["person_id"] for row in items]
            links = await db.fetch(
                "SELECT person_id, case_id FROM registry_case_links "
                "WHERE person_id = ANY($1::text[]) ORDER BY linked_at, case_id",
                ids,
            )
            records = [(row["person_id"], row["categories"].split(",")) for row in items]
            seen = await shown(db, caller, "person", records)
            reads = [(row["person_id"], row["desa"]) for row in items if row["person_id"] in seen]
            await audit_reads(db, caller, "person", reads)
        cases: dict[str, list[str]] = {}
        for link in links:
            cases.setdefault(link["person_id"], []).append(link["case_id"])
        out = [person_out(r, cases.get(r["person_id"], []), r["person_id"] in seen) for r in items]
        return answer(page(rows, limit, out))

    return router


# --- training -----------------------------------------------------------------------------------

ENROLMENTS = Rows(
    "training_enrolments",
    _columns(
        "enrolment_id:text batch_id:text worker_id:text status:text version:int4 "
        "enrolled_at:timestamptz"
    ),
)


def enclosing(scope: str) -> list[str]:
    """`ID` and every prefix of the caller's code: the organisers whose batches cover it."""
    parts = scope.split(".")
    return ["ID", *(".".join(parts[: n + 1]) for n in range(len(parts)))]


def sees(scope: str, organiser: str) -> bool:
    return covers(scope, organiser) or organiser in enclosing(scope)


def batch_out(batch: Any, sessions: Sequence[Any]) -> dict[str, Any]:
    return {
        **dict(batch),
        "completion_rule": json.loads(batch["completion_rule"]),
        "sessions": [dict(session) for session in sessions],
    }


async def refusal_to_enrol(db: asyncpg.Connection, batch: Any, worker_id: str) -> int | None:
    """What the service checks before giving a seat, with the same reads."""
    if batch["status"] != "scheduled" or batch["enrolled"] >= batch["capacity"]:
        return 409
    worker = await db.fetchrow("SELECT * FROM training_workers WHERE worker_id = $1", worker_id)
    if worker is None:
        return 409
    seat = await db.fetchval(
        "SELECT 1 FROM training_enrolments WHERE batch_id = $1 AND worker_id = $2 "
        "AND status <> 'withdrawn'",
        batch["batch_id"], worker_id,
    )  # fmt: skip
    if seat is not None:
        return 409
    held = await db.fetch("SELECT tier FROM training_certificates WHERE worker_id = $1", worker_id)
    if worker["role"] != "psm" or worker["status"] != "active" or held or worker["tier"]:
        return 422
    return None


def training_router() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/batches/{batch_id}/enrolments")
    async def enrol(batch_id: str, request: Request) -> Response:
        """Batch FOR UPDATE, worker, seat, certificates; enrolment, seat count, event, audit."""
        caller, body = caller_of(request), json.loads(await request.body())

        async def write(db: asyncpg.Connection) -> Response:
            batch = await db.fetchrow(
                "SELECT * FROM training_batches WHERE batch_id = $1 FOR UPDATE", batch_id
            )
            if batch is None or not sees(caller.wilayah, batch["organiser_wilayah"]):
                return refuse(404)
            if refused := await refusal_to_enrol(db, batch, body["worker_id"]):
                return refuse(refused)
            now, enrolment_id = utcnow(), str(uuid.uuid4())
            row = (enrolment_id, batch_id, body["worker_id"], "enrolled", 1, now)
            await insert(db, ENROLMENTS, [row])
            await db.execute(
                "UPDATE training_batches SET enrolled = enrolled + 1 WHERE batch_id = $1", batch_id
            )
            data = {
                "enrolment_id": enrolment_id, "batch_id": batch_id,
                "worker_id": body["worker_id"], "tier": batch["tier"],
                "batch_title": batch["title"], "starts_on": batch["starts_on"],
                "ends_on": batch["ends_on"], "venue": batch["venue"],
            }  # fmt: skip
            await publish(
                db, request, [Event("training", "participant_enrolled", enrolment_id, data, 1)]
            )
            wilayah = batch["organiser_wilayah"]
            await audit(db, caller, "enrolment.enrol", "enrolment", enrolment_id, wilayah)
            out = dict(zip((name for name, _ in ENROLMENTS.columns), row, strict=True))
            return await remember(db, request, caller, 201, out)

        return await idempotent(request, caller, write)

    @router.get("/v1/batches/{batch_id}")
    async def get_batch(batch_id: str, request: Request) -> Response:
        """The batch and its sessions."""
        caller = caller_of(request)
        async with request.app.state.pool.acquire() as db:
            batch = await db.fetchrow(
                "SELECT * FROM training_batches WHERE batch_id = $1", batch_id
            )
            if batch is None or not sees(caller.wilayah, batch["organiser_wilayah"]):
                return refuse(404)
            sessions = await db.fetch(
                "SELECT * FROM training_sessions WHERE batch_id = $1 ORDER BY position", batch_id
            )
        return answer(batch_out(batch, sessions))

    @router.get("/v1/batches")
    async def list_batches(request: Request) -> Response:
        """A page of the batches the caller sees, by (starts_on, batch_id), and their sessions."""
        caller, limit = caller_of(request), limit_of(request)
        async with request.app.state.pool.acquire() as db:
            rows = await db.fetch(
                "SELECT * FROM training_batches WHERE organiser_wilayah LIKE $1 "
                "OR organiser_wilayah = ANY($2::text[]) ORDER BY starts_on, batch_id LIMIT $3",
                f"{caller.wilayah}.%", enclosing(caller.wilayah), limit + 1,
            )  # fmt: skip
            items = rows[:limit]
            sessions = await db.fetch(
                "SELECT * FROM training_sessions WHERE batch_id = ANY($1::text[]) "
                "ORDER BY batch_id, position",
                [row["batch_id"] for row in items],
            )
        by_batch: dict[str, list[Any]] = {}
        for session in sessions:
            by_batch.setdefault(session["batch_id"], []).append(session)
        out = [batch_out(row, by_batch.get(row["batch_id"], [])) for row in items]
        return answer(page(rows, limit, out))

    return router


# --- notifications ------------------------------------------------------------------------------

DELIVERIES = """
    SELECT d.id, d.delivery_id, d.cause_event_id, d.correlation_id, d.recipient_id, d.channel,
        d.template, d.status, d.attempts, d.version, d.next_attempt_at, d.lease_until, d.text,
        d.last_error, d.created_at, d.sent_at, c.wilayah
    FROM deliveries d LEFT OUTER JOIN contacts c ON c.worker_id = d.recipient_id
    WHERE c.wilayah = $1 OR c.wilayah LIKE $2 ORDER BY d.id LIMIT $3"""


def notifications_router() -> APIRouter:
    router = APIRouter()

    @router.get("/v1/deliveries")
    async def list_deliveries(request: Request) -> Response:
        """A page of the deliveries to recipients in the caller's scope, by id."""
        caller, limit = caller_of(request), limit_of(request)
        scope = caller.wilayah
        rows = await request.app.state.pool.fetch(DELIVERIES, scope, f"{scope}.%", limit + 1)
        return answer(page(rows, limit, [dict(row) for row in rows[:limit]]))

    return router


# --- the app ------------------------------------------------------------------------------------

ROUTERS = {
    "cases": cases_router,
    "registry": registry_router,
    "training": training_router,
    "notifications": notifications_router,
}


async def healthz() -> Response:
    return answer({"status": "alive"})


def build_app(service: str, dsn: str, namespace: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = pool = await asyncpg.create_pool(
            dsn, min_size=POOL_SIZE, max_size=POOL_SIZE
        )
        counts = await pool.fetchval("SELECT to_regclass('cases_rekap_counts')")
        app.state.counted = counts is not None
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.namespace = namespace
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.include_router(ROUTERS[service]())
    return app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--service", choices=sorted(ROUTERS), required=True)
    parser.add_argument("--dsn", required=True, help="postgresql://user@host:port/database")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--namespace", default="floor", help="the outbox rows' stream prefix")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    app = build_app(args.service, args.dsn, args.namespace)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools",
        access_log=False, log_level="warning",
    )  # fmt: skip


if __name__ == "__main__":
    main()
