"""``/regions``: Hunan's administrative units with their 2020 census, as GeoJSON."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import SessionDep
from app.api.params import BboxDep
from app.schemas.region import RegionCollection, RegionFeature, RegionLevel, RegionQuery
from app.services import regions as service

router = APIRouter(prefix="/regions", tags=["regions"])

CityQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{6}$",
        description="6-digit adcode: a prefecture gives its county-level units and zones, "
        "430000 the prefectures, a county-level unit itself",
    ),
]
LevelQuery = Annotated[RegionLevel | None, Query(description="keep one level only")]
AdcodePath = Annotated[str, Path(pattern=r"^[0-9]{6}$", description="6-digit adcode")]


@router.get(
    "",
    response_model=RegionCollection,
    responses={404: {"description": "unknown city"}, 422: {"description": "invalid filter"}},
)
def list_regions(
    session: SessionDep, bbox: BboxDep, city: CityQuery = None, level: LevelQuery = None
) -> RegionCollection:
    return service.list_regions(session, RegionQuery(city=city, level=level, bbox=bbox))


@router.get(
    "/{adcode}",
    response_model=RegionFeature,
    responses={404: {"description": "unknown adcode"}, 422: {"description": "not 6 digits"}},
)
def get_region(session: SessionDep, adcode: AdcodePath) -> RegionFeature:
    return service.get_region(session, adcode)
