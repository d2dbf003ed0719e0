"""``/compliance``: every norm of a city's plan checked in every region, as JSON or CSV.

With ``scenario=ID`` the same report for a scenario of that city (its changes applied in memory).
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import ComputeDep, PrincipalDep, SettingsDep
from app.api.routes.norms import CataloguesDep, CityQuery
from app.schemas.compliance import ComplianceReport, ReportFormat
from app.services import compliance as service
from app.services import scenarios

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
def get_compliance(
    *,
    compute: ComputeDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    city: CityQuery,
    principal: PrincipalDep,
    format: Annotated[ReportFormat, Query(description="json or csv")] = "json",
    scenario: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="a scenario of the city (its id)")
    ] = None,
) -> ComplianceReport | Response:
    if scenario is None:
        report = compute(service.run_compliance, settings, city, norms=norms)
    else:
        report = compute(
            scenarios.scenario_compliance,
            settings,
            scenario,
            norms=norms,
            principal=principal,
            city=city,
        )
    if format == "csv":
        return Response(
            service.report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="compliance-{city}.csv"',
                "X-Run-Id": str(report.run_id),
            },
        )
    return report
