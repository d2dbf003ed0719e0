"""``GET /health``: is the database reachable, which PostGIS, how busy the computations are."""

from fastapi import APIRouter, Request

from app.api.deps import SessionDep
from app.schemas.health import HealthPublic
from app.services import health as health_service

router = APIRouter(tags=["health"])


@router.get(
    "/health", response_model=HealthPublic, responses={503: {"description": "database down"}}
)
def get_health(request: Request, session: SessionDep) -> HealthPublic:
    health = health_service.check_health(session)
    limiter = request.app.state.compute
    return health.model_copy(
        update={"computations_running": limiter.busy, "computation_slots": limiter.workers}
    )
