"""``/coverage``: residents within N minutes of the nearest facility of some types, per region."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import ComputeDep, SettingsDep
from app.api.routes.norms import CityQuery
from app.schemas.compliance import CoverageMode, CoverageReport
from app.schemas.facility import FacilityType
from app.services import compliance as service

router = APIRouter(prefix="/coverage", tags=["compliance"])


@router.get(
    "",
    response_model=CoverageReport,
    responses={
        404: {"description": "unknown city"},
        409: {"description": "the city is not prepared: run `fplan demo --city …`"},
    },
)
def get_coverage(
    *,
    compute: ComputeDep,
    settings: SettingsDep,
    city: CityQuery,
    facility_type: Annotated[
        list[FacilityType], Query(min_length=1, description="facility types that count")
    ],
    minutes: Annotated[float, Query(gt=0, le=240, description="travel-time threshold, minutes")],
    mode: Annotated[
        CoverageMode,
        Query(description="walk or drive: to the facility; ems: the ambulance from it"),
    ] = "drive",
) -> CoverageReport:
    return compute(
        service.coverage_report,
        settings,
        city,
        facility_types=facility_type,
        mode=mode,
        minutes=minutes,
    )
