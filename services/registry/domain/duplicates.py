"""Pairs of person records that are likely one person, for the Dinas to review (never merged by
the registry on its own): records without a NIK, typed by different people in different years.

Blocking keeps it linear in practice: only records of the same desa and birth year (or both
without one) and not of different sexes are compared. Names are compared after the spelling
variants Indonesian registers are full of are folded away — Muhammad / Muhamad / Moh. / M.,
Siti / St., titles and honorifics, missing or extra spaces — with rapidfuzz's token and
character ratios. Two records whose NIKs are both recorded and differ are two people.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from rapidfuzz import fuzz

from services.registry.domain.persons import Person

THRESHOLD = 90.0  # of 100: variants of one name score 90+, two people's names well below

# Spellings of one name, and abbreviations, folded to one form.
VARIANTS = {
    **dict.fromkeys(
        ("m", "mhd", "moh", "mohd", "muh", "muhd", "muhamad", "muhammmad", "mohammad",
         "mohamad", "mochammad", "mochamad", "muhamat", "muhammad"),
        "muhammad",
    ),
    **dict.fromkeys(("st", "sitti", "siti"), "siti"),
    **dict.fromkeys(("abd", "abdul", "abdl"), "abdul"),
    **dict.fromkeys(("nur", "noor", "nor", "nurul"), "nur"),
    **dict.fromkeys(("achmad", "ahmad", "akhmad", "ahmat"), "ahmad"),
}  # fmt: skip
# Titles and honorifics that come and go between two registrations of one person.
DROPPED = frozenset(
    ("h", "hj", "haji", "hajjah", "drs", "dra", "dr", "ir", "s", "pd", "spd", "se", "sh",
     "ibu", "bapak", "bpk", "pak", "bu", "almarhum", "alm")
)  # fmt: skip
_NOT_A_LETTER = re.compile(r"[^a-z\s]+")
_SPELLINGS = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"),
              ("dh", "d"), ("th", "t"), ("ph", "f"), ("j", "y"))  # fmt: skip
_Y_AS_I = re.compile(r"y(?![aeiou])")
_DOUBLED = re.compile(r"([a-z])\1+")


@dataclass(frozen=True, slots=True)
class Candidate:
    """What duplicate search needs of a person record."""

    person_id: str
    name: str
    sex: str
    birth_date: date | None
    desa: str
    nik: str | None


def candidate_of(person: Person) -> Candidate:
    return Candidate(
        person.person_id, person.name, person.sex, person.birth_date, person.desa, person.nik
    )


@dataclass(frozen=True, slots=True)
class Pair:
    first: str  # the smaller person id
    second: str
    score: float


def normalise_name(name: str) -> str:
    words = _NOT_A_LETTER.sub(" ", name.casefold().replace(".", ". ")).split()
    kept = [VARIANTS.get(word, word) for word in words if word not in DROPPED]
    return " ".join(_spelling(word) for word in kept)


def _spelling(word: str) -> str:
    """One spelling for sounds written several ways: the pre-1972 spelling (oe, dj, tj, j for
    y: Tjahjono is Cahyono), `y` for `i` (Rizky, Rizki), aspirated letters (Yudha, Yuda) and
    doubled ones. Folding every `j` into `y` may pair a Joko with a Yoko: a human decides."""
    for old, new in _SPELLINGS:
        word = word.replace(old, new)
    word = _Y_AS_I.sub("i", word)
    return _DOUBLED.sub(r"\1", word)


def similarity(a: str, b: str) -> float:
    """0–100: the better of word-order-free and space-free comparison of the folded names."""
    left, right = normalise_name(a), normalise_name(b)
    if not left or not right:
        return 0.0
    return max(
        fuzz.token_sort_ratio(left, right),
        fuzz.ratio(left.replace(" ", ""), right.replace(" ", "")),
    )


def candidate_pairs(records: Iterable[Candidate], threshold: float = THRESHOLD) -> Iterator[Pair]:
    """Every pair in a block whose names are at least `threshold` alike, best first per block."""
    blocks: dict[tuple[str, int | None], list[Candidate]] = defaultdict(list)
    for record in records:
        year = record.birth_date.year if record.birth_date else None
        blocks[(record.desa, year)].append(record)
    for block in blocks.values():
        found = []
        for a, b in combinations(block, 2):
            if _may_be_one(a, b) and (score := similarity(a.name, b.name)) >= threshold:
                first, second = sorted((a.person_id, b.person_id))
                found.append(Pair(first, second, score))
        yield from sorted(found, key=lambda pair: -pair.score)


def look_alikes(
    record: Candidate, block: Iterable[Candidate], threshold: float = THRESHOLD
) -> list[Pair]:
    """The pairs `record` makes with the records of its block (one new record against those
    before it: linear, where `candidate_pairs` compares the whole block with itself)."""
    found = []
    for other in block:
        if other.person_id == record.person_id or not _may_be_one(record, other):
            continue
        if (score := similarity(record.name, other.name)) >= threshold:
            first, second = sorted((record.person_id, other.person_id))
            found.append(Pair(first, second, score))
    return sorted(found, key=lambda pair: -pair.score)


def _may_be_one(a: Candidate, b: Candidate) -> bool:
    if a.nik and b.nik and a.nik != b.nik:
        return False
    return a.sex == b.sex
