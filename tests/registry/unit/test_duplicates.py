"""Duplicate candidates: spelling variants of one name are found, different people are not,
and only records that could be one person are compared at all."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.domain.duplicates import (
    Candidate,
    candidate_pairs,
    normalise_name,
    similarity,
)

DESA = "63.05.01.2003"


def record(pid: str, name: str, *, sex: str = "L", born: date | None = date(1980, 5, 4),
           desa: str = DESA, nik: str | None = None) -> Candidate:  # fmt: skip
    return Candidate(pid, name, sex, born, desa, nik)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Muhammad Rizki", "M. Rizki"), ("Muhamad Rizki", "Muhammad Rizki"),
        ("Moh. Rizki", "Mochammad Rizki"), ("Siti Aminah", "St. Aminah"),
        ("Nurhasanah", "Nur Hasanah"), ("H. Abdul Hamid", "Abd. Hamid"),
        ("Ahmad Fauzi", "Achmad Fauzi"), ("Rahmat Hidayat", "Rahmad Hidayat"),
        ("Masriah", "Masriyah"), ("Budi Santoso", "Santoso Budi"), ("SITI  AMINAH", "siti aminah"),
        ("Rizky", "Rizki"), ("Joesoef", "Jusuf"), ("Tjahjono", "Cahyono"), ("Yudha", "Yuda"),
    ],
)  # fmt: skip
def test_spelling_variants_of_one_name_are_alike(a, b):
    assert similarity(a, b) >= 90, (normalise_name(a), normalise_name(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [("Siti Aminah", "Siti Aisyah"), ("Masriah", "Mariam"), ("Ahmad Yani", "Ahmad Yusuf"),
     ("Siti Rahmah", "Siti Fatimah"), ("Muhammad Rizki", "Muhammad Ridwan"), ("", "Budi")],
)  # fmt: skip
def test_different_people_are_not(a, b):
    assert similarity(a, b) < 90


def test_only_records_that_could_be_one_person_are_paired():
    records = [
        record("a", "Muhammad Rizki"),
        record("b", "M. Rizki"),  # the same: found
        record("c", "M. Rizki", born=date(1981, 5, 4)),  # another birth year: another block
        record("d", "M. Rizki", desa="63.05.01.2006"),  # another desa
        record("e", "M. Rizki", sex="P"),
        record("f", "Muhammad Rizki", nik="6305010405800001"),  # a NIK and none: may be one
        record("g", "Muhammad Rizki", nik="6305010405800002"),  # two NIKs that differ: two people
        record("h", "Rizky", born=None),
        record("i", "Rizki", born=None),  # both without a birth date: compared
    ]
    pairs = {(p.first, p.second) for p in candidate_pairs(records)}
    assert pairs == {
        ("a", "b"), ("a", "f"), ("a", "g"), ("b", "f"), ("b", "g"), ("h", "i"),
    }  # fmt: skip
