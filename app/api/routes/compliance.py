"""``/compliance``: every norm of a city's plan checked in every region, as JSON or a file.

``format``: ``json`` (default), ``csv`` (UTF-8 with BOM, rounded, with the synthetic flag and
labels in the reader's language), ``xlsx`` (a sheet per rule family, wide by region, verdict
colours, provenance), ``geojson`` or ``gpkg`` (verdicts joined to the district polygons, gap
zones as a second layer, QGIS styles in the GeoPackage). With ``scenario=ID`` the same for a
scenario of that city (its changes applied in memory).
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.answers import AnswersDep, cached_response, catalogues_key, json_answer
from app.api.deps import CataloguesDep, CityQuery, ComputeDep, PrincipalDep, SettingsDep
from app.api.lang import LangDep
from app.api.params import ScenarioQuery
from app.runtime.answers import Answer
from app.schemas.compliance import ComplianceReport, ReportFormat
from app.services import compliance as service
from app.services import exports, scenario_runs
from app.services.norms import get_catalogue

router = APIRouter(prefix="/compliance", tags=["compliance"])

_FILE_TYPES: dict[str, dict[str, object]] = {m: {} for m in exports.EXPORT_MEDIA.values()}


@router.get(
    "",
    response_model=ComplianceReport,
    responses={
        200: {"content": _FILE_TYPES, "description": "the results (JSON, or the file asked for)"},
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
    lang: LangDep,
    format: Annotated[ReportFormat, Query(description="json, csv, xlsx, geojson or gpkg")] = "json",
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
        if format == "json":
            # the readings and data gaps follow the reader's language
            return json_answer(report.for_reader(lang), {"Vary": "Accept-Language"})
        exported = compute(exports.export_report, report, get_catalogue(norms, city), format, lang)
        return Answer(
            exported.body,
            exported.media_type,
            {
                "Content-Disposition": f'attachment; filename="{exported.filename}"',
                "X-Run-Id": str(report.run_id),
            },
        )

    key = None
    if scenario is None:
        key = ("compliance", city, format, lang, catalogues_key(norms))
    return await cached_response(request, answers, key, answer, catalogues=norms)
