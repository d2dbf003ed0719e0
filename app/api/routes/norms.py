"""``/norms``: each plan's norm catalogue with the citation of every rule."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.deps import SettingsDep
from app.schemas.norms import NormCatalogueList
from app.services import norms as service
from app.services.norms import NormCatalogues

router = APIRouter(prefix="/norms", tags=["norms"])


async def get_norm_catalogues(settings: SettingsDep) -> NormCatalogues:
    """The plans' catalogues, checked against the seed texts (loaded once per change)."""
    return service.load_norms(settings)


# shared by the routes that evaluate norms (compliance, gaps)
CataloguesDep = Annotated[NormCatalogues, Depends(get_norm_catalogues)]
CityQuery = Annotated[str, Query(pattern=r"^[0-9]{6}$", description="6-digit adcode of the city")]


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
