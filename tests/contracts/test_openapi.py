"""Each service's OpenAPI document says what a client really gets: the problems every operation
can answer, the bearer token, and the `Idempotency-Key` of every write."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from shared.security import SecuritySettings
from shared.settings import SERVICE_PORTS, ServiceSettings
from shared.web.bodies import Body

SECRET = "openapi-test-secret-that-is-long-enough-0123456789"
PUBLIC = {"/healthz", "/readyz", "/metrics"}
READ_ONLY_POSTS = {"/v1/persons/search", "/v1/workers/search"}  # lookups: nothing to retry


def app_of(service: str, tmp_path: Path) -> Any:
    """The service's app, built but never started: nothing is contacted."""
    settings = ServiceSettings(
        service=service,
        database_url=f"sqlite+aiosqlite:///{tmp_path / service}.db",
        redis_url="redis://127.0.0.1:1/0",
        host="127.0.0.1",
        port=SERVICE_PORTS[service],
    )
    build_app = importlib.import_module(f"services.{service}.app").build_app
    return build_app(settings, security=SecuritySettings(jwt_secret=SECRET))


def document_of(service: str, tmp_path: Path) -> dict[str, Any]:
    return app_of(service, tmp_path).openapi()


def operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_every_operation_documents_the_problems_it_can_answer(service, tmp_path):
    document = document_of(service, tmp_path)
    assert document["components"]["schemas"]["Problem"]
    for path, method, operation in operations(document):
        responses = operation["responses"]
        assert "default" in responses, (path, method)
        if path in PUBLIC:
            assert "security" not in operation
            continue
        assert operation["security"] == [{"bearer": []}], (path, method)
        assert {"401", "403"} <= set(responses), (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in responses, (path, method)
        for status in ("401", "403", "404", "409", "422"):
            if status in responses:
                content = responses[status]["content"]
                assert list(content) == ["application/problem+json"], (path, method, status)


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_every_write_takes_an_idempotency_key(service, tmp_path):
    document = document_of(service, tmp_path)
    for path, method, operation in operations(document):
        if method != "post" or path in READ_ONLY_POSTS:
            continue
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], (path, method)
        assert "409" in operation["responses"], (path, method)


def body_models(app) -> set[type]:
    """Every pydantic model a route reads from the request body, nested ones included."""
    found: set[type] = set()

    def walk(annotation: Any) -> None:
        for arg in typing.get_args(annotation):
            walk(arg)
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if is_model and annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)

    def routes(of: Any) -> Any:
        for route in of.routes:
            included = getattr(route, "original_router", None)  # FastAPI's included router
            yield from routes(included) if included is not None else (route,)

    for route in routes(app):
        body = getattr(route, "body_field", None)
        if body is not None:
            walk(body.field_info.annotation)
    assert found, "no request body found: the walk is broken"
    return found


LAX = (int, float, bool)


@pytest.mark.parametrize("service", ["cases", "registry", "training"])  # notifications takes none
def test_request_bodies_refuse_unknown_fields_and_lax_numbers(service, tmp_path):
    for model in body_models(app_of(service, tmp_path)):
        assert issubclass(model, Body), f"{model.__name__} must derive from shared.web.Body"
        for name, field in model.model_fields.items():
            scalars = [field.annotation, *typing.get_args(field.annotation)]
            if any(t in LAX for t in scalars):
                strict = any(getattr(m, "strict", False) for m in field.metadata)
                assert strict, f"{model.__name__}.{name}: use Count or Flag (strict)"
