"""RFC 9457 problem details: every error a client sees, with a stable `type` per rule broken.

Use cases raise domain errors; `Problem` is how the HTTP layer names them. `install` maps
validation errors, unknown routes, wrong methods and anything unexpected to problem+json, so no
client ever sees an HTML error page or a bare 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.reference import InvalidReference

log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:kesos:problem:"


class Problem(Exception):
    """An error answered as problem+json; its type is `urn:kesos:problem:<rule>`."""

    def __init__(
        self,
        status: int,
        rule: str,
        title: str,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ):
        super().__init__(detail or title)
        self.status = status
        self.rule = rule
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_PREFIX + self.rule,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body

    def response(self, instance: str | None = None) -> JSONResponse:
        return JSONResponse(
            self.body(instance),
            status_code=self.status,
            headers=self.headers,
            media_type=MEDIA_TYPE,
        )


def not_found(what: str) -> Problem:
    """Also what a record outside the caller's wilayah answers: indistinguishable from missing."""
    return Problem(404, "not-found", "Not found", f"no {what} with that id")


def not_yet_known(what: str, retry_after_s: int = 2) -> Problem:
    """A command names an entity this service's projection has not seen yet: retry shortly."""
    return Problem(
        409,
        "not-yet-known",
        "Not yet known",
        f"this service has not yet received the {what}; retry shortly",
        headers={"Retry-After": str(retry_after_s)},
    )


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", "Forbidden", detail)


STATUS_RULES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidReference, _on_invalid_reference)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _on_store_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_problem(request: Request, problem: Problem) -> JSONResponse:
    return problem.response(request.url.path)


async def _on_validation(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type", "")}
        for item in error.errors()
    ]
    problem = Problem(
        422,
        "validation-failed",
        "Invalid request",
        "the request does not match the schema",
        errors=errors,
    )
    return problem.response(request.url.path)


async def _on_invalid_reference(request: Request, error: InvalidReference) -> JSONResponse:
    """A NIK, KK, phone or wilayah code that a use case refused: the rule names what is wrong."""
    problem = Problem(422, str(error.rule), "Invalid value", str(error))
    return problem.response(request.url.path)


async def _on_http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    rule, title = STATUS_RULES.get(error.status_code, ("http-error", "HTTP error"))
    detail = error.detail if isinstance(error.detail, str) and error.detail != title else None
    problem = Problem(
        error.status_code, rule, title, detail, headers=getattr(error, "headers", None)
    )
    return problem.response(request.url.path)


STORE_UNAVAILABLE = Problem(
    503,
    "store-unavailable",
    "Store unavailable",
    "the connection to the store was lost; retry with the same Idempotency-Key",
    headers={"Retry-After": "1"},
)


STORE_BUSY = Problem(
    503,
    "store-busy",
    "Store busy",
    "the write met a concurrent one and was rolled back; retry with the same Idempotency-Key",
    headers={"Retry-After": "1"},
)
# PostgreSQL's deadlock and serialization failures: the transaction was rolled back whole.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


async def _on_store_error(request: Request, error: DBAPIError) -> JSONResponse:
    """A connection the store dropped (restarted, failed over, idle too long) is found on use,
    not pinged before each one: the pool discards it and the request that met it is retried by
    its client; so is a transaction the store rolled back to break a deadlock. Any other store
    error is unexpected."""
    if error.connection_invalidated:
        log.warning("store_connection_lost", path=request.url.path)
        return STORE_UNAVAILABLE.response(request.url.path)
    if getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        log.warning("store_transaction_rolled_back", path=request.url.path)
        return STORE_BUSY.response(request.url.path)
    return await _on_unexpected(request, error)


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("request_failed", path=request.url.path, error=repr(error))
    problem = Problem(500, "internal-error", "Internal error", "the error was logged")
    return problem.response(request.url.path)
