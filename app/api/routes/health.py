"""``GET /health``: is the database reachable, which PostGIS."""

from fastapi import APIRouter

from app.api.deps import SessionDep
from app.schemas.health import HealthPublic
from app.services import health as health_service

router = APIRouter(tags=["health"])


@router.get(
    "/health", response_model=HealthPublic, responses={503: {"description": "database down"}}
)
def get_health(session: SessionDep) -> HealthPublic:
    return health_service.check_health(session)
