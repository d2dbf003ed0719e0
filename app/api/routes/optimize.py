"""``/optimize``: where new sites bring the most residents within a norm (LSCP, MCLP, p-median).

Needs a planner token; with ``save_as_scenario`` the chosen sites are stored as a scenario of the
token's holder.
"""

from fastapi import APIRouter

from app.api.deps import CataloguesDep, ComputeDep, PlannerDep, SettingsDep
from app.schemas.optimize import OptimizeRequest, OptimizeResult
from app.services import optimize as service

router = APIRouter(prefix="/optimize", tags=["scenarios"])


@router.post(
    "",
    response_model=OptimizeResult,
    responses={
        404: {"description": "unknown city or scenario, or no plan for the city"},
        409: {"description": "the city is not prepared: run `fplan demo --city …`"},
        422: {"description": "a bad model, k, rule, threshold or candidate (the field is named)"},
        504: {"description": "the solver found no solution within the time limit"},
    },
)
def optimize(
    compute: ComputeDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    planner: PlannerDep,
    body: OptimizeRequest,
) -> OptimizeResult:
    """Choose sites among the candidates; answer the residents covered and the gain."""
    return compute(
        service.optimize_sites,
        settings,
        body,
        norms=norms,
        author=planner.name,
        principal=planner,
    )
