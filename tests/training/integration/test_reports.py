"""Training coverage of the wilayah (JSON and CSV) from certificates and the tiers the registry
records, and a worker's history — each in the caller's scope, the history read audited."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from shared.persistence.tables import audit
from tests.training.integration.conftest import Training, bearer
from tests.training.integration.test_completion import _attend, _complete, _enrolled_batch

pytestmark = pytest.mark.integration
RANTAU_KIWA = "63.05.04.1004"


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_coverage_and_history(make_training, kind):
    training: Training = await make_training(kind)
    batch, (certified, missed) = await _enrolled_batch(training, 2)
    await _attend(training, batch, certified)
    await _attend(training, batch, missed, skip=frozenset({"pkl"}))
    assert (await _complete(training, batch["batch_id"])).status_code == 200
    # one PSM of Tapin Utara with dasar on the registry's record, one inactive, one TKSK
    await training.publish_worker("psm-kiwa", wilayah=RANTAU_KIWA, tier="dasar")
    await training.publish_worker("psm-gone", wilayah=RANTAU_KIWA, status="inactive")
    await training.publish_worker("tksk-kiwa", role="tksk", wilayah="63.05.04")
    await training.known("psm-kiwa", "psm-gone", "tksk-kiwa")

    answer = await training.client.get("/v1/coverage", headers=bearer())
    assert answer.status_code == 200, answer.text
    rows = {row["kecamatan_name"]: row for row in answer.json()["items"]}
    assert {name: (row["active_psm"], [t["holding"] for t in row["tiers"]])
            for name, row in rows.items()} == {"Binuang": (1, [1, 0, 0]),
                                               "Tapin Selatan": (1, [0, 0, 0]),
                                               "Tapin Utara": (1, [1, 0, 0])}  # fmt: skip
    assert rows["Tapin Selatan"]["tiers"][0] == {"tier": "dasar", "holding": 0, "percent": 0.0}
    export = await training.client.get("/v1/coverage/export", headers=bearer())
    lines = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [(r["kecamatan_name"], r["dasar"], r["dasar_percent"]) for r in lines] == [
        ("Binuang", "1", "100.0"), ("Tapin Selatan", "0", "0.0"), ("Tapin Utara", "1", "100.0"),
    ]  # fmt: skip

    history = await training.client.get(f"/v1/workers/{certified}/history", headers=bearer())
    [entry] = history.json()["items"]
    assert (entry["batch_title"], entry["enrolment_status"]) == (
        "Diklat Dasar PSM 2011",
        "certified",
    )
    assert entry["certificate_number"] and entry["certified_on"]
    async with training.store.engine.connect() as connection:
        reads = select(func.count()).where(audit.c.action == "worker.training_history")
        assert (await connection.execute(reads)).scalar_one() == 1


async def test_reports_stay_inside_the_callers_wilayah(training: Training):
    [worker] = await training.active_psm("63.05.01.2003")
    banjar = bearer(wilayah="63.03", sub="operator-banjar")
    assert (
        await training.client.get(f"/v1/workers/{worker}/history", headers=banjar)
    ).status_code == 404
    other_psm = bearer("psm", "63.05.01.2003", "someone-else")
    assert (
        await training.client.get(f"/v1/workers/{worker}/history", headers=other_psm)
    ).status_code == 404
    own = bearer("psm", "63.05.01.2003", worker)
    assert (await training.client.get(f"/v1/workers/{worker}/history", headers=own)).json()[
        "items"
    ] == []
    outside = await training.client.get("/v1/coverage", headers=banjar, params={"wilayah": "63.05"})
    assert outside.status_code == 403
    assert (await training.client.get("/v1/coverage", headers=own)).status_code == 403
