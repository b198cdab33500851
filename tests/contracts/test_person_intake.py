"""ADR 0003's promise: a person cases accepts at intake is never refused by the registry.

Cases checks a typed-in person with its copy of the registry's rules, because the reporter is
gone once `case_reported` reaches the registry. This test holds the two copies together: every
person cases accepts, the registry registers (and whatever the registry refuses, cases refused).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.cases.domain.errors import CaseError
from services.cases.domain.persons import PersonForm as CasesForm
from services.cases.domain.persons import checked_person
from services.registry.domain.persons import Person
from services.registry.domain.persons import PersonForm as RegistryForm
from shared.reference import wilayah
from shared.reference.errors import InvalidReference

NOW = datetime(2026, 11, 28, 0, 5, tzinfo=UTC)  # just after midnight: the edge of "today"
TAPIN_DESA = [
    desa.code
    for kecamatan in wilayah().children("63.05")
    for desa in wilayah().children(kecamatan.code)
]
NIKS = st.sampled_from(
    [None, "", "  ", "6305015402400003", "6305 0154 0240 0003", "630501540240000",
     "6305019902400003", "9905015402400003", "63050154024000x3", "6305011708900001"]
)  # fmt: skip
NAMES = st.sampled_from(["Masriah", "  Rahmat Hidayat ", "", "   ", "Siti\tAminah"])
SEXES = st.sampled_from(["L", "P", "X", ""])
TODAY = NOW.date()
EDGES = [TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)]
BIRTHS = st.none() | st.sampled_from(EDGES) | st.dates(date(1900, 1, 1), TODAY)


@settings(max_examples=300, deadline=None)
@given(nik=NIKS, name=NAMES, sex=SEXES, birth=BIRTHS, desa=st.sampled_from(TAPIN_DESA))
def test_every_person_cases_accepts_the_registry_registers(nik, name, sex, birth, desa) -> None:
    try:
        details = checked_person(
            CasesForm(name=name, sex=sex, nik=nik, birth_date=birth), NOW.date()
        )
    except (CaseError, InvalidReference):
        return  # refused at intake, where the reporter can correct it
    form = RegistryForm(
        nik=details.nik, name=details.name, sex=details.sex, birth_date=details.birth_date,
        desa=desa, categories=("LUT",),
    )  # fmt: skip
    person = Person.register("p-1", form, NOW)
    assert (person.nik, person.name, person.birth_date) == (
        details.nik, details.name, details.birth_date,
    )  # fmt: skip
