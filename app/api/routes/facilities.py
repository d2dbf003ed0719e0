"""``/facilities``: the facility register as GeoJSON."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from app.api.deps import SessionDep
from app.api.params import BboxDep
from app.schemas.facility import (
    FacilityCollection,
    FacilityCreateFeature,
    FacilityFeature,
    FacilityQuery,
    FacilityType,
    FacilityUpdateFeature,
    InputCrs,
)
from app.services import facilities as service

router = APIRouter(prefix="/facilities", tags=["facilities"])

FacilityId = Annotated[int, Path(ge=1, le=2**31 - 1, description="facility id")]
CrsQuery = Annotated[
    InputCrs, Query(description="datum of the input coordinates (Chinese web maps: gcj02, bd09)")
]
Adcode = Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="6-digit adcode")]
IfMatch = Annotated[str | None, Header(description="ETag of the version being changed")]


@router.get("", response_model=FacilityCollection)
def list_facilities(
    *,
    session: SessionDep,
    bbox: BboxDep,
    city: Adcode = None,
    region: Adcode = None,
    type: Annotated[list[FacilityType] | None, Query()] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    synthetic: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 5000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FacilityCollection:
    query = FacilityQuery(
        city=city,
        region=region,
        type=type,
        source=source,
        synthetic=synthetic,
        bbox=bbox,
        limit=limit,
        offset=offset,
    )
    return service.list_facilities(session, query)


@router.get("/{facility_id}", response_model=FacilityFeature)
def get_facility(
    session: SessionDep, facility_id: FacilityId, response: Response
) -> FacilityFeature:
    feature, tag = service.get_facility(session, facility_id)
    response.headers["ETag"] = tag
    return feature


@router.post("", response_model=FacilityFeature, status_code=status.HTTP_201_CREATED)
def create_facility(
    session: SessionDep, feature: FacilityCreateFeature, response: Response, crs: CrsQuery = "wgs84"
) -> FacilityFeature:
    created, tag = service.create_facility(session, feature, crs=crs)
    response.headers["ETag"] = tag
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return created


@router.patch("/{facility_id}", response_model=FacilityFeature)
def update_facility(
    *,
    session: SessionDep,
    facility_id: FacilityId,
    feature: FacilityUpdateFeature,
    response: Response,
    crs: CrsQuery = "wgs84",
    if_match: IfMatch = None,
) -> FacilityFeature:
    updated, tag = service.update_facility(
        session, facility_id, feature, crs=crs, if_match=if_match
    )
    response.headers["ETag"] = tag
    return updated


@router.delete("/{facility_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_facility(session: SessionDep, facility_id: FacilityId, if_match: IfMatch = None) -> None:
    service.delete_facility(session, facility_id, if_match=if_match)
