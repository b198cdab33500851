"""Named errors for input that breaks a reference-data rule.

Every error derives from `InvalidReference` and carries a stable `rule` (a `Rule`), so the HTTP
layer maps them to problem+json types in one table and consumers can dead-letter on them
without parsing messages. Messages never repeat the offending NIK, KK or phone number: they end
up in logs, and personal identifiers must not (DESIGN.md §7). Region codes and category/tier
codes are not personal and may be echoed.
"""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    """The stable machine names of the rules; never rename one, add a new one instead."""

    WILAYAH_MALFORMED = "wilayah-malformed"
    WILAYAH_UNKNOWN = "wilayah-unknown"
    WILAYAH_NOT_DESA = "wilayah-not-desa"
    WILAYAH_NOT_KECAMATAN = "wilayah-not-kecamatan"
    PMKS_CATEGORY_UNKNOWN = "pmks-category-unknown"
    TRAINING_TIER_UNKNOWN = "training-tier-unknown"
    NIK_INVALID_FORMAT = "nik-invalid-format"
    NIK_INVALID_LENGTH = "nik-invalid-length"
    NIK_INVALID_BIRTH_DATE = "nik-invalid-birth-date"
    NIK_UNKNOWN_REGION = "nik-unknown-region"
    KK_INVALID_FORMAT = "kk-invalid-format"
    KK_INVALID_LENGTH = "kk-invalid-length"
    KK_INVALID_ENTRY_DATE = "kk-invalid-entry-date"
    KK_INVALID_SERIAL = "kk-invalid-serial"
    KK_UNKNOWN_REGION = "kk-unknown-region"
    PHONE_MALFORMED = "phone-malformed"
    PHONE_INVALID_LENGTH = "phone-invalid-length"
    PHONE_NOT_INDONESIAN = "phone-not-indonesian"
    PHONE_INVALID = "phone-invalid"
    BIRTH_DATE_BEFORE_1900 = "birth-date-before-1900"
    NIK_BIRTH_DATE_MISMATCH = "nik-birth-date-mismatch"
    NIK_SEX_MISMATCH = "nik-sex-mismatch"


class InvalidReference(ValueError):
    """Input that breaks a reference-data rule; `rule` names which one."""

    def __init__(self, rule: Rule, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class MalformedRegionCode(InvalidReference):
    """Not a Kemendagri code shape (`63`, `63.05`, `63.05.01`, `63.05.01.2003` or digits)."""


class UnknownRegion(InvalidReference):
    """A well-formed region code that the reference data does not hold."""


class WrongRegionLevel(InvalidReference):
    """A known region of another level than the rule asks for (e.g. a kecamatan for a desa)."""


class UnknownCategory(InvalidReference):
    """Not one of the PMKS/PPKS category codes."""


class UnknownTier(InvalidReference):
    """Not one of the training tier codes."""


class InvalidNik(InvalidReference):
    """Not a plausible NIK; `rule` says whether length, characters, birth date or region."""


class InconsistentIdentity(InvalidReference):
    """A person's typed facts disagree with each other (a NIK's birth date and sex with the
    ones given), or a birth date no living person has."""


class InvalidKk(InvalidReference):
    """Not a plausible No. KK; `rule` says which: length, characters, entry date, serial, region."""


class InvalidPhone(InvalidReference):
    """Not a valid Indonesian phone number."""


class ReferenceDataError(RuntimeError):
    """The packaged data files are broken: a release defect, never the caller's fault.

    Deliberately not an `InvalidReference`, so the HTTP layer answers 500 and the consumer runner
    retries rather than blaming (and dead-lettering) a good request.
    """
