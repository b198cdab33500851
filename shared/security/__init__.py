"""Who is calling and what they may touch: principals, wilayah scope, settings and tokens.

The HTTP layer (`shared.web`) turns a bearer token into a `Principal` with `TokenVerifier` and
filters every read and write with `within`; nothing here knows about FastAPI.
"""

from shared.security.principal import Principal, Role
from shared.security.scope import canonical, intersects, is_wilayah_code, narrowest, within
from shared.security.settings import InsecureSecret, SecuritySettings
from shared.security.tokens import REASONS, InvalidToken, Reason, TokenVerifier, mint_token

__all__ = [
    "REASONS",
    "InsecureSecret",
    "InvalidToken",
    "Principal",
    "Reason",
    "Role",
    "SecuritySettings",
    "TokenVerifier",
    "canonical",
    "intersects",
    "is_wilayah_code",
    "mint_token",
    "narrowest",
    "within",
]
