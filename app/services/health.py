"""Service health: the database answers and PostGIS is installed."""

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db.session import db_wait_limit
from app.errors import DatabaseUnavailableError
from app.schemas.health import HealthPublic

# a probe answers within a few seconds whatever the database does
HEALTH_WAIT_S = 1.0


def check_health(session: Session) -> HealthPublic:
    try:
        with db_wait_limit(HEALTH_WAIT_S):
            version = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
    except DBAPIError as exc:
        raise DatabaseUnavailableError.worded("error.db.unreachable") from exc
    return HealthPublic(status="ok", database="reachable", postgis_version=str(version))
