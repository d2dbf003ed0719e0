"""``/coverage``: residents within N minutes of the nearest facility of some types, per region;
``/coverage/areas``: the areas a spatial norm's facilities reach, as GeoJSON for the map."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.answers import AnswersDep, cached_response, catalogues_key, json_answer
from app.api.deps import CataloguesDep, CityQuery, ComputeDep, PrincipalDep, SettingsDep
from app.api.params import SPATIAL_RULE_RESPONSES, ScenarioQuery
from app.runtime.answers import Answer
from app.schemas.compliance import CoverageMode, CoverageReport
from app.schemas.coverage_areas import CoverageAreaCollection
from app.schemas.facility import FacilityType
from app.services import coverage as service
from app.services import coverage_areas

router = APIRouter(prefix="/coverage", tags=["compliance"])


@router.get(
    "",
    response_model=CoverageReport,
    responses={
        404: {"description": "unknown city"},
        409: {"description": "the city is not prepared: run `fplan demo --city …`"},
    },
)
async def get_coverage(
    *,
    request: Request,
    compute: ComputeDep,
    answers: AnswersDep,
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
) -> Response:
    types = sorted(set(facility_type))

    def report() -> Answer:
        return json_answer(
            compute(
                service.coverage_report,
                settings,
                city,
                facility_types=types,
                mode=mode,
                minutes=minutes,
            )
        )

    return await cached_response(
        request, answers, ("coverage", city, tuple(types), mode, minutes), report
    )


@router.get(
    "/areas",
    response_model=CoverageAreaCollection,
    responses=SPATIAL_RULE_RESPONSES,
)
async def get_coverage_areas(
    *,
    request: Request,
    compute: ComputeDep,
    answers: AnswersDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    principal: PrincipalDep,
    city: CityQuery,
    rule: Annotated[
        str, Query(min_length=1, max_length=100, description="a spatial rule of the city's plan")
    ],
    scenario: ScenarioQuery = None,
) -> Response:
    """Isochrones (or radius disks) of the rule's facilities, merged per unit and threshold."""

    def areas() -> Answer:
        return json_answer(
            compute(
                coverage_areas.coverage_areas,
                settings,
                city,
                norms=norms,
                rule_id=rule,
                scenario_id=scenario,
                principal=principal,
            )
        )

    # a scenario's areas follow its changes and its reader: never cached
    key = None if scenario is not None else ("coverage_areas", city, rule, catalogues_key(norms))
    return await cached_response(request, answers, key, areas, catalogues=norms)
