"""Run a service's app under uvicorn and return the process exit code.

SIGTERM stops accepting HTTP and runs the lifespan's shutdown (finish the batch, flush the relay,
close the engine). The exit code is non-zero when the watchdog stopped the server.
"""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI


def serve(app: FastAPI, *, host: str, port: int, graceful_timeout_s: float = 15.0) -> int:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,  # RequestContextMiddleware writes one structured line per request
        log_config=None,  # stdlib logging goes through structlog (configure_logging)
        timeout_graceful_shutdown=int(graceful_timeout_s),
        lifespan="on",
    )
    server = uvicorn.Server(config)

    def request_exit() -> None:
        server.should_exit = True

    app.state.request_exit = request_exit
    server.run()
    if not server.started:
        return 1
    return int(app.state.exit_code)
