"""Run a service's app under uvicorn and return the process exit code.

SIGTERM stops accepting HTTP and runs the lifespan's shutdown (finish the batch, flush the relay,
close the engine). The exit code is non-zero when the watchdog stopped the server.

A request the HTTP parser itself refuses (malformed, or headers past `PROTOCOL_HEADER_BYTES`)
never reaches the app; uvicorn would answer it in `text/plain`. `ProblemH11Protocol` answers it
as problem+json like every other error. Headers up to that limit do reach the app, whose
middleware refuses more than `shared.web.middleware.MAX_HEADER_BYTES` with a 431 problem.
"""

from __future__ import annotations

import json

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from shared.web.problems import MEDIA_TYPE, Problem

PROTOCOL_HEADER_BYTES = 64 * 1024  # above the app's own limit, so most refusals are the app's

BAD_HTTP_REQUEST = Problem(
    400,
    "bad-http-request",
    "Bad HTTP request",
    f"the request is not valid HTTP/1.1, or its headers pass {PROTOCOL_HEADER_BYTES} bytes",
)


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering what the parser refuses as problem+json."""

    def send_400_response(self, msg: str) -> None:
        body = json.dumps(BAD_HTTP_REQUEST.body()).encode()
        headers = [
            (b"content-type", MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        self.transport.write(
            self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request"))
        )
        self.transport.write(self.conn.send(h11.Data(data=body)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


def server_config(
    app: FastAPI, *, host: str, port: int, graceful_timeout_s: float = 15.0
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=ProblemH11Protocol,
        h11_max_incomplete_event_size=PROTOCOL_HEADER_BYTES,
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
