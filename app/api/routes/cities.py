"""``/cities``: the plans' cities, whether each is prepared, and preparing one (admins).

``POST /cities/{adcode}/prepare`` starts what ``fplan demo --city`` does (and stores the city's
compliance run) in the background on the compute pool's long slots and answers 202 with the
job; ``GET`` on the same path polls it until ``state`` is ``done`` or ``failed``.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.api.deps import (
    AdminDep,
    CataloguesDep,
    JobsDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
)
from app.api.lang import LangDep
from app.schemas.city import CityList, PrepareJobPublic, PrepareRequest
from app.services import preparation as service

router = APIRouter(prefix="/cities", tags=["cities"])

CityPath = Annotated[
    str, Path(pattern=r"^[0-9]{6}$", description="6-digit adcode of a city with a plan")
]


@router.get("", response_model=CityList)
def list_cities(
    session: SessionDep,
    *,
    norms: CataloguesDep,
    jobs: JobsDep,
    principal: PrincipalDep,
    lang: LangDep,
) -> CityList:
    """Every city with a plan: prepared or not, the command that prepares it, its job here, and
    whether the request's token may start one."""
    admin = principal is not None and principal.is_admin
    return service.list_cities(session, norms, jobs, lang, admin=admin)


@router.post(
    "/{adcode}/prepare",
    response_model=PrepareJobPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        403: {"description": "the token is not an admin's"},
        404: {"description": "no plan for that city"},
        409: {"description": "the city is prepared already, or its preparation is running"},
        503: {"description": "no long compute slot is free; try again"},
    },
)
def start_preparation(
    session: SessionDep,
    *,
    settings: SettingsDep,
    norms: CataloguesDep,
    jobs: JobsDep,
    admin: AdminDep,
    lang: LangDep,
    adcode: CityPath,
    response: Response,
    body: PrepareRequest | None = None,
) -> PrepareJobPublic:
    """Start preparing the city as ``fplan demo --city`` does; poll the ``Location`` it names."""
    job = service.start_preparation(
        session,
        settings,
        norms,
        jobs,
        adcode,
        nodes=None if body is None else body.nodes,
        client=f"token:{admin.token_id}",
    )
    response.headers["Location"] = f"/api/v1{router.prefix}/{adcode}/prepare"
    return service.job_public(job, lang)


@router.get(
    "/{adcode}/prepare",
    response_model=PrepareJobPublic,
    responses={404: {"description": "no preparation of that city was started here"}},
)
def get_preparation(jobs: JobsDep, lang: LangDep, adcode: CityPath) -> PrepareJobPublic:
    """The city's preparation running or last run: its step, or how it ended."""
    return service.job_public(service.preparation(jobs, adcode), lang)
