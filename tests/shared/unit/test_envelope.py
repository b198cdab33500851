"""The envelope and its wire format: one string field per attribute, `data` as JSON text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contracts.cases import CaseReported, PersonReported
from shared.contracts.catalog import EventCatalog, PoisonEvent
from shared.contracts.envelope import Envelope, MalformedEntry, producer_of
from shared.messaging.context import flow
from shared.messaging.streams import (
    dead_stream,
    events_stream,
    producer_and_channel,
    retry_stream,
    stream_of,
)
from tests.support.tally import CATALOG, CounterSet

WHEN = datetime(2011, 5, 24, 8, 0, tzinfo=UTC)


def test_an_envelope_is_written_as_plain_string_fields():
    event_id = uuid4()
    envelope = Envelope.wrap(
        CounterSet(counter_id="a", value=3),
        source="/kesos/counter",
        time=WHEN,
        sequence=7,
        event_id=event_id,
    )
    fields = envelope.to_fields()
    assert fields == {
        "id": str(event_id),
        "source": "/kesos/counter",
        "type": "kesos.counter.counter_set.v1",
        "specversion": "1.0",
        "time": "2011-05-24T08:00:00Z",
        "subject": "a",
        "sequence": "7",
        "correlationid": str(event_id),
        "data": '{"counter_id":"a","value":3}',
    }
    assert all(isinstance(value, str) for value in fields.values())


def test_reading_an_entry_ignores_unknown_fields_and_accepts_bytes():
    fields = Envelope.wrap(CounterSet(counter_id="a", value=1), source="/s", time=WHEN).to_fields()
    raw = {k.encode(): v.encode() for k, v in {**fields, "x-agency": "ignored"}.items()}
    assert Envelope.from_fields(raw).data == {"counter_id": "a", "value": 1}


@pytest.mark.parametrize(
    "change",
    [
        {"id": None},
        {"type": "registry.worker.v1"},
        {"data": "{not json"},
        {"time": "yesterday"},
        {"sequence": "seven"},
    ],
)
def test_a_malformed_entry_is_refused(change):
    fields = Envelope.wrap(CounterSet(counter_id="a", value=1), source="/s", time=WHEN).to_fields()
    for key, value in change.items():
        if value is None:
            del fields[key]
        else:
            fields[key] = value
    with pytest.raises(MalformedEntry):
        Envelope.from_fields(fields)


def test_time_is_kept_in_utc():
    local = WHEN.astimezone(timezone(timedelta(hours=8)))  # WITA
    envelope = Envelope.wrap(CounterSet(counter_id="a", value=1), source="/s", time=local)
    assert envelope.to_fields()["time"] == "2011-05-24T08:00:00Z"


def test_events_produced_inside_a_flow_carry_its_correlation_and_cause():
    from shared.messaging.context import current_flow

    with flow("corr-1", "cause-1"):
        current = current_flow()
    assert current is not None and (current.correlation_id, current.causation_id) == (
        "corr-1",
        "cause-1",
    )
    assert current_flow() is None


def test_the_catalog_parses_known_types_and_ignores_unknown_ones():
    envelope = Envelope.wrap(CounterSet(counter_id="a", value=1), source="/s", time=WHEN)
    assert CATALOG.parse(envelope) == CounterSet(counter_id="a", value=1)
    unknown = envelope.model_copy(update={"type": "kesos.counter.something_else.v1"})
    assert CATALOG.parse(unknown) is None
    poison = envelope.model_copy(update={"data": {"counter_id": "a"}})
    with pytest.raises(PoisonEvent):
        CATALOG.parse(poison)


def test_a_type_cannot_be_registered_twice_with_another_model():
    catalog = EventCatalog()
    catalog.register(CounterSet)

    class Impostor(CounterSet):
        pass

    with pytest.raises(ValueError, match="registered twice"):
        catalog.register(Impostor)


def test_stream_names():
    assert producer_of("kesos.registry.worker_registered.v1") == "registry"
    assert events_stream("kesos", "registry") == "kesos.registry.events"
    assert stream_of("prov", CaseReported) == "prov.cases.events"
    assert stream_of("prov", PersonReported) == "prov.cases.intake"  # a restricted channel
    assert producer_and_channel("prov", "prov.cases.intake") == ("cases", "intake")
    assert producer_and_channel("prov", "other.cases.intake") is None
    assert dead_stream("kesos", "training") == "kesos.training.dead"
    assert retry_stream("kesos", "training") == "kesos.training.retry"
    with pytest.raises(ValueError):
        producer_of("cases.case_reported")


@settings(max_examples=50, deadline=None)
@given(
    value=st.integers(),
    counter_id=st.text(min_size=1, max_size=30),
    sequence=st.integers(min_value=0),
)
def test_the_wire_format_round_trips(value, counter_id, sequence):
    envelope = Envelope.wrap(
        CounterSet(counter_id=counter_id, value=value), source="/s", time=WHEN, sequence=sequence
    )
    fields = {k.encode(): v.encode() for k, v in envelope.to_fields().items()}
    assert Envelope.from_fields(fields) == envelope
    assert json.loads(fields[b"data"]) == {"counter_id": counter_id, "value": value}
