"""``/norms``: each plan's norm catalogue with the citation of every rule."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import CataloguesDep, CityQuery, SessionDep
from app.schemas.norms import NormCatalogueList, RuleFacilities
from app.services import norms as service
from app.services import rule_facilities as facilities_service

router = APIRouter(prefix="/norms", tags=["norms"])


@router.get(
    "",
    response_model=NormCatalogueList,
    responses={404: {"description": "no plan for that city"}},
)
def list_norms(
    norms: CataloguesDep,
    city: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{6}$", description="the city a plan governs; all plans if omitted"),
    ] = None,
) -> NormCatalogueList:
    return service.list_norms(norms, city)


@router.get(
    "/{rule_id}/facilities",
    response_model=RuleFacilities,
    responses={404: {"description": "no plan for that city, no such norm, or no such city"}},
)
def rule_facilities(
    session: SessionDep,
    norms: CataloguesDep,
    city: CityQuery,
    rule_id: Annotated[
        str, Path(max_length=200, description="the norm, e.g. jishou.beds_per_1000")
    ],
) -> RuleFacilities:
    """The city's facilities the norm counts (as its evaluator selects them) and how many are
    real: the map draws these prominently and the rest faint."""
    return facilities_service.rule_facilities(session, norms, city, rule_id)
