"""JSON Schemas and the AsyncAPI document of Kesos events, and the check that keeps them stable.

`docs/events/` is what agencies and other teams code against: one schema for the fields of a
stream entry, one per event type for its `data`, and an AsyncAPI 3 document tying them to the
streams. All of it is generated from the catalog (`kesos events export`), and `kesos events
check` fails when the catalog drifts from what was published: a published type may gain optional
fields, anything else needs a new version published side by side (DESIGN.md §3).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared.contracts.catalog import EventCatalog
from shared.contracts.compatibility import incompatibilities
from shared.contracts.envelope import (
    SPECVERSION,
    TRACEPARENT_PATTERN,
    TRACESTATE_MAX,
    Event,
    producer_of,
)

Schema = dict[str, Any]

# Every producer has a stream, and so an AsyncAPI channel, before it publishes its first event.
PRODUCERS = ("registry", "training", "cases", "notifications")

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENTRY_FILE = "entry.schema.json"
ASYNCAPI_FILE = "asyncapi.json"
SCHEMA_SUFFIX = ".schema.json"
EXPORT_HINT = "run `kesos events export`"

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TYPE_PATTERN = r"^kesos\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$"
UTC_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$"
SEQUENCE_PATTERN = "^(0|[1-9][0-9]*)$"


def entry_schema() -> Schema:
    """The fields of a stream entry exactly as `Envelope.to_fields()` writes them.

    Every field is a string so any Redis client reads them as they are. Unknown fields are
    allowed: readers are tolerant, and agencies may see fields added later.
    """
    text: Schema = {"type": "string", "minLength": 1}
    return {
        "$schema": DIALECT,
        "$id": "kesos.entry",
        "title": "Kesos stream entry",
        "description": (
            "One field per CloudEvents 1.0 attribute, all strings, absent ones omitted; "
            "`data` is the event payload as JSON text, described by the schema of its `type`."
        ),
        "type": "object",
        "required": ["id", "source", "type", "specversion", "time", "data"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "pattern": UUID_PATTERN},
            "source": text,
            "type": {"type": "string", "pattern": TYPE_PATTERN},
            "specversion": {"type": "string", "const": SPECVERSION},
            "time": {"type": "string", "format": "date-time", "pattern": UTC_TIME_PATTERN},
            "subject": {**text, "description": "The aggregate id."},
            "sequence": {
                "type": "string",
                "pattern": SEQUENCE_PATTERN,
                "description": "The aggregate version, as a decimal string.",
            },
            "correlationid": text,
            "causationid": text,
            "traceparent": {
                "type": "string",
                "pattern": TRACEPARENT_PATTERN,
                "description": (
                    "CloudEvents distributed-tracing extension: the W3C trace context of the "
                    "work that produced the event. Optional; readers may ignore it."
                ),
            },
            "tracestate": {
                "type": "string",
                "minLength": 1,
                "maxLength": TRACESTATE_MAX,
                "description": "W3C `tracestate` belonging to `traceparent`.",
            },
            "data": {"type": "string", "contentMediaType": "application/json"},
        },
        "additionalProperties": {"type": "string"},
    }


def data_schema(model: type[Event]) -> Schema:
    """The schema of one type's `data`, named by the type so it stands alone as a file."""
    return {
        "$schema": DIALECT,
        **model.model_json_schema(),
        "$id": model.type,
        "title": model.type,
        "x-kesos-type": model.type,
        "x-kesos-subject-field": model.subject_field,
    }


def asyncapi(catalog: EventCatalog, namespace_default: str = "kesos") -> Schema:
    """An AsyncAPI 3.0 document: one channel per stream (a producer's public `events`, and its
    restricted ones, named `<producer>.<channel>`), one message per type."""
    models = list(catalog)
    by_producer: dict[str, list[type[Event]]] = {producer: [] for producer in PRODUCERS}
    for model in models:
        by_producer.setdefault(_channel_key(model), []).append(model)
    schemas = {"entry": _in_document(entry_schema(), "entry")}
    schemas.update((m.type, _in_document(data_schema(m), m.type)) for m in models)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Kesos events",
            "version": "1.0.0",
            "description": (
                "Events of the Kesos services on Redis Streams. Each stream entry carries the "
                "envelope attributes as plain string fields and the payload as JSON text in "
                "`data` (see the `entry` schema). Readers ignore unknown fields and types."
            ),
        },
        "defaultContentType": "application/json",
        "channels": {
            producer: _channel(producer, published, namespace_default)
            for producer, published in by_producer.items()
        },
        "operations": {
            f"{producer}.publish": _operation(producer, published)
            for producer, published in by_producer.items()
        },
        "components": {"messages": {m.type: _message(m) for m in models}, "schemas": schemas},
    }


def _channel_key(model: type[Event]) -> str:
    producer = producer_of(model.type)
    return producer if model.stream_channel == "events" else f"{producer}.{model.stream_channel}"


