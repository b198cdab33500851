"""Authentication and authorisation for every endpoint but the health ones.

`Caller` resolves the bearer token to a `Principal` (401 problem otherwise); `allow(...)` refuses a
role the endpoint does not serve (403); `require_scope` makes a record outside the caller's
wilayah indistinguishable from a missing one (404). The verifier lives on `app.state.verifier`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from fastapi import Depends, Request

from shared.security import InvalidToken, Principal, Role, TokenVerifier
from shared.security.provider import ProviderUnavailable
from shared.web.problems import Problem, forbidden, not_found

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kesos"'}


async def authenticated(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.verifier
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    try:
        principal = await verifier.verify_async(
            token.strip() if scheme.lower() == "bearer" else None
        )
    except InvalidToken as error:
        raise Problem(
            401, f"token-{error.reason}", "Authentication failed", error.reason, headers=CHALLENGE
        ) from None
    except ProviderUnavailable:
        raise Problem(
            503, "identity-provider-unavailable", "Identity provider unavailable",
            "the identity provider's signing keys cannot be fetched; try again shortly",
            headers={"Retry-After": "5"},
        ) from None  # fmt: skip
    structlog.contextvars.bind_contextvars(user=principal.sub, role=str(principal.role))
    return principal


Caller = Annotated[Principal, Depends(authenticated)]


def allow(*roles: Role, grant: str | None = None) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting `roles`, and integration clients holding `grant` when given."""

    async def admitted(principal: Caller) -> Principal:
        if principal.role in roles:
            return principal
        if grant is not None and principal.role is Role.INTEGRATION and principal.has_grant(grant):
            return principal
        raise forbidden(f"the {principal.role} role may not do this")

    return admitted


def require_scope(principal: Principal, record_code: str | None, what: str) -> None:
    """404 — not 403 — for a record outside the caller's wilayah: its existence is not revealed."""
    if not principal.covers(record_code):
        raise not_found(what)


def require_target_in_scope(principal: Principal, target_code: str) -> None:
    """403 for a write aimed at a wilayah outside the caller's: the caller named the code."""
    if not principal.covers(target_code):
        raise Problem(
            403, "outside-wilayah", "Outside your wilayah", f"{target_code} is outside your wilayah"
        )
