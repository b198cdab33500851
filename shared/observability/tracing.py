"""Traces across services (OpenTelemetry), off unless an OTLP endpoint is configured.

A request's span context is written into every event its unit of work queues, as the CloudEvents
distributed-tracing extension (`traceparent`, `tracestate` on the envelope). The relay's publish
and each consumer's handling of the event, with its store work, are spans of that same trace:
one trace follows a write from the API call through every service it reaches, however late the
event is consumed.

Configuration is OpenTelemetry's own, so a collector's operators find what they know: tracing is
on when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` is set (OTLP over
HTTP/protobuf) and `OTEL_SDK_DISABLED` is not true; `OTEL_TRACES_SAMPLER`,
`OTEL_RESOURCE_ATTRIBUTES`, the exporter's headers and timeouts apply as the SDK reads them.
Off, nothing is instrumented and no event carries a trace context: the hot paths pay nothing.

No span carries personal data: request spans drop the query string, SQL spans hold statements
with placeholders (the engines hide parameters), message spans hold ids and types only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_INSTANCE_ID, SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Link, Span, SpanContext, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Probes and scrapes every few seconds per replica would drown the traces that matter.
UNTRACED_PATHS = "/healthz,/readyz,/metrics"

_w3c = TraceContextTextMapPropagator()
# This process's provider, passed to every instrumentation rather than set as OpenTelemetry's
# global (which can be set once only): a test can turn tracing on and off again.
_provider: TracerProvider | None = None
_tracer: trace.Tracer = trace.NoOpTracer()

TraceFields = tuple[str | None, str | None]  # an envelope's (traceparent, tracestate)


def export_configured(env: Mapping[str, str] = os.environ) -> bool:
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(env.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def configure_tracing(
    service: str,
    *,
    instance: str | None = None,
    env: Mapping[str, str] = os.environ,
    exporter: SpanExporter | None = None,
) -> bool:
    """Set this process's tracer provider when export is configured (or an exporter given, in
    tests); True when tracing is on. Spans are sent in batches, off the request path, and the
    last ones flushed when the process exits."""
    global _provider, _tracer
    if exporter is None:
        if not export_configured(env):
            return False
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    attributes = {SERVICE_NAME: f"kesos-{service}", "service.namespace": "kesos"}
    if instance:
        attributes[SERVICE_INSTANCE_ID] = instance
    _provider = TracerProvider(resource=Resource.create(attributes))
    _provider.add_span_processor(BatchSpanProcessor(exporter))
    _tracer = _provider.get_tracer("kesos")
    return True


def stop_tracing() -> None:
    """Send the spans still queued and turn tracing off (also done when the process exits)."""
    global _provider, _tracer
    if _provider is not None:
        _provider.shutdown()
    _provider, _tracer = None, trace.NoOpTracer()


def tracing_on() -> bool:
    return _provider is not None


def instrument_app(app: Any) -> None:
    """Server spans for every request but the probes, named by route (`POST /cases`)."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        excluded_urls=UNTRACED_PATHS,
        exclude_spans=["receive", "send"],  # one span per ASGI message: noise
        server_request_hook=_without_query,
    )


def _without_query(span: Span, scope: Mapping[str, Any]) -> None:
    """A query string may one day hold a name searched for: keep the path only."""
    if span.is_recording():
        path = scope.get("path", "")
        span.set_attribute("http.target", path)
        span.set_attribute("url.path", path)
        if scope.get("query_string"):
            span.set_attribute("url.query", "[dropped]")
            span.set_attribute("http.url", "[dropped]")


def instrument_engine(engine: Any) -> None:
    """A span per SQL statement of this engine (an `AsyncEngine`), with placeholders only."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeter

    # The engine's tracer directly: the instrumentor is one per process and also patches
    # `create_engine` globally, neither of which we want. Metrics are Prometheus's here.
    unused = NoOpMeter("kesos").create_up_down_counter("db.client.connections.usage")
    tracer = _provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    EngineTracer(tracer, engine.sync_engine, unused)


def current_trace() -> dict[str, str]:
    """The current span's W3C context as the envelope's extension attributes; empty when no
    span is being recorded (tracing off, or a sampled-out request)."""
    if not trace.get_current_span().get_span_context().is_valid:
        return {}
    carrier: dict[str, str] = {}
    _w3c.inject(carrier)
    return carrier


def _parent(traceparent: str | None, tracestate: str | None) -> Context:
    carrier = {"traceparent": traceparent or ""}
    if tracestate:
        carrier["tracestate"] = tracestate
    return _w3c.extract(carrier)


def _span_context(fields: TraceFields) -> SpanContext:
    return trace.get_current_span(_parent(*fields)).get_span_context()


@contextmanager
def consuming(
    name: str,
    *,
    context: TraceFields,
    attributes: Mapping[str, Any],
) -> Iterator[None]:
    """A consumer span, child of the producing work's context (a root when it carried none);
    what runs inside (the handler's SQL) nests under it."""
    if not tracing_on():
        yield
        return
    with _tracer.start_as_current_span(
        name,
        context=_parent(*context),
        kind=SpanKind.CONSUMER,
        attributes=dict(attributes),
    ):
        yield


@contextmanager
def processing_batch(name: str, contexts: list[TraceFields]) -> Iterator[None]:
    """A span for what is done once for a batch of messages (the inbox check, the commit): a
    root, linked to each message's trace rather than parented by one of them."""
    if not tracing_on():
        yield
        return
    links = [Link(linked) for linked in map(_span_context, contexts) if linked.is_valid]
    with _tracer.start_as_current_span(
        name, context=Context(), kind=SpanKind.CONSUMER, links=links
    ):
        yield


@contextmanager
def publishing(messages: Sequence[tuple[str, Mapping[str, str]]]) -> Iterator[None]:
    """A producer span per published message that carries a trace context, child of it: the
    relay's part of each trace. `messages`: (stream, entry fields)."""
    if not tracing_on():
        yield
        return
    spans = [
        _tracer.start_span(
            f"publish {stream}",
            context=_parent(fields.get("traceparent"), fields.get("tracestate")),
            kind=SpanKind.PRODUCER,
            attributes=message_attributes(stream, fields.get("id"), fields.get("type")),
        )
        for stream, fields in messages
        if fields.get("traceparent")
    ]
    try:
        yield
    finally:
        for span in spans:
            span.end()


def message_attributes(stream: str, event_id: str | None, event_type: str | None) -> dict[str, str]:
    return {
        "messaging.system": "redis",
        "messaging.destination.name": stream,
        "messaging.message.id": event_id or "",
        "cloudevents.event_id": event_id or "",
        "cloudevents.event_type": event_type or "",
    }


@contextmanager
def statement_span(sql: str, *, rows: int) -> Iterator[None]:
    """A span for a statement sent on the driver directly (`shared.persistence.driver`), which
    the SQLAlchemy instrumentation does not see."""
    if not tracing_on():
        yield
        return
    attributes: dict[str, str | int] = {
        "db.system": "postgresql",
        "db.statement": sql,
        "db.operation.batch.size": rows,
    }
    with _tracer.start_as_current_span(
        sql.split(None, 1)[0], kind=SpanKind.CLIENT, attributes=attributes
    ):
        yield


def add_trace_ids(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog: the trace and span a line was written in, to go from a log line to its trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event
