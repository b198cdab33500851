"""Certificates and their numbering series in the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.tables import certificate_series, certificates
from services.training.domain.certificates import Certificate
from shared.persistence.dialects import insert_into
from shared.persistence.scope import inside


@dataclass(frozen=True)
class CertificateFilter:
    """A list query: what the caller may see, narrowed by what it asked for."""

    caller_wilayah: str
    holder: str | None = None  # only this worker's certificates (PSM callers: their own)
    worker_id: str | None = None
    batch_id: str | None = None
    after: str | None = None  # the cursor: the number of the last item


class CertificateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def reserve_numbers(self, series: str, count: int) -> range:
        """`count` fresh sequence numbers of a series, atomically: the series row's upsert
        holds its lock until commit, so concurrent completions never draw the same number."""
        row = insert_into(self._session, certificate_series).values(
            series=series, last_sequence=count
        )
        drawn = row.on_conflict_do_update(
            index_elements=[certificate_series.c.series],
            set_={"last_sequence": certificate_series.c.last_sequence + count},
        ).returning(certificate_series.c.last_sequence)
        last = int((await self._session.execute(drawn)).scalar_one())
        return range(last - count + 1, last + 1)

    async def add_all(self, issued: list[Certificate]) -> None:
        if issued:
            await self._session.execute(insert(certificates), [asdict(c) for c in issued])

    async def tiers_of(self, worker_id: str) -> list[str]:
        """The tiers training has certified a worker at (the registry may not have them yet)."""
        query = select(certificates.c.tier).where(certificates.c.worker_id == worker_id)
        return list((await self._session.execute(query)).scalars().all())

    async def matching(self, wanted: CertificateFilter, limit: int) -> list[Certificate]:
        query = select(certificates).where(*_conditions(wanted))
        query = query.order_by(certificates.c.number).limit(limit)
        rows = (await self._session.execute(query)).mappings().all()
        return [Certificate(**_fields(row)) for row in rows]


def _conditions(wanted: CertificateFilter) -> list[ColumnElement[bool]]:
    scope = wanted.caller_wilayah
    conditions = [
        or_(
            *(
                inside(column, scope)
                for column in (certificates.c.worker_wilayah, certificates.c.organiser_wilayah)
            )
        )
    ]
    for column, value in (
        (certificates.c.worker_id, wanted.holder),
        (certificates.c.worker_id, wanted.worker_id),
        (certificates.c.batch_id, wanted.batch_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if wanted.after is not None:
        conditions.append(certificates.c.number > wanted.after)
    return conditions


def _fields(row: Any) -> dict[str, Any]:
    return {name: row[name] for name in Certificate.__dataclass_fields__}
