"""Bad input gets a clear problem+json 4xx naming the rule it broke — never a 500."""

from __future__ import annotations

import pytest

from tests.shared.web.conftest import TUNGKAP, bearer

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, rule: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"urn:kesos:problem:{rule}"
    assert body["status"] == status and body["title"]
    return body


async def test_a_body_that_breaks_the_schema_names_each_field(sample):
    response = await sample.client.post(
        "/v1/visits", json={"desa": "nowhere", "note": ""}, headers=bearer()
    )
    body = assert_problem(response, 422, "validation-failed")
    assert {tuple(error["loc"]) for error in body["errors"]} == {("body", "desa"), ("body", "note")}


async def test_malformed_json_is_a_validation_problem(sample):
    response = await sample.client.post(
        "/v1/visits", content=b"{not json", headers={**bearer(), "content-type": "application/json"}
    )
    assert_problem(response, 422, "validation-failed")


async def test_an_unknown_route_is_a_not_found_problem(sample):
    assert_problem(await sample.client.get("/v1/nothing-here", headers=bearer()), 404, "not-found")


async def test_a_wrong_method_is_a_method_not_allowed_problem(sample):
    assert_problem(
        await sample.client.delete("/v1/visits", headers=bearer()), 405, "method-not-allowed"
    )


async def test_an_oversized_body_is_refused_before_it_is_read(sample):
    big = {"desa": TUNGKAP, "note": "x" * (70 * 1024)}
    assert_problem(
        await sample.client.post("/v1/visits", json=big, headers=bearer()), 413, "payload-too-large"
    )


async def test_an_oversized_body_without_content_length_is_refused_too(sample):
    async def chunks():
        for _ in range(100):
            yield b"x" * 1024

    response = await sample.client.post("/v1/visits", content=chunks(), headers=bearer())
    assert_problem(response, 413, "payload-too-large")


async def test_a_bad_cursor_is_the_clients_problem(sample):
    response = await sample.client.get(
        "/v1/visits", params={"cursor": "%%%not-base64"}, headers=bearer()
    )
    assert_problem(response, 400, "invalid-cursor")


async def test_an_out_of_range_limit_is_a_validation_problem(sample):
    response = await sample.client.get("/v1/visits", params={"limit": 0}, headers=bearer())
    assert_problem(response, 422, "validation-failed")


async def test_a_transition_that_does_not_apply_names_its_rule(sample):
    visit = await sample.record()
    path = f"/v1/visits/{visit['id']}/close"
    assert (
        await sample.client.post(path, json={"reason": "done"}, headers=bearer())
    ).status_code == 200
    assert_problem(
        await sample.client.post(path, json={"reason": "again"}, headers=bearer()),
        409,
        "visit-not-open",
    )


async def test_lists_page_with_a_cursor(sample):
    made = {(await sample.record(note=f"n{i}"))["id"] for i in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await sample.client.get("/v1/visits", params=params, headers=bearer())).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 5


async def test_every_response_carries_request_and_correlation_ids(sample):
    response = await sample.client.get("/healthz", headers={"X-Correlation-ID": "flow-1"})
    assert response.headers["x-correlation-id"] == "flow-1"
    assert response.headers["x-request-id"]


async def test_a_client_id_that_looks_personal_is_replaced_not_logged(sample):
    nik = "6305011708900001"
    response = await sample.client.get(
        "/healthz", headers={"X-Correlation-ID": nik, "X-Request-ID": "0812-3456-7890"}
    )
    assert nik not in response.headers["x-correlation-id"]
    assert "3456" not in response.headers["x-request-id"]


async def test_text_holding_nul_is_refused_before_postgresql_sees_it(make_sample):
    sample = await make_sample("postgresql")  # PostgreSQL text cannot hold U+0000: it was a 500
    refused = [
        await sample.client.get("/v1/visits?status=open%00", headers=bearer()),
        await sample.client.get("/v1/visits/abc%00", headers=bearer()),
        await sample.client.post(
            "/v1/visits", json={"desa": TUNGKAP, "note": "kunjungan\x00"}, headers=bearer()
        ),
    ]
    for response in refused:
        assert_problem(response, 400, "nul-character")
    literal = {"desa": TUNGKAP, "note": "a literal \\u0000 is only text"}
    accepted = await sample.client.post("/v1/visits", json=literal, headers=bearer())
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["note"] == literal["note"]


async def test_oversized_headers_are_a_431_problem(sample):
    many = {f"x-filler-{n}": "y" * 1000 for n in range(20)}  # 20 KB in all
    response = await sample.client.get("/v1/visits", headers={**bearer(), **many})
    assert_problem(response, 431, "header-fields-too-large")
    one = {"x-filler": "y" * (9 * 1024)}
    response = await sample.client.get("/v1/visits", headers={**bearer(), **one})
    assert_problem(response, 431, "header-fields-too-large")


async def test_every_answer_forbids_caching_and_sniffing(sample):
    for response in (
        await sample.client.get("/v1/visits", headers=bearer()),
        await sample.client.get("/v1/visits"),  # a 401 problem
    ):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
