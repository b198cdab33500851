"""NIK and No. KK: normalise, check plausibility, and read the (non-authoritative) facts in them.

NIK = `PP KK SS DDMMYY NNNN` (province, kab/kota, kecamatan of residence when issued; birth date
with day + 40 for women; serial). No. KK = `PP KK SS ddmmyy ssss` (area where registered, date of
data entry, serial from 0001). Neither has a check digit: "valid" only means plausible.

We use python-stdnum's `stdnum.id.nik` for cleaning (`compact`: spaces, dashes, dots, Unicode
dashes) and its ASCII digit test, but not its `validate`, because in python-stdnum 2.2 it
- checks the first 4 digits against its own numdb `id/loc`, a ~2014 list of 34 provinces: it
  rejects every NIK from Kalimantan Utara (65, formed 2012) and the 2022 Papua provinces
  (92, 93, 95, 96), and any kabupaten formed since. Tapin (63.05) passes, but a provincial
  installation serves people who moved in from those provinces;
- takes the birth day modulo 40, so day 81-99 passes as a woman's day 1-19;
- reads the year as 19yy whenever that date exists (`get_birth_date` ignores its `minyear`),
  so a child born in 2010 comes out born in 1910;
- raises the same `InvalidComponent` for a bad date and an unknown region, so no clear reason.
Instead the region is checked against the country's region data (`wilayah`) and the date by the
rule itself.

Only the province of a NIK is checked against the list: a NIK keeps the codes of the kab/kota
and kecamatan at issue, which may predate a pemekaran (DOMAIN.md §3.1) or a new province. A KK
is reissued on every family change, so its kab/kota and kecamatan must be current ones.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal

from stdnum.id import nik as stdnum_nik
from stdnum.util import isdigits

from shared.reference.codes import kind_of
from shared.reference.errors import InconsistentIdentity, InvalidKk, InvalidNik, Rule
from shared.reference.wilayah import Wilayah, wilayah

Sex = Literal["female", "male"]
_LENGTH = 16
_FEMALE_DAY_OFFSET = 40
EARLIEST_BIRTH_DATE = date(1900, 1, 1)  # no one alive was born earlier: a typo (1890 for 1990)
SEX_CODES = {"L": "male", "P": "female"}  # laki-laki, perempuan: how forms write sex


def normalise_nik(value: str, regions: Wilayah | None = None) -> str:
    """The 16 digits of a plausible NIK, or `InvalidNik` saying which rule it breaks."""
    number = _sixteen_digits(value, InvalidNik, Rule.NIK_INVALID_FORMAT, Rule.NIK_INVALID_LENGTH)
    day = int(number[6:8])
    if day > _FEMALE_DAY_OFFSET:
        day -= _FEMALE_DAY_OFFSET
    if not 1 <= day <= 31 or not _calendar_dates(day, number[8:10], number[10:12]):
        raise InvalidNik(
            Rule.NIK_INVALID_BIRTH_DATE,
            "NIK digits 7-12 are not a birth date DDMMYY (day 01-31, or 41-71 for women)",
        )
    if not _area_is_known(number[:6], regions or wilayah(), kecamatan_listed=False):
        raise InvalidNik(Rule.NIK_UNKNOWN_REGION, f"NIK region {_area(number)} is unknown")
    return number


def compose_nik(kecamatan: str, born: date, *, female: bool, serial: int) -> str:
    """A NIK as Dukcapil issues one (for demo and test data): the kecamatan of issue
    (`63.05.01`), the birth date with day + 40 for women, a 4-digit serial."""
    day = born.day + (_FEMALE_DAY_OFFSET if female else 0)
    return f"{kecamatan.replace('.', '')}{day:02d}{born:%m%y}{serial:04d}"


def nik_sex(value: str) -> Sex:
    """The sex the NIK was issued with (day + 40 = female).

    Not authoritative: Dukcapil data, a KTP or the person is. Use it to prefill or cross-check.
    """
    return "female" if int(normalise_nik(value)[6:8]) > _FEMALE_DAY_OFFSET else "male"


def nik_birth_date(value: str, *, today: date) -> date:
    """The birth date in the NIK, taking the latest century that is not after `today`.

    Not authoritative: the year has two digits (a NIK of someone born in 1920 and one born in
    2020 look alike), and records are corrected without reissuing the NIK.
    """
    number = normalise_nik(value)
    day = int(number[6:8]) % _FEMALE_DAY_OFFSET
    candidates = _calendar_dates(day, number[8:10], number[10:12])
    past = [candidate for candidate in candidates if candidate <= today]
    return max(past) if past else min(candidates)


def check_identity(
    nik: str | None, sex: str, birth_date: date | None, *, mismatch_confirmed: bool = False
) -> list[Rule]:
    """The rules the typed facts break against each other (`nik` already normalised).

    A birth date before 1900 is always refused. A NIK whose birth date (DDMMYY, day + 40 for
    women) or sex disagrees with the ones typed is refused too — unless the caller confirms the
    data really is known to disagree (records are corrected without reissuing the NIK): then the
    rules broken are returned, for the record to be flagged.
    """
    if birth_date is not None and birth_date < EARLIEST_BIRTH_DATE:
        raise InconsistentIdentity(Rule.BIRTH_DATE_BEFORE_1900, "a birth date from 1900 on")
    if nik is None:
        return []
    broken = _nik_disagreements(nik, sex, birth_date)
    if broken and not mismatch_confirmed:
        rule, message = broken[0]
        raise InconsistentIdentity(rule, message)
    return [rule for rule, _ in broken]


def _nik_disagreements(nik: str, sex: str, birth_date: date | None) -> list[tuple[Rule, str]]:
    encoded_day = int(nik[6:8])
    broken = []
    encoded_sex = "female" if encoded_day > _FEMALE_DAY_OFFSET else "male"
    if sex in SEX_CODES and SEX_CODES[sex] != encoded_sex:
        broken.append((Rule.NIK_SEX_MISMATCH, "the NIK was issued for the other sex"))
    if birth_date is not None:
        day = encoded_day % _FEMALE_DAY_OFFSET
        if (day, int(nik[8:10]), int(nik[10:12])) != (
            birth_date.day, birth_date.month, birth_date.year % 100,
        ):  # fmt: skip
            broken.append((Rule.NIK_BIRTH_DATE_MISMATCH, "the NIK holds another birth date"))
    return broken


def nik_region_code(value: str) -> str:
    """The kecamatan code where the NIK was issued (`63.05.01`), which may be an old one."""
    return _area(normalise_nik(value))


def normalise_kk(value: str, regions: Wilayah | None = None) -> str:
    """The 16 digits of a plausible No. KK, or `InvalidKk` saying which rule it breaks."""
    number = _sixteen_digits(value, InvalidKk, Rule.KK_INVALID_FORMAT, Rule.KK_INVALID_LENGTH)
    if not _calendar_dates(int(number[6:8]), number[8:10], number[10:12]):
        raise InvalidKk(
            Rule.KK_INVALID_ENTRY_DATE, "No. KK digits 7-12 are not an entry date DDMMYY"
        )
    if number[12:] == "0000":
        raise InvalidKk(Rule.KK_INVALID_SERIAL, "No. KK serial (last 4 digits) starts at 0001")
    if not _area_is_known(number[:6], regions or wilayah(), kecamatan_listed=True):
        raise InvalidKk(Rule.KK_UNKNOWN_REGION, f"No. KK region {_area(number)} is unknown")
    return number


def _sixteen_digits(
    value: object, error: type[InvalidNik] | type[InvalidKk], format_rule: Rule, length_rule: Rule
) -> str:
    """ASCII digits without separators (str.isdigit would pass Arabic-Indic or superscripts)."""
    if not isinstance(value, str):
        raise error(format_rule, "the number must be text")
    # Sixteen ASCII digits already (an import's every row): nothing to clean.
    plain = len(value) == _LENGTH and value.isascii() and value.isdigit()
    number = value if plain else stdnum_nik.compact(value)
    if number and not isdigits(number):
        raise error(format_rule, "the number may hold only digits, spaces, dots and dashes")
    if len(number) != _LENGTH:
        raise error(length_rule, f"the number has {len(number)} digits, not {_LENGTH}")
    return number


def _calendar_dates(day: int, month: str, year: str) -> list[date]:
    """The dates DD MM YY can be in the 1900s and 2000s (29 Feb 00 exists only in 2000)."""
    dates = []
    for century in (1900, 2000):
        try:
            dates.append(date(century + int(year), int(month), day))
        except ValueError:
            continue
    return dates


def _area(number: str) -> str:
    return f"{number[0:2]}.{number[2:4]}.{number[4:6]}"


@lru_cache(maxsize=16_384)  # the country's kecamatan, twice: an import asks per row
def _area_is_known(area: str, regions: Wilayah, *, kecamatan_listed: bool) -> bool:
    """Whether a 6-digit area is a real province, kab/kota and kecamatan.

    A NIK is for life and keeps the area of its issue: its kecamatan may since have been split,
    and its kab/kota renumbered into a new province (Merauke was 91.01 until Papua Selatan took
    it as 93.01 in 2022; Tarakan 64.73 until Kalimantan Utara, 2012). So a NIK's kab/kota must
    be current only in a province that never gave one away, and its kecamatan is not checked.
    A KK is reissued on every change, so `kecamatan_listed` asks for a current kab/kota and
    kecamatan (where the data lists a region's children, it lists them all).
    """
    province, kabkota, kecamatan = area[:2], f"{area[:2]}.{area[2:4]}", _area(area)
    if regions.find(province) is None or kind_of(kabkota) is None or area[4:] == "00":
        return False
    gave_away = province in regions.provinces_that_gave_kabkota_away
    if regions.find(kabkota) is None and (kecamatan_listed or not gave_away):
        return False
    if not kecamatan_listed:
        return True
    if regions.find(kabkota) is not None and regions.children(kabkota):
        return regions.find(kecamatan) is not None
    return True
