"""structlog for every process: JSON in production, console on a TTY; `service` on every line.

Context (correlation id, request or event id, user) comes from `structlog.contextvars`, bound by
the HTTP middleware and the consumer runner. Personal data is masked by a processor that every
line passes through, stdlib lines too (uvicorn, FastStream, SQLAlchemy, asyncio).
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from shared.observability.masking import mask_personal_data
from shared.observability.tracing import add_trace_ids


def configure_logging(service: str, *, json: bool | None = None, level: int = logging.INFO) -> None:
    json = (not sys.stderr.isatty()) if json is None else json
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        add_trace_ids,
        structlog.processors.format_exc_info,
        mask_personal_data,  # last before rendering: it sees the final text of every field
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    _route_stdlib(shared, renderer, level)


def _route_stdlib(shared: list[Processor], renderer: Processor, level: int) -> None:
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


def _stderr_logger(*_args: object) -> structlog.PrintLogger:
    # Look stderr up per logger, not once: a test runner (or a daemoniser) may swap it.
    return structlog.PrintLogger(sys.stderr)


class _StderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever `sys.stderr` is at the time."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _add_service(service: str) -> Processor:
    def add(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    return add
