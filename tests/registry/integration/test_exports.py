"""Exports of persons and families as the Dinas opens them: CSV (BOM, `,` or `;`) and XLSX,
inside the caller's wilayah only, each record audited as read."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from shared.persistence.tables import audit
from tests.registry.integration.conftest import BINUANG, TAPIN, TUNGKAP, bearer, new_person

pytestmark = pytest.mark.integration

KK = "6305010101100001"


async def registered(registry) -> tuple[list[str], str]:
    ids = []
    for serial, name in ((1, "Siti Aminah"), (2, "Rusmini")):
        body = new_person(nik=f"63050157089{serial:05d}", name=name)
        response = await registry.post("/v1/persons", body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["person_id"])
    body = {
        "no_kk": KK,
        "desa": TUNGKAP,
        "members": [
            {"person_id": ids[0], "relationship": "kepala keluarga"},
            {"person_id": ids[1], "relationship": "anak"},
        ],
    }
    family = await registry.post("/v1/families", body)
    assert family.status_code == 201, family.text
    return ids, family.json()["family_id"]


def csv_rows(response, separator: str = ",") -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads names in UTF-8
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=separator))


async def read_audits(registry, record_type: str) -> int:
    async with registry.app.state.uows() as uow:
        query = select(func.count()).where(
            audit.c.record_type == record_type, audit.c.action == f"{record_type}.read"
        )
        return int((await uow.session.execute(query)).scalar_one())


async def test_persons_and_families_export_as_csv_and_xlsx(make_registry, store_kind):
    registry = await make_registry(store_kind)
    ids, family_id = await registered(registry)
    get = registry.client.get

    rows = csv_rows(await get("/v1/exports/persons?format=csv", headers=bearer()))
    assert sorted(r["person_id"] for r in rows) == sorted(ids)
    siti = next(r for r in rows if r["name"] == "Siti Aminah")
    assert (siti["nik"], siti["desa"], siti["categories"]) == ("6305015708900001", TUNGKAP, "LUT")
    assert await read_audits(registry, "person") == 2  # each person exported is a read

    semicolons = await get(
        f"/v1/exports/families?format=csv&sep=%3B&wilayah={BINUANG}", headers=bearer()
    )
    [family] = csv_rows(semicolons, ";")
    assert (family["family_id"], family["no_kk"], family["size"]) == (family_id, KK, "2")
    assert family["members"] == f"{ids[0]}:kepala_keluarga|{ids[1]}:anak"
    assert await read_audits(registry, "family") == 1

    sheet = await get("/v1/exports/persons?format=xlsx", headers=bearer())
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(sheet.content), read_only=True)
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][:3] == ("person_id", "nik", "nik_recorded")
    niks = {row[1] for row in values[1:]}
    assert niks == {"6305015708900001", "6305015708900002"}  # text: no digit lost to a number


async def test_an_export_holds_only_the_callers_wilayah_and_only_dinas_staff_export(registry):
    await registered(registry)
    get = registry.client.get
    banjar = bearer("operator", "63.03")
    refused = await get(f"/v1/exports/persons?format=csv&wilayah={TAPIN}", headers=banjar)
    assert (refused.status_code, refused.json()["type"]) == (
        403,
        "urn:kesos:problem:outside-wilayah",
    )
    own = await get("/v1/exports/families?format=csv", headers=banjar)
    assert csv_rows(own) == []  # Banjar's own register: none of Tapin's families
    for role, wilayah in (("psm", TUNGKAP), ("tksk", BINUANG), ("integration", TAPIN)):
        forbidden = await get("/v1/exports/persons?format=csv", headers=bearer(role, wilayah))
        assert forbidden.status_code == 403, role
    bad = await get("/v1/exports/persons?format=pdf", headers=bearer())
    assert bad.status_code == 422
