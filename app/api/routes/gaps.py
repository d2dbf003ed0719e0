"""``/gaps``: underserved zones of a city's spatial norms, as GeoJSON.

With ``scenario=ID`` the zones of a scenario of that city (its changes applied in memory).
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.answers import AnswersDep, cached_response, catalogues_key, json_answer
from app.api.deps import CataloguesDep, CityQuery, ComputeDep, PrincipalDep, SettingsDep
from app.api.params import SPATIAL_RULE_RESPONSES, ScenarioQuery
from app.runtime.answers import Answer
from app.schemas.compliance import GapCollection
from app.services import gaps as service
from app.services import scenario_runs

router = APIRouter(prefix="/gaps", tags=["compliance"])


@router.get(
    "",
    response_model=GapCollection,
    responses=SPATIAL_RULE_RESPONSES,
)
async def list_gaps(
    *,
    request: Request,
    compute: ComputeDep,
    answers: AnswersDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    principal: PrincipalDep,
    city: CityQuery,
    rule: Annotated[
        str | None,
        Query(max_length=100, description="one spatial rule id; every spatial rule if omitted"),
    ] = None,
    scenario: ScenarioQuery = None,
) -> Response:
    def collection() -> Answer:
        if scenario is None:
            zones = compute(service.gap_collection, settings, city, norms=norms, rule_id=rule)
        else:
            zones = compute(
                scenario_runs.scenario_gap_collection,
                settings,
                scenario,
                norms=norms,
                principal=principal,
                city=city,
                rule_id=rule,
            )
        return json_answer(zones)

    # a scenario's zones follow its changes and its reader: never cached
    key = None if scenario is not None else ("gaps", city, rule, catalogues_key(norms))
    return await cached_response(request, answers, key, collection, catalogues=norms)
