"""Specification of the region registry against DOMAIN.md §3.3, typed here apart from the data.

`TAPIN` transcribes §3.3's table (kecamatan code: name, kelurahan count, desa count, and every
desa/kelurahan as last-4-digits → name); the tests compare the packaged data with it both ways.
"""

from __future__ import annotations

import pytest

from shared.reference import (
    Kind,
    Level,
    MalformedRegionCode,
    Region,
    Rule,
    UnknownRegion,
    Wilayah,
    WrongRegionLevel,
    require_desa,
    require_kecamatan,
    wilayah,
)

TAPIN: dict[str, tuple[str, int, int, dict[str, str]]] = {
    "63.05.01": (
        "Binuang",
        3,
        8,
        {
            "1001": "Binuang",
            "1017": "Karangan Putih",
            "1018": "Raya Belanti",
            "2003": "Tungkap",
            "2006": "A. Yani Pura",
            "2007": "Pulau Pinang",
            "2008": "Pualam Sari",
            "2009": "Gunung Batu",
            "2012": "Pulau Pinang Utara",
            "2016": "Padang Sari",
            "2019": "Mekar Sari",
        },
    ),
    "63.05.02": (
        "Tapin Selatan",
        1,
        10,
        {
            "1004": "Tambarangan",
            "2001": "Tatakan",
            "2002": "Suato Tatakan",
            "2005": "Sawang",
            "2006": "Lawahan",
            "2007": "Timbaan",
            "2009": "Rumintin",
            "2011": "Cempaka",
            "2012": "Harapan Masa",
            "2016": "Tandui",
            "2017": "Hatiwin",
        },
    ),
    "63.05.03": (
        "Tapin Tengah",
        0,
        17,
        {
            "2001": "Pandulangan",
            "2002": "Labung",
            "2003": "Mandurian",
            "2004": "Serawi",
            "2005": "Pematang Karangan Hulu",
            "2006": "Pematang Karangan",
            "2007": "Pandahan",
            "2008": "Pematang Karangan Hilir",
            "2009": "Hiyung",
            "2010": "Andhika",
            "2011": "Sukaramai",
            "2012": "Tirik",
            "2013": "Kepayang",
            "2014": "Batang Lantik",
            "2015": "Mandurian Hilir",
            "2016": "Sungai Bahalang",
            "2017": "Papagan Makmur",
        },
    ),
    "63.05.04": (
        "Tapin Utara",
        4,
        12,
        {
            "1001": "Rangda Malingkung",
            "1002": "Kupang",
            "1003": "Rantau Kanan",
            "1004": "Rantau Kiwa",
            "2005": "Keramat",
            "2006": "Antasari",
            "2007": "Jingah Babaris",
            "2008": "Banua Hanyar",
            "2009": "Banua Halat Kiri",
            "2010": "Banua Halat Kanan",
            "2011": "Perintis Raya",
            "2012": "Kakaran",
            "2013": "Antasari Hilir",
            "2014": "Lumbu Raya",
            "2015": "Banua Hanyar Hulu",
            "2016": "Badaun",
        },
    ),
    "63.05.05": (
        "Candi Laras Selatan",
        0,
        12,
        {
            "2001": "Margasari Hulu",
            "2002": "Candi Laras",
            "2003": "Baringin A",
            "2004": "Marampiau",
            "2005": "Pabaungan Hilir",
            "2006": "Pabaungan Hulu",
            "2007": "Sungai Rutas",
            "2008": "Baringin B",
            "2009": "Marampiau Hilir",
            "2010": "Sungai Rutas Hulu",
            "2011": "Baulin",
            "2012": "Pabaungan Pantai",
        },
    ),
    "63.05.06": (
        "Candi Laras Utara",
        0,
        13,
        {
            "2001": "Keladan",
            "2002": "Sungai Salai",
            "2003": "Pariok",
            "2004": "Margasari Hilir",
            "2005": "Batalas",
            "2006": "Rawana",
            "2007": "Buas-Buas",
            "2008": "Teluk Haur",
            "2009": "Sungai Puting",
            "2010": "Sawaja",
            "2011": "Sungai Salai Hilir",
            "2012": "Buas-Buas Hilir",
            "2013": "Rawana Hulu",
        },
    ),
    "63.05.07": (
        "Bakarangan",
        0,
        12,
        {
            "2001": "Parigi Kecil",
            "2002": "Bakarangan",
            "2003": "Parigi",
            "2004": "Paul",
            "2005": "Gadung",
            "2006": "Bundung",
            "2007": "Tangkawang",
            "2008": "Waringin",
            "2009": "Gadung Keramat",
            "2010": "Masta",
            "2011": "Ketapang",
            "2012": "Tangkawang Baru",
        },
    ),
    "63.05.08": (
        "Piani",
        0,
        8,
        {
            "2001": "Pipitak Jaya",
            "2002": "Miawa",
            "2003": "Batu Ampar",
            "2004": "Harakit",
            "2005": "Batung",
            "2006": "Balawaian",
            "2007": "Baramban",
            "2008": "Buniin Jaya",
        },
    ),
    "63.05.09": (
        "Bungur",
        0,
        12,
        {
            "2001": "Kalumpang",
            "2002": "Banua Padang",
            "2003": "Bungur",
            "2004": "Banua Padang Hilir",
            "2005": "Shabah",
            "2006": "Hangui",
            "2007": "Rantau Bujur",
            "2008": "Purut",
            "2009": "Bungur Baru",
            "2010": "Timbung",
            "2011": "Paring Guling",
            "2012": "Linuh",
        },
    ),
    "63.05.10": (
        "Lokpaikat",
        1,
        8,
        {
            "1007": "Bitahan",
            "2001": "Binderang",
            "2002": "Parandakan",
            "2003": "Lokpaikat",
            "2004": "Bataratat",
            "2005": "Bitahan Baru",
            "2006": "Puncak Harapan",
            "2008": "Budi Mulya",
            "2009": "Ayunan Papan",
        },
    ),
    "63.05.11": (
        "Salam Babaris",
        0,
        6,
        {
            "2001": "Salam Babaris",
            "2002": "Suato Lama",
            "2003": "Kambang Habang Lama",
            "2004": "Pantai Cabe",
            "2005": "Suato Baru",
            "2006": "Kambang Habang Baru",
        },
    ),
    "63.05.12": (
        "Hatungun",
        0,
        8,
        {
            "2001": "Tarungin",
            "2002": "Matang Batas",
            "2003": "Hatungun",
            "2004": "Burakai",
            "2005": "Batu Hapu",
            "2006": "Kambang Kuning",
            "2007": "Asam Randah",
            "2008": "Bagak",
        },
    ),
}

