"""The Dinas's rekap and case lists, inside the caller's wilayah."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from services.cases.adapters.tables import cases, rekap_counts
from services.cases.recount import recount
from shared.reference import pmks_categories
from shared.security import mint_token
from tests.cases.integration.conftest import (
    BINUANG,
    PADANG_SARI,
    RANTAU_KIWA,
    SECRET,
    TAPIN,
    TAPIN_UTARA,
    TUNGKAP,
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


async def test_the_kept_counts_always_equal_a_count_of_the_cases(
    make_cases, store_kind: str
) -> None:
    """Reports, corrections that add and drop protected codes, rejections: after each, the
    rekap kept with the writes says what counting every case says, split and folded."""
    cases_app: Cases = await make_cases(store_kind)
    tksk_id = await cases_app.active_tksk()
    reporter = psm("psm-tungkap")
    made = [
        await cases_app.report(reporter, categories=codes)
        for codes in (("LUT",), ("ODHA", "NAPZA"), ("PD", "ODHA"), ("FM",), ("LUT", "PD"))
    ]
    await cases_app.ok(made[0]["case_id"], "verify", tksk(tksk_id), {"categories": ["ODHA"]})
    await cases_app.ok(made[1]["case_id"], "verify", tksk(tksk_id), {"categories": ["PD"]})
    await cases_app.ok(made[2]["case_id"], "verify", tksk(tksk_id), {"categories": ["NAPZA"]})
    await cases_app.ok(made[3]["case_id"], "reject", tksk(tksk_id), {"reason": "duplikat"})

    await cases_app.report(psm("psm-padang-sari", PADANG_SARI), desa=PADANG_SARI)
    for headers, folded in ((bearer(), True), (OFFICER, False)):
        for wilayah, desa in ((TAPIN, None), (BINUANG, None), (TUNGKAP, TUNGKAP)):
            answer = await cases_app.client.get(f"/v1/rekap?wilayah={wilayah}", headers=headers)
            items = answer.json()["items"]
            kept = {(r["kecamatan"], r["category"], r["status"]): r["count"] for r in items}
            assert kept == await counted(cases_app, folded=folded, desa=desa), wilayah


OFFICER = {
    "Authorization": "Bearer " + mint_token(
        SECRET, sub="officer-1", role="operator", wilayah=TAPIN, now=datetime.now(UTC),
        grants=["protected-data"],
    )
}  # fmt: skip


async def counted(
    cases_app: Cases, *, folded: bool, desa: str | None = None
) -> dict[tuple[str, str, str], int]:
    """The rekap by hand: every case (of `desa`) read back and counted."""
    sensitive = pmks_categories().sensitive()
    counts: Counter[tuple[str, str, str]] = Counter()
    async with cases_app.store.engine.connect() as connection:
        rows = (await connection.execute(select(cases))).all()
    for row in rows:
        if desa is not None and row.desa != desa:
            continue
        codes = set(row.categories)
        if folded and codes & sensitive:
            codes = (codes - sensitive) | {"protected"}
        for code in codes:
            counts[(row.kecamatan, code, row.status)] += 1
    return dict(counts)


async def test_the_counts_made_again_from_the_cases_are_the_kept_ones(
    make_cases, store_kind: str
) -> None:
    """`python -m services.cases.recount` after counts went wrong (an upgrade old replicas
    wrote through, a category newly protected): the rekap says again what the cases say."""
    cases_app: Cases = await make_cases(store_kind)
    tksk_id = await cases_app.active_tksk()
    made = await cases_app.report(psm("psm-tungkap"), categories=("ODHA", "PD"))
    await cases_app.report(psm("psm-tungkap"), categories=("LUT",))
    await cases_app.ok(made["case_id"], "verify", tksk(tksk_id), {"categories": ["NAPZA"]})

    async def answers() -> list[dict]:
        return [
            (await cases_app.client.get(f"/v1/rekap?wilayah={w}", headers=h)).json()
            for h in (bearer(), OFFICER)
            for w in (TAPIN, TUNGKAP)
        ]

    kept = await answers()
    async with cases_app.store.engine.begin() as connection:
        await connection.execute(rekap_counts.delete())
        await connection.execute(rekap_counts.insert(), BOGUS)
    assert await answers() != kept
    assert await recount(cases_app.store.url) > 0
    assert await answers() == kept


BOGUS = {
    "depth": 3, "area": BINUANG, "category": "FM", "status": "closed", "slot": 0,
    "kecamatan": BINUANG, "cases": 7,
}  # fmt: skip


def test_the_recount_command_runs_on_its_own(tmp_path) -> None:
    store = tmp_path / "cases.db"
    env = {**os.environ, "CASES_DATABASE_URL": f"sqlite+aiosqlite:///{store}"}
    done = subprocess.run(
        [sys.executable, "-m", "services.cases.recount"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"rekap_recounted" in done.stdout + done.stderr


async def test_a_recount_beside_running_writers_misses_none_of_them(
    make_cases, store_kind: str
) -> None:
    cases_app: Cases = await make_cases(store_kind)
    await cases_app.active_tksk()

    async def report(n: int) -> None:
        await cases_app.report(psm("psm-tungkap"), categories=(("LUT",), ("PD", "ODHA"))[n % 2])

    await asyncio.gather(
        *(report(n) for n in range(12)),
        recount(cases_app.store.url),
        *(report(n) for n in range(8)),
    )
    for headers, folded in ((bearer(), True), (OFFICER, False)):
        items = (await cases_app.client.get("/v1/rekap", headers=headers)).json()["items"]
        kept = {(r["kecamatan"], r["category"], r["status"]): r["count"] for r in items}
        assert kept == await counted(cases_app, folded=folded)
