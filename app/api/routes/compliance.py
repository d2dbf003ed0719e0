"""``/compliance``: every norm of a city's plan checked in every region, as JSON or CSV.

With ``scenario=ID`` the same report for a scenario of that city (its changes applied in memory).
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.answers import AnswersDep, cached_response, catalogues_key, json_answer
from app.api.deps import CataloguesDep, CityQuery, ComputeDep, PrincipalDep, SettingsDep
from app.api.params import ScenarioQuery
from app.runtime.answers import Answer
from app.schemas.compliance import ComplianceReport, ReportFormat
from app.services import compliance as service
from app.services import scenario_runs

router = APIRouter(prefix="/compliance", tags=["compliance"])


@router.get(
    "",
    response_model=ComplianceReport,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the results (JSON or CSV)"},
        404: {"description": "unknown city or scenario, or no plan for the city"},
        409: {"description": "the city is not prepared: run `fplan demo --city …`"},
        422: {"description": "the scenario belongs to another city"},
    },
)
async def get_compliance(
    *,
    request: Request,
    compute: ComputeDep,
    answers: AnswersDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    city: CityQuery,
    principal: PrincipalDep,
    format: Annotated[ReportFormat, Query(description="json or csv")] = "json",
    scenario: ScenarioQuery = None,
) -> Response:
    def answer() -> Answer:
        if scenario is None:
            report = compute(service.run_compliance, settings, city, norms=norms)
        else:
            report = compute(
                scenario_runs.scenario_compliance,
                settings,
                scenario,
                norms=norms,
                principal=principal,
                city=city,
            )
        return _encode(report, format, city)

    key = None if scenario is not None else ("compliance", city, format, catalogues_key(norms))
    return await cached_response(request, answers, key, answer)


def _encode(report: ComplianceReport, format: ReportFormat, city: str) -> Answer:
    if format == "csv":
        return Answer(
            service.report_csv(report).encode(),
            "text/csv; charset=utf-8",
            {
                "Content-Disposition": f'attachment; filename="compliance-{city}.csv"',
                "X-Run-Id": str(report.run_id),
            },
        )
    return json_answer(report)
