"""The 26 PMKS/PPKS categories of Permensos 8/2012 (DOMAIN.md §1.2)."""

from __future__ import annotations

import pytest

from shared.reference import PmksCategory, Rule, SubjectLevel, UnknownCategory, pmks_categories

# DOMAIN.md §1.2, "ours" column, in Permensos order.
EXPECTED_CODES = [
    "ABT",
    "AT",
    "ABH",
    "AJ",
    "ADK",
    "AKTK",
    "AMPK",
    "LUT",
    "PD",
    "TS",
    "GLD",
    "PGM",
    "PML",
    "KMN",
    "BWBLP",
    "ODHA",
    "NAPZA",
    "KTP",
    "KTK",
    "PMBS",
    "KBA",
    "KBS",
    "PRSE",
    "FM",
    "KBSP",
    "KAT",
]
PP39_CRITERIA = {
    "kemiskinan",
    "ketelantaran",
    "kecacatan",
    "keterpencilan",
    "ketunaan-sosial-penyimpangan-perilaku",
    "korban-bencana",
    "korban-kekerasan-eksploitasi-diskriminasi",
}


def test_there_are_26_categories_in_permensos_order() -> None:
    categories = pmks_categories()
    assert len(categories) == 26
    assert list(categories.codes()) == EXPECTED_CODES
    assert [c.number for c in categories.ordered()] == list(range(1, 27))


@pytest.mark.parametrize(
    ("code", "name", "code_2007"),
    [
        ("ABT", "Anak Balita Terlantar", "ABT"),
        ("ABH", "Anak yang Berhadapan dengan Hukum", "AN"),
        ("ADK", "Anak dengan Kedisabilitasan", None),
        ("PD", "Penyandang Disabilitas", "PACA"),
        ("BWBLP", "Bekas Warga Binaan Lembaga Pemasyarakatan", "BWBLK"),
        ("KTP", "Korban Trafficking (Perdagangan Orang)", None),
        ("PRSE", "Perempuan Rawan Sosial Ekonomi", "WRSE"),
        ("FM", "Fakir Miskin", "KFM"),
        ("KAT", "Komunitas Adat Terpencil", "KAT"),
    ],
)
def test_names_and_2007_codes(code: str, name: str, code_2007: str | None) -> None:
    category = pmks_categories().get(code)
    assert (category.name, category.code_2007) == (name, code_2007)
    if code_2007:
        assert pmks_categories().find_by_2007_code(code_2007.lower()) == category


def test_fakir_miskin_is_written_about_a_person_or_a_family() -> None:
    assert pmks_categories().get("FM").levels == (SubjectLevel.INDIVIDUAL, SubjectLevel.FAMILY)
    assert pmks_categories().get("KAT").levels == (SubjectLevel.GROUP,)
    assert pmks_categories().get("KBA").levels == (SubjectLevel.MIXED,)
    assert pmks_categories().get("KBSP").levels == (SubjectLevel.FAMILY,)


def test_pp39_groups_are_the_seven_criteria_or_none() -> None:
    groups = {c.pp39_group for c in pmks_categories().ordered()}
    assert groups - {None} == PP39_CRITERIA
    assert {c.code for c in pmks_categories().ordered() if c.pp39_group is None} == {
        "ODHA",
        "KBSP",
    }


def test_sensitive_categories() -> None:
    assert pmks_categories().sensitive() == {"ABH", "KTK", "AKTK", "KTP", "ODHA", "NAPZA", "TS"}
    assert pmks_categories().is_sensitive("odha")
    assert not pmks_categories().is_sensitive("LUT")


def test_lookup_ignores_case_and_spaces_and_refuses_unknown_codes() -> None:
    assert isinstance(pmks_categories().get(" lut "), PmksCategory)
    assert pmks_categories().find("RTLH") is None  # dropped in 2012: a household attribute now
    with pytest.raises(UnknownCategory) as error:
        pmks_categories().get("RTLH")
    assert error.value.rule == Rule.PMKS_CATEGORY_UNKNOWN


def test_codes_are_made_canonical_once_each_in_the_order_given() -> None:
    catalogue = pmks_categories()
    assert catalogue.canonical([" pd", "LUT", "Pd", "fm"]) == ("PD", "LUT", "FM")
    assert catalogue.canonical([]) == ()
    with pytest.raises(UnknownCategory):
        catalogue.canonical(["LUT", "XYZ"])
