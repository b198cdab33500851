"""One disclosure policy for personal data, applied by every service the same way (ADR 0005).

Who sees a personal field depends on the caller's role and relation to the record: the Dinas
(admin, operator), the assigned TKSK, the reporting PSM (or, in the registry, the person's own PSM
and TKSK), a worker's own record, a colleague in scope, an agency's `integration` client. For
each audience every field is `full`, `masked` or `absent`:

- A mask never combines with other shown fields into the whole value. A NIK is masked to its
  region of issue (`630501**********`); its other ten digits are the birth date (day + 40 for
  women) and a serial, so wherever the NIK is masked the birth date is masked to its year and
  nobody can rebuild the NIK from what is shown (a unit test holds the table to it).
- `narrative` is free text about a person's situation (a case's description, visit notes,
  reasons): whoever sees no identity sees no narrative either.
- An `integration` client sees no identity at all unless its token carries `identity:read`.
- A record in a protected category (ODHA, ABH, korban kekerasan… — `sensitive` in the reference
  data) shows who and why only to its assigned TKSK and reporting PSM, to the Dinas's designated
  officers (grant `protected-data`) and to whoever broke the glass for it; everyone else learns
  that it exists, not who or why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from shared.reference import pmks_categories
from shared.security.principal import Principal, Role

IDENTITY_GRANT = "identity:read"  # an integration client allowed to see names
OFFICER_GRANT = "protected-data"  # the Dinas's designated data-protection officers


class Level(StrEnum):
    FULL = "full"
    MASKED = "masked"
    ABSENT = "absent"


class Relation(StrEnum):
    """How the caller stands to the record, as the service that owns it knows."""

    ASSIGNED_TKSK = "assigned_tksk"  # the TKSK a case is assigned to (registry: of the kecamatan)
    REPORTING_PSM = "reporting_psm"  # the PSM who reported it (registry: of the person's desa)
    SELF = "self"  # a worker's own record
    NONE = "none"


class Audience(StrEnum):
    DINAS = "dinas"
    OFFICER = "officer"  # Dinas staff designated for protected data
    ASSIGNED_TKSK = "assigned_tksk"
    REPORTING_PSM = "reporting_psm"
    SELF = "self"
    COLLEAGUE = "colleague"  # a PSM or TKSK in scope without a relation to the record
    INTEGRATION = "integration"
    INTEGRATION_GRANTED = "integration_granted"  # holding `identity:read`


F, M, A = Level.FULL, Level.MASKED, Level.ABSENT

# A person of the registry, or the person a case is about; `narrative` is a case's free text.
PERSON: Mapping[Audience, Mapping[str, Level]] = {
    Audience.DINAS: {"nik": F, "name": F, "sex": F, "birth_date": F, "narrative": F},
    Audience.OFFICER: {"nik": F, "name": F, "sex": F, "birth_date": F, "narrative": F},
    Audience.ASSIGNED_TKSK: {"nik": F, "name": F, "sex": F, "birth_date": F, "narrative": F},
    Audience.REPORTING_PSM: {"nik": M, "name": F, "sex": F, "birth_date": M, "narrative": F},
    Audience.COLLEAGUE: {"nik": A, "name": A, "sex": A, "birth_date": A, "narrative": A},
    Audience.SELF: {"nik": A, "name": A, "sex": A, "birth_date": A, "narrative": A},
    Audience.INTEGRATION: {"nik": A, "name": A, "sex": A, "birth_date": A, "narrative": A},
    Audience.INTEGRATION_GRANTED: {"nik": M, "name": F, "sex": F, "birth_date": M, "narrative": A},
}

# A social worker (PSM, TKSK): colleagues coordinate by name and phone, nothing more.
WORKER: Mapping[Audience, Mapping[str, Level]] = {
    Audience.DINAS: {"nik": F, "name": F, "sex": F, "birth_date": F, "phone": F},
    Audience.OFFICER: {"nik": F, "name": F, "sex": F, "birth_date": F, "phone": F},
    Audience.SELF: {"nik": F, "name": F, "sex": F, "birth_date": F, "phone": F},
    Audience.ASSIGNED_TKSK: {"nik": A, "name": F, "sex": F, "birth_date": A, "phone": F},
    Audience.REPORTING_PSM: {"nik": A, "name": F, "sex": F, "birth_date": A, "phone": F},
    Audience.COLLEAGUE: {"nik": A, "name": F, "sex": F, "birth_date": A, "phone": F},
    Audience.INTEGRATION: {"nik": A, "name": A, "sex": A, "birth_date": A, "phone": A},
    Audience.INTEGRATION_GRANTED: {"nik": A, "name": F, "sex": A, "birth_date": A, "phone": A},
}

# Who sees a protected record whole; everyone else sees that it exists.
ENTITLED_TO_PROTECTED = frozenset(
    {Audience.OFFICER, Audience.ASSIGNED_TKSK, Audience.REPORTING_PSM}
)


def mask_nik(nik: str) -> str:
    """Its region of issue only (`630501**********`)."""
    return nik[:6] + "*" * (len(nik) - 6)


def mask_birth_date(born: date | str) -> str:
    """Its year only (`1940-**-**`)."""
    return f"{str(born)[:4]}-**-**"


MASKS: Mapping[str, Callable[[Any], Any]] = {"nik": mask_nik, "birth_date": mask_birth_date}


def audience_of(caller: Principal, relation: Relation = Relation.NONE) -> Audience:
    if caller.role is Role.INTEGRATION:
        granted = caller.has_grant(IDENTITY_GRANT)
        return Audience.INTEGRATION_GRANTED if granted else Audience.INTEGRATION
    if caller.role in (Role.ADMIN, Role.OPERATOR):
        return Audience.OFFICER if caller.has_grant(OFFICER_GRANT) else Audience.DINAS
    if relation is Relation.ASSIGNED_TKSK and caller.role is Role.TKSK:
        return Audience.ASSIGNED_TKSK
    if relation is Relation.REPORTING_PSM and caller.role is Role.PSM:
        return Audience.REPORTING_PSM
    if relation is Relation.SELF:
        return Audience.SELF
    return Audience.COLLEAGUE


def is_protected(categories: Iterable[str]) -> bool:
    """Whether any of the PMKS categories is protected (`sensitive` in the reference data)."""
    return not pmks_categories().sensitive().isdisjoint(categories)


def public_categories(categories: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    """What a public event may say of a record's categories: the codes that are not protected,
    and whether there were protected ones (an agency learns a record is protected, not why)."""
    sensitive = pmks_categories().sensitive()
    codes = tuple(categories)
    return tuple(c for c in codes if c not in sensitive), any(c in sensitive for c in codes)


@dataclass(frozen=True)
class Disclosure:
    """What one caller may see of one record: a level per personal field."""

    levels: Mapping[str, Level]
    audience: Audience
    withheld: bool = False  # a protected record the caller may not open: existence only
    grant_id: str | None = None  # the broken glass it is seen through

    @property
    def identifies(self) -> bool:
        """Whether the caller sees who the record is about (a read to audit)."""
        return self.levels.get("name", Level.ABSENT) is not Level.ABSENT

    @property
    def why(self) -> str:
        """The audit row's reason: the audience, or the grant that opened the record."""
        return f"glass {self.grant_id}" if self.grant_id else f"as {self.audience}"

    def show(self, field: str, value: Any) -> Any:
        """The value as this caller may see it (None when absent or unknown)."""
        level = self.level(field)
        if value is None or level is Level.ABSENT:
            return None
        return MASKS[field](value) if level is Level.MASKED else value

    def level(self, field: str) -> Level:
        """A field the policy does not name is shown to nobody (fail closed)."""
        return self.levels.get(field, Level.ABSENT)

    def summary(self) -> dict[str, str]:
        """For the response: which fields were masked or left out, so null is not misread (a
        withheld record's categories too: they would say why it is protected)."""
        summary = {field: str(level) for field, level in self.levels.items() if level is not F}
        return {**summary, "categories": str(A)} if self.withheld else summary


def person_disclosure(
    caller: Principal,
    relation: Relation = Relation.NONE,
    *,
    protected: bool = False,
    grant_id: str | None = None,
) -> Disclosure:
    """What `caller` may see of a person (or a case's person and narrative); `grant_id` is the
    caller's unexpired broken glass on the record, if any."""
    audience = audience_of(caller, relation)
    if protected and audience not in ENTITLED_TO_PROTECTED:
        # Only Dinas staff break the glass: a grant counts for a Dinas token only (the same
        # `sub` with another role's token sees nothing through it).
        if grant_id is None or audience is not Audience.DINAS:
            return Disclosure({field: A for field in PERSON[audience]}, audience, withheld=True)
        return Disclosure(PERSON[audience], audience, grant_id=grant_id)
    return Disclosure(PERSON[audience], audience)


def worker_disclosure(caller: Principal, relation: Relation = Relation.NONE) -> Disclosure:
    audience = audience_of(caller, relation)
    return Disclosure(WORKER[audience], audience)
