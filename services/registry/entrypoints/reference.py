"""Reference data over HTTP, for any authenticated caller: wilayah, PMKS categories, tiers.

Served from the packaged, versioned tables (`shared.reference`), so every service and every
client read the same codes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.registry.entrypoints.schemas import Items
from shared.reference import (
    Level,
    PmksCategory,
    Region,
    TrainingTier,
    UnknownRegion,
    pmks_categories,
    training_tiers,
    wilayah,
)
from shared.reference.wilayah import data_version as region_data_version
from shared.web.auth import authenticated
from shared.web.problems import not_found


class RegionOut(BaseModel):
    code: str
    name: str
    level: str
    kind: str | None
    parent: str | None
    data_version: str = Field(description="The release of the region data that answered")

    @classmethod
    def of(cls, region: Region) -> RegionOut:
        return cls(
            code=region.code,
            name=region.name,
            level=str(region.level),
            kind=None if region.kind is None else str(region.kind),
            parent=region.parent_code,
            data_version=region_data_version(),
        )


class RegionsOut(Items[RegionOut]):
    data_version: str = Field(description="The release of the region data that answered")


class CategoryOut(BaseModel):
    number: int
    code: str
    name: str
    code_2007: str | None
    levels: list[str]
    pp39_group: str | None
    sensitive: bool
    note: str | None

    @classmethod
    def of(cls, category: PmksCategory) -> CategoryOut:
        values = {name: getattr(category, name) for name in cls.model_fields}
        return cls.model_validate({**values, "levels": [str(level) for level in category.levels]})


class TierOut(BaseModel):
    code: str
    name: str
    order: int
    organiser_scope: str
    prerequisite: str | None

    @classmethod
    def of(cls, tier: TrainingTier) -> TierOut:
        return cls.model_validate({name: getattr(tier, name) for name in cls.model_fields})


ParentCode = Annotated[
    str | None, Query(max_length=20, description="list this region's children; none: provinces")
]


async def get_region(code: str) -> RegionOut:
    try:
        return RegionOut.of(wilayah().get(code))  # a malformed code is a 422 naming the rule
    except UnknownRegion:
        raise not_found("region") from None


async def list_regions(parent: ParentCode = None) -> RegionsOut:
    regions = wilayah()
    try:
        found = regions.children(parent) if parent else regions.regions(Level.PROVINSI)
    except UnknownRegion:
        raise not_found("region") from None
    return RegionsOut(
        items=[RegionOut.of(region) for region in found], data_version=region_data_version()
    )


async def list_categories() -> Items[CategoryOut]:
    return Items[CategoryOut](items=[CategoryOut.of(c) for c in pmks_categories().ordered()])


async def list_tiers() -> Items[TierOut]:
    return Items[TierOut](items=[TierOut.of(t) for t in training_tiers().ordered()])


def reference_router() -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["reference"], dependencies=[Depends(authenticated)])
    router.add_api_route("/regions/{code}", get_region, methods=["GET"], summary="One region")
    router.add_api_route(
        "/regions", list_regions, methods=["GET"], summary="A region's children, in code order"
    )
    router.add_api_route(
        "/pmks-categories", list_categories, methods=["GET"], summary="PMKS/PPKS categories"
    )
    router.add_api_route(
        "/training-tiers", list_tiers, methods=["GET"], summary="Training tiers, lowest first"
    )
    return router
