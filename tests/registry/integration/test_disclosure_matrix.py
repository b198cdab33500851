"""Who sees what of a registry person: every caller (5 roles, in and out of wilayah, the
person's own PSM and TKSK, with and without a grant) against a plain person and a protected one,
before and after the glass is broken and after it expires (docs/adr/0005).

The registry knows where a person lives, not who handles their case: its own PSM and TKSK see
a plain person as their work needs, and a protected one not at all (they do through the case).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from shared.persistence.tables import glass
from shared.security import mint_token
from tests.registry.integration.conftest import (
    BINUANG,
    NIK_MAN,
    NIK_WOMAN,
    RANTAU_KIWA,
    SECRET,
    TAPIN,
    TAPIN_UTARA,
    TUNGKAP,
    new_person,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def token(role: str, wilayah: str, sub: str, *grants: str) -> dict[str, str]:
    minted = mint_token(SECRET, sub=sub, role=role, wilayah=wilayah, now=datetime.now(UTC),
                        grants=grants)  # fmt: skip
    return {"Authorization": f"Bearer {minted}"}


CALLERS = {
    "admin": token("admin", TAPIN, "admin-1"),
    "operator": token("operator", TAPIN, "operator-1"),
    "officer": token("operator", TAPIN, "officer-1", "protected-data"),
    "tksk of the kecamatan": token("tksk", BINUANG, "w-tksk"),
    "psm of the desa": token("psm", TUNGKAP, "w-psm"),
    "integration": token("integration", TAPIN, "bps"),
    "integration granted": token("integration", TAPIN, "dukcapil", "identity:read"),
    "operator outside": token("operator", "63.03", "operator-banjar"),
    "tksk outside": token("tksk", TAPIN_UTARA, "w-tksk-utara"),
    "psm outside": token("psm", RANTAU_KIWA, "w-psm-rantau-kiwa"),
    "integration outside": token("integration", "63.03", "bps-banjar"),
}
NOT_FOUND = (404, None)
PLAIN = {
    "admin": (200, "full"),
    "operator": (200, "full"),
    "officer": (200, "full"),
    "tksk of the kecamatan": (200, "full"),
    "psm of the desa": (200, "masked"),
    "integration": (200, "none"),
    "integration granted": (200, "named"),  # the name; NIK and birth date masked
    "operator outside": NOT_FOUND,
    "tksk outside": NOT_FOUND,
    "psm outside": NOT_FOUND,
    "integration outside": NOT_FOUND,
}
PROTECTED = {
    **PLAIN,
    "admin": (200, "withheld"),
    "operator": (200, "withheld"),
    "tksk of the kecamatan": (200, "withheld"),
    "psm of the desa": (200, "withheld"),
    "integration": (200, "withheld"),
    "integration granted": (200, "withheld"),
}


def seen_as(person: dict, nik: str) -> str:
    if person["protected"] and not person["categories"]:
        assert (person["nik"], person["name"], person["birth_date"]) == (None, None, None)
        return "withheld"
    if person["name"] is None:
        assert (person["nik"], person["sex"], person["birth_date"]) == (None, None, None)
        return "none"
    if person["nik"] == nik:
        assert len(person["birth_date"]) == 10 and "*" not in person["birth_date"]
        return "full"
    assert person["nik"] == nik[:6] + "*" * 10 and person["birth_date"].endswith("-**-**")
    return "masked" if person["sex"] == "P" else "named"


async def two_persons(registry) -> tuple[str, str]:
    plain = await registry.post("/v1/persons", new_person())
    body = new_person(nik=NIK_MAN, sex="L", name="Rahmat", categories=["ODHA"])
    protected = await registry.post("/v1/persons", body)
    assert plain.status_code == protected.status_code == 201, protected.text
    return plain.json()["person_id"], protected.json()["person_id"]


async def check(registry, person_id: str, nik: str, expected: dict, when: str) -> None:
    for caller, (status, view) in expected.items():
        response = await registry.client.get(f"/v1/persons/{person_id}", headers=CALLERS[caller])
        assert response.status_code == status, f"{when}: {caller}: {response.text}"
        if status == 200:
            person = response.json()
            seen = seen_as(person, nik)
            if view == "named":
                assert person["name"] is not None and seen in ("masked", "named")
                continue
            assert seen == view, f"{when}: {caller}"


async def test_every_caller_sees_a_person_as_the_policy_says(make_registry, store_kind):
    registry = await make_registry(store_kind)
    plain, protected = await two_persons(registry)
    await check(registry, plain, NIK_WOMAN, PLAIN, "plain")
    await check(registry, protected, NIK_MAN, PROTECTED, "protected")

    path = f"/v1/persons/{protected}/break-glass"
    opened = await registry.client.post(path, json={"reason": "x"}, headers=CALLERS["operator"])
    assert opened.status_code == 201, opened.text
    await check(
        registry, protected, NIK_MAN, {**PROTECTED, "operator": (200, "full")}, "glass broken"
    )
    async with registry.app.state.bus.engine.begin() as connection:  # time passes: it ends
        past = datetime.now(UTC) - timedelta(seconds=1)
        await connection.execute(update(glass).values(expires_at=past))
    await check(registry, protected, NIK_MAN, PROTECTED, "glass expired")


async def test_a_list_never_names_a_protected_category_to_whoever_may_not_see_it(registry):
    _, protected = await two_persons(registry)
    refused = await registry.client.get(
        "/v1/persons", params={"category": "ODHA"}, headers=CALLERS["operator"]
    )
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:kesos:problem:protected-category"
    allowed = await registry.client.get(
        "/v1/persons", params={"category": "odha"}, headers=CALLERS["officer"]
    )
    assert [p["person_id"] for p in allowed.json()["items"]] == [protected]
    listed = await registry.client.get("/v1/persons", headers=CALLERS["operator"])
    shown = {p["person_id"]: p["categories"] for p in listed.json()["items"]}
    assert shown[protected] == []  # it exists; not why


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        ("admin", 201), ("operator", 201), ("officer", 201), ("tksk of the kecamatan", 403),
        ("psm of the desa", 403), ("integration", 403), ("operator outside", 404),
    ],
)  # fmt: skip
async def test_only_dinas_staff_break_the_glass_on_a_protected_person(registry, caller, status):
    plain, protected = await two_persons(registry)
    response = await registry.client.post(
        f"/v1/persons/{protected}/break-glass", json={"reason": "x"}, headers=CALLERS[caller]
    )
    assert response.status_code == status, response.text
    if status == 201:
        again = await registry.client.post(
            f"/v1/persons/{plain}/break-glass", json={"reason": "x"}, headers=CALLERS[caller]
        )
        assert again.json()["type"] == "urn:kesos:problem:record-not-protected"


async def test_who_looked_at_this_person(registry, redis):
    plain, protected = await two_persons(registry)
    for caller in ("operator", "psm of the desa", "integration", "tksk outside"):
        await registry.client.get(f"/v1/persons/{plain}", headers=CALLERS[caller])
    await registry.client.post(
        f"/v1/persons/{protected}/break-glass", json={"reason": "darurat"},
        headers=CALLERS["operator"],
    )  # fmt: skip

    async def trail(caller: str) -> set[tuple[str, str | None]]:
        answer = await registry.client.get(
            "/v1/audit", params={"record_type": "person", "record_id": plain},
            headers=CALLERS[caller],
        )  # fmt: skip
        rows = answer.json()["items"]
        return {(r["actor"], r["reason"]) for r in rows if r["action"] == "person.read"}

    # The integration client saw no identity, the outsider nothing: neither is a read of it.
    assert await trail("officer") == {("operator-1", "as dinas"), ("w-psm", "as reporting_psm")}
    # An admin sees who and when; the why (free text elsewhere) is the officers'.
    assert await trail("admin") == {("operator-1", None), ("w-psm", None)}

    async def reported() -> list:
        return await redis.xrange(f"{registry.namespace}.registry.oversight")

    [(_, entry)] = await eventually(reported, message="the oversight event")
    assert entry[b"type"] == b"kesos.registry.protected_record_opened.v1"


async def test_a_nik_search_discloses_like_a_read(registry):
    await two_persons(registry)
    for caller, found in (
        ("psm of the desa", "masked"),
        ("operator", "full"),
        ("psm outside", None),
        ("integration", 403),
    ):
        response = await registry.client.post(
            "/v1/persons/search", json={"nik": NIK_WOMAN}, headers=CALLERS[caller]
        )
        if found == 403:
            assert response.status_code == 403
            continue
        items = response.json()["items"]
        assert [seen_as(p, NIK_WOMAN) for p in items] == ([found] if found else []), caller
