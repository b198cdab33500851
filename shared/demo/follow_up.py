"""The Tapin story, steps 5–6 (DOMAIN.md §6): three PSM report PMKS in their desa, the TKSK of two
kecamatan verify (the third has not yet), the PSM record follow-up visits; one case is planned,
referred to the province's panti — which accepts and completes the referral through its own
client — and closed; then the rekap the Dinas reports (by sex and age band too) and the
forecast of what will be late, and escalated, if nobody acts — each actor through the APIs with
their own token and scope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shared.demo.client import ApiError, KesosApi, deliveries_to, until
from shared.demo.people import RANTAU_KIWA, TAPIN, TATAKAN, TUNGKAP
from shared.demo.show import Show, place
from shared.reference import pmks_categories
from shared.reference.calendar import wita_day

CASE_TEMPLATES = (
    "case_assigned", "case_reassigned", "case_verified", "case_returned", "case_closed",
)  # fmt: skip


@dataclass(frozen=True)
class DemoReport:
    key: str  # stable: it names the demo's Idempotency-Keys
    desa: str
    categories: tuple[str, ...]
    description: str
    person: dict[str, str | None]
    closes: bool  # referred, monitored and closed within the story
    kk: str | None = None  # the person's Kartu Keluarga, recorded by the Dinas
    verified: bool = True  # False: the TKSK has not visited yet (the forecast shows it late)


REPORTS = (
    DemoReport(
        key="lut-tungkap",
        desa=TUNGKAP,
        categories=("LUT",),
        description="Lansia tinggal seorang diri di rumah tidak layak huni, tidak ada keluarga "
        "yang merawat, makan bergantung pada tetangga.",
        # A woman born 14-02-1940 in Binuang: NIK day 14 + 40 (DOMAIN.md §3.1).
        person={"nik": "6305015402400003", "name": "Masriah", "sex": "P",
                "birth_date": "1940-02-14"},
        closes=True,
        kk="6305011203150004",  # issued in Binuang 12-03-2015; she is its only member
    ),
    DemoReport(
        key="pd-rantau-kiwa",
        desa=RANTAU_KIWA,
        categories=("PD",),
        description="Penyandang disabilitas fisik (kedua kaki), belum memiliki kursi roda; "
        "belum tercatat di Dukcapil.",
        person={"nik": None, "name": "Rahmat Hidayat", "sex": "L", "birth_date": "1995-09-03"},
        closes=False,
    ),
    DemoReport(
        key="at-tatakan",
        desa=TATAKAN,
        categories=("AT",),
        description="Anak ditinggal orang tua merantau, tinggal dengan nenek yang sakit, "
        "tidak bersekolah sejak tiga bulan.",
        person={"nik": None, "name": "Ahmad Fauzan", "sex": "L", "birth_date": "2014-08-17"},
        closes=False,
        verified=False,
    ),
)  # fmt: skip

# The province's panti for the elderly: registered by the province's Dinas, serving all of Kalsel.
PANTI = {
    "kind": "panti_sosial",
    "name": "UPTD Panti Sosial Tresna Werdha Budi Sejahtera, Banjarbaru",
    "wilayah": "63",
    "phone": "0511-4772521",
}
ASSESSMENT = {"risk_level": "high", "needs": ["perawatan harian", "tempat tinggal layak"]}


def plan(today: date) -> dict[str, Any]:
    """The TKSK's plan for Masriah: the panti within two weeks, a visit a month after."""
    return {
        "items": [
            {"service": "pengasuhan di panti wreda", "provider": PANTI["name"],
             "target_date": str(today + timedelta(days=14))},
            {"service": "kunjungan pemantauan", "provider": "PSM desa",
             "target_date": str(today + timedelta(days=45))},
        ]
    }  # fmt: skip


CLOSURE = {"reason": "dirujuk_permanen", "note": "Diterima di panti wreda"}


