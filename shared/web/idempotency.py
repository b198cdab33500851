"""Idempotent POSTs: a client that retries with the same `Idempotency-Key` gets the first answer.

The key, a hash of the request and the response are stored in the write's own transaction, so a
crash either keeps both the write and its answer or neither; a retry after a restart finds the
stored answer. The same key with another request body is the client's mistake: 422. Keys belong
to the caller (`sub`), so two clients never collide.

A first request is the common case and is not slowed by a lookup: the write runs and its key is
inserted last. A retry's key is already there, so its insert fails and the whole transaction —
the write done again — rolls back; the stored answer is then read and returned. A retry whose
write fails (the case already moved on) answers the stored answer too, never the new error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.messaging.outbox import utcnow
from shared.persistence.tables import idempotency
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from shared.web.problems import Problem

U = TypeVar("U", bound=UnitOfWork)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200

# A write returns its status code and a JSON-able body.
Write = Callable[[U], Awaitable[tuple[int, Any]]]


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Send the same key to retry safely: the first answer is returned again "
            f"(1 to {MAX_KEY_LENGTH} characters, yours alone).",
        ),
    ] = None,
) -> str | None:
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise Problem(
            400,
            "idempotency-key-invalid",
            "Invalid Idempotency-Key",
            f"1 to {MAX_KEY_LENGTH} characters",
        )
    return key


# Every write endpoint declares it: validated once, and documented in the OpenAPI.
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


async def idempotent_write(
    request: Request,
    caller: str,
    uows: UnitOfWorkFactory[U],
    write: Write[U],
    *,
    key: str | None,
) -> Response:
    """Run `write` in one unit of work, once per (caller, Idempotency-Key)."""
    if key is None:
        return await _write_once(uows, write, None)
    fingerprint = await _fingerprint(request)
    try:
        return await _write_once(uows, write, (caller, key, fingerprint))
    except PoolTimeout:
        raise  # no connection to be had: looking the key up would wait for one again
    except Exception:
        # A retry (or the same key racing us): the first answer is the answer, whatever this
        # attempt met; a first attempt's own error stands.
        async with uows() as uow:
            stored = await _stored(uow, caller, key, fingerprint)
        if stored is None:
            raise
        return stored


async def _write_once(
    uows: UnitOfWorkFactory[U], write: Write[U], keyed: tuple[str, str, str] | None
) -> Response:
    async with uows() as uow:
        status, body = await write(uow)
        answer = _json(body)
        if keyed is not None:
            caller, key, fingerprint = keyed
            row = dict(
                caller=caller, key=key, request_hash=fingerprint, status_code=status,
                response=answer, created_at=utcnow(),
            )  # fmt: skip
            uow.append(idempotency, row)  # written with the rest: a retry's key fails the commit
        await uow.commit()
    return Response(answer, status_code=status, media_type="application/json")


def _json(body: Any) -> str:
    """The answer as JSON text, once: stored with the key and sent as it is."""
    content = (
        body.model_dump(mode="json") if isinstance(body, BaseModel) else jsonable_encoder(body)
    )
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


async def _stored(uow: UnitOfWork, caller: str, key: str, fingerprint: str) -> Response | None:
    query = select(idempotency).where(idempotency.c.caller == caller, idempotency.c.key == key)
    row = (await uow.session.execute(query)).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Problem(
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "this key was used for another request; use a new key for a new request",
        )
    return Response(
        row.response,
        status_code=row.status_code,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


async def _fingerprint(request: Request) -> str:
    """Method, path, query and the body's JSON (canonical, so key order does not matter)."""
    body = await request.body()
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (
        request.method.encode(),
        request.url.path.encode(),
        request.url.query.encode(),
        canonical,
    ):
        digest.update(part + b"\0")
    return digest.hexdigest()
