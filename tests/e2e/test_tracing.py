"""One trace follows a write from the API call in one service, through the outbox, the relay and
the stream, to the projection it updates in another service: the services as real processes,
exporting OTLP to a collector as they would in production."""

from __future__ import annotations

import pytest

from shared.demo.people import tksk_workers
from tests.e2e.conftest import System
from tests.support.otlp import Collector, ReceivedSpan
from tests.support.waiting import eventually

SERVER, PRODUCER, CONSUMER = 2, 4, 5  # OTLP's SpanKind numbers


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_one_trace_spans_the_api_call_and_the_projection_in_another_service(
    start_system, kind
):
    with Collector() as collector:
        system: System = await start_system(kind, env=_exporting_to(collector))
        worker = tksk_workers()[0]
        api = system.api()
        registered = await api.created(
            "registry", "/v1/workers", worker.registration(), key="trace-1"
        )
        await api.close()

        def request_span() -> ReceivedSpan | None:
            return next(
                (
                    s
                    for s in collector.received()
                    if s.kind == SERVER and s.name == "POST /v1/workers"
                ),
                None,
            )

        request = await eventually(request_span, timeout=30, message="the request's span")
        assert request.service == "kesos-registry"

        def projection_span() -> ReceivedSpan | None:
            return next(
                (
                    s
                    for s in collector.received()
                    if s.trace_id == request.trace_id
                    and s.service == "kesos-cases"
                    and s.attributes.get("kesos.handler") == "cases.project_worker"
                ),
                None,
            )

        consumed = await eventually(projection_span, timeout=60, message="cases' span, same trace")
        assert consumed.kind == CONSUMER
        assert consumed.name == "process kesos.registry.worker_registered.v2"
        assert consumed.attributes["messaging.consumer.group.name"] == "cases"
        trace = await eventually(
            lambda: _complete(collector, consumed), timeout=30, message="its SQL, publish spans"
        )

    spans = {s.span_id: s for s in trace}
    assert request.span_id in _ancestors(consumed, spans), "the consumer span hangs off the request"
    published = [s for s in trace if s.kind == PRODUCER and s.service == "kesos-registry"]
    assert published and all(s.name.startswith("publish ") for s in published)
    assert {s.attributes["cloudevents.event_id"] for s in published} >= {
        consumed.attributes["cloudevents.event_id"]
    }
    projection_sql = [s for s in trace if s.parent_id == consumed.span_id]
    assert any("worker" in str(s.attributes.get("db.statement", "")) for s in projection_sql)
    _no_personal_data(collector.received(), [worker.nik, worker.name, worker.phone])
    assert registered["worker_id"]


def _exporting_to(collector: Collector) -> dict[str, str]:
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # ms: spans reach the collector quickly in a test
    }


def _complete(collector: Collector, consumed: ReceivedSpan) -> list[ReceivedSpan] | None:
    """The trace once both processes exported their part: the projection's SQL (cases) and the
    relay's publish (registry). Each process exports on its own schedule."""
    trace = [s for s in collector.received() if s.trace_id == consumed.trace_id]
    store_work = any(s.parent_id == consumed.span_id for s in trace)
    published = any(s.kind == PRODUCER and s.service == "kesos-registry" for s in trace)
    return trace if store_work and published else None


def _ancestors(span: ReceivedSpan, spans: dict[str, ReceivedSpan]) -> list[str]:
    found = []
    while span.parent_id:
        found.append(span.parent_id)
        if span.parent_id not in spans:
            break
        span = spans[span.parent_id]
    return found


def _no_personal_data(spans: list[ReceivedSpan], secrets: list[str]) -> None:
    for span in spans:
        text = f"{span.name} {span.attributes}"
        for secret in secrets:
            assert secret not in text, f"{span.service} {span.name} carries personal data"
