"""Service health: the database answers and PostGIS is installed."""

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.errors import DatabaseUnavailableError
from app.schemas.health import HealthPublic


def check_health(session: Session) -> HealthPublic:
    try:
        version = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
    except DBAPIError as exc:
        msg = "the database is unreachable"
        raise DatabaseUnavailableError(msg) from exc
    return HealthPublic(status="ok", database="reachable", postgis_version=str(version))
