"""Who reads which delivery: staff by wilayah, PSM/TKSK their own; bad input is a problem."""

from __future__ import annotations

import pytest

from shared.web.pagination import encode_cursor
from tests.notifications.integration.story import (
    PHONE,
    RANTAU_KIWA,
    TUNGKAP,
    Notifications,
    bearer,
    enrolled,
    worker,
)

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
WORKERS = {"w-siti": TUNGKAP, "w-rahmah": TUNGKAP, "w-dewi": RANTAU_KIWA}


@pytest.fixture
async def service(make_notifications) -> Notifications:
    """Three PSM enrolled and told so: two in Tungkap (Binuang), one in Rantau Kiwa."""
    service = await make_notifications()
    for worker_id, desa in WORKERS.items():
        await service.publish(worker(worker_id, worker_id.removeprefix("w-"), desa), sequence=1)
        await service.publish(enrolled(worker_id))
    for worker_id in WORKERS:
        await service.delivery_of(worker_id)
    return service


def recipients(items: list[dict]) -> set[str]:
    return {item["recipient_id"] for item in items}


@pytest.mark.parametrize(
    ("role", "wilayah", "expected"),
    [
        ("admin", "63", set(WORKERS)),
        ("operator", "63.05", set(WORKERS)),
        ("operator", "63.05.04", {"w-dewi"}),
        ("operator", "63.05.01.2003", {"w-siti", "w-rahmah"}),
        ("operator", "63.06", set()),
    ],
)
async def test_staff_see_the_deliveries_of_recipients_inside_their_wilayah(
    service, role, wilayah, expected
):
    items = await service.deliveries(bearer(role, wilayah))
    assert recipients(items) == expected
    assert all(item["text"] for item in items)  # staff read the message


async def test_a_delivery_outside_the_callers_wilayah_is_not_found(service):
    [dewi] = await service.deliveries(recipient_id="w-dewi")
    path = f"/v1/deliveries/{dewi['delivery_id']}"

    inside = await service.client.get(path, headers=bearer("operator", "63.05.04"))
    outside = await service.client.get(path, headers=bearer("operator", "63.05.01"))
    missing = await service.client.get("/v1/deliveries/nope", headers=bearer("operator", "63"))

    assert inside.status_code == 200
    assert inside.json()["text"].startswith("Yth. dewi,")
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["type"] == missing.json()["type"] == "urn:kesos:problem:not-found"


@pytest.mark.parametrize("role", ["psm", "tksk"])
async def test_a_field_worker_sees_only_their_own_deliveries(service, role):
    siti = bearer(role, TUNGKAP, "w-siti")
    [own] = await service.deliveries(siti)
    [rahmah] = await service.deliveries(recipient_id="w-rahmah")

    assert own["recipient_id"] == "w-siti"
    assert own["text"].startswith("Yth. siti,")
    assert await service.deliveries(siti, recipient_id="w-rahmah") == []
    other = await service.client.get(f"/v1/deliveries/{rahmah['delivery_id']}", headers=siti)
    assert other.status_code == 404
    mine = await service.client.get(f"/v1/deliveries/{own['delivery_id']}", headers=siti)
    assert mine.status_code == 200


async def test_integration_clients_may_read_templates_but_not_deliveries(service):
    agency = bearer("integration", "63.05", "agency")
    refused = await service.client.get("/v1/deliveries", headers=agency)
    templates = await service.client.get("/v1/templates", headers=agency)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert templates.status_code == 200


async def test_deliveries_need_a_token(service):
    response = await service.client.get("/v1/deliveries")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


async def test_the_list_filters_by_status_and_pages_with_a_cursor(service):
    assert await service.deliveries(status="failed") == []
    first = await service.client.get(
        "/v1/deliveries", params={"limit": 2, "status": "sent"}, headers=bearer("admin", "63")
    )
    page = first.json()
    rest = await service.deliveries(cursor=page["next_cursor"], limit=2)

    assert len(page["items"]) == 2
    assert page["next_cursor"]
    assert recipients(page["items"]) | recipients(rest) == set(WORKERS)
    assert recipients(page["items"]).isdisjoint(recipients(rest))


@pytest.mark.parametrize(
    ("params", "status", "rule"),
    [
        ({"status": "delivered"}, 422, "validation-failed"),
        ({"limit": 0}, 422, "validation-failed"),
        ({"limit": 1000}, 422, "validation-failed"),
        ({"recipient_id": ""}, 422, "validation-failed"),
        ({"cursor": "%%%not-base64"}, 400, "invalid-cursor"),
        ({"cursor": encode_cursor("w-siti")}, 400, "invalid-cursor"),
    ],
)
async def test_bad_input_is_a_problem_not_a_crash(service, params, status, rule):
    response = await service.client.get(
        "/v1/deliveries", params=params, headers=bearer("admin", "63")
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"urn:kesos:problem:{rule}"


async def test_templates_are_listed_with_their_version(service):
    response = await service.client.get("/v1/templates", headers=bearer("psm", TUNGKAP, "w-siti"))
    body = response.json()
    assert body["version"] >= 1
    assert body["language"] == "id"
    by_name = {item["name"]: item for item in body["items"]}
    assert by_name["enrolment"]["text"].startswith("Yth. {name}, Anda terdaftar")
    assert "number" in by_name["certificate"]["placeholders"]


async def test_the_phone_number_is_never_in_a_response(service):
    for path in ("/v1/deliveries", "/v1/templates"):
        response = await service.client.get(path, headers=bearer("admin", "63"))
        assert PHONE not in response.text
        assert PHONE[3:] not in response.text
