"""Covered areas of a city's spatial norm for the map: isochrones merged per rule and unit.

The rule is evaluated on the same inputs as a compliance run
(:func:`app.services.inputs.load_city_inputs`, a scenario's changes applied when one is
named), its areas are drawn by :func:`geo.norms.rule_areas` (merged isochrones, radius disks),
and each area is clipped to the city's county-level units, simplified and returned in WGS84 with
the residents the evaluation counts inside it. Nothing is stored: it is one search per
threshold on inputs already cached.
"""

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.errors import InvalidInputError
from app.schemas.coverage_areas import (
    CoverageAreaCollection,
    CoverageAreaFeature,
    CoverageAreaProperties,
)
from app.services import gaps, scenario_runs
from app.services import inputs as city_inputs
from app.services._tx import transaction
from app.services.auth import Principal
from app.services.norms import NormCatalogues, get_catalogue
from app.services.region_lookup import COUNTY_LEVELS
from app.settings import Settings
from geo.norms import (
    PopulationPoints,
    Rule,
    RuleArea,
    Scope,
    SpatialOutcome,
    evaluate_spatial_rule,
    rule_areas,
    select_facilities,
)
from geo.norms.parameters import (
    EmsResponseParameters,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)

SpatialParameters = TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters

WGS84 = "EPSG:4326"
# raster cell of the map's areas, metres: one cell is under a pixel at a city's zoom (about
# 150 m at zoom 10), and the polygons stay a few hundred kB for a whole prefecture
RESOLUTION_M = 100.0
# simplification tolerance, metres: the raster's own cell, so its staircase goes and nothing
# finer than the raster is lost
SIMPLIFY_M = RESOLUTION_M
# holes smaller than one 500 m population cell (the population surface's resolution, see
# geo.population.surface) are filled: the resident counts cannot tell them apart, and they hold most
# of the vertices
MIN_HOLE_M2 = 500.0 * 500.0
# output coordinates rounded to 1e-6° (about 0.1 m): far below the raster's accuracy
PRECISION_DEG = 1e-6


def coverage_areas(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    norms: NormCatalogues,
    rule_id: str,
    scenario_id: int | None = None,
    principal: Principal | None = None,
) -> CoverageAreaCollection:
    """The areas a spatial rule's facilities reach, per county-level unit and threshold.

    Parameters
    ----------
    session, settings
        Database session and service settings (the network cache).
    city_adcode
        The city a plan governs.
    norms
        The plans' catalogues.
    rule_id
        A spatial rule of the city's plan.
    scenario_id
        Draw the scenario's facilities (its changes applied); None: the register.
    principal
        The caller, who must be allowed to see the scenario.

    Returns
    -------
    CoverageAreaCollection
        WGS84 polygons, the smaller threshold first within each unit; a unit the rule's
        facilities do not reach has no feature.

    Raises
    ------
    NotFoundError
        Unknown city, a city without a plan, or a scenario the caller may not see.
    InvalidInputError
        ``rule`` not a spatial rule of the plan; ``scenario`` of another city.
    ConflictError
        The city is not prepared (``fplan demo --city …``).
    """
    rule = gaps.spatial_rule(get_catalogue(norms, city_adcode), rule_id)
    overlay = None
    if scenario_id is not None:
        _, overlay = scenario_runs.scenario_overlay(
            session, scenario_id, principal=principal, city=city_adcode
        )
    inputs = city_inputs.load_city_inputs(session, settings, city_adcode, overlay=overlay)
    context = inputs.context
    outcome = evaluate_spatial_rule(rule, inputs.regions, context, city_adcode=city_adcode)
    # radius disks are exact and simple already; network areas come off the raster
    areas = [
        (area, area.geometry if area.measure == "straight_distance" else _for_map(area.geometry))
        for area in rule_areas(rule, context, resolution_m=RESOLUTION_M)
    ]
    units = [r for r in inputs.regions if r.level.value in COUNTY_LEVELS]
    with transaction(session):
        outlines = _unit_outlines(session, [u.adcode for u in units], context.net.crs)
        synthetic = context.synthetic or _any_synthetic(session, city_adcode)
    facilities = int(select_facilities(context.sites, _parameters(rule).facilities).shape[0])

    features = []
    for unit in units:
        outline = outlines.get(unit.adcode)
        if outline is None:
            continue
        for area, shown in areas:
            shape = _clip(shown, outline)
            if shape.is_empty:
                continue
            counted, covered = _residents(outcome, context.points, area, unit.adcode)
            properties = CoverageAreaProperties(
                rule_id=rule.id,
                kind=rule.kind.value,
                region_adcode=unit.adcode,
                region_name=unit.name,
                settlement=area.settlement.value if area.settlement else "all",
                threshold=area.threshold,
                threshold_unit=area.threshold_unit,
                measure=area.measure,
                mode=area.mode,
                direction=area.direction,
                facilities=facilities,
                residents_counted=counted,
                residents_covered=covered,
                area_km2=round(float(shape.area) / 1e6, 3),
                scenario_id=scenario_id,
                synthetic=synthetic,
            )
            features.append(_feature(shape, context.net.crs, properties))
    return CoverageAreaCollection(type="FeatureCollection", features=features)


