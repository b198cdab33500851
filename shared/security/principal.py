"""The authenticated caller every use case receives: who, in what role, over which wilayah."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shared.security.scope import canonical, within


class Role(StrEnum):
    """DESIGN.md §7 roles; `psm` and `tksk` are field workers registered in `registry`."""

    ADMIN = "admin"
    OPERATOR = "operator"  # Dinas staff
    TKSK = "tksk"
    PSM = "psm"
    INTEGRATION = "integration"  # another agency's machine client: read-only unless granted


WORKER_ROLES = frozenset({Role.PSM, Role.TKSK})


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified caller. Invalid values are refused here so no caller can hold a bad scope.

    `wilayah` is stored in dotted form so it can be compared and used in store filters as is.
    """

    sub: str
    role: Role
    wilayah: str
    grants: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.sub, str) or not self.sub.strip():
            raise ValueError("a principal needs a non-empty sub")
        dotted = canonical(self.wilayah)
        if dotted is None:
            raise ValueError(f"not a wilayah code: {self.wilayah!r}")
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "wilayah", dotted)
        object.__setattr__(self, "grants", frozenset(self.grants))

    @property
    def is_worker(self) -> bool:
        """PSM and TKSK act as themselves: their `sub` is their registry worker id."""
        return self.role in WORKER_ROLES

    def has_grant(self, grant: str) -> bool:
        """Whether an explicit grant (e.g. an integration client's write permission) is held."""
        return grant in self.grants

    def covers(self, record_code: str | None) -> bool:
        """Whether a record coded `record_code` is inside this caller's wilayah."""
        return within(record_code, self.wilayah)
