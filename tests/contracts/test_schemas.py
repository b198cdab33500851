"""The published contracts in docs/events: what agencies and other services code against.

They must match the catalog, describe exactly what `Envelope.to_fields()` writes, and make
`kesos events check` fail when a published event type disappears or changes incompatibly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID, uuid4

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict
from typer.testing import CliRunner

from shared.cli import app
from shared.contracts import CATALOG, Envelope, Event, EventCatalog
from shared.contracts.schemas import (
    PRODUCERS,
    asyncapi,
    check_published,
    data_schema,
    entry_schema,
    export,
)

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "events"


class Wilayah(BaseModel):
    model_config = ConfigDict(frozen=True)

    kode: str
    nama: str


class WorkerRegistered(Event):
    """A social worker joined the registry."""

    type: ClassVar[str] = "kesos.sample.worker_registered.v1"
    subject_field: ClassVar[str] = "worker_id"

    worker_id: UUID
    role: str
    wilayah: Wilayah
    registered_at: datetime


class WorkerRenamed(Event):
    type: ClassVar[str] = "kesos.sample.worker_renamed.v1"
    subject_field: ClassVar[str] = "worker_id"

    worker_id: UUID
    new_name: str


class WorkerRegisteredWithNumericRole(WorkerRegistered):
    role: int  # type: ignore[assignment]


class WorkerRegisteredWithNote(WorkerRegistered):
    note: str | None = None


def catalog_of(*models: type[Event]) -> EventCatalog:
    catalog = EventCatalog()
    for model in models:
        catalog.register(model)
    return catalog


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def sample_entry() -> dict[str, str]:
    event = WorkerRegistered(
        worker_id=uuid4(),
        role="TKSK",
        wilayah=Wilayah(kode="63.05", nama="Tapin"),
        registered_at=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    )
    envelope = Envelope.wrap(
        event,
        source="/kesos/sample",
        time=datetime.now(UTC),
        sequence=3,
        causation_id=str(uuid4()),
    )
    return envelope.to_fields()


# ---- the committed docs ----------------------------------------------------------------------


def test_committed_docs_match_the_catalog() -> None:
    assert check_published(CATALOG, PUBLISHED) == []


# ---- entry and data schemas ------------------------------------------------------------------


def test_an_entry_written_by_the_envelope_validates() -> None:
    entry = sample_entry()

    validator(entry_schema()).validate(entry)
    validator(data_schema(WorkerRegistered)).validate(json.loads(entry["data"]))


def test_an_entry_with_only_the_required_fields_and_unknown_extras_validates() -> None:
    entry = Envelope(
        source="/kesos/sample",
        type=WorkerRenamed.type,
        time=datetime.now(UTC),
        data={"worker_id": str(uuid4()), "new_name": "Siti"},
    ).to_fields()
    entry.pop("correlationid", None)

    validator(entry_schema()).validate({**entry, "x-agency-note": "seen"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", None),
        ("id", "not-a-uuid"),
        ("type", "kesos.Sample.worker_registered.v1"),
        ("type", "registry.worker_registered.v1"),
        ("type", "kesos.sample.worker_registered"),
        ("type", None),
        ("specversion", "0.3"),
        ("time", "2025-01-02T03:04:05+07:00"),
        ("sequence", "-1"),
        ("data", None),
    ],
)
def test_a_malformed_entry_fails_validation(field: str, value: str | None) -> None:
    entry = sample_entry()
    if value is None:
        del entry[field]
    else:
        entry[field] = value

    assert not validator(entry_schema()).is_valid(entry)


def test_data_that_breaks_its_type_fails_validation() -> None:
    data = json.loads(sample_entry()["data"])
    data["wilayah"] = {"kode": "63.05"}

    assert not validator(data_schema(WorkerRegistered)).is_valid(data)


def test_a_data_schema_is_named_by_its_type() -> None:
    schema = data_schema(WorkerRegistered)

    assert schema["$id"] == schema["title"] == schema["x-kesos-type"] == WorkerRegistered.type
    assert schema["x-kesos-subject-field"] == "worker_id"


# ---- AsyncAPI --------------------------------------------------------------------------------


def test_asyncapi_has_a_channel_per_producer_even_before_its_first_event() -> None:
    document = asyncapi(CATALOG)

    assert document["asyncapi"] == "3.0.0"
    assert set(PRODUCERS) <= document["channels"].keys()
    for producer in PRODUCERS:
        channel = document["channels"][producer]
        assert channel["address"] == f"{{namespace}}.{producer}.events"
        assert channel["parameters"]["namespace"]["default"] == "kesos"
        assert document["operations"][f"{producer}.publish"]["action"] == "send"


def test_asyncapi_has_a_message_per_type_and_every_reference_resolves() -> None:
    document = asyncapi(catalog_of(WorkerRegistered, WorkerRenamed), namespace_default="test")

    assert document["channels"]["sample"]["address"] == "{namespace}.sample.events"
    assert document["channels"]["sample"]["parameters"]["namespace"]["default"] == "test"
    message = document["components"]["messages"][WorkerRegistered.type]
    assert message["name"] == WorkerRegistered.type
    assert message["summary"] == "A social worker joined the registry."
    operation = document["operations"]["sample.publish"]
    assert len(operation["messages"]) == 2
    for reference in references(document):
        assert reference.startswith("#/")
        resolve(document, reference)  # raises KeyError when dangling


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resolve(document: dict[str, Any], reference: str) -> Any:
    node: Any = document
    for part in reference.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# ---- export and check ------------------------------------------------------------------------


def test_export_writes_stable_files_and_keeps_others(tmp_path: Path) -> None:
    older = tmp_path / "kesos.sample.worker_registered.v0.schema.json"
    older.write_text("{}\n")
    export(catalog_of(WorkerRegistered), tmp_path)
    first = {path.name: path.read_text() for path in tmp_path.iterdir()}
    export(catalog_of(WorkerRegistered), tmp_path)

    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == first
    assert set(first) == {
        older.name,
        "entry.schema.json",
        "kesos.sample.worker_registered.v1.schema.json",
        "asyncapi.json",
    }
    written = first["kesos.sample.worker_registered.v1.schema.json"]
    assert written.endswith("}\n")
    assert written == json.dumps(json.loads(written), sort_keys=True, indent=2) + "\n"


def test_check_passes_right_after_export(tmp_path: Path) -> None:
    catalog = catalog_of(WorkerRegistered, WorkerRenamed)
    export(catalog, tmp_path)

    assert check_published(catalog, tmp_path) == []


def test_check_reports_a_published_type_gone_from_the_catalog(tmp_path: Path) -> None:
    export(catalog_of(WorkerRegistered, WorkerRenamed), tmp_path)

    problems = check_published(catalog_of(WorkerRegistered), tmp_path)

    assert problems == [
        "kesos.sample.worker_renamed.v1: published but gone from the catalog; "
        "a published version stays"
    ]


def test_check_reports_an_incompatible_change(tmp_path: Path) -> None:
    export(catalog_of(WorkerRegistered), tmp_path)

    problems = check_published(catalog_of(WorkerRegisteredWithNumericRole), tmp_path)

    assert problems == ["kesos.sample.worker_registered.v1: `role` changed type: string → integer"]


def test_check_asks_to_export_a_compatible_change_and_a_new_type(tmp_path: Path) -> None:
    export(catalog_of(WorkerRegistered), tmp_path)

    problems = check_published(catalog_of(WorkerRegisteredWithNote, WorkerRenamed), tmp_path)

    assert problems == [
        "kesos.sample.worker_registered.v1: changed compatibly but not exported; "
        "run `kesos events export`",
        "kesos.sample.worker_renamed.v1: not exported yet; run `kesos events export`",
    ]


def test_check_reports_an_entry_schema_that_differs(tmp_path: Path) -> None:
    catalog = catalog_of(WorkerRegistered)
    export(catalog, tmp_path)
    entry_file = tmp_path / "entry.schema.json"
    published = json.loads(entry_file.read_text())
    published["required"].remove("source")
    entry_file.write_text(json.dumps(published))

    problems = check_published(catalog, tmp_path)

    assert problems == ["entry.schema.json: `source` became required"]


def test_the_cli_exports_then_checks(tmp_path: Path) -> None:
    runner = CliRunner()

    exported = runner.invoke(app, ["events", "export", "--dir", str(tmp_path)])
    checked = runner.invoke(app, ["events", "check", "--dir", str(tmp_path)])

    assert exported.exit_code == 0, exported.output
    assert checked.exit_code == 0, checked.output


def test_the_cli_check_fails_listing_the_problems(tmp_path: Path) -> None:
    export(catalog_of(WorkerRenamed), tmp_path)

    result = CliRunner().invoke(app, ["events", "check", "--dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "kesos.sample.worker_renamed.v1: published but gone from the catalog" in result.output
