"""What operators see: the audit trail, metrics, the access log, readiness."""

from __future__ import annotations

import json
import logging
import re

import pytest
import structlog

from shared.observability.logging import configure_logging
from tests.shared.web.conftest import bearer

pytestmark = pytest.mark.integration


async def test_every_write_appends_to_the_records_audit_trail(sample):
    visit = await sample.record()
    closed = await sample.client.post(
        f"/v1/visits/{visit['id']}/close",
        json={"reason": "tertangani"},
        headers=bearer(sub="bu-rina") | {"X-Correlation-ID": "flow-7"},
    )
    assert closed.status_code == 200
    trail = (await sample.client.get(f"/v1/visits/{visit['id']}/audit", headers=bearer())).json()
    assert [(line["action"], line["actor"], line["reason"]) for line in trail] == [
        ("visit.record", "alice", None),
        ("visit.close", "bu-rina", "tertangani"),
    ]


async def test_the_audit_trail_is_for_operators_only(sample):
    visit = await sample.record()
    response = await sample.client.get(
        f"/v1/visits/{visit['id']}/audit", headers=bearer("tksk", "63.05.01")
    )
    assert response.status_code == 403


async def test_metrics_expose_requests_handlers_backlog_and_lag(sample):
    await sample.record()
    text = (await sample.client.get("/metrics")).text
    for name in (
        "kesos_http_requests_total",
        "kesos_outbox_backlog",
        "kesos_group_lag",
        "kesos_group_pending",
        "kesos_dead_letters",
        "kesos_events_published_total",
    ):
        assert name in text, name


async def test_readyz_reports_each_dependency(sample):
    body = (await sample.client.get("/readyz")).json()
    assert body == {
        "status": "ready",
        "checks": {"store": True, "redis": True, "subscribers": True},
    }


async def test_the_access_log_line_carries_the_correlation_id(sample, capsys):
    configure_logging("visits", json=True)
    try:
        await sample.client.get("/v1/visits", headers=bearer() | {"X-Correlation-ID": "flow-42"})
        lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers = []
    (access,) = [line for line in lines if line["event"] == "http_request"]
    assert access["correlation_id"] == "flow-42"
    assert access["status"] == 200 and access["user"] == "alice" and access["service"] == "visits"


async def test_api_docs_are_served_by_the_service_itself_without_a_cdn(sample):
    for page in ("/docs", "/redoc"):
        response = await sample.client.get(page)
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        html = response.text
        assert "http://" not in html and "https://" not in html, "a page loads from outside"
        assets = re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', html)
        assert assets, "the page names its scripts"
        for asset in assets:
            fetched = await sample.client.get(asset)
            assert fetched.status_code == 200 and len(fetched.content) > 1000, asset
