"""What every registry route depends on: the unit-of-work factory `app.py` built."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.web.pagination import decode_cursor
from shared.web.problems import Problem

Uows = UnitOfWorkFactory[RegistryUnitOfWork]


def unit_of_work_factory(request: Request) -> Uows:
    """The factory `app.py` (the composition root) built for this app."""
    factory: Uows = request.app.state.uows
    return factory


UnitsOfWork = Annotated[Uows, Depends(unit_of_work_factory)]


def id_after(cursor: str | None) -> str | None:
    """The last id of the previous page, from a cursor the lists of ids-ordered records hand out."""
    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, str):
        raise Problem(400, "invalid-cursor", "Invalid cursor", "pass `next_cursor` back as given")
    return after
