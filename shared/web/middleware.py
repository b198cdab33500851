"""Per-request context as pure ASGI middleware (no BaseHTTPMiddleware: it breaks contextvars).

Every request gets a request id and a correlation id (taken from `X-Request-ID` /
`X-Correlation-ID` when a client sends them), bound into structlog and into the messaging flow so
the events a request produces carry its correlation id; both are echoed in the response. One
structured access-log line per request replaces uvicorn's. Bodies over the limit answer 413,
whether declared by Content-Length (refused unread) or streamed (read up to the limit).

Headers past `MAX_HEADER_BYTES` (all of them) or `MAX_HEADER_FIELD_BYTES` (any one) answer 431:
no honest client sends that much, and it is memory an attacker would otherwise spend. Every
response says `Cache-Control: no-store` (answers carry personal data: no proxy or browser may keep
them) and `X-Content-Type-Options: nosniff`.

Text holding the NUL character (U+0000) — in the path, the query or a JSON string — answers 400
`nul-character` before any route sees it: PostgreSQL cannot store it in text and would fail the
request with a 500, and no Indonesian name, note or code ever holds one.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.messaging.context import flow
from shared.observability.masking import mask_text
from shared.observability.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS
from shared.web.problems import Problem

access_log = structlog.get_logger("kesos.access")

MAX_HEADER_BYTES = 16 * 1024
MAX_HEADER_FIELD_BYTES = 8 * 1024
SECURITY_HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))

SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
# `\u0000` in JSON text, unless its backslash is itself escaped (`\\u0000` is a literal "\u0000").
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class BodyTooLarge(Exception):
    pass


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        max_body_bytes: int,
        streamed_paths: tuple[str, ...] = (),
    ):
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        # Uploads (an import's file): not buffered here; their endpoint streams them to disk
        # within a limit of its own.
        self.streamed_paths = streamed_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _headers_too_large(scope["headers"]):
            await _refuse(scope, send, HEADERS_TOO_LARGE)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = _client_id(headers.get("x-request-id")) or str(uuid.uuid4())
        correlation_id = _client_id(headers.get("x-correlation-id")) or request_id
        streamed = scope["path"].startswith(self.streamed_paths) if self.streamed_paths else False
        if not streamed:
            if _declared_length(headers) > self.max_body_bytes:
                await _refuse(scope, send, _too_large(self.max_body_bytes))
                return
            try:  # read the body here, within the limit (streamed bodies have no Content-Length)
                body, receive = await self._buffered(receive)
            except BodyTooLarge:
                await _refuse(scope, send, _too_large(self.max_body_bytes))
                return
            if _holds_nul(scope, body):
                await _refuse(scope, send, NUL_CHARACTER)
                return
        status = {"code": 500}
        started = time.perf_counter()

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                present = {name.lower() for name, _ in message["headers"]}
                message["headers"] = [
                    *message["headers"],
                    *(header for header in SECURITY_HEADERS if header[0] not in present),
                    (b"x-request-id", request_id.encode()),
                    (b"x-correlation-id", correlation_id.encode()),
                ]
            await send(message)

        # user/role are bound by authentication; start each request without a previous caller's.
        with flow(correlation_id, None, request_id=request_id, user="-", role="-"):
            try:
                await self.app(scope, receive, send_with_ids)
            finally:
                self._log(scope, status["code"], time.perf_counter() - started)

    async def _buffered(self, receive: Receive) -> tuple[bytes, Receive]:
        """The whole body, refused once it passes the limit, and a `receive` that replays it."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                raise BodyTooLarge()
            if not message.get("more_body", False):
                break
        whole = bytes(body)
        replayed = {"type": "http.request", "body": whole, "more_body": False}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return replayed

        return whole, replay

    def _log(self, scope: Scope, status: int, seconds: float) -> None:
        route = _route_template(scope)
        HTTP_REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
        HTTP_REQUEST_SECONDS.labels(self.service, scope["method"], route).observe(seconds)
        access_log.info(
            "http_request",
            method=scope["method"],
            path=scope["path"],
            status=status,
            duration_ms=round(seconds * 1000, 1),
        )


def _client_id(value: str | None) -> str | None:
    """Accept a client's id only if it is short and plain (it goes into logs and headers) and
    holds nothing that looks personal (logs keep ids whole, unmasked)."""
    if not value or not SAFE_ID.match(value) or mask_text(value) != value:
        return None
    return value


def _headers_too_large(raw: list[tuple[bytes, bytes]]) -> bool:
    sizes = [len(name) + len(value) for name, value in raw]
    return sum(sizes) > MAX_HEADER_BYTES or any(size > MAX_HEADER_FIELD_BYTES for size in sizes)


def _declared_length(headers: dict[str, str]) -> int:
    try:
        return int(headers.get("content-length", "0"))
    except ValueError:
        return 0


def _route_template(scope: Scope) -> str:
    """The route's path template, not the raw path: ids must not explode metric labels."""
    route: Any = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _holds_nul(scope: Scope, body: bytes) -> bool:
    query = scope.get("query_string", b"").lower()
    return (
        "\x00" in scope["path"]
        or b"%00" in query
        or b"\x00" in query
        or b"\x00" in body
        or JSON_NUL.search(body) is not None
    )


HEADERS_TOO_LARGE = Problem(
    431,
    "header-fields-too-large",
    "Request header fields too large",
    f"headers may hold {MAX_HEADER_BYTES} bytes in all, {MAX_HEADER_FIELD_BYTES} in one field",
)
NUL_CHARACTER = Problem(
    400, "nul-character", "NUL character", "text may not hold the NUL character (U+0000)"
)


def _too_large(limit: int) -> Problem:
    return Problem(
        413, "payload-too-large", "Payload too large", f"the body limit is {limit} bytes"
    )


async def _refuse(scope: Scope, send: Send, problem: Problem) -> None:
    response = problem.response(scope.get("path"))
    for name, value in SECURITY_HEADERS:
        response.headers[name.decode()] = value.decode()
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
