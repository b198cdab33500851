"""Who acts on a case: a caller from a token, or the service itself assigning a case."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.security import Principal


class ActorRole(StrEnum):
    """The token roles (`shared.security.Role`, same values) plus the service acting alone."""

    ADMIN = "admin"
    OPERATOR = "operator"
    TKSK = "tksk"
    PSM = "psm"
    INTEGRATION = "integration"
    SYSTEM = "system"  # automatic assignment: no person decided it


@dataclass(frozen=True, slots=True)
class Actor:
    """`sub` is the token subject; a PSM's or TKSK's is their registry worker id, which is how
    the case recognises its reporter and its assigned TKSK. `wilayah` is the caller's scope
    (dotted), needed only to report: every later action is scope-checked by the HTTP layer."""

    sub: str
    role: ActorRole
    wilayah: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(
            sub=principal.sub, role=ActorRole(principal.role.value), wilayah=principal.wilayah
        )


SYSTEM = Actor(sub="cases", role=ActorRole.SYSTEM)
