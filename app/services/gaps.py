"""Gap zones: where the residents a spatial rule counts are beyond reach, from a stored run."""

import geopandas as gpd
import shapely
from shapely.geometry import mapping
from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.db.models import EvaluationResult, PopulationCell
from app.errors import InvalidInputError
from app.schemas.compliance import (
    ComplianceReport,
    ComplianceResult,
    GapCollection,
    GapFeature,
    GapProperties,
)
from app.services._tx import transaction
from app.services.compliance import run_compliance
from app.services.norms import NormCatalogues, get_catalogue
from app.settings import Settings
from geo.norms import SPATIAL_KINDS, Catalogue, GapZone, Rule, gap_zones


def gap_collection(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    norms: NormCatalogues,
    rule_id: str | None = None,
) -> GapCollection:
    """Underserved zones of the city's spatial rules (or of one), from its current run.

    Each feature is a connected set of population cells of one county-level unit whose residents
    the rule counts and finds beyond reach, with their number and the rule's citation.
    Geometries are WGS84.

    Raises
    ------
    InvalidInputError
        When ``rule_id`` is not a rule of the city's plan, or not a spatial one.
    """
    catalogue = get_catalogue(norms, city_adcode)
    check_gap_rule(catalogue, rule_id)
    report = run_compliance(session, settings, city_adcode, norms=norms)
    return report_gaps(session, report, catalogue, rule_id=rule_id)


def check_gap_rule(catalogue: Catalogue, rule_id: str | None) -> None:
    """Raise :class:`InvalidInputError` (field ``rule``) unless ``rule_id`` is None or a spatial
    rule of ``catalogue`` with gap zones."""
    if rule_id is not None:
        spatial_rule(catalogue, rule_id)


def report_gaps(
    session: Session,
    report: ComplianceReport,
    catalogue: Catalogue,
    *,
    rule_id: str | None = None,
) -> GapCollection:
    """The underserved zones a stored run found (of one rule, or of every spatial rule).

    ``report`` is a run of ``catalogue``'s city: the register's or a scenario's.
    """
    rules = {rule.id: rule for rule in catalogue.rules}
    verdicts = {(r.rule_id, r.region_adcode): r for r in report.results}
    with transaction(session):
        stmt = select(
            EvaluationResult.rule_id, EvaluationResult.region_adcode, EvaluationResult.gap_cell_ids
        ).where(
            EvaluationResult.run_id == report.run_id, EvaluationResult.gap_cell_ids.is_not(None)
        )
        if rule_id is not None:
            stmt = stmt.where(EvaluationResult.rule_id == rule_id)
        rows = [
            (rule_key, region, list(ids or []))
            for rule_key, region, ids in session.execute(stmt.order_by(EvaluationResult.idx))
        ]
        wanted = sorted({cell for _, _, ids in rows for cell in ids})
        cells = session.execute(
            select(
                PopulationCell.id, PopulationCell.population, func.ST_AsBinary(PopulationCell.geom)
            ).where(PopulationCell.id == any_(bindparam("ids", wanted, type_=ARRAY(Integer))))
        ).all()
    by_id = {cell[0]: (int(cell[1]), bytes(cell[2])) for cell in cells}
    features: list[GapFeature] = []
    for rule_key, region_adcode, cell_ids in rows:
        present = [by_id[i] for i in cell_ids if i in by_id]
        if not present:
            continue
        geoms = shapely.from_wkb([wkb for _, wkb in present])
        zones = gap_zones(geoms, [people for people, _ in present], [region_adcode] * len(present))
        rule = rules[rule_key]
        verdict = verdicts[(rule_key, region_adcode)]
        areas_km2 = zone_areas_km2([zone.geometry for zone in zones])
        features.extend(
            _gap_feature(rule, verdict, zone, report, area_km2)
            for zone, area_km2 in zip(zones, areas_km2, strict=True)
        )
    return GapCollection(type="FeatureCollection", features=features)


def spatial_rule(catalogue: Catalogue, rule_id: str) -> Rule:
    """The catalogue's evaluable spatial rule ``rule_id`` (it has gap zones and covered areas);
    :class:`InvalidInputError` naming the field ``rule`` and the plan's spatial rules otherwise."""
    spatial = [r for r in catalogue.rules if r.kind in SPATIAL_KINDS and r.data_gap is None]
    rule = next((r for r in spatial if r.id == rule_id), None)
    if rule is None:
        known = any(r.id == rule_id for r in catalogue.rules)
        raise InvalidInputError.worded(
            "error.rule.no_gaps" if known else "error.rule.unknown",
            field="rule",
            rule=rule_id,
            city=catalogue.city,
            rules=", ".join(r.id for r in spatial),
        )
    return rule


# an equal-area projection for zone areas (Albers conic with China's standard parallels)
_AREA_CRS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m"


def zone_areas_km2(geometries: list[shapely.Geometry]) -> list[float]:
    """Areas (km²) of WGS84 polygons, measured in an equal-area projection."""
    if not geometries:
        return []
    projected = gpd.GeoSeries(geometries, crs="EPSG:4326").to_crs(_AREA_CRS)
    return [float(area) / 1e6 for area in projected.area]


def _gap_feature(
    rule: Rule,
    verdict: ComplianceResult,
    zone: GapZone,
    report: ComplianceReport,
    area_km2: float,
) -> GapFeature:
    properties = GapProperties(
        rule_id=rule.id,
        rule_title_en=rule.title_en,
        kind=rule.kind.value,
        region_adcode=verdict.region_adcode,
        region_name=verdict.region_name,
        residents=zone.population,
        cells=zone.n_cells,
        area_km2=round(area_km2, 3),
        # the map shades zones by density: a big sparse rural zone is not the worst
        residents_per_km2=round(zone.population / area_km2, 1) if area_km2 > 0 else None,
        region_passed=verdict.passed,
        region_shortfall_text=verdict.shortfall_text,
        run_id=report.run_id,
        synthetic=report.synthetic,
        citation=verdict.citation,
    )
    return GapFeature.model_validate(
        {"type": "Feature", "geometry": mapping(zone.geometry), "properties": properties}
    )


# ---- coverage statistics
