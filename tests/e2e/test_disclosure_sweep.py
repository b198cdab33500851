"""Every read endpoint of every service × 5 roles × inside and outside the wilayah, after the
whole Tapin story, against the real processes (docs/adr/0005).

The per-record detail of who sees which field is specified in the cases' and registry's
disclosure matrices; this sweep holds every endpoint, generically, to the rules that must never
bend: no 5xx, nothing of a record outside the caller's wilayah, no identity for an agency's
client, no whole NIK or birth date for a PSM but her own.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.contracts.identity import IDENTITY_FIELDS
from shared.demo.show import Show
from shared.demo.story import StoryResult, play
from shared.security import mint_token
from tests.e2e.conftest import SECRET, System

pytestmark = pytest.mark.integration

OUTSIDE = "63.03"  # Kabupaten Banjar: none of the story is there
PATH_PARAM = re.compile(r"\{(\w+)\}")
# Reference data: a `name` there is a region's, a category's or a template's, not a person's.
# Reference data: an institution's name and phone are an office's, not a person's.
REFERENCE = (
    "/v1/regions", "/v1/pmks-categories", "/v1/training-tiers", "/v1/templates",
    "/v1/institutions",
)  # fmt: skip
WHOLE_NIK = re.compile(r"^\d{16}$")


def callers(result: StoryResult) -> dict[str, tuple[str, str, str]]:
    """name → (role, wilayah, sub): each role inside the story's wilayah, and outside it."""
    case = result.follow_up.cases["lut-tungkap"]
    psm = result.follow_up.reporters["lut-tungkap"]
    tksk = result.follow_up.tksk["lut-tungkap"]
    return {
        "admin": ("admin", "63.05", "admin-1"),
        "operator": ("operator", "63.05", "operator-1"),
        "tksk": ("tksk", case["kecamatan"], tksk["worker_id"]),
        "psm": ("psm", case["desa"], psm["worker_id"]),
        "integration": ("integration", "63.05", "bps"),
        **{
            f"{role} outside": (role, OUTSIDE, f"{role}-banjar")
            for role in ("admin", "operator", "tksk", "psm", "integration")
        },
    }


def ids(result: StoryResult) -> dict[str, str]:
    follow_up = result.follow_up
    return {
        "worker_id": result.psm[0]["worker_id"],
        "person_id": follow_up.persons["lut-tungkap"]["person_id"],
        "case_id": follow_up.cases["lut-tungkap"]["case_id"],
        "family_id": follow_up.families["lut-tungkap"]["family_id"],
        "institution_id": follow_up.panti["institution_id"],
        "batch_id": result.batch["batch_id"],
        "delivery_id": result.messages[result.enrolled[0]["worker_id"]][0]["delivery_id"],
        "code": "63.05.01",
        "review_id": "00000000-0000-0000-0000-000000000000",
        "import_id": "00000000-0000-0000-0000-000000000000",
        "queue": "awaiting-me",
    }


async def read_routes(client: httpx.AsyncClient, base: str) -> list[str]:
    document = (await client.get(f"{base}/openapi.json")).json()
    return [
        path
        for path, operations in document["paths"].items()
        if "get" in operations and path not in ("/healthz", "/readyz", "/metrics")
    ]


def identity_values(body: Any) -> list[tuple[str, Any]]:
    """Every non-null identifying field in a JSON answer, however deep."""
    found: list[tuple[str, Any]] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "disclosure":  # says which fields are masked or absent: no values
                continue
            if key in IDENTITY_FIELDS and value is not None:
                found.append((key, value))
            found += identity_values(value)
    elif isinstance(body, list):
        for item in body:
            found += identity_values(item)
    return found


def as_records(answer: httpx.Response) -> Any:
    """A JSON answer as it is; an export (CSV) as its rows, each a record like a list's; a chart
    (SVG) holds no records, and no NIK or No. KK in its text."""
    if answer.headers["content-type"].startswith("image/svg+xml"):
        assert not re.search(r"\d{16}", answer.text), "a 16-digit number in a chart"
        return {"items": []}
    if answer.headers["content-type"].startswith("text/csv"):
        text = answer.content.decode("utf-8").removeprefix("\ufeff")
        rows = csv.DictReader(io.StringIO(text))
        return {"items": [{k: v or None for k, v in row.items()} for row in rows]}
    return answer.json()


def records_in(body: Any) -> list[Any]:
    if isinstance(body, dict) and "items" in body:
        return list(body["items"])
    return [body]


def assert_masked_for_a_psm(body: Any, own_worker: str, where: str) -> None:
    """A PSM sees no one's whole NIK or birth date — only her own worker record's."""
    for record in records_in(body):
        if not isinstance(record, dict) or record.get("worker_id") == own_worker:
            continue
        for key, value in identity_values(record):
            if key == "nik":
                assert not WHOLE_NIK.match(str(value)), (where, key)
            if key == "birth_date":
                assert "*" in str(value), (where, key)


async def test_every_read_endpoint_keeps_the_rules_for_every_caller(start_system):
    system: System = await start_system("sqlite")
    api = system.api()
    try:
        result = await play(api, Show.quiet())
    finally:
        await api.close()
    known = ids(result)
    own_worker = result.follow_up.reporters["lut-tungkap"]["worker_id"]
    checked: list[str] = []
    async with httpx.AsyncClient(timeout=15) as client:
        for service, base in system.urls.items():
            for template in await read_routes(client, base):
                checked.append(f"{service} {template}")
                path = PATH_PARAM.sub(lambda m: known[m.group(1)], template)
                for name, (role, wilayah, sub) in callers(result).items():
                    token = mint_token(SECRET, sub=sub, role=role, wilayah=wilayah,
                                       now=datetime.now(UTC))  # fmt: skip
                    answer = await client.get(
                        f"{base}{path}", headers={"Authorization": f"Bearer {token}"}
                    )
                    where = f"{service} GET {template} as {name}"
                    assert answer.status_code < 500, f"{where}: {answer.text}"
                    if answer.status_code != 200:
                        assert answer.status_code in (403, 404), f"{where}: {answer.text}"
                        continue
                    body = as_records(answer)
                    if template.startswith(REFERENCE):
                        continue
                    if name.endswith("outside"):
                        assert identity_values(body) == [], where
                        assert not any("case_id" in r or "person_id" in r for r in
                                       records_in(body) if isinstance(r, dict)), where  # fmt: skip
                    if role == "integration":
                        assert identity_values(body) == [], where
                    if role == "psm":
                        assert_masked_for_a_psm(body, own_worker, where)
    # Every service's reads, the audit trail and the reviews included: the sweep is not empty.
    assert len(checked) >= 20 and sum("/v1/audit" in c for c in checked) == 4, checked
