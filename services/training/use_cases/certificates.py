"""Reading certificates, as far as the caller may see them."""

from __future__ import annotations

from services.training.adapters.certificates import CertificateFilter
from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.domain.certificates import Certificate
from shared.security import Principal, Role


def certificate_filter(
    by: Principal,
    *,
    worker_id: str | None = None,
    batch_id: str | None = None,
    after: str | None = None,
) -> CertificateFilter:
    """A caller sees certificates of holders in its wilayah and of batches organised in it;
    a PSM sees only their own (a PSM's `sub` is their worker id)."""
    return CertificateFilter(
        caller_wilayah=by.wilayah,
        holder=by.sub if by.role is Role.PSM else None,
        worker_id=worker_id,
        batch_id=batch_id,
        after=after,
    )


async def list_certificates(
    uow: TrainingUnitOfWork, wanted: CertificateFilter, limit: int
) -> list[Certificate]:
    return await uow.certificates.matching(wanted, limit)
