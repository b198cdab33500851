"""The whole Tapin story (DOMAIN.md §6, steps 1–7), end to end: four services as processes, real
Redis, and PostgreSQL or SQLite stores; then a run where every service is SIGKILLed once, right
after an API call whose events it must process, and restarted."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from redis.asyncio import Redis

from shared.demo.follow_up import REPORTS, FollowUpResult, expected_messages
from shared.demo.people import psm_workers, tksk_workers
from shared.demo.show import Show
from shared.demo.story import StoryResult, play
from shared.reference import normalise_phone
from tests.e2e.conftest import System

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_the_tapin_story(start_system, bus_users, redis, kind):
    system = await start_system(kind)
    agency = await bus_users.agency("bps-tapin", ["registry", "training", "cases", "notifications"])
    api = system.api()
    try:
        result = await play(api, Show.quiet())
    finally:
        await api.close()
    await assert_final_state(system, result)
    await assert_no_identity_where_agencies_read(redis, bus_users.namespace, agency)


async def test_the_story_survives_each_service_being_killed_once(start_system):
    system = await start_system("postgresql")
    # Right after the calls whose events each service must process, that service dies.
    # workers → training's projection (enrolment); batch → enrolment messages; certificates →
    # the registry's tier raise; reports → cases, which must take in the registry's person links.
    victims = {
        "workers": "training",
        "batch": "notifications",
        "certificates": "registry",
        "reports": "cases",
    }
    killed: list[str] = []

    async def crash(step: str) -> None:
        if step in victims:
            await system.crash_and_restart(victims[step])
            killed.append(victims[step])

    api = system.api()
    try:
        result = await play(api, Show.quiet(), after_step=crash)
    finally:
        await api.close()
    assert sorted(killed) == ["cases", "notifications", "registry", "training"]
    await assert_final_state(system, result)


async def assert_final_state(system: System, result: StoryResult) -> None:
    assert len(result.tksk) == 12
    assert len(result.psm) == 31
    assert len(result.enrolled) == 30
    ((refused, answer),) = result.refused
    assert refused["worker_id"] == result.psm[-1]["worker_id"]
    assert answer.status == 409 and answer.problem_type == "urn:kesos:problem:batch-full"

    certified = result.completion["certified"]
    assert sorted(c["worker_id"] for c in certified) == sorted(
        w["worker_id"] for w in result.enrolled
    )
    assert len({c["number"] for c in certified}) == 30

    assert result.tiers == {w["worker_id"]: "dasar" for w in result.enrolled}  # raised via events
    api = system.api()
    try:
        refused_worker = await api.get("registry", f"/v1/workers/{refused['worker_id']}")
        assert refused_worker["tier"] is None
        enrolments = await api.get("training", f"/v1/batches/{result.batch['batch_id']}/enrolments")
        assert Counter(e["status"] for e in enrolments["items"]) == {"certified": 30}
    finally:
        await api.close()

    for worker in result.enrolled:
        sent = [m for m in result.messages[worker["worker_id"]] if m["status"] == "sent"]
        assert sorted(m["template"] for m in sent) == ["certificate", "enrolment"], worker["name"]
        assert all(worker["name"].split()[0] in (m["text"] or "") for m in sent)
    assert result.messages.get(refused["worker_id"], []) == []

    await assert_cases_followed_up(system, result.follow_up)
    await assert_extract_imported(system, result)

    exported = [json.loads(line) for line in system.export_file.read_text().splitlines()]
    case_messages = sum(len(t) for t in expected_messages(result.follow_up).values())
    assert case_messages == 6  # 3 TKSK assigned; 2 PSM verified, 1 closed
    assert len(exported) == 60 + case_messages == len({line["delivery_id"] for line in exported})


async def assert_extract_imported(system: System, result: StoryResult) -> None:
    """Step 7: the extract's good rows in, its bad rows named, its look-alikes decided."""
    job, found = result.extract.job, result.extract.duplicates
    counts = ("rows", "persons_created", "families", "errors", "duplicates")
    assert [job[k] for k in counts] == [13, 9, 2, 4, 3]
    assert [(r["line"], r["rule"]) for r in result.extract.bad_rows] == [
        ("11", "nik-invalid-length"), ("12", "outside-wilayah"),
        ("13", "import-date-unreadable"), ("14", "import-sex-unknown"),
    ]  # fmt: skip
    pairs = {(r["persons"][0]["name"], r["persons"][1]["name"]): r for r in found}
    assert sorted(pairs) == [
        ("Hj. Masriyah", "Masriah"), ("M. Rizky", "Muhammad Rizki"),
        ("Rahmat Hidayat", "Rahmat Hidayat"),
    ]  # fmt: skip
    masriah = result.follow_up.persons["lut-tungkap"]
    assert pairs[("Hj. Masriyah", "Masriah")]["details"]["kept"] == masriah["person_id"]
    assert pairs[("Rahmat Hidayat", "Rahmat Hidayat")]["status"] == "open"  # for Dukcapil
    api = system.api()
    try:
        kept = await api.get("registry", f"/v1/persons/{masriah['person_id']}")
        assert kept["cases"] == masriah["cases"]  # her case stays hers; the double had none
    finally:
        await api.close()


