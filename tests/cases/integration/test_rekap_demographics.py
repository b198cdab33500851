"""The rekap by sex and age band, on both stores: the person as the report typed them in until
the registry's profile (restricted stream) says otherwise; a period; the Dinas only; opened as
a spreadsheet program would; a chart."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest

from shared.contracts.envelope import Envelope
from shared.contracts.registry import PersonProfile
from shared.messaging.streams import events_stream
from shared.reference.calendar import wita_day
from tests.cases.integration.conftest import RANTAU_KIWA, Cases, bearer, psm, tksk
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
TODAY = wita_day(datetime.now(UTC))  # the office's day, as the rekap counts: UTC's until 16:00
TODDLER = str(TODAY - timedelta(days=2 * 365))  # two years old: a balita for years to come


def person(sex: str, born: str | None) -> dict[str, Any]:
    return {"nik": None, "name": "Warga", "sex": sex, "birth_date": born}


async def profile(app: Cases, person_id: str, sex: str, born: date | None, version: int) -> None:
    """A profile on registry's restricted stream, as the registry's relay writes it."""
    event = PersonProfile(person_id=person_id, sex=sex, birth_date=born)  # type: ignore[arg-type]
    envelope = Envelope.wrap(
        event, source="/kesos/registry", time=datetime.now(UTC), sequence=version
    )
    stream = events_stream(app.namespace, "registry", "profiles")
    await app.redis.xadd(stream, envelope.to_fields())  # type: ignore[arg-type]


async def reported(app: Cases) -> str:
    """Four cases: two elderly women in Tungkap, a boy with a disability and a toddler in Rantau
    Kiwa; the registry later corrects the first woman's record to a man of 45. Her case id."""
    await app.active_tksk(worker_id="tksk-binuang")
    first = await app.report(psm("psm-tungkap"), person=person("P", "1940-06-05"))
    await app.report(psm("psm-tungkap"), person=person("P", "1950-01-01"))
    rantau = psm("psm-rantau-kiwa", RANTAU_KIWA)
    await app.report(rantau, desa=RANTAU_KIWA, categories=("PD",), person=person("L", "2016-01-01"))
    await app.report(rantau, desa=RANTAU_KIWA, categories=("ABT",), person=person("P", TODDLER))
    return str(first["case_id"])


async def rows(app: Cases, **params: Any) -> list[tuple]:
    answer = await app.client.get("/v1/rekap/demographics", headers=bearer(), params=params)
    assert answer.status_code == 200, answer.text
    return [
        (r["kecamatan"], r["category"], r["sex"], r["age_band"], r["status"], r["count"])
        for r in answer.json()["items"]
    ]


async def test_the_rekap_by_sex_and_age_band_follows_the_registry(make_cases, store_kind):
    app: Cases = await make_cases(store_kind)
    case_id = await reported(app)
    assert await rows(app) == [
        ("63.05.01", "LUT", "P", "60+", "in_verification", 2),
        ("63.05.04", "ABT", "P", "0-4", "reported", 1),
        ("63.05.04", "PD", "L", "5-17", "reported", 1),
    ]
    # The registry links the first case and its record says otherwise: the registry wins.
    await app.publish_link(case_id, "person-1")
    await profile(app, "person-1", "L", TODAY.replace(year=TODAY.year - 45), version=2)
    await profile(app, "person-1", "P", date(1940, 6, 5), version=1)  # older: changes nothing
    await app.handled("cases.profiles", 2)

    async def corrected() -> list[tuple] | None:
        found = await rows(app)
        return found if ("63.05.01", "LUT", "L", "18-59", "in_verification", 1) in found else None

    found = await eventually(corrected, message="the registry's profile counted")
    assert ("63.05.01", "LUT", "P", "60+", "in_verification", 1) in found

    tomorrow = str(TODAY + timedelta(days=1))
    assert await rows(app, **{"from": tomorrow, "to": tomorrow}) == []  # reported before it
    assert await rows(app, wilayah="63.05.04") == [
        ("63.05.04", "ABT", "P", "0-4", "reported", 1),
        ("63.05.04", "PD", "L", "5-17", "reported", 1),
    ]


async def test_it_is_the_dinas_s_own_and_checks_its_period(cases_app: Cases):
    await reported(cases_app)
    path = "/v1/rekap/demographics"
    refused = await cases_app.client.get(path, headers=tksk("tksk-binuang"))
    assert refused.status_code == 403
    outside = await cases_app.client.get(path, headers=bearer(), params={"wilayah": "63.03"})
    assert outside.status_code == 404
    backwards = await cases_app.client.get(
        path, headers=bearer(), params={"from": "2026-03-31", "to": "2026-03-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["type"].endswith("period-invalid")


async def test_the_rekap_by_age_band_as_csv_xlsx_and_a_chart(cases_app: Cases):
    await reported(cases_app)
    answer = await cases_app.client.get(
        "/v1/rekap/demographics/export", headers=bearer(), params={"sep": ";"}
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert table == [
        ["kecamatan", "kecamatan_name", "category", "sex", "age_band", "status", "count"],
        ["63.05.01", "Binuang", "LUT", "P", "60+", "in_verification", "2"],
        ["63.05.04", "Tapin Utara", "ABT", "P", "0-4", "reported", "1"],
        ["63.05.04", "Tapin Utara", "PD", "L", "5-17", "reported", "1"],
    ]
    answer = await cases_app.client.get(
        "/v1/rekap/demographics/export", headers=bearer(), params={"format": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == table[1:]
    chart = await cases_app.client.get("/v1/rekap/demographics/chart.svg", headers=bearer())
    svg = ElementTree.fromstring(chart.content)
    texts = {t.strip() for element in svg.iter() for t in element.itertext() if t.strip()}
    assert {"lanjut usia (60+)", "balita (0-4)", "laki-laki", "perempuan"} <= texts