KALSEL = {
    "63.01": ("Kabupaten Tanah Laut", Kind.KABUPATEN),
    "63.02": ("Kabupaten Kotabaru", Kind.KABUPATEN),
    "63.03": ("Kabupaten Banjar", Kind.KABUPATEN),
    "63.04": ("Kabupaten Barito Kuala", Kind.KABUPATEN),
    "63.05": ("Kabupaten Tapin", Kind.KABUPATEN),
    "63.06": ("Kabupaten Hulu Sungai Selatan", Kind.KABUPATEN),
    "63.07": ("Kabupaten Hulu Sungai Tengah", Kind.KABUPATEN),
    "63.08": ("Kabupaten Hulu Sungai Utara", Kind.KABUPATEN),
    "63.09": ("Kabupaten Tabalong", Kind.KABUPATEN),
    "63.10": ("Kabupaten Tanah Bumbu", Kind.KABUPATEN),
    "63.11": ("Kabupaten Balangan", Kind.KABUPATEN),
    "63.71": ("Kota Banjarmasin", Kind.KOTA),
    "63.72": ("Kota Banjarbaru", Kind.KOTA),
}
KIND_BY_DIGIT = {"1": Kind.KELURAHAN, "2": Kind.DESA, "3": Kind.DESA_ADAT}
DESA_ROWS = [
    (f"{kecamatan}.{suffix}", name, kecamatan)
    for kecamatan, (_, _, _, villages) in TAPIN.items()
    for suffix, name in villages.items()
]


