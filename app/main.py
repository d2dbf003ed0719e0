"""The composition root: ``create_app(settings)`` assembles the service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from app.api.routes import (
    compliance,
    coverage,
    facilities,
    gaps,
    health,
    norms,
    page,
    regions,
    tiles,
)
from app.db.session import create_db_engine, create_session_factory
from app.errors import register_error_handlers
from app.services.tiles import TileCache
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
    app.state.tile_cache = TileCache()
    register_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health.router)
    api.include_router(regions.router)
    api.include_router(facilities.router)
    api.include_router(norms.router)
    api.include_router(compliance.router)
    api.include_router(gaps.router)
    api.include_router(coverage.router)
    api.include_router(tiles.router)
    app.include_router(api)
    app.include_router(page.router)
    app.mount("/static", page.static_files(), name="static")
    return app