@dataclass
class FollowUpResult:
    reporters: dict[str, dict[str, Any]] = field(default_factory=dict)  # report key → PSM
    tksk: dict[str, dict[str, Any]] = field(default_factory=dict)  # report key → its TKSK
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)  # report key → final case
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)  # report key → registry
    families: dict[str, dict[str, Any]] = field(default_factory=dict)  # report key → its KK
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # worker → cases'
    rekap: list[dict[str, Any]] = field(default_factory=list)
    panti: dict[str, Any] = field(default_factory=dict)  # the receiving institution
    demographics: list[dict[str, Any]] = field(default_factory=list)  # by sex and age band
    escalated: list[dict[str, Any]] = field(default_factory=list)  # in the overdue forecast


async def report_cases(
    api: KesosApi, show: Show, psm: list[dict[str, Any]], tksk: dict[str, dict[str, Any]]
) -> FollowUpResult:
    show.step(5, "PSM report PMKS in their desa; each case goes to its kecamatan's TKSK")
    result = FollowUpResult()
    for report in REPORTS:
        reporter = next(w for w in psm if w["wilayah"] == report.desa)
        result.reporters[report.key] = reporter
        result.tksk[report.key] = tksk[report.desa[:8]]
        body = {
            "categories": list(report.categories),
            "desa": report.desa,
            "description": report.description,
            "person": report.person,
        }
        case = await api.as_worker(reporter).created(
            "cases", "/v1/cases", body, key=f"demo-case-{report.key}"
        )
        result.cases[report.key] = dict(case)
        show.line(
            f"{reporter['name']} (PSM {place(report.desa)}) reports {report.person['name']}: "
            f"{_categories(report.categories)}"
        )
    return result


async def follow_up_cases(api: KesosApi, show: Show, result: FollowUpResult) -> None:
    """Verification, follow-up visits, and for one case the plan (approved by the Dinas), a
    referral the panti accepts and completes through its own client, and closure."""
    province = api.acting_as("demo-admin-kalsel", "admin", "63")
    result.panti = await province.created("registry", "/v1/institutions", PANTI, key="demo-panti")
    panti = api.acting_as(result.panti["institution_id"], "integration", "63")
    for report in REPORTS:
        case_id = result.cases[report.key]["case_id"]
        tksk = api.as_worker(result.tksk[report.key])
        psm = api.as_worker(result.reporters[report.key])
        await _assigned_to(api, case_id, result.tksk[report.key]["worker_id"])
        if not report.verified:
            continue  # its TKSK has not visited yet
        step = _stepper(case_id, report.key)
        await step(tksk, "verify", {})
        if report.closes:
            await step(tksk, "assess", ASSESSMENT)
            if (await step(tksk, "plan", plan(date.today())))["status"] == "plan_review":
                await step(api, "approve-plan", {})
            referral = await _refer(tksk, step, result.panti["institution_id"])
            await step(panti, f"referrals/{referral}/accept", {})
            await step(tksk, "start-monitoring", {})
        await step(psm, "follow-ups", {"note": _visit_note(report)})
        if report.closes:
            done = {"outcome": "dilayani", "note": "Diterima sebagai penghuni tetap"}
            await step(panti, f"referrals/{referral}/complete", done)
            await step(tksk, "request-closure", CLOSURE)
            await step(api, "approve-closure", {})
    await _wait_for_links_and_messages(api, result)
    await _register_households(api, result)
    _show_cases(show, result)


Step = Callable[[KesosApi, str, dict[str, Any]], Awaitable[Any]]


def _stepper(case_id: str, key: str) -> Step:
    async def step(actor: KesosApi, action: str, body: dict[str, Any]) -> Any:
        path = f"/v1/cases/{case_id}/{action}"
        slug = action.replace("/", "-")
        return await actor.created("cases", path, body, key=f"demo-case-{key}-{slug}")

    return step


async def _refer(tksk: KesosApi, step: Step, institution_id: str) -> str:
    """To the panti, once cases has heard of it from the registry (through its stream); the
    id of the referral."""
    body = {"institution_id": institution_id, "consent": True}

    async def referred() -> str | None:
        try:
            case = await step(tksk, "refer", body)
        except ApiError as refused:
            if (refused.answer.problem_type or "").endswith("institution-unknown"):
                return None  # not projected yet
            raise
        return str(case["referrals"][-1]["referral_id"])

    return await until("the panti known to cases", referred)