def _channel(key: str, models: list[type[Event]], namespace_default: str) -> Schema:
    producer, _, restricted = key.partition(".")
    description = (
        f"Restricted: what one service needs from {producer} and no agency may read; only the "
        "reader named in shared/messaging/topology.py may read it (docs/adr/0005)."
        if restricted
        else f"The public stream of the {producer} service: no event on it identifies a person; "
        "agencies may be granted it."
    )
    return {
        "address": f"{{namespace}}.{producer}.{restricted or 'events'}",
        "title": f"{producer} {restricted or 'events'}",
        "description": description,
        "parameters": {
            "namespace": {
                "description": "Separates installations and test runs sharing one Redis.",
                "default": namespace_default,
            }
        },
        "messages": {m.type: {"$ref": f"#/components/messages/{m.type}"} for m in models},
    }


def _operation(producer: str, models: list[type[Event]]) -> Schema:
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{producer}"},
        "summary": f"The {producer} service publishes (through its outbox relay).",
        "messages": [{"$ref": f"#/channels/{producer}/messages/{m.type}"} for m in models],
    }


def _message(model: type[Event]) -> Schema:
    message: Schema = {
        "name": model.type,
        "title": model.__name__,
        "contentType": "application/json",
        "description": (
            "A stream entry whose fields follow the `entry` schema (the headers here); its "
            f"`data` field holds this payload as JSON text. `subject` = `{model.subject_field}`."
        ),
        "headers": {"$ref": "#/components/schemas/entry"},
        "payload": {"$ref": f"#/components/schemas/{model.type}"},
        "correlationId": {"location": "$message.header#/correlationid"},
    }
    if model.__doc__:
        message["summary"] = model.__doc__.strip().splitlines()[0]
    return message


def _in_document(schema: Schema, key: str) -> Schema:
    """A schema as a component of the AsyncAPI document.

    Its `$id` goes (tools would otherwise resolve `$ref`s against it) and its `#/$defs/...`
    references are rewritten to point into `components.schemas.<key>`.
    """
    embedded = {k: v for k, v in schema.items() if k not in ("$id", "$schema")}
    return _rebase(embedded, f"#/components/schemas/{key}/$defs/")


def _rebase(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            k: v.replace("#/$defs/", prefix, 1)
            if k == "$ref" and isinstance(v, str)
            else _rebase(v, prefix)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(item, prefix) for item in node]
    return node


# ---- files ---------------------------------------------------------------------------------


def documents(catalog: EventCatalog) -> dict[str, Schema]:
    """Every file `export` writes, by file name."""
    files = {ENTRY_FILE: entry_schema()}
    files.update((f"{m.type}{SCHEMA_SUFFIX}", data_schema(m)) for m in catalog)
    files[ASYNCAPI_FILE] = asyncapi(catalog)
    return files


def render(document: Schema) -> str:
    """Stable text, so regenerating an unchanged catalog leaves git with nothing to show."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def export(catalog: EventCatalog, directory: Path) -> list[Path]:
    """Write the schemas and the AsyncAPI document; other files (older versions) stay."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in documents(catalog).items():
        path = directory / name
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written


def check_published(catalog: EventCatalog, directory: Path) -> list[str]:
    """What stops the catalog from matching the published `docs/events`; empty when it does."""
    published = dict(_published_types(directory))
    problems = [
        problem
        for event_type, schema in published.items()
        for problem in _type_problems(catalog, event_type, schema)
    ]
    problems += [
        f"{m.type}: not exported yet; {EXPORT_HINT}" for m in catalog if m.type not in published
    ]
    problems += _entry_problems(directory)
    # The AsyncAPI document only restates the schemas: stale on its own, it just needs export.
    if not problems and _read(directory / ASYNCAPI_FILE) != _normal(asyncapi(catalog)):
        problems.append(f"{ASYNCAPI_FILE} is out of date; {EXPORT_HINT}")
    return problems


def _published_types(directory: Path) -> Iterator[tuple[str, Schema]]:
    for path in sorted(directory.glob(f"*{SCHEMA_SUFFIX}")):
        if path.name != ENTRY_FILE:
            yield path.name.removesuffix(SCHEMA_SUFFIX), json.loads(path.read_text("utf-8"))


def _type_problems(catalog: EventCatalog, event_type: str, published: Schema) -> list[str]:
    model = catalog.get(event_type)
    if model is None:
        return [f"{event_type}: published but gone from the catalog; a published version stays"]
    current = _normal(data_schema(model))
    breaking = [f"{event_type}: {problem}" for problem in incompatibilities(published, current)]
    if not breaking and published != current:
        return [f"{event_type}: changed compatibly but not exported; {EXPORT_HINT}"]
    return breaking


def _entry_problems(directory: Path) -> list[str]:
    published = _read(directory / ENTRY_FILE)
    current = _normal(entry_schema())
    if published is None:
        return [f"{ENTRY_FILE} is missing; {EXPORT_HINT}"]
    breaking = [f"{ENTRY_FILE}: {problem}" for problem in incompatibilities(published, current)]
    if not breaking and published != current:
        return [f"{ENTRY_FILE} differs from the envelope's entry schema; {EXPORT_HINT}"]
    return breaking


def _read(path: Path) -> Schema | None:
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def _normal(document: Schema) -> Schema:
    """A document as it reads back from its file (tuples become lists, and so on)."""
    loaded: Schema = json.loads(render(document))
    return loaded
