"""``/gaps``: underserved zones of a city's spatial norms, as GeoJSON."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import ComputeDep, SettingsDep
from app.api.routes.norms import CataloguesDep, CityQuery
from app.schemas.compliance import GapCollection
from app.services import compliance as service

router = APIRouter(prefix="/gaps", tags=["compliance"])


@router.get(
    "",
    response_model=GapCollection,
    responses={
        404: {"description": "unknown city, or no plan for it"},
        409: {"description": "the city is not prepared: run `fplan demo --city …`"},
        422: {"description": "the rule is not a spatial rule of the city's plan"},
    },
)
def list_gaps(
    compute: ComputeDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    city: CityQuery,
    rule: Annotated[
        str | None,
        Query(max_length=100, description="one spatial rule id; every spatial rule if omitted"),
    ] = None,
) -> GapCollection:
    return compute(service.gap_collection, settings, city, norms=norms, rule_id=rule)