def _visit_note(report: DemoReport) -> str:
    if report.closes:
        return "Kunjungan lanjutan: ibu Masriah sudah diantar ke panti wreda, kondisi baik."
    return "Kunjungan lanjutan: keluarga diarahkan ke Dukcapil untuk perekaman NIK."


async def rekap(api: KesosApi, show: Show, result: FollowUpResult) -> None:
    show.step(6, "Rekap PMKS as the Dinas reports it; what will be late if nobody acts")
    answer = await api.get("cases", "/v1/rekap", wilayah=TAPIN)
    result.rekap = list(answer["items"])
    rows = [
        (place(r["kecamatan"]), _categories((r["category"],)), r["status"], str(r["count"]))
        for r in result.rekap
    ]
    rows.append(("Jumlah", "", "", str(sum(r["count"] for r in result.rekap))))
    show.table("Rekap PMKS Kabupaten Tapin", ("kecamatan", "kategori", "status", "jumlah"), rows)
    answer = await api.get("cases", "/v1/rekap/demographics", wilayah=TAPIN)
    result.demographics = list(answer["items"])
    show.table(
        f"Rekap menurut jenis kelamin dan kelompok umur (umur per {answer['to']})",
        ("kecamatan", "kategori", "L/P", "kelompok umur", "status", "jumlah"),
        [(place(r["kecamatan"]), r["category"], r["sex"], r["age_band"], r["status"],
          str(r["count"])) for r in result.demographics],
    )  # fmt: skip
    await forecast(api, show, result)


async def forecast(api: KesosApi, show: Show, result: FollowUpResult) -> None:
    """The Dinas plans ahead: the case no TKSK has visited, as the overdue queue will show it
    on the day its verification goes to the Dinas if nobody acts (the deadline watch then
    publishes `case_escalated` and the Dinas's operators are messaged)."""
    waiting = next(r for r in REPORTS if not r.verified)
    case = await api.get("cases", f"/v1/cases/{result.cases[waiting.key]['case_id']}")
    day = wita_day(datetime.fromisoformat(case["deadline"]["escalate_at"]))
    queue = await api.get("cases", "/v1/queues/overdue", as_of=str(day))
    result.escalated = [item for item in queue["items"] if item["deadline"]["escalated"]]
    show.table(
        f"Pratinjau antrean terlambat per {day}, bila tidak ada tindakan",
        ("desa", "langkah", "batas", "terlambat (hari kerja)", "ke Dinas"),
        [(place(item["desa"]), item["deadline"]["step"], item["deadline"]["due_day"],
          str(item["deadline"]["working_days_late"]), "ya" if item["deadline"]["escalated"] else "")
         for item in queue["items"]],
    )  # fmt: skip


async def _assigned_to(api: KesosApi, case_id: str, tksk_id: str) -> None:
    """Auto-assignment may wait for cases' projection of the TKSK: wait with it."""

    async def probe() -> bool | None:
        case = await api.get("cases", f"/v1/cases/{case_id}")
        return True if case["assigned_tksk_id"] == tksk_id else None

    await until(f"case {case_id} assigned", probe)


async def _wait_for_links_and_messages(api: KesosApi, result: FollowUpResult) -> None:
    """The registry links each person and notifications tells each worker: through streams."""
    expected = expected_messages(result)

    async def linked_and_told() -> bool | None:
        for report in REPORTS:
            case = await api.get("cases", f"/v1/cases/{result.cases[report.key]['case_id']}")
            result.cases[report.key] = case
        if any(case["person_id"] is None for case in result.cases.values()):
            return None
        result.messages = await case_messages(api, list(expected))
        sent = {w: sorted(m["template"] for m in ms if m["status"] == "sent")
                for w, ms in result.messages.items()}  # fmt: skip
        return True if sent == expected else None

    await until("persons linked and workers told", linked_and_told)
    for report in REPORTS:
        person_id = result.cases[report.key]["person_id"]
        result.persons[report.key] = await api.get("registry", f"/v1/persons/{person_id}")


