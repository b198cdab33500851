"""Fuzz a running service through its own OpenAPI document with schemathesis.

Every operation gets positive and negative examples (bounded), sent with a valid token; no
answer may be a 5xx, and every answer must match the documented schema.
"""

from __future__ import annotations

from collections.abc import Mapping

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz_service(base_url: str, headers: Mapping[str, str], *, max_examples: int = 30) -> list[str]:
    """Run every operation; return the operations fuzzed (failures raise)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    fuzzed = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, base_url, dict(headers), max_examples)
        fuzzed.append(operation.label)
    return fuzzed


def _fuzz(operation, mode, base_url: str, headers: dict[str, str], max_examples: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        response = case.call(base_url=base_url, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except Unsatisfiable:
        if mode is not GenerationMode.NEGATIVE:
            raise  # an operation with no input cannot be sent a wrong one: nothing to do
