"""``/optimize``: where new sites bring the most residents within a norm (LSCP, MCLP, p-median).

Needs a planner token; with ``save_as_scenario`` the chosen sites are stored as a scenario of the
token's holder. An optimisation is a long computation: it holds one of the few long slots, and
its solver time limit must end well inside the computation deadline (checked before any work).
"""

from fastapi import APIRouter

from app.api.deps import CataloguesDep, ComputeDep, PlannerDep, SettingsDep
from app.errors import InvalidInputError
from app.schemas.optimize import OptimizeRequest, OptimizeResult
from app.services import optimize as service
from app.settings import Settings

# the solver may use this share of the computation deadline; the rest loads inputs and answers
SOLVER_SHARE = 0.5


def within_deadline(body: OptimizeRequest, settings: Settings) -> OptimizeRequest:
    """The request with a solver time limit inside the deadline; 422 when one given is not."""
    budget_s = settings.compute_timeout_s * SOLVER_SHARE
    if body.time_limit_s <= budget_s:
        return body
    if "time_limit_s" in body.model_fields_set:
        raise InvalidInputError.worded(
            "error.optimize.time_limit",
            field="time_limit_s",
            limit_s=body.time_limit_s,
            budget_s=budget_s,
            deadline_s=settings.compute_timeout_s,
        )
    # the default limit shrinks to the budget of a service with a short deadline
    return body.model_copy(update={"time_limit_s": budget_s})


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
    return compute.long(
        service.optimize_sites,
        settings,
        within_deadline(body, settings),
        norms=norms,
        author=planner.name,
        principal=planner,
    )