async def assert_cases_followed_up(system: System, follow_up: FollowUpResult) -> None:
    """Persons linked once, cases with the right TKSK and steps, messages, rekap counts."""
    lut, pd, at = (follow_up.cases[report.key] for report in REPORTS)
    for report in REPORTS:
        case = follow_up.cases[report.key]
        assert case["assigned_tksk_id"] == follow_up.tksk[report.key]["worker_id"]
        assert case["kecamatan"] == report.desa[:8]
        assert case["reported_by"] == follow_up.reporters[report.key]["worker_id"]
        person = follow_up.persons[report.key]
        assert person["person_id"] == case["person_id"]
        assert person["categories"] == list(report.categories)
        assert person["desa"] == report.desa
        assert person["nik_recorded"] is (report.person["nik"] is not None)
    assert [step["action"] for step in lut["timeline"]] == [
        "report", "assign", "verify", "assess", "plan", "approve_plan", "refer",
        "accept_referral", "start_monitoring", "record_follow_up", "complete_referral",
        "request_closure", "approve_closure",
    ]  # fmt: skip
    assert lut["status"] == "closed" and lut["closure_reason"] == "dirujuk_permanen"
    [referral] = lut["referrals"]
    assert referral["institution_id"] == follow_up.panti["institution_id"]
    assert (referral["status"], referral["outcome"]) == ("completed", "dilayani")
    answered_by = {s["action"]: s["actor_role"] for s in lut["timeline"]}
    assert answered_by["accept_referral"] == answered_by["complete_referral"] == "integration"
    assert [step["action"] for step in pd["timeline"]] == [
        "report",
        "assign",
        "verify",
        "record_follow_up",
    ]
    assert pd["status"] == "verified" and pd["follow_ups"] == 1
    assert [step["action"] for step in at["timeline"]] == ["report", "assign"]
    # Nobody visits the child in Tatakan: the forecast shows the verification escalated.
    [escalated] = follow_up.escalated
    assert (escalated["case_id"], escalated["deadline"]["step"]) == (at["case_id"], "verify")
    assert escalated["deadline"]["working_days_late"] == 2
    assert sorted(
        (r["category"], r["sex"], r["age_band"], r["status"]) for r in follow_up.demographics
    ) == [
        ("AT", "L", "5-17", "in_verification"),
        ("LUT", "P", "60+", "closed"),
        ("PD", "L", "18-59", "verified"),
    ]

    sent = {
        worker: sorted(m["template"] for m in messages if m["status"] == "sent")
        for worker, messages in follow_up.messages.items()
    }
    assert sent == expected_messages(follow_up)  # each message once, to the right worker
    for report in REPORTS:
        tksk = follow_up.tksk[report.key]
        (assigned,) = follow_up.messages[tksk["worker_id"]]
        assert tksk["name"].split()[0] in assigned["text"]

    api = system.api()
    try:
        persons = await api.get("registry", "/v1/persons", wilayah="63.05")
        cases = await api.get("cases", "/v1/cases", wilayah="63.05")
    finally:
        await api.close()
    # No duplicate after faults: the reports' three persons, and the extract's nine (step 7).
    assert len(persons["items"]) == 3 + 9 and len(cases["items"]) == 3
    assert sorted(
        (r["kecamatan"], r["category"], r["status"], r["count"]) for r in follow_up.rekap
    ) == [
        ("63.05.01", "LUT", "closed", 1),
        ("63.05.02", "AT", "in_verification", 1),
        ("63.05.04", "PD", "verified", 1),
    ]


def identities() -> list[str]:
    """Every NIK, name, birth date and phone the story types in."""
    values: list[str] = []
    for worker in (*tksk_workers(), *psm_workers()):
        phone = normalise_phone(worker.phone)
        values += [worker.nik, worker.name, worker.birth_date.isoformat(), phone, phone[3:]]
    for report in REPORTS:
        values += [v for k, v in report.person.items() if k != "sex" and v]
    return values


async def assert_no_identity_where_agencies_read(redis, namespace: str, agency_url: str) -> None:
    """Read every stream as plain redis-py: the public ones and the agency's feed hold no NIK,
    name, birth date or phone; only the restricted ones do (where that data must go)."""
    streams = sorted([key.decode() async for key in redis.scan_iter(match=f"{namespace}.*")])
    public = [s for s in streams if s.endswith(".events") or ".feed." in s]
    restricted = [
        f"{namespace}.cases.intake", f"{namespace}.registry.contacts",
        f"{namespace}.registry.profiles",
    ]  # fmt: skip
    assert len(public) == 5 and set(restricted) <= set(streams), streams
    secrets = identities()
    for stream in public:
        entries = await redis.xrange(stream)
        assert entries, stream
        text = json.dumps([{k.decode(): v.decode() for k, v in f.items()} for _, f in entries])
        leaked = [value for value in secrets if value in text]
        assert leaked == [], f"{stream} carries {leaked[:3]}"
    intake = json.dumps([str(f) for _, f in await redis.xrange(restricted[0])])
    assert "Masriah" in intake  # the typed-in person reached the registry, on its own stream
    async with Redis.from_url(agency_url) as agency:  # the agency reads its feed like this
        [[_, feed]] = await agency.xreadgroup(
            "bps-tapin", "r1", {f"{namespace}.feed.bps-tapin": ">"}
        )
        published = sum([await redis.xlen(s) for s in public if s.endswith(".events")])
        assert len(feed) == published  # every public event, once
