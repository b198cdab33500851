"""The Tapin story (DOMAIN.md §6): steps 1–4 here — reference data, workers, the Diklat Dasar PSM
2011, attendance, certificates, tiers raised and the messages each PSM got — steps 5–6 (cases
and the rekap) in `follow_up`, and step 7 (a DTKS extract imported, its duplicates decided) in
`extract`; through the APIs only.

`play` returns what happened (the end-to-end tests assert on it) and calls `after_step` after
each step, where the fault tests kill and restart a service.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from shared.demo import extract, follow_up
from shared.demo.client import Answer, KesosApi, deliveries_to, until
from shared.demo.extract import ExtractResult
from shared.demo.follow_up import FollowUpResult
from shared.demo.people import TAPIN, DemoWorker, psm_workers, tksk_workers
from shared.demo.show import Show, place

AfterStep = Callable[[str], Awaitable[None]]

HALL = "Aula Kantor Dinsosduknaker Tapin"
BATCH: dict[str, Any] = {
    "tier": "dasar",
    "organiser_wilayah": TAPIN,
    "organiser": "Dinas Sosial Kabupaten Tapin",
    "title": "Diklat Dasar PSM 2011",
    "starts_on": "2011-05-24",
    "ends_on": "2011-05-27",
    "venue": HALL,
    "capacity": 30,
    "sessions": [
        {"kind": "classroom", "date": "2011-05-24", "location": HALL,
         "title": "Materi kelas: kebijakan kesejahteraan sosial dan peran PSM"},
        {"kind": "classroom", "date": "2011-05-25", "location": HALL,
         "title": "Materi kelas: praktik pendataan dan penanganan PMKS"},
        {"kind": "pkl", "date": "2011-05-26", "location": "Banjarbaru",
         "title": "Praktik kerja lapangan (PKL)"},
        {"kind": "discussion", "date": "2011-05-27", "location": HALL,
         "title": "Diskusi hasil kunjungan dan PKL, penutupan"},
    ],
}  # fmt: skip


@dataclass
class StoryResult:
    tksk: dict[str, dict[str, Any]] = field(default_factory=dict)  # kecamatan → worker
    psm: list[dict[str, Any]] = field(default_factory=list)
    batch: dict[str, Any] = field(default_factory=dict)
    enrolled: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[dict[str, Any], Answer]] = field(default_factory=list)
    completion: dict[str, Any] = field(default_factory=dict)
    tiers: dict[str, str | None] = field(default_factory=dict)  # worker id → tier in registry
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # worker → deliveries
    follow_up: FollowUpResult = field(default_factory=FollowUpResult)  # steps 5–6
    extract: ExtractResult = field(default_factory=ExtractResult)  # step 7


async def play(api: KesosApi, show: Show, after_step: AfterStep | None = None) -> StoryResult:
    result = StoryResult()
    steps: list[tuple[str, Callable[[KesosApi, Show, StoryResult], Awaitable[None]]]] = [
        ("reference", reference_data),
        ("workers", register_workers),
        ("batch", schedule_and_enrol),
        ("certificates", attend_and_certify),
    ]
    after = after_step or _nothing
    for name, step in steps:
        await step(api, show, result)
        await after(name)
    await wait_for_tiers_and_messages(api, show, result)
    result.follow_up = await follow_up.report_cases(api, show, result.psm, result.tksk)
    await after("reports")
    await follow_up.follow_up_cases(api, show, result.follow_up)
    await follow_up.rekap(api, show, result.follow_up)
    result.extract = await extract.import_extract(api, show)
    return result


async def _nothing(step: str) -> None:
    return None


async def reference_data(api: KesosApi, show: Show, result: StoryResult) -> None:
    show.step(1, "Reference data: Kalimantan Selatan, Kabupaten Tapin, its kecamatan and desa")
    kabupaten = (await api.get("registry", "/v1/regions", parent="63"))["items"]
    kecamatan = (await api.get("registry", "/v1/regions", parent=TAPIN))["items"]
    rows = []
    for region in kecamatan:
        desa = (await api.get("registry", "/v1/regions", parent=region["code"]))["items"]
        rows.append((region["code"], region["name"], str(len(desa))))
    show.line(f"Kalimantan Selatan (63): {len(kabupaten)} kabupaten/kota")
    show.table("Kabupaten Tapin (63.05)", ("kode", "kecamatan", "desa/kelurahan"), rows)


async def register_workers(api: KesosApi, show: Show, result: StoryResult) -> None:
    show.step(2, "The Dinas registers one TKSK per kecamatan and 31 PSM in 8 kecamatan")
    for person in tksk_workers():
        result.tksk[person.wilayah] = await _register(api, person)
    for person in psm_workers():
        result.psm.append(await _register(api, person))
    show.table(
        "TKSK (one per kecamatan)",
        ("kecamatan", "nama", "HP"),
        [(place(code), w["name"], w["phone"]) for code, w in result.tksk.items()],
    )
    show.table(
        "PSM",
        ("#", "nama", "L/P", "desa/kelurahan", "HP"),
        [
            (str(i + 1), w["name"], w["sex"], place(w["wilayah"]), w["phone"])
            for i, w in enumerate(result.psm)
        ],
    )


async def _register(api: KesosApi, person: DemoWorker) -> dict[str, Any]:
    # The key must not carry the NIK: keys are stored and travel in headers.
    key = "demo-worker-" + hashlib.sha256(person.nik.encode()).hexdigest()[:24]
    return dict(await api.created("registry", "/v1/workers", person.registration(), key=key))


async def schedule_and_enrol(api: KesosApi, show: Show, result: StoryResult) -> None:
    show.step(3, "Diklat Dasar PSM 2011: scheduled, 30 PSM enrolled, the 31st refused")
    result.batch = dict(await api.created("training", "/v1/batches", BATCH, key="demo-batch-2011"))
    batch_id = result.batch["batch_id"]
    for worker in result.psm:
        answer = await api.post(
            "training",
            f"/v1/batches/{batch_id}/enrolments",
            {"worker_id": worker["worker_id"]},
            key=f"demo-enrol-{worker['worker_id']}",
        )
        if answer.status == 201:
            result.enrolled.append(worker)
        else:
            result.refused.append((worker, answer))
    show.table(
        BATCH["title"],
        ("tingkat", "penyelenggara", "tanggal", "tempat", "kapasitas", "peserta"),
        [(BATCH["tier"], BATCH["organiser"], f"{BATCH['starts_on']} – {BATCH['ends_on']}",
          BATCH["venue"], str(BATCH["capacity"]), str(len(result.enrolled)))],
    )  # fmt: skip
    show.table(
        "Sesi",
        ("tanggal", "jenis", "materi", "lokasi"),
        [(s["date"], s["kind"], s["title"], s["location"]) for s in BATCH["sessions"]],
    )
    for worker, answer in result.refused:
        body = answer.body if isinstance(answer.body, dict) else {}
        show.line(
            f"Refused: {worker['name']} — {answer.status} {body.get('title')}: {body.get('detail')}"
        )


async def attend_and_certify(api: KesosApi, show: Show, result: StoryResult) -> None:
    show.step(4, "Attendance per session, certificates, tiers raised in the registry")
    batch_id = result.batch["batch_id"]
    sessions = result.batch["sessions"]
    for session in sessions:
        for worker in result.enrolled:
            body = {
                "session_id": session["session_id"],
                "worker_id": worker["worker_id"],
                "present": True,
            }
            key = f"demo-attend-{session['session_id']}-{worker['worker_id']}"
            await api.created("training", f"/v1/batches/{batch_id}/attendance", body, key=key)
    show.line(
        f"Attendance: {len(result.enrolled)} participants × {len(sessions)} sessions recorded"
    )
    result.completion = dict(
        await api.created(
            "training", f"/v1/batches/{batch_id}/complete", {}, key=f"demo-complete-{batch_id}"
        )
    )
    names = {w["worker_id"]: w["name"] for w in result.psm}
    show.table(
        "Sertifikat",
        ("nomor", "nama"),
        [
            (c["number"], names.get(c["worker_id"], c["worker_id"]))
            for c in result.completion["certified"]
        ],
    )


async def wait_for_tiers_and_messages(api: KesosApi, show: Show, result: StoryResult) -> None:
    """The registry and notifications follow through the streams: wait until they have."""
    certified = [c["worker_id"] for c in result.completion.get("certified", [])]

    async def raised_and_told() -> bool | None:
        result.tiers = {
            w: (await api.get("registry", f"/v1/workers/{w}"))["tier"] for w in certified
        }
        result.messages = await deliveries_to(api, [w["worker_id"] for w in result.enrolled])
        told = all(
            len([m for m in ms if m["status"] == "sent"]) >= 2 for ms in result.messages.values()
        )
        return True if told and all(t == "dasar" for t in result.tiers.values()) else None

    await until("tiers raised and participants told", raised_and_told)
    names = {w["worker_id"]: w["name"] for w in result.psm}
    show.table(
        "Tingkat PSM di registry",
        ("nama", "tingkat"),
        [(names[w], str(t)) for w, t in result.tiers.items()],
    )
    show.table(
        "Pesan terkirim",
        ("nama", "pesan"),
        [(names[w], "\n".join(m["text"] or "" for m in ms)) for w, ms in result.messages.items()],
    )
