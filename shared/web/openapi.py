"""The OpenAPI document says what clients really get: problem+json errors and bearer tokens.

FastAPI documents only its own 422 body; every Kesos error is RFC 9457 problem+json. Each
operation lists the problems it can answer — 401 and 403 behind a token, 404 where a path names
a record, 409 for writes (they take an `Idempotency-Key`), 422 where it reads input — plus a
`default` problem response. Every operation but the health ones requires a bearer token.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.web.idempotency import HEADER as IDEMPOTENCY_HEADER
from shared.web.problems import MEDIA_TYPE

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `type` is urn:kesos:problem:<rule>.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}
PROBLEM_RESPONSE = {
    "description": "A problem (RFC 9457)",
    "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
PROBLEMS = {
    "401": "No valid bearer token (`token-<reason>`)",
    "403": "The role or grant may not do this, or the target lies outside your wilayah",
    "404": "No such record, or one outside your wilayah (they look the same)",
    "409": "The record's state or another record conflicts with the write",
    "422": "The input breaks a rule; `type` names it",
}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status in _problem_statuses(path, operation):
                responses[status] = {**PROBLEM_RESPONSE, "description": PROBLEMS[status]}
            responses["default"] = PROBLEM_RESPONSE
            if path not in PUBLIC_PATHS:
                operation["security"] = [{"bearer": []}]
    return document


def _problem_statuses(path: str, operation: dict[str, Any]) -> list[str]:
    """Which documented problems the operation can answer, from what it takes."""
    if path in PUBLIC_PATHS:
        return []
    parameters = operation.get("parameters", [])
    statuses = ["401", "403"]
    if "{" in path:
        statuses.append("404")
    if any(p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER for p in parameters):
        statuses.append("409")
    if parameters or "requestBody" in operation:
        statuses.append("422")
    return statuses