async def _register_households(api: KesosApi, result: FollowUpResult) -> None:
    """The Dinas records the Kartu Keluarga of the persons who have one; cases then shows each
    case's household size (through registry's stream)."""
    for report in REPORTS:
        if report.kk is None:
            continue
        person_id = result.persons[report.key]["person_id"]
        body = {
            "no_kk": report.kk,
            "desa": report.desa,
            "members": [{"person_id": person_id, "relationship": "kepala keluarga"}],
        }
        family = await api.created("registry", "/v1/families", body, key=f"demo-kk-{report.key}")
        result.families[report.key] = dict(family)
        case_path = f"/v1/cases/{result.cases[report.key]['case_id']}"
        result.cases[report.key] = await _household_shown(api, case_path, family["size"])


async def _household_shown(api: KesosApi, case_path: str, size: int) -> dict[str, Any]:
    async def shown() -> dict[str, Any] | None:
        case = await api.get("cases", case_path)
        return case if case["household_size"] == size else None

    return await until("household size in cases", shown)


def expected_messages(result: FollowUpResult) -> dict[str, list[str]]:
    """What each worker must have been told about the story's cases."""
    told: dict[str, list[str]] = {}
    for report in REPORTS:
        told.setdefault(result.tksk[report.key]["worker_id"], []).append("case_assigned")
        psm = told.setdefault(result.reporters[report.key]["worker_id"], [])
        psm.extend(["case_verified"] if report.verified else [])
        psm.extend(["case_closed"] if report.closes else [])
    return {worker: sorted(templates) for worker, templates in told.items()}


async def case_messages(api: KesosApi, worker_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    every = await deliveries_to(api, worker_ids)
    return {w: [d for d in ms if d["template"] in CASE_TEMPLATES] for w, ms in every.items()}


def _show_cases(show: Show, result: FollowUpResult) -> None:
    rows = []
    for report in REPORTS:
        case = result.cases[report.key]
        steps = "\n".join(step["action"] for step in case.get("timeline") or [])
        household = case.get("household_size")
        rows.append((
            place(case["desa"]), _categories(tuple(case["categories"])), case["status"],
            result.tksk[report.key]["name"], case["person_id"] or "-",
            "-" if household is None else str(household), steps,
        ))  # fmt: skip
    show.table(
        "Kasus PMKS",
        ("desa", "kategori", "status", "TKSK", "person (registry)", "anggota KK", "langkah"),
        rows,
    )
    show.table(
        "Rujukan (dijawab lembaga penerima melalui kliennya sendiri)",
        ("kasus di", "lembaga", "status", "hasil", "dijawab oleh"),
        [
            (place(case["desa"]), result.panti.get("name", r["service"] or "-"), r["status"],
             r["outcome"] or "-", _answered_by(case, r["referral_id"]))
            for case in result.cases.values() for r in case["referrals"]
        ],
    )  # fmt: skip
    names = {w["worker_id"]: w["name"] for w in (*result.reporters.values(), *result.tksk.values())}
    show.table(
        "Pesan tentang kasus",
        ("nama", "pesan"),
        [(names[w], "\n".join(m["text"] or "" for m in ms)) for w, ms in result.messages.items()],
    )


def _answered_by(case: dict[str, Any], referral_id: str) -> str:
    """Who took the referral's answers (accept, decline, complete), by role."""
    answers = [
        step for step in case.get("timeline") or []
        if step["action"].endswith("_referral") and step["details"].get("referral_id")
    ]  # fmt: skip
    roles = [
        step["actor_role"] for step in answers if step["details"]["referral_id"] == referral_id
    ]
    return ", ".join(dict.fromkeys(roles)) or "-"


def _categories(codes: tuple[str, ...]) -> str:
    catalogue = pmks_categories()
    return ", ".join(f"{catalogue.get(code).name} ({code})" for code in codes)