def _parameters(rule: Rule) -> SpatialParameters:
    params = rule.parameters
    if not isinstance(params, SpatialParameters):
        raise InvalidInputError.worded("error.rule.not_spatial", field="rule", rule=rule.id)
    return params


def _unit_outlines(
    session: Session, adcodes: Sequence[str], crs: str
) -> dict[str, shapely.Geometry]:
    """The units' polygons in the network CRS (valid), by adcode."""
    rows = session.execute(
        select(Region.adcode, func.ST_AsBinary(Region.geom)).where(
            Region.adcode.in_(adcodes), Region.geom.is_not(None)
        )
    ).all()
    if not rows:
        return {}
    series = gpd.GeoSeries(shapely.from_wkb([bytes(wkb) for _, wkb in rows]), crs=WGS84)
    projected = shapely.make_valid(np.asarray(series.to_crs(crs).array))
    return {adcode: geom for (adcode, _), geom in zip(rows, projected, strict=True)}


def _any_synthetic(session: Session, city_adcode: str) -> bool:
    """Whether any facility of the city is synthetic (the reports' ``synthetic`` flag)."""
    found = session.scalar(
        select(func.bool_or(Facility.source == "synthetic"))
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(or_(Region.city_adcode == city_adcode, Region.adcode == city_adcode))
    )
    return bool(found)


def _for_map(area: shapely.Geometry) -> shapely.Geometry:
    """The area with its small holes filled, simplified to the raster's cell (valid)."""
    parts = [part for part in shapely.get_parts(area) if not part.is_empty]
    if not parts:
        return shapely.Polygon()
    filled = [
        shapely.Polygon(
            part.exterior,
            [ring for ring in part.interiors if shapely.Polygon(ring).area >= MIN_HOLE_M2],
        )
        for part in parts
    ]
    # part by part and without topology checks: seconds faster on a prefecture's thousands of
    # holes; make_valid mends the rare ring the simplification folds
    simple = shapely.simplify(np.asarray(filled), SIMPLIFY_M, preserve_topology=False)
    return shapely.make_valid(shapely.multipolygons(simple[~shapely.is_empty(simple)]))


def _clip(area: shapely.Geometry, outline: shapely.Geometry) -> shapely.Geometry:
    """The area inside the unit, polygons only."""
    if area.is_empty:
        return area
    clipped = shapely.intersection(area, outline)
    polygons = [
        part
        for part in shapely.get_parts(clipped)
        if isinstance(part, shapely.Polygon | shapely.MultiPolygon) and not part.is_empty
    ]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


def _residents(
    outcome: SpatialOutcome, points: PopulationPoints, area: RuleArea, adcode: str
) -> tuple[int, int]:
    """Residents of the unit the rule holds to the area's threshold, and those it covers."""
    held = outcome.counted & (points.region_adcode == adcode)
    if area.settlement == Scope.URBAN:
        held &= points.urban
    elif area.settlement == Scope.RURAL:
        held &= ~points.urban
    people = points.population
    return int(people[held].sum()), int(people[held & outcome.covered].sum())


def _feature(
    shape: shapely.Geometry, crs: str, properties: CoverageAreaProperties
) -> CoverageAreaFeature:
    wgs84 = gpd.GeoSeries([shape], crs=crs).to_crs(WGS84).iloc[0]
    rounded = shapely.set_precision(wgs84, PRECISION_DEG)
    return CoverageAreaFeature.model_validate(
        {"type": "Feature", "geometry": mapping(rounded), "properties": properties}
    )
