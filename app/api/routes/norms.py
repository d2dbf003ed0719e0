"""``/norms``: each plan's norm catalogue with the citation of every rule."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import CataloguesDep
from app.schemas.norms import NormCatalogueList
from app.services import norms as service

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
