"""The composition root: ``create_app(settings)`` assembles the service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from app.api.answer_lane import AnswerLane, AnswerLaneMiddleware
from app.api.deps import check_read_access
from app.api.errors import register_error_handlers
from app.api.middleware import BodySizeLimitMiddleware
from app.api.openapi import install_openapi
from app.api.routes import (
    cities,
    compliance,
    coverage,
    docs,
    facilities,
    gaps,
    health,
    norms,
    optimize,
    page,
    regions,
    reports,
    scenarios,
    tiles,
    tokens,
)
from app.db.session import create_db_engine, create_session_factory
from app.runtime.answers import AnswerCache, DataVersionWatcher
from app.runtime.compute import ComputeLimiter
from app.runtime.jobs import BackgroundJobs
from app.services.norms import CatalogueStore
from app.services.quick_diff import ScenarioContexts
from app.services.tiles import TileCache
from app.settings import Settings, get_settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application for ``settings`` (read from the environment if omitted)."""
    settings = settings or get_settings()
    engine = create_db_engine(settings)
    compute = ComputeLimiter(
        workers=settings.compute_workers,
        timeout_s=settings.compute_timeout_s,
        per_client=settings.compute_per_client,
    )
    watcher = DataVersionWatcher(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # cached answers are served only while the data version is followed
        watcher.start()
        yield
        watcher.stop()
        compute.shutdown()
        engine.dispose()

    app = FastAPI(
        title="fplan",
        version="0.1.0",
        summary="Health facility planning: coverage, plan norms and scenarios on real roads.",
        lifespan=lifespan,
        # /docs is served from node_modules (app.api.routes.docs), never from a CDN
        description=docs.api_description(),
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.tile_cache = TileCache(
        max_bytes=settings.tile_cache_mb * 1024 * 1024, max_entries=settings.tile_cache_entries
    )
    # the plans' norm catalogues, loaded once per change of their files
    app.state.catalogues = CatalogueStore()
    app.state.compute = compute
    app.state.jobs = BackgroundJobs(compute, engine)
    # scenario states in memory, for the quick diffs of added sites
    app.state.scenario_contexts = ScenarioContexts()
    app.state.answers = AnswerCache(
        watcher,
        max_entries=settings.answer_cache_entries,
        max_bytes=settings.answer_cache_mb * 1024 * 1024,
    )
    register_error_handlers(app)
    install_openapi(app)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    # a repeated cached read is answered before routing (outermost: a GET has no body)
    app.state.answer_lane = AnswerLane(
        app,
        app.state.answers,
        app.state.catalogues,
        settings,
        max_entries=settings.answer_cache_entries,
    )
    app.add_middleware(AnswerLaneMiddleware, lane=app.state.answer_lane)

    # a probe carries no token: /health stays open whatever the settings
    app.include_router(health.router, prefix=API_PREFIX)
    # every other route: reads open or token-only by setting, never a write without a token;
    # routes that write add the role they need (app.api.deps)
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(check_read_access)])
    api.include_router(tokens.router)
    api.include_router(regions.router)
    api.include_router(facilities.router)
    api.include_router(norms.router)
    api.include_router(cities.router)
    api.include_router(compliance.router)
    api.include_router(reports.router)
    api.include_router(gaps.router)
    api.include_router(coverage.router)
    api.include_router(tiles.router)
    api.include_router(scenarios.router)
    api.include_router(optimize.router)
    app.include_router(api)
    app.include_router(page.router)
    app.include_router(docs.router)
    app.mount("/static", page.static_files(), name="static")
    return app