def test_the_transcribed_table_agrees_with_its_own_counts() -> None:
    for kecamatan, (_, kelurahan, desa, villages) in TAPIN.items():
        kinds = [suffix[0] for suffix in villages]
        assert (kinds.count("1"), kinds.count("2")) == (kelurahan, desa), kecamatan


def test_tapin_counts_match_domain() -> None:
    regions = wilayah()
    tapin_desa = [r for r in regions.regions(Level.DESA) if r.code.startswith("63.05.")]
    assert len(regions.children("63.05")) == 12
    assert len(tapin_desa) == 135
    assert sum(r.kind is Kind.KELURAHAN for r in tapin_desa) == 9
    assert sum(r.kind is Kind.DESA for r in tapin_desa) == 126


def test_kalimantan_selatan_has_its_13_kabupaten_and_kota() -> None:
    children = wilayah().children("63")
    assert {r.code: (r.name, r.kind) for r in children} == KALSEL
    assert sum(r.kind is Kind.KOTA for r in children) == 2


def test_the_whole_country_is_held_down_to_every_desa() -> None:
    regions = wilayah()
    provinces = regions.codes(Level.PROVINSI)
    assert len(provinces) == 38
    assert {"11", "31", "63", "65", "94", "96"} <= set(provinces)
    counts = [len(regions.codes(level)) for level in Level]
    assert counts == [38, 514, 7_285, 83_762]  # Kepmendagri 300.2.2-2138/2025


def test_kalimantan_selatan_has_156_kecamatan_and_2016_desa_and_kelurahan() -> None:
    kalsel = [r for r in wilayah() if r.code.startswith("63.")]
    assert sum(r.level is Level.KECAMATAN for r in kalsel) == 156
    assert sum(r.level is Level.DESA for r in kalsel) == 2_016


def test_tapin_is_held_exactly_as_the_domain_transcribes_it() -> None:
    expected_tapin = {"63.05", *TAPIN, *(code for code, _, _ in DESA_ROWS)}
    held = {code for code in wilayah().codes() if code.startswith("63.05")}
    assert held == expected_tapin


@pytest.mark.parametrize(("code", "name"), [(k, v[0]) for k, v in TAPIN.items()])
def test_each_kecamatan_resolves_to_its_name_and_to_tapin(code: str, name: str) -> None:
    region = wilayah().get(code)
    assert (region.name, region.level, region.kind) == (name, Level.KECAMATAN, None)
    assert wilayah().parent(code) == wilayah().get("63.05")
    assert require_kecamatan(code) == region


@pytest.mark.parametrize(("code", "name", "kecamatan"), DESA_ROWS)
def test_each_desa_resolves_to_its_name_kind_and_kecamatan(
    code: str, name: str, kecamatan: str
) -> None:
    regions = wilayah()
    region = regions.get(code)
    assert (region.name, region.level) == (name, Level.DESA)
    assert region.kind is KIND_BY_DIGIT[code[-4]]
    assert regions.kecamatan_of(code).code == kecamatan
    assert [a.code for a in regions.ancestors(code)] == ["63", "63.05", kecamatan]
    assert regions.is_desa_or_kelurahan(code)
    assert require_desa(code.replace(".", "")) == region


def test_every_held_region_has_its_parent_one_level_up() -> None:
    regions = wilayah()
    levels = list(Level)
    for region in regions:
        parent = regions.parent(region.code)
        if region.level is Level.PROVINSI:
            assert parent is None
        else:
            assert parent is not None and region.code.startswith(parent.code + ".")
            assert levels.index(parent.level) == levels.index(region.level) - 1
            assert region in regions.children(parent.code)


def test_rantau_is_in_tapin_utara() -> None:
    for name in ("Rantau Kanan", "Rantau Kiwa"):
        (region,) = wilayah().search(name)
        assert region.kind is Kind.KELURAHAN
        assert wilayah().kecamatan_of(region.code).name == "Tapin Utara"


