"""Idempotent POSTs: a client that retries with the same `Idempotency-Key` gets the first answer.

The key, a hash of the request and the response are stored in the write's own transaction, so a
crash either keeps both the write and its answer or neither; a retry after a restart finds the
stored answer. The same key with another request body is the client's mistake: 422. Keys belong
to the caller (`sub`), so two clients never collide.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

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
) -> JSONResponse:
    """Run `write` in one unit of work, once per (caller, Idempotency-Key)."""
    if key is None:
        return await _write_once(uows, write, None)
    fingerprint = await _fingerprint(request)
    try:
        return await _write_once(uows, write, (caller, key, fingerprint))
    except IntegrityError:
        # The same key raced us and committed first: its answer is the answer.
        async with uows() as uow:
            stored = await _stored(uow, caller, key, fingerprint)
        if stored is None:
            raise
        return stored


async def _write_once(
    uows: UnitOfWorkFactory[U], write: Write[U], keyed: tuple[str, str, str] | None
) -> JSONResponse:
    async with uows() as uow:
        if keyed is not None:
            stored = await _stored(uow, *keyed)
            if stored is not None:
                return stored
        status, body = await write(uow)
        content = jsonable_encoder(body)
        if keyed is not None:
            caller, key, fingerprint = keyed
            await uow.session.execute(
                insert(idempotency).values(
                    caller=caller,
                    key=key,
                    request_hash=fingerprint,
                    status_code=status,
                    response=json.dumps(content),
                    created_at=utcnow(),
                )
            )
        await uow.commit()
    return JSONResponse(content, status_code=status)


async def _stored(uow: UnitOfWork, caller: str, key: str, fingerprint: str) -> JSONResponse | None:
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
    return JSONResponse(
        json.loads(row.response),
        status_code=row.status_code,
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
