"""Run a service's app under uvicorn and return the process exit code.

uvicorn runs on uvloop with the httptools parser: the pure-Python defaults (asyncio's loop, h11)
cost about a third of what `/healthz` answers (docs/performance.md).

SIGTERM stops accepting HTTP and runs the lifespan's shutdown (finish the batch, flush the relay,
close the engine). The exit code is non-zero when the watchdog stopped the server.

A request the HTTP parser itself refuses (malformed, or a request line and headers past
`PROTOCOL_HEADER_BYTES`) never reaches the app; uvicorn would answer it in `text/plain`.
`ProblemHttpToolsProtocol` answers it as problem+json like every other error. Headers up to that
limit do reach the app, whose middleware refuses more than
`shared.web.middleware.MAX_HEADER_BYTES` with a 431 problem.
"""

from __future__ import annotations

import json

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared.web.problems import MEDIA_TYPE, Problem

# Above the app's own limit, so most refusals are the app's; below it, what a connection may
# make the parser hold (httptools itself has no limit).
PROTOCOL_HEADER_BYTES = 128 * 1024

BAD_HTTP_REQUEST = Problem(
    400,
    "bad-http-request",
    "Bad HTTP request",
    f"the request is not valid HTTP/1.1, or its headers pass {PROTOCOL_HEADER_BYTES} bytes",
)


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, holding at most `PROTOCOL_HEADER_BYTES` of request line and
    headers, and answering what the parser refuses as problem+json.

    The bytes are counted as they arrive, before the parser sees them: httptools gathers a
    header until its line ends, so one that never ends would otherwise grow without bound."""

    _in_head = True  # reading a request line and headers (true before the first request too)
    _head_bytes = 0

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)  # a chunk that ends the head resets the count, body and all
        too_large = self._in_head and self._head_bytes > PROTOCOL_HEADER_BYTES
        if too_large and not self.transport.is_closing():
            self.send_400_response("request head too large")

    def on_message_begin(self) -> None:  # called from within the chunk already counted
        self._in_head = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        body = json.dumps(BAD_HTTP_REQUEST.body()).encode()
        head = (
            b"HTTP/1.1 400 Bad Request\r\n"
            b"content-type: " + MEDIA_TYPE.encode() + b"\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"cache-control: no-store\r\n"
            b"x-content-type-options: nosniff\r\n"
            b"connection: close\r\n\r\n"
        )
        self.transport.write(head + body)
        self.transport.close()


def server_config(
    app: FastAPI, *, host: str, port: int, graceful_timeout_s: float = 15.0
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="auto",  # uvloop, where it is installed (not on Windows)
        http=ProblemHttpToolsProtocol,
        access_log=False,  # RequestContextMiddleware writes one structured line per request
        log_config=None,  # stdlib logging goes through structlog (configure_logging)
        timeout_graceful_shutdown=int(graceful_timeout_s),
        lifespan="on",
    )


def serve(app: FastAPI, *, host: str, port: int, graceful_timeout_s: float = 15.0) -> int:
    server = uvicorn.Server(
        server_config(app, host=host, port=port, graceful_timeout_s=graceful_timeout_s)
    )

    def request_exit() -> None:
        server.should_exit = True

    app.state.request_exit = request_exit
    server.run()
    if not server.started:
        return 1
    return int(app.state.exit_code)
