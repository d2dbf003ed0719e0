"""``/scenarios``: proposed changes to a city's facilities, their compliance and their diff.

Writes need a planner token (the token's holder becomes the author); a scenario is seen by its
author and admins, by everyone once shared. ``ETag`` / ``If-Match`` lock scenarios optimistically:
every change added bumps the version.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response, status

from app.api.deps import (
    CataloguesDep,
    ComputeDep,
    PlannerDep,
    PrincipalDep,
    ScenarioContextsDep,
    SessionDep,
    SettingsDep,
)
from app.api.lang import LangDep
from app.schemas.compliance import ComplianceReport
from app.schemas.scenario import (
    ChangeIn,
    ChangeResult,
    ScenarioCreate,
    ScenarioDiff,
    ScenarioList,
    ScenarioPublic,
    ScenarioUpdate,
)
from app.schemas.token import HOLDER_NAME_PATTERN
from app.services import scenario_runs
from app.services import scenarios as service

router = APIRouter(prefix="/scenarios", tags=["scenarios"])

ScenarioId = Annotated[int, Path(ge=1, le=2**31 - 1, description="scenario id")]
ChangeId = Annotated[int, Path(ge=1, le=2**31 - 1, description="change id")]
IfMatch = Annotated[str | None, Header(description="ETag of the scenario version being changed")]


@router.get("", response_model=ScenarioList)
def list_scenarios(
    session: SessionDep,
    principal: PrincipalDep,
    city: Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="6-digit adcode")] = None,
    # authors are token names: the same characters as a token's name
    author: Annotated[
        str | None, Query(min_length=1, max_length=100, pattern=HOLDER_NAME_PATTERN)
    ] = None,
) -> ScenarioList:
    return service.list_scenarios(session, principal=principal, city=city, author=author)


@router.post("", response_model=ScenarioPublic, status_code=status.HTTP_201_CREATED)
def create_scenario(
    session: SessionDep, planner: PlannerDep, body: ScenarioCreate, response: Response
) -> ScenarioPublic:
    created, tag = service.create_scenario(session, body, author=planner.name, owner=planner)
    response.headers["ETag"] = tag
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return created


@router.get("/{scenario_id}", response_model=ScenarioPublic)
def get_scenario(
    session: SessionDep, principal: PrincipalDep, scenario_id: ScenarioId, response: Response
) -> ScenarioPublic:
    scenario, tag = service.get_scenario(session, scenario_id, principal=principal)
    response.headers["ETag"] = tag
    return scenario


@router.patch("/{scenario_id}", response_model=ScenarioPublic)
def update_scenario(
    *,
    session: SessionDep,
    planner: PlannerDep,
    scenario_id: ScenarioId,
    body: ScenarioUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> ScenarioPublic:
    updated, tag = service.update_scenario(
        session, scenario_id, body, principal=planner, if_match=if_match
    )
    response.headers["ETag"] = tag
    return updated


@router.delete("/{scenario_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_scenario(
    session: SessionDep, planner: PlannerDep, scenario_id: ScenarioId, if_match: IfMatch = None
) -> None:
    service.delete_scenario(session, scenario_id, principal=planner, if_match=if_match)


@router.post(
    "/{scenario_id}/changes",
    response_model=ChangeResult,
    status_code=status.HTTP_201_CREATED,
    responses={412: {"description": "If-Match names an older version of the scenario"}},
)
def add_change(
    *,
    compute: ComputeDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    planner: PlannerDep,
    contexts: ScenarioContextsDep,
    scenario_id: ScenarioId,
    change: ChangeIn,
    response: Response,
    if_match: IfMatch = None,
) -> ChangeResult:
    """Add one change; an added site answers with a quick diff of the spatial rules."""
    result = compute(
        service.add_change,
        settings,
        scenario_id,
        change,
        norms=norms,
        principal=planner,
        contexts=contexts,
        if_match=if_match,
    )
    response.headers["ETag"] = f'"{result.scenario.id}-{result.scenario.version}"'
    return result


@router.delete("/{scenario_id}/changes/{change_id}", response_model=ScenarioPublic)
def delete_change(
    *,
    session: SessionDep,
    planner: PlannerDep,
    scenario_id: ScenarioId,
    change_id: ChangeId,
    response: Response,
    if_match: IfMatch = None,
) -> ScenarioPublic:
    scenario, tag = service.delete_change(
        session, scenario_id, change_id, principal=planner, if_match=if_match
    )
    response.headers["ETag"] = tag
    return scenario


_UNPREPARED: dict[int | str, dict[str, Any]] = {
    409: {"description": "the city is not prepared: run `fplan demo --city …`"}
}


@router.get("/{scenario_id}/compliance", response_model=ComplianceReport, responses=_UNPREPARED)
def get_scenario_compliance(
    *,
    compute: ComputeDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    principal: PrincipalDep,
    scenario_id: ScenarioId,
    lang: LangDep,
) -> ComplianceReport:
    """The scenario's compliance report: the baseline's rules with its changes applied.

    The interpretations and data gaps are in the reader's language (``lang``).
    """
    report = compute(
        scenario_runs.scenario_compliance, settings, scenario_id, norms=norms, principal=principal
    )
    return report.for_reader(lang)


@router.get("/{scenario_id}/diff", response_model=ScenarioDiff, responses=_UNPREPARED)
def get_scenario_diff(
    compute: ComputeDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    principal: PrincipalDep,
    scenario_id: ScenarioId,
) -> ScenarioDiff:
    """What the scenario changes against the baseline: flips, residents, gap zones, shortfalls."""
    return compute(
        scenario_runs.diff_scenario, settings, scenario_id, norms=norms, principal=principal
    )
