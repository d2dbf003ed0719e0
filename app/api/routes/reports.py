"""``/reports/{city}``: the compliance report a bureau files, as HTML or an A4 PDF.

With ``scenario=ID`` the scenario's figures stand beside the baseline's. The language follows
``lang`` or ``Accept-Language`` (Chinese by default).
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam

from app.api.deps import CataloguesDep, ComputeDep, PrincipalDep, SettingsDep
from app.api.lang import LangDep
from app.api.params import ScenarioQuery
from app.services import compliance, report, scenario_runs
from app.services.norms import get_catalogue

router = APIRouter(prefix="/reports", tags=["reports"])

CityPath = Annotated[
    str, PathParam(pattern=r"^[0-9]{6}$", description="6-digit adcode of the city")
]


@router.get(
    "/{city}",
    response_class=Response,
    responses={
        200: {
            "content": {"text/html": {}, "application/pdf": {}},
            "description": "the report (HTML page or A4 PDF)",
        },
        409: {"description": "the city is not prepared: run `fplan demo --city …`"},
    },
)
def get_report(
    *,
    compute: ComputeDep,
    settings: SettingsDep,
    norms: CataloguesDep,
    principal: PrincipalDep,
    city: CityPath,
    lang: LangDep,
    format: Annotated[Literal["html", "pdf"], Query(description="html or pdf")] = "html",
    scenario: ScenarioQuery = None,
) -> Response:
    catalogue = get_catalogue(norms, city)
    baseline = compute(compliance.run_compliance, settings, city, norms=norms)
    shown, before = baseline, None
    if scenario is not None:
        shown = compute(
            scenario_runs.scenario_compliance,
            settings,
            scenario,
            norms=norms,
            principal=principal,
            city=city,
        )
        before = baseline
    body = compute(report.render_report, shown, catalogue, format, lang, baseline=before)
    suffix = f"-scenario-{scenario}" if scenario is not None else ""
    disposition = "inline" if format == "html" else "attachment"
    return Response(
        body,
        media_type=report.MEDIA[format],
        headers={
            "Content-Disposition": f'{disposition}; filename="report-{city}{suffix}.{format}"'
        },
    )