@pytest.mark.parametrize("query", ["binuang", "BINUANG", "  Binuang ", "Bi nuang", "bin-uang"])
def test_search_ignores_case_spaces_and_punctuation(query: str) -> None:
    found = wilayah().search(query, within="63.05")
    assert [r.code for r in found] == ["63.05.01", "63.05.01.1001"]


def test_search_matches_spelling_variants_that_differ_in_spaces() -> None:
    assert [r.code for r in wilayah().search("Suka Ramai", within="63.05")] == ["63.05.03.2011"]
    assert [r.code for r in wilayah().search("a yani pura")] == ["63.05.01.2006"]
    assert [r.code for r in wilayah().search("buas buas")] == ["63.05.06.2007"]


def test_search_narrows_by_scope_and_level() -> None:
    regions = wilayah()
    binuang = regions.search("Binuang", level=Level.DESA, within="63")
    assert [r.code for r in binuang] == ["63.05.01.1001"]
    assert [r.code for r in regions.search("Binuang", within="63.05.01")] == [
        "63.05.01",
        "63.05.01.1001",
    ]
    assert regions.search("Binuang", within="63.05.02") == ()
    assert regions.search("Tapin", within="6305")[0].code == "63.05"
    assert regions.search("nowhere") == ()


def test_kabupaten_and_kota_are_found_by_their_short_names() -> None:
    kabkota = Level.KABKOTA
    assert [r.code for r in wilayah().search("tapin", level=kabkota)] == ["63.05"]
    assert [r.code for r in wilayah().search("Banjarbaru", level=kabkota)] == ["63.72"]
    assert [r.code for r in wilayah().search("kota banjarmasin")] == ["63.71"]


def test_unknown_and_malformed_codes_raise_named_errors() -> None:
    regions = wilayah()
    with pytest.raises(UnknownRegion) as unknown:
        regions.get("63.05.13")
    assert unknown.value.rule == Rule.WILAYAH_UNKNOWN == "wilayah-unknown"
    assert regions.find("63.05.13") is None
    with pytest.raises(MalformedRegionCode):
        regions.find("63.5.1")
    assert "63.5.1" not in regions
    assert not regions.is_desa_or_kelurahan("not a code")
    assert not regions.is_desa_or_kelurahan("63.05.01")


def test_require_desa_refuses_other_levels_with_their_own_rule() -> None:
    with pytest.raises(WrongRegionLevel) as error:
        require_desa("63.05.01")
    assert error.value.rule == Rule.WILAYAH_NOT_DESA
    with pytest.raises(WrongRegionLevel) as error:
        require_kecamatan("63.05.01.2003")
    assert error.value.rule == Rule.WILAYAH_NOT_KECAMATAN
    with pytest.raises(UnknownRegion):
        require_desa("63.05.01.2099")
    with pytest.raises(WrongRegionLevel):
        wilayah().kecamatan_of("63.05")


def test_every_region_above_a_desa_lists_its_children() -> None:
    regions = wilayah()
    for region in regions:
        if region.level is not Level.DESA:
            assert regions.children(region.code), region.code
    assert regions.children("63.05.01.2003") == ()


def test_codes_and_regions_filter_by_level_names_too() -> None:
    assert len(wilayah().codes("kabkota")) == 514
    assert wilayah().codes("kecamatan") == wilayah().codes(Level.KECAMATAN)
    assert len(wilayah().regions("desa")) == 83_762


def test_a_small_registry_can_be_built_for_domain_tests() -> None:
    regions = Wilayah(
        [
            Region("63", "Kalimantan Selatan", Level.PROVINSI, None),
            Region("63.05", "Kabupaten Tapin", Level.KABKOTA, Kind.KABUPATEN),
        ]
    )
    assert len(regions) == 2
    assert regions.get("6305").short_name == "Tapin"


def test_the_registry_is_loaded_once_per_process() -> None:
    assert wilayah() is wilayah()
