"""Where a batch belongs — its organiser's wilayah — and who may see or run it.

A tier is run at one level (reference data `organiser_scope`): dasar by a kabupaten/kota Dinas,
madya by the province, pratama by the ministry. No Kemendagri code names the whole country, so a
national batch's organiser wilayah is `ID`, which contains every code and lies inside none.

Visibility: a caller sees a batch whose organiser wilayah is inside its scope (the Dinas that
runs it, the province above it) or contains its scope (a kecamatan TKSK or a desa PSM of Tapin
sees Tapin's dasar batches, Kalimantan Selatan's madya batches and every national one). Running a
batch — attendance, completion — needs the organiser's wilayah inside the caller's scope.
"""

from __future__ import annotations

from services.training.domain.errors import OrganiserLevelMismatch
from shared.reference import Level, TrainingTier, Wilayah
from shared.security.scope import canonical, is_wilayah_code, segments, within

NATIONAL = "ID"

# Which region level runs each organiser scope of the tiers' reference data.
_LEVELS = {"kabupaten": Level.KABKOTA, "provinsi": Level.PROVINSI}


def organiser_wilayah_for(tier: TrainingTier, code: str, regions: Wilayah) -> str:
    """The canonical organiser wilayah of a batch of `tier`, refusing a level it is not run at."""
    national = code.strip().upper() == NATIONAL
    if tier.organiser_scope == "nasional":
        if not national:
            raise OrganiserLevelMismatch(f"a {tier.code} batch is organised nationally: use ID")
        return NATIONAL
    level = _LEVELS.get(tier.organiser_scope)
    if level is None:
        raise OrganiserLevelMismatch(f"tier {tier.code} has no known organiser scope")
    if national:
        raise OrganiserLevelMismatch(f"a {tier.code} batch is organised by a {level} Dinas")
    region = regions.get(code)  # an unknown or malformed code is the reference data's 422
    if region.level is not level:
        raise OrganiserLevelMismatch(
            f"a {tier.code} batch is organised by a {level}, and {region.code} is a {region.level}"
        )
    return region.code


def inside(code: str | None, area: str | None) -> bool:
    """Whether `code` lies inside `area`, either of which may be the national `ID`."""
    if area == NATIONAL:
        return code == NATIONAL or is_wilayah_code(code)
    return code != NATIONAL and within(code, area)


def sees(caller_wilayah: str, organiser_wilayah: str) -> bool:
    """Whether a caller may read a batch: it runs the batch, or the batch covers its area."""
    return inside(organiser_wilayah, caller_wilayah) or inside(caller_wilayah, organiser_wilayah)


def manages(caller_wilayah: str, organiser_wilayah: str) -> bool:
    """Whether a caller's scope covers the organiser's: it may run the batch."""
    return inside(organiser_wilayah, caller_wilayah)


def enclosing(caller_wilayah: str) -> tuple[str, ...]:
    """The organiser wilayahs whose batches cover a caller's area: `ID` and every prefix."""
    parts = segments(caller_wilayah) or ()
    prefixes = tuple(".".join(parts[: size + 1]) for size in range(len(parts)))
    return (NATIONAL, *prefixes)


def normalised(code: str) -> str | None:
    """A filter code in stored form (`ID` or dotted); None when it is neither."""
    return NATIONAL if code.strip().upper() == NATIONAL else canonical(code.strip())
