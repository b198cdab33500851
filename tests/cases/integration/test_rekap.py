"""The Dinas's rekap and case lists, inside the caller's wilayah."""

from __future__ import annotations

from tests.cases.integration.conftest import (
    BINUANG,
    RANTAU_KIWA,
    TAPIN_UTARA,
    Cases,
    bearer,
    psm,
    tksk,
)


async def test_the_rekap_counts_cases_per_kecamatan_category_and_status(
    make_cases, store_kind: str
) -> None:
    cases_app: Cases = await make_cases(store_kind)
    tksk_id = await cases_app.active_tksk()
    await cases_app.report(psm("psm-tungkap"))
    corrected = await cases_app.report(psm("psm-tungkap"), categories=("LUT", "PD"))
    await cases_app.report(
        psm("psm-rantau-kiwa", RANTAU_KIWA), desa=RANTAU_KIWA, categories=("PD",)
    )

    rekap = (await cases_app.client.get("/v1/rekap?wilayah=63.05", headers=bearer())).json()

    assert rekap["wilayah"] == "63.05"
    counts = {(r["kecamatan"], r["category"], r["status"]): r["count"] for r in rekap["items"]}
    assert counts == {
        (BINUANG, "LUT", "in_verification"): 2,
        (BINUANG, "PD", "in_verification"): 1,
        (TAPIN_UTARA, "PD", "reported"): 1,
    }
    narrowed = await cases_app.client.get(
        "/v1/rekap", headers=tksk("tksk-tapin-utara", TAPIN_UTARA)
    )
    assert [r["kecamatan"] for r in narrowed.json()["items"]] == [TAPIN_UTARA]
    outside = await cases_app.client.get("/v1/rekap?wilayah=63.03", headers=bearer())
    assert outside.status_code == 404

    # The TKSK's visit corrects the categories: the rekap follows.
    await cases_app.ok(corrected["case_id"], "verify", tksk(tksk_id), {"categories": ["PD", "FM"]})
    rekap = (await cases_app.client.get(f"/v1/rekap?wilayah={BINUANG}", headers=bearer())).json()
    counts = {(r["kecamatan"], r["category"], r["status"]): r["count"] for r in rekap["items"]}
    assert counts == {
        (BINUANG, "LUT", "in_verification"): 1,
        (BINUANG, "PD", "verified"): 1,
        (BINUANG, "FM", "verified"): 1,
    }


async def test_lists_filter_by_status_assignee_and_wilayah_and_page(cases_app: Cases) -> None:
    tksk_id = await cases_app.active_tksk()
    ids = [(await cases_app.report(psm("psm-tungkap")))["case_id"] for _ in range(3)]
    waiting = await cases_app.report(psm("psm-rantau-kiwa", RANTAU_KIWA), desa=RANTAU_KIWA)

    first = await cases_app.client.get("/v1/cases?limit=2", headers=bearer())
    body = first.json()
    rest = await cases_app.client.get(
        f"/v1/cases?limit=2&cursor={body['next_cursor']}", headers=bearer()
    )
    listed = [c["case_id"] for c in body["items"] + rest.json()["items"]]
    assert listed == [*ids, waiting["case_id"]]

    mine = await cases_app.client.get("/v1/cases?assigned_to_me=true", headers=tksk(tksk_id))
    assert [c["case_id"] for c in mine.json()["items"]] == ids
    reported = await cases_app.client.get("/v1/cases?status=reported", headers=bearer())
    assert [c["case_id"] for c in reported.json()["items"]] == [waiting["case_id"]]
    area = await cases_app.client.get(f"/v1/cases?wilayah={TAPIN_UTARA}", headers=bearer())
    assert [c["case_id"] for c in area.json()["items"]] == [waiting["case_id"]]
    assert (await cases_app.client.get("/v1/cases?cursor=@@", headers=bearer())).status_code == 400
