"""``/facilities``: the facility register as GeoJSON."""

from typing import Annotated

from fastapi import APIRouter, File, Header, Path, Query, Response, UploadFile, status

from app.api.deps import AdminDep, SessionDep, SettingsDep
from app.api.params import BboxDep
from app.errors import PayloadTooLargeError
from app.schemas.facility import (
    FacilityCollection,
    FacilityCreateFeature,
    FacilityFeature,
    FacilityQuery,
    FacilityType,
    FacilityUpdateFeature,
    InputCrs,
)
from app.schemas.imports import FacilityImportResult, ImportFormat
from app.services import facilities as service
from app.services import imports

router = APIRouter(prefix="/facilities", tags=["facilities"])

FacilityId = Annotated[int, Path(ge=1, le=2**31 - 1, description="facility id")]
CrsQuery = Annotated[
    InputCrs, Query(description="datum of the input coordinates (Chinese web maps: gcj02, bd09)")
]
Adcode = Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="6-digit adcode")]
IfMatch = Annotated[
    str | None, Header(max_length=200, description="ETag of the version being changed")
]
# a source is 'real', 'synthetic' or an imported file's name (see services.imports)
SourceQuery = Annotated[
    str | None,
    Query(max_length=200, pattern=imports.FILE_NAME_RE.pattern, description="source name"),
]


@router.get("", response_model=FacilityCollection)
def list_facilities(
    *,
    session: SessionDep,
    bbox: BboxDep,
    city: Adcode = None,
    region: Adcode = None,
    type: Annotated[list[FacilityType] | None, Query()] = None,
    source: SourceQuery = None,
    synthetic: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 5000,
    # PostgreSQL's OFFSET is a bigint; no register comes near 2^31 rows
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
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
    session: SessionDep,
    _: AdminDep,
    feature: FacilityCreateFeature,
    response: Response,
    crs: CrsQuery = "wgs84",
) -> FacilityFeature:
    created, tag = service.create_facility(session, feature, crs=crs)
    response.headers["ETag"] = tag
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return created


@router.patch("/{facility_id}", response_model=FacilityFeature)
def update_facility(
    *,
    session: SessionDep,
    _: AdminDep,
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
def delete_facility(
    session: SessionDep, _: AdminDep, facility_id: FacilityId, if_match: IfMatch = None
) -> None:
    service.delete_facility(session, facility_id, if_match=if_match)


@router.post(
    "/import",
    response_model=FacilityImportResult,
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "a concurrent import of the same ids won"},
        413: {"description": "the file is over the upload limit"},
        422: {"description": "bad rows (every one listed with its reasons); nothing written"},
    },
)
def import_facilities(
    *,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminDep,
    file: Annotated[
        UploadFile,
        File(description="CSV (id,name,type,lon,lat,…) or GeoJSON FeatureCollection of Points"),
    ],
    crs: CrsQuery = "wgs84",
    city: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{6}$", description="every point must fall in this city"),
    ] = None,
    format: Annotated[
        ImportFormat | None, Query(description="csv or geojson; from the file name if omitted")
    ] = None,
) -> FacilityImportResult:
    """Import a register file whole: one bad row rejects it, and nothing is written."""
    limit = settings.max_upload_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLargeError.worded("error.upload.too_large", field="file", limit=limit)
    return imports.import_facilities(
        session,
        content,
        filename=file.filename or "",
        crs=crs,
        city_adcode=city,
        file_format=format,
    )
