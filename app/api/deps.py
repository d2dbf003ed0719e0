"""Request dependencies, as ``Annotated`` aliases for route signatures.

Data and settings
    ``SessionDep`` (a database session for the request), ``SettingsDep``.

Access (API tokens, ``Authorization: Bearer fpl_…``; roles viewer < planner < admin)
    ``PrincipalDep``
        The token's holder, or None when the request carries no token. A token that is sent
        must be valid (401 otherwise), whatever the route.
    ``ReaderDep``
        Read access: the holder or None, or 401 without a token when the setting
        ``auth_required_for_reads`` is on. ``create_app`` puts it on every ``/api/v1`` route
        except ``/health``, together with "no write without a token".
    ``ViewerDep``, ``PlannerDep``, ``AdminDep``
        A route that needs at least that role takes one as a parameter (401 without a token,
        403 with a weaker one) and gets the :class:`~app.services.auth.Principal`::

            @router.post("/scenarios")
            def create_scenario(session: SessionDep, author: PlannerDep, ...) -> ...:
                ...  # author.token_id, author.name, author.is_admin

        Every route of a method other than GET/HEAD under ``/api/v1`` must take one of these
        (or ``Depends(RequireRole(...))``): ``tests/api/test_auth.py`` walks ``app.routes``.

Norms and cities
    ``CataloguesDep``
        The plans' norm catalogues, checked against the seed texts (loaded once per change).
    ``CityQuery``
        The ``city`` query parameter: the 6-digit adcode of the city a plan governs.
    ``ScenarioContextsDep``
        The scenario states the app keeps in memory for quick diffs (made by ``create_app``).

Long computations
    ``ComputeDep``
        ``compute(fn, *args, **kwargs)`` runs ``fn(session, *args, **kwargs)`` on the bounded
        computation pool with the ``compute_timeout_s`` deadline (504 past it; 503 at once when
        no slot is free, 429 when the caller already runs its share), with a session of its own
        (see :mod:`app.runtime.compute`); ``compute.long(...)`` for an optimisation.
    ``JobsDep``
        The background jobs a client starts and polls (preparing a city; :mod:`app.runtime.jobs`).
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.errors import AuthenticationError
from app.runtime.compute import Compute, ComputeLimiter
from app.runtime.jobs import BackgroundJobs
from app.services import auth
from app.services.auth import Principal
from app.services.norms import CatalogueStore, NormCatalogues
from app.services.quick_diff import ScenarioContexts
from app.settings import Settings

# the methods that change nothing (RFC 9110 §9.2.1)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# The dependencies are coroutines that do no I/O themselves: FastAPI runs a plain function
# dependency on the thread pool, and a hop there and back for each would cost more than the
# cached answers they guard. Blocking work (a token lookup, closing a used session) goes to the
# thread pool explicitly.


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request; it connects on first use and is closed after the response."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="APIToken",
    description="an API token from `fplan token create --role …` or POST /api/v1/tokens",
)


async def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The holder of the request's token; None without one; 401 for a bad one."""
    if credentials is None:
        if request.headers.get("Authorization"):
            raise AuthenticationError.worded("error.auth.header", field="Authorization")
        return None
    return await run_in_threadpool(auth.authenticate, session, credentials.credentials)


PrincipalDep = Annotated[Principal | None, Depends(get_principal)]


class RequireRole:
    """Dependency: the request's token must hold ``role`` or a stronger one."""

    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, principal: PrincipalDep) -> Principal:
        return auth.check_role(principal, self.role)

    def __repr__(self) -> str:
        return f"RequireRole({self.role!r})"


def require_role(role: str) -> RequireRole:
    """The dependency for ``Depends(...)`` or ``dependencies=[...]`` needing ``role``."""
    return RequireRole(role)


ViewerDep = Annotated[Principal, Depends(require_role("viewer"))]
PlannerDep = Annotated[Principal, Depends(require_role("planner"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]


async def check_read_access(
    request: Request, settings: SettingsDep, principal: PrincipalDep
) -> Principal | None:
    """Gate of every ``/api/v1`` route: reads by setting, and never a write without a token."""
    if settings.auth_required_for_reads or request.method not in SAFE_METHODS:
        return auth.check_role(principal, "viewer")
    return principal


ReaderDep = Annotated[Principal | None, Depends(check_read_access)]


async def get_compute(request: Request, session: SessionDep, principal: PrincipalDep) -> Compute:
    limiter: ComputeLimiter = request.app.state.compute
    # the per-client limit counts by token, or by address for a request without one
    if principal is not None:
        client = f"token:{principal.token_id}"
    else:
        client = f"address:{request.client.host if request.client else 'unknown'}"
    return Compute(limiter, session.get_bind(), client=client)


ComputeDep = Annotated[Compute, Depends(get_compute)]


async def get_jobs(request: Request) -> BackgroundJobs:
    """The app's background jobs (made by ``create_app``)."""
    jobs: BackgroundJobs = request.app.state.jobs
    return jobs


JobsDep = Annotated[BackgroundJobs, Depends(get_jobs)]


async def get_norm_catalogues(request: Request, settings: SettingsDep) -> NormCatalogues:
    """The plans' catalogues, checked against the seed texts (loaded once per change)."""
    store: CatalogueStore = request.app.state.catalogues
    return store.load(settings)


# shared by the routes that evaluate norms (compliance, gaps, coverage, optimize, scenarios)
CataloguesDep = Annotated[NormCatalogues, Depends(get_norm_catalogues)]
CityQuery = Annotated[str, Query(pattern=r"^[0-9]{6}$", description="6-digit adcode of the city")]


async def get_scenario_contexts(request: Request) -> ScenarioContexts:
    """The app's scenario states in memory (made by ``create_app``)."""
    contexts: ScenarioContexts = request.app.state.scenario_contexts
    return contexts


ScenarioContextsDep = Annotated[ScenarioContexts, Depends(get_scenario_contexts)]
