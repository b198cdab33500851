"""Personal data never reaches a log line, and every line carries its flow."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from shared.messaging.context import flow
from shared.observability.logging import configure_logging
from shared.observability.masking import mask_text

NIK = "6305011708900001"
KK = "6305010101110001"


@pytest.fixture
def json_lines(capsys):
    configure_logging("test", json=True, level=logging.DEBUG)

    def read() -> list[dict]:
        return [
            json.loads(line)
            for line in capsys.readouterr().err.splitlines()
            if line.startswith("{")
        ]

    yield read
    structlog.reset_defaults()
    logging.getLogger().handlers = []


def test_a_nik_kk_or_phone_in_the_message_is_masked(json_lines):
    structlog.get_logger().info(f"registered {NIK} of KK {KK}, call 0812-3456-7890")
    (line,) = json_lines()
    assert NIK not in line["event"] and KK not in line["event"] and "3456" not in line["event"]
    assert "630501**********" in line["event"] and "+62********890" in line["event"]


def test_personal_fields_are_masked_whatever_their_format(json_lines):
    structlog.get_logger().info(
        "person_registered", nik=NIK, phone="+62 812 3456 7890", kk=int(KK), name="Siti",
        details={"contacts": ["081234567890"], "nik": "12"},
    )  # fmt: skip
    (line,) = json_lines()
    text = json.dumps(line)
    for secret in (NIK, KK, "3456"):
        assert secret not in text
    assert line["name"] == "****"  # a name is personal data too
    assert line["details"]["nik"] == "**"


def test_stdlib_logs_are_masked_and_carry_the_service(json_lines):
    logging.getLogger("uvicorn.error").warning("peer sent NIK %s", NIK)
    (line,) = json_lines()
    assert NIK not in line["event"] and line["service"] == "test"


def test_lines_inside_a_flow_carry_its_correlation_id(json_lines):
    with flow("corr-9", "cause-1", request_id="req-1"):
        structlog.get_logger().info("case_verified")
    (line,) = json_lines()
    assert (line["correlation_id"], line["request_id"], line["service"]) == (
        "corr-9",
        "req-1",
        "test",
    )


@pytest.mark.parametrize(
    "text",
    ["63.05.01.2003", "stream 1795820135040-1", "tahun 2011", "batch 30 of 31", "uuid 9f1c2d3e"],
)
def test_codes_ids_and_numbers_that_are_not_personal_stay_readable(text):
    assert mask_text(text) == text


def test_request_and_correlation_ids_are_never_masked(json_lines):
    # Digits that would pass for a phone or a NIK inside an id: the id must stay whole.
    request_id = "1234abcd-0812-3456-7890-aaaaaaaaaaaa"
    correlation_id = "6305011708900001aaaabbbbccccdddd"
    with flow(correlation_id, "0812-3456-7890", request_id=request_id):
        structlog.get_logger().info("case_verified", event_id=request_id)
    (line,) = json_lines()
    assert line["request_id"] == request_id and line["event_id"] == request_id
    assert line["correlation_id"] == correlation_id
