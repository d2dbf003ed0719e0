"""The composition root: ``create_app(settings)`` assembles the service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from app.api.routes import facilities, health, regions
from app.db.session import create_db_engine, create_session_factory
from app.errors import register_error_handlers
from app.settings import Settings, get_settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application for ``settings`` (read from the environment if omitted)."""
    settings = settings or get_settings()
    engine = create_db_engine(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="fplan",
        version="0.1.0",
        summary="Health facility planning: coverage, plan norms and scenarios on real roads.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    register_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health.router)
    api.include_router(regions.router)
    api.include_router(facilities.router)
    app.include_router(api)
    return app
