"""``/compliance``: every norm of a city's plan checked in every region, as JSON or CSV.

No ``scenario`` parameter yet: scenarios (proposed sites) do not exist in the service.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import SessionDep, SettingsDep
from app.api.routes.norms import CataloguesDep, CityQuery
from app.schemas.compliance import ComplianceReport, ReportFormat
from app.services import compliance as service

router = APIRouter(prefix="/compliance", tags=["compliance"])


@router.get(
    "",
    response_model=ComplianceReport,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the results (JSON or CSV)"},
        404: {"description": "unknown city, or no plan for it"},
        409: {"description": "the city is not prepared: run `fplan demo --city …`"},
    },
)
def get_compliance(
    session: SessionDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    city: CityQuery,
    format: Annotated[ReportFormat, Query(description="json or csv")] = "json",
) -> ComplianceReport | Response:
    report = service.run_compliance(session, settings, city, norms=norms)
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
