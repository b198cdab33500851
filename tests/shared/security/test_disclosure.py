"""The one disclosure policy: who sees which personal field, full, masked or absent."""

from __future__ import annotations

from datetime import date

import pytest

from shared.security import Principal, Role
from shared.security.disclosure import (
    IDENTITY_GRANT,
    OFFICER_GRANT,
    PERSON,
    WORKER,
    Audience,
    Level,
    Relation,
    audience_of,
    is_protected,
    mask_birth_date,
    mask_nik,
    person_disclosure,
    worker_disclosure,
)

NIK = "6305015708900002"  # a woman born 17-08-1990 in Binuang


def caller(role: str, *grants: str) -> Principal:
    return Principal(sub="x", role=Role(role), wilayah="63.05", grants=frozenset(grants))


@pytest.mark.parametrize("table", [PERSON, WORKER], ids=["person", "worker"])
def test_every_audience_has_a_level_for_every_field(table):
    assert set(table) == set(Audience)
    fields = {frozenset(levels) for levels in table.values()}
    assert len(fields) == 1


@pytest.mark.parametrize("table", [PERSON, WORKER], ids=["person", "worker"])
def test_a_masked_nik_never_stands_beside_the_birth_date_it_encodes(table):
    for audience, levels in table.items():
        if levels["nik"] is Level.MASKED:
            assert levels["birth_date"] is not Level.FULL, audience
        if levels["birth_date"] is Level.FULL and levels["sex"] is Level.FULL:
            assert levels["nik"] in (Level.FULL, Level.ABSENT), audience


def test_whoever_sees_no_name_sees_no_narrative():
    for audience, levels in PERSON.items():
        if levels["name"] is Level.ABSENT:
            assert levels["narrative"] is Level.ABSENT, audience


def test_an_integration_client_sees_no_identity_without_a_grant():
    for table in (PERSON, WORKER):
        assert set(table[Audience.INTEGRATION].values()) == {Level.ABSENT}
    assert audience_of(caller("integration")) is Audience.INTEGRATION
    assert audience_of(caller("integration", IDENTITY_GRANT)) is Audience.INTEGRATION_GRANTED


def test_masks_keep_too_little_to_rebuild_the_value():
    assert mask_nik(NIK) == "630501**********"
    assert mask_birth_date(date(1990, 8, 17)) == "1990-**-**"
    shown = person_disclosure(caller("psm"), Relation.REPORTING_PSM)
    assert (shown.show("nik", NIK), shown.show("birth_date", date(1990, 8, 17))) == (
        "630501**********",
        "1990-**-**",
    )
    # what is left: 366 days × 10,000 serials for one name and sex
    assert shown.summary() == {"nik": "masked", "birth_date": "masked"}


@pytest.mark.parametrize(
    ("who", "relation", "audience"),
    [
        (("admin",), Relation.NONE, Audience.DINAS),
        (("operator", OFFICER_GRANT), Relation.NONE, Audience.OFFICER),
        (("tksk",), Relation.ASSIGNED_TKSK, Audience.ASSIGNED_TKSK),
        (("tksk",), Relation.NONE, Audience.COLLEAGUE),
        (("psm",), Relation.REPORTING_PSM, Audience.REPORTING_PSM),
        (("psm",), Relation.ASSIGNED_TKSK, Audience.COLLEAGUE),  # a PSM is never the TKSK
        (("psm",), Relation.SELF, Audience.SELF),
    ],
)
def test_the_audience_comes_from_role_grant_and_relation(who, relation, audience):
    assert audience_of(caller(*who), relation) is audience


def test_a_protected_record_shows_only_that_it_exists_to_whoever_is_not_entitled():
    assert is_protected(["LUT", "ODHA"]) and not is_protected(["LUT", "PD"])
    for who, relation in [(("operator",), Relation.NONE), (("tksk",), Relation.NONE)]:
        shown = person_disclosure(caller(*who), relation, protected=True)
        assert shown.withheld and shown.show("name", "Siti") is None
    for who, relation in [
        (("operator", OFFICER_GRANT), Relation.NONE),
        (("tksk",), Relation.ASSIGNED_TKSK),
        (("psm",), Relation.REPORTING_PSM),
    ]:
        shown = person_disclosure(caller(*who), relation, protected=True)
        assert not shown.withheld and shown.show("name", "Siti") == "Siti"
    opened = person_disclosure(caller("operator"), protected=True, grant_id="g-1")
    assert not opened.withheld and opened.show("nik", NIK) == NIK and opened.why == "glass g-1"


@pytest.mark.parametrize("role", ["psm", "tksk", "integration"])
def test_a_glass_opens_a_record_to_dinas_staff_only(role):
    """A grant is the `sub`'s; the same `sub` with another role's token sees nothing by it."""
    shown = person_disclosure(caller(role, IDENTITY_GRANT), protected=True, grant_id="g-1")
    assert shown.withheld and shown.show("name", "Siti") is None


def test_a_field_the_policy_does_not_name_is_shown_to_nobody():
    for shown in (person_disclosure(caller("admin")), worker_disclosure(caller("admin"))):
        assert shown.show("religion", "Islam") is None and shown.level("religion") is Level.ABSENT


def test_a_worker_is_seen_whole_by_the_dinas_and_themself_by_colleagues_as_name_and_phone():
    colleague = worker_disclosure(caller("tksk"))
    assert colleague.show("name", "Siti") == "Siti" and colleague.show("nik", NIK) is None
    assert worker_disclosure(caller("psm"), Relation.SELF).show("nik", NIK) == NIK
    assert worker_disclosure(caller("integration")).show("phone", "+628") is None
