"""Who reads and writes which stream (`shared.messaging.topology`), held to the code: the
services' handlers, the catalog's channels, and what the public streams may carry."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from shared.contracts import CATALOG
from shared.contracts.envelope import producer_of
from shared.contracts.identity import IDENTITY_FIELDS
from shared.messaging import topology
from shared.messaging.streams import PUBLIC, events_stream, retry_stream
from tests.contracts.test_openapi import app_of

# Published before docs/adr/0005 and kept readable; no longer written to the public stream.
RETIRED = {
    "kesos.registry.worker_registered.v1",
    "kesos.registry.worker_contact_updated.v1",
    "kesos.registry.worker_deactivated.v1",
    "kesos.registry.worker_tier_raised.v1",
    "kesos.cases.case_reported.v1",  # its `person` is always null now
}


@pytest.mark.parametrize("service", topology.SERVICES)
def test_each_service_reads_exactly_what_the_topology_declares(service, tmp_path: Path):
    bus = app_of(service, tmp_path).state.bus
    reads = [s for s in bus.streams if s != retry_stream("kesos", service)]
    assert sorted(reads) == topology.streams_read("kesos", service)


def test_every_restricted_event_travels_on_a_declared_channel_read_by_its_one_reader(tmp_path):
    restricted = [m for m in CATALOG if m.stream_channel != PUBLIC]
    assert restricted, "the catalog has restricted events"
    for model in restricted:
        channel = (producer_of(model.type), model.stream_channel)
        assert channel in topology.RESTRICTED, model.type
    stream_of_channel = {
        events_stream("kesos", p, c): reader for (p, c), reader in topology.RESTRICTED.items()
    }
    for service in topology.SERVICES:
        for stream in app_of(service, tmp_path).state.bus.streams:
            reader = stream_of_channel.get(stream)
            assert reader in (None, service), f"{service} reads {stream}, restricted to {reader}"


def fields_of(schema: dict[str, Any]) -> set[str]:
    """Every property name in a JSON Schema, nested definitions included."""
    names: set[str] = set()
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            names |= set(value)
        if isinstance(value, dict):
            names |= fields_of(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    names |= fields_of(item)
    return names


def test_no_public_event_carries_a_field_that_identifies_a_person():
    for model in CATALOG:
        if model.stream_channel != PUBLIC or model.type in RETIRED:
            continue
        carried = fields_of(model.model_json_schema()) & IDENTITY_FIELDS
        assert not carried, f"{model.type} carries {carried} on the public stream"


def test_the_restricted_events_are_where_the_identities_went():
    contact = CATALOG.get("kesos.registry.worker_contact.v1")
    intake = CATALOG.get("kesos.cases.person_reported.v1")
    assert contact is not None and {"name", "phone"} <= fields_of(contact.model_json_schema())
    assert intake is not None and {"nik", "name"} <= fields_of(intake.model_json_schema())


def test_the_launcher_and_the_services_know_the_same_services():
    from shared.settings import SERVICE_PORTS

    assert set(topology.SERVICES) == set(SERVICE_PORTS) == set(topology.READS)
    for service in topology.SERVICES:
        importlib.import_module(f"services.{service}.app")
