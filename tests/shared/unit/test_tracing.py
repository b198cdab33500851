"""The trace context on the envelope (CloudEvents distributed-tracing extension), and spans that
join it: what a queued event carries, and how a consumer's span hangs off the producing work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.contracts.envelope import Envelope
from shared.messaging.outbox import Outbox
from shared.observability import tracing
from shared.observability.tracing import consuming, export_configured, processing_batch
from tests.support.tally import CounterSet

WHEN = datetime(2011, 5, 24, 8, 0, tzinfo=UTC)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing("test", exporter=exporter)
    yield exporter
    tracing.stop_tracing()


def _queued(outbox: Outbox) -> dict[str, str]:
    return json.loads(outbox.take()[0]["fields"])


def test_the_trace_context_travels_as_entry_fields_and_reads_back():
    trace = {"traceparent": TRACEPARENT, "tracestate": "kesos=1"}
    envelope = Envelope.wrap(
        CounterSet(counter_id="a", value=1), source="/kesos/counter", time=WHEN, trace=trace
    )
    fields = envelope.to_fields()
    assert (fields["traceparent"], fields["tracestate"]) == (TRACEPARENT, "kesos=1")
    read = Envelope.from_fields({k.encode(): v.encode() for k, v in fields.items()})
    assert (read.traceparent, read.tracestate) == (TRACEPARENT, "kesos=1")


@pytest.mark.parametrize("traceparent", ["", "garbage", "00-xyz-00f067aa0ba902b7-01", "0" * 600])
def test_a_malformed_trace_context_is_dropped_and_the_event_still_read(traceparent):
    fields = Envelope.wrap(
        CounterSet(counter_id="a", value=1), source="/kesos/counter", time=WHEN
    ).to_fields()
    read = Envelope.from_fields({**fields, "traceparent": traceparent, "tracestate": "x" * 600})
    assert (read.traceparent, read.tracestate) == (None, None)
    assert "traceparent" not in read.to_fields()


def test_without_tracing_no_event_carries_a_trace_context():
    outbox = Outbox(namespace="t", source="/kesos/counter")
    outbox.add(CounterSet(counter_id="a", value=1))
    assert "traceparent" not in _queued(outbox)


def test_export_is_off_unless_an_endpoint_is_configured():
    assert not export_configured({})
    assert export_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert export_configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"})
    assert not export_configured(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}
    )
    assert not tracing.tracing_on()


def test_a_consumer_span_is_a_child_of_the_work_that_queued_the_event(spans):
    outbox = Outbox(namespace="t", source="/kesos/counter")
    with consuming("request", context=(None, None), attributes={}):
        outbox.add(CounterSet(counter_id="a", value=1))
    queued = _queued(outbox)
    with consuming("process", context=(queued["traceparent"], None), attributes={"k": "v"}):
        pass
    tracing.stop_tracing()
    request, process = sorted(spans.get_finished_spans(), key=lambda s: s.name != "request")
    assert queued["traceparent"].startswith(
        f"00-{request.context.trace_id:032x}-{request.context.span_id:016x}-"
    )
    assert process.context.trace_id == request.context.trace_id
    assert process.parent is not None and process.parent.span_id == request.context.span_id
    assert process.kind == SpanKind.CONSUMER and process.attributes == {"k": "v"}


def test_a_batch_span_is_a_root_linked_to_every_message_it_handled(spans):
    other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with processing_batch("process s", [(TRACEPARENT, None), (other, "a=b"), (None, None)]):
        pass
    tracing.stop_tracing()
    (batch,) = spans.get_finished_spans()
    assert batch.parent is None
    assert {f"{link.context.trace_id:032x}" for link in batch.links} == {
        TRACEPARENT.split("-")[1],
        other.split("-")[1],
    }
