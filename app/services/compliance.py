"""Compliance runs: every norm of a city's plan checked on its network, facilities and residents.

A run reads the city's regions, facilities (with locations), population cells and road network from
PostGIS, evaluates every rule of the city's catalogue with ``geo.norms`` (snapping cells and
facilities once, one multi-source search per facility set and mode), and stores the rule × region
results with its inputs and timings. The run is keyed by a fingerprint of what it read; a later
check with the same fingerprint returns the stored run, so results are recomputed only when the
catalogue, the network, the facilities, the population cells or the regions change.

A run may read the facilities through a :class:`FacilityOverlay` (a scenario's changes applied in
memory, never written to the register): the same code evaluates the baseline and a scenario, and
the overlay's key joins the fingerprint, so each scenario state has its own stored run.

Missing prerequisites are named with the command that prepares them: no regions → ``fplan load
hunan``; no network, population cells or facilities → ``fplan demo --city …``.
"""

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import Integer, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import EvaluationResult, EvaluationRun, Facility, PopulationCell, Region
from app.errors import ConflictError, InvalidInputError
from app.schemas.compliance import (
    ComplianceReport,
    ComplianceResult,
    CoverageMode,
    CoverageRegion,
    CoverageReport,
    GapCollection,
    GapFeature,
    GapProperties,
)
from app.schemas.norms import CitationPublic
from app.services import citydata, networks
from app.services._tx import transaction
from app.services.geometry import COUNTY_LEVELS
from app.services.norms import NormCatalogues, catalogue_sha256, get_catalogue
from app.settings import Settings
from geo.network import Network
from geo.network.snap import project_lonlat
from geo.norms import (
    SPATIAL_KINDS,
    Catalogue,
    FacilityInput,
    FacilitySelector,
    FacilityType,
    GapZone,
    Grade,
    Ownership,
    RegionInput,
    RegionLevel,
    Rule,
    RuleResult,
    SpatialContext,
    coverage_by_region,
    evaluate_rule,
    evaluate_spatial_rule,
    facility_points,
    gap_zones,
    population_points,
)
from geo.terms import PLAN_CAPACITY_FIELDS, UNRECORDED_FLAGS, AdminLevel, PrimaryCareStandard

# bump when an evaluator changes its answers, so runs stored by the old code are not reused
ENGINE_VERSION = 1

# (what is being done, steps done, steps in all)
Progress = Callable[[str, int, int], None]

CSV_COLUMNS = (
    "region_adcode",
    "region_name",
    "rule_id",
    "kind",
    "value",
    "target",
    "passed",
    "shortfall",
    "shortfall_unit",
    "unit",
    "shortfall_text",
    "citation_document",
    "citation_lines",
    "citation_quote",
)


def _no_progress(_: str, __: int, ___: int) -> None:
    return None


def _demo_hint(city_adcode: str, what: str) -> ConflictError:
    msg = f"city {city_adcode} has no {what}; run `fplan demo --city {city_adcode}` to prepare it"
    return ConflictError(msg, details=[{"field": "city", "msg": msg}])


def _require_prepared(
    session: Session, city_adcode: str
) -> tuple[Region, networks.NetworkSummary, dict[str, Any], dict[str, Any]]:
    """The city, its network and its cell and facility statistics; raise naming `fplan demo`."""
    city = citydata.get_city(session, city_adcode)
    network = networks.find_network(session, city_adcode)
    if network is None:
        raise _demo_hint(city_adcode, "road network")
    cells = _cell_stats(session, city_adcode)
    if cells["count"] == 0:
        raise _demo_hint(city_adcode, "population cells")
    facilities = _facility_stats(session, city)
    if facilities["count"] == 0:
        raise _demo_hint(city_adcode, "facilities")
    return city, network, cells, facilities


# ---- what a run reads


@dataclass(frozen=True)
class LocatedFacility:
    """A facility as a run reads it, with its WGS84 location (degrees)."""

    facility: FacilityInput
    lon: float
    lat: float


@dataclass(frozen=True)
class FacilityOverlay:
    """Changes applied in memory to the register's facilities before a run (a scenario).

    Attributes
    ----------
    key
        What identifies the changes (JSON-able); it joins the run's fingerprint.
    apply
        Maps the register's facilities (ordered by id) to the facilities the run evaluates.
    scenario_id
        The scenario the changes come from, echoed in the report.
    """

    key: dict[str, Any]
    apply: Callable[[list[LocatedFacility]], list[LocatedFacility]]
    scenario_id: int | None = None


@dataclass(frozen=True)
class _Prepared:
    """A city whose prerequisites exist, and the fingerprint of its inputs."""

    city: Region
    catalogue: Catalogue
    network: networks.NetworkSummary
    fingerprint: str
    inputs: dict[str, Any]
    synthetic: bool
    overlay: FacilityOverlay | None = None


def _member_filter(city: Region) -> Any:
    """Facilities of the city: in its units (or in the unit itself, for a county-level city)."""
    return or_(Region.city_adcode == city.adcode, Region.adcode == city.adcode)


def _facility_stats(session: Session, city: Region) -> dict[str, Any]:
    row = session.execute(
        select(
            func.count(Facility.id),
            func.coalesce(func.sum(Facility.id), 0),
            func.coalesce(func.sum(Facility.version), 0),
            func.max(Facility.updated_at),
            func.coalesce(func.bool_or(Facility.source == "synthetic"), False),
        )
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(_member_filter(city))
    ).one()
    return {
        "count": int(row[0]),
        "id_sum": int(row[1]),
        "version_sum": int(row[2]),
        "updated_max": row[3].isoformat() if row[3] is not None else None,
        "any_synthetic": bool(row[4]),
    }


def _cell_stats(session: Session, city_adcode: str) -> dict[str, Any]:
    row = session.execute(
        select(
            func.count(PopulationCell.id),
            func.coalesce(func.sum(PopulationCell.id), 0),
            func.coalesce(func.sum(PopulationCell.population), 0),
            func.coalesce(func.sum(PopulationCell.population).filter(PopulationCell.urban), 0),
            func.max(PopulationCell.network_id),
        ).where(PopulationCell.city_adcode == city_adcode)
    ).one()
    return {
        "count": int(row[0]),
        "id_sum": int(row[1]),
        "population": int(row[2]),
        "urban_population": int(row[3]),
        "network_id": row[4],
    }


def _region_rows(session: Session, city: Region) -> list[Region]:
    """The city, its county-level units and its zones."""
    if city.level == "prefecture":
        members = (Region.city_adcode == city.adcode) & Region.level.in_((*COUNTY_LEVELS, "zone"))
    else:
        members = (Region.adcode == city.adcode) | (
            (Region.parent_adcode == city.adcode) & (Region.level == "zone")
        )
    rows = list(session.scalars(select(Region).where(members).order_by(Region.adcode)))
    if city.level == "prefecture":
        rows.insert(0, city)
    return rows


def _prepare(
    session: Session,
    city_adcode: str,
    norms: NormCatalogues,
    overlay: FacilityOverlay | None = None,
) -> _Prepared:
    """Check the prerequisites in order and fingerprint the inputs; raise naming the command."""
    with transaction(session):
        citydata.get_city(session, city_adcode)
        catalogue = get_catalogue(norms, city_adcode)
        city, network, cells, facilities = _require_prepared(session, city_adcode)
        regions = [
            (r.adcode, r.level, r.population, r.urban_share, r.parent_adcode)
            for r in _region_rows(session, city)
        ]
    inputs = {
        "engine_version": ENGINE_VERSION,
        "catalogue": {"city": catalogue.city, "sha256": catalogue_sha256(catalogue)},
        "network": {
            "id": network.id,
            "created_at": network.created_at.isoformat(),
            "synthetic": network.synthetic,
            "n_nodes": network.n_nodes,
            "n_edges": network.n_edges,
        },
        "facilities": facilities,
        "population_cells": cells,
        "regions": regions,
    }
    if overlay is not None:
        # a scenario's changes; the baseline's fingerprint stays as it was without them
        inputs["scenario"] = overlay.key
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str)
    return _Prepared(
        city=city,
        catalogue=catalogue,
        network=network,
        fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        inputs=inputs,
        synthetic=network.synthetic or facilities["any_synthetic"],
        overlay=overlay,
    )


@dataclass
class RunInputs:
    """What a run evaluates: regions, facilities and the spatial context (network, residents).

    ``cell_ids`` are the population cells behind the context's points, in the same order.
    """

    regions: list[RegionInput]
    facilities: list[FacilityInput]
    context: SpatialContext
    cell_ids: np.ndarray


def _region_inputs(rows: Sequence[Region], city: Region) -> list[RegionInput]:
    inputs = []
    members = [r.population for r in rows if r.adcode != city.adcode]
    for row in rows:
        population = row.population
        if row.adcode == city.adcode and population is None and members:
            # a prefecture without its own figure: the sum of its units and zones
            known = [p for p in members if p is not None]
            population = sum(known) if len(known) == len(members) else None
        inputs.append(
            RegionInput(
                adcode=row.adcode,
                name=row.name,
                level=RegionLevel(row.level),
                population=population,
                urban_share=row.urban_share,
                parent_adcode=row.parent_adcode,
            )
        )
    return inputs


def register_facilities(session: Session, city: Region) -> list[LocatedFacility]:
    """The city's facilities in the register (ordered by id), with their WGS84 locations."""
    rows = session.execute(
        select(Facility, func.ST_X(Facility.geom), func.ST_Y(Facility.geom))
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(_member_filter(city))
        .order_by(Facility.id)
    ).all()
    return [LocatedFacility(_facility_input(f), float(lon), float(lat)) for f, lon, lat in rows]


def _facility_input(f: Facility) -> FacilityInput:
    standard = f.primary_care_standard
    return FacilityInput(
        id=f.id,
        name=f.name,
        type=FacilityType(f.type),
        region_adcode=f.region_adcode,
        # an unknown grade never satisfies a minimum grade; an unknown owner counts as public
        grade=Grade(f.grade or Grade.NONE.value),
        ownership=Ownership(f.ownership or Ownership.PUBLIC.value),
        beds=f.beds,
        icu_beds=f.icu_beds,
        physicians=f.physicians,
        nurses=f.nurses,
        general_practitioners=f.general_practitioners,
        pharmacists=f.pharmacists,
        ambulances=f.ambulances,
        negative_pressure_ambulances=f.negative_pressure_ambulances,
        psychiatric_ward=f.psychiatric_ward,
        critical_maternal_centre=f.critical_maternal_centre,
        critical_neonatal_centre=f.critical_neonatal_centre,
        ems_station_hosted=f.ems_station_hosted,
        # the plans' further fields: None while unknown
        **{name: getattr(f, name) for name in (*PLAN_CAPACITY_FIELDS, *UNRECORDED_FLAGS)},
        primary_care_standard=None if standard is None else PrimaryCareStandard(standard),
        admin_level=None if f.admin_level is None else AdminLevel(f.admin_level),
    )


def _facility_inputs(
    session: Session, city: Region, crs: str, overlay: FacilityOverlay | None
) -> tuple[list[FacilityInput], np.ndarray, np.ndarray]:
    located = register_facilities(session, city)
    if overlay is not None:
        located = overlay.apply(located)
    x, y = project_lonlat([f.lon for f in located], [f.lat for f in located], crs)
    return [f.facility for f in located], x, y


def _load_inputs(
    session: Session,
    settings: Settings,
    city: Region,
    network_id: int,
    timings: dict[str, Any],
    *,
    overlay: FacilityOverlay | None = None,
) -> RunInputs:
    start = time.perf_counter()
    # one transaction around the lookup and the rebuild, so no implicit one is left open
    with transaction(session):
        net: Network = networks.load_network(session, settings, network_id)
    timings["network_s"] = time.perf_counter() - start

    start = time.perf_counter()
    with transaction(session):
        regions = _region_inputs(_region_rows(session, city), city)
        facilities, fx, fy = _facility_inputs(session, city, net.crs, overlay)
        cells = session.execute(
            select(
                PopulationCell.id,
                PopulationCell.region_adcode,
                PopulationCell.population,
                PopulationCell.urban,
                func.ST_X(PopulationCell.centroid),
                func.ST_Y(PopulationCell.centroid),
            )
            .where(PopulationCell.city_adcode == city.adcode, PopulationCell.population > 0)
            .order_by(PopulationCell.id)
        ).all()
    px, py = project_lonlat([c[4] for c in cells], [c[5] for c in cells], net.crs)
    points = population_points(
        px,
        py,
        np.asarray([c[2] for c in cells], dtype=np.int64),
        np.asarray([c[3] for c in cells], dtype=np.bool_),
        [c[1] for c in cells],
    )
    context = SpatialContext(net, points, facility_points(facilities, fx, fy))
    timings["inputs_s"] = time.perf_counter() - start
    return RunInputs(
        regions, facilities, context, np.asarray([c[0] for c in cells], dtype=np.int64)
    )


def inputs_fingerprint(
    session: Session,
    city_adcode: str,
    *,
    norms: NormCatalogues,
    overlay: FacilityOverlay | None = None,
) -> str:
    """The fingerprint a run of the city (with ``overlay``) would be stored under."""
    return _prepare(session, city_adcode, norms, overlay).fingerprint


def load_run_inputs(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    overlay: FacilityOverlay | None = None,
) -> RunInputs:
    """What a run of the city would evaluate, for analyses beside the stored runs.

    Scenario quick diffs and site optimisation read the same regions, facilities (with
    ``overlay`` applied) and spatial context as :func:`run_compliance`.

    Raises
    ------
    NotFoundError, ConflictError
        As :func:`run_compliance`, for a city not prepared.
    """
    with transaction(session):
        city, network, _, _ = _require_prepared(session, city_adcode)
    return _load_inputs(session, settings, city, network.id, {}, overlay=overlay)


# ---- running and storing


def _evaluate(
    catalogue: Catalogue, inputs: RunInputs, progress: Progress, *, done: int, total: int
) -> tuple[list[RuleResult], list[list[int] | None], dict[str, float]]:
    """Every rule of the catalogue; per row the ids of the cells it finds underserved."""
    rows: list[RuleResult] = []
    gaps: list[list[int] | None] = []
    seconds: dict[str, float] = {}
    city = catalogue.city_adcode
    for step, rule in enumerate(catalogue.rules, start=done):
        progress(f"checking {rule.id}", step, total)
        start = time.perf_counter()
        if rule.kind in SPATIAL_KINDS and rule.data_gap is None:
            outcome = evaluate_spatial_rule(rule, inputs.regions, inputs.context, city_adcode=city)
            underserved = outcome.counted & ~outcome.covered
            rows.extend(outcome.results)
            gaps.extend(_gap_cells(outcome.results, inputs, underserved, city))
        else:
            # catchment rules take their catchments from the same network context
            results = evaluate_rule(
                rule, inputs.regions, inputs.facilities, city_adcode=city, spatial=inputs.context
            )
            rows.extend(results)
            gaps.extend([None] * len(results))
        seconds[rule.id] = round(time.perf_counter() - start, 4)
    return rows, gaps, seconds


def _gap_cells(
    results: Sequence[RuleResult], inputs: RunInputs, underserved: np.ndarray, city: str
) -> list[list[int] | None]:
    # units keep their own cells; the city row keeps them only when no unit has a row (a
    # county-level city such as Jishou, or a rule for the city alone)
    has_units = any(r.region_adcode != city for r in results)
    codes = inputs.context.points.region_adcode
    out: list[list[int] | None] = []
    for result in results:
        if result.region_adcode == city:
            cells = None if has_units else inputs.cell_ids[underserved]
        else:
            cells = inputs.cell_ids[underserved & (codes == result.region_adcode)]
        out.append(None if cells is None else cells.tolist())
    return out


def _store(
    session: Session,
    prepared: _Prepared,
    rows: Sequence[RuleResult],
    gaps: Sequence[list[int] | None],
    timings: dict[str, Any],
) -> EvaluationRun | None:
    """Insert the run and its rows; None when another check stored the same inputs first."""
    run = EvaluationRun(
        city_adcode=prepared.city.adcode,
        fingerprint=prepared.fingerprint,
        catalogue_sha256=prepared.inputs["catalogue"]["sha256"],
        network_id=prepared.network.id,
        synthetic=prepared.synthetic,
        inputs=prepared.inputs,
        timings=timings,
        n_results=len(rows),
    )
    try:
        with transaction(session):
            session.add(run)
            session.flush()
            session.add_all(
                EvaluationResult(
                    run_id=run.id,
                    idx=idx,
                    region_adcode=row.region_adcode,
                    region_name=row.region_name,
                    rule_id=row.rule_id,
                    kind=row.kind.value,
                    value=row.value,
                    target=row.target,
                    passed=row.passed,
                    shortfall=row.shortfall,
                    shortfall_unit=row.shortfall_unit,
                    shortfall_text=row.shortfall_text,
                    unit=row.unit,
                    citations=[c.model_dump(mode="json") for c in row.citations],
                    gap_cell_ids=gap,
                )
                for idx, (row, gap) in enumerate(zip(rows, gaps, strict=True))
            )
            session.flush()
            session.refresh(run)
    except IntegrityError:
        # the transaction (or savepoint) was rolled back: the stored run is the other one
        return None
    return run


def _find_run(session: Session, prepared: _Prepared) -> EvaluationRun | None:
    with transaction(session):
        return session.scalars(
            select(EvaluationRun).where(
                EvaluationRun.city_adcode == prepared.city.adcode,
                EvaluationRun.fingerprint == prepared.fingerprint,
            )
        ).first()


def _report(
    session: Session, run: EvaluationRun, prepared: _Prepared, *, reused: bool
) -> ComplianceReport:
    with transaction(session):
        rows = session.scalars(
            select(EvaluationResult)
            .where(EvaluationResult.run_id == run.id)
            .order_by(EvaluationResult.idx)
        ).all()
        results = [_result_public(row) for row in rows]
    return ComplianceReport(
        city=prepared.city.adcode,
        city_name=prepared.city.name,
        scenario_id=prepared.overlay.scenario_id if prepared.overlay else None,
        run_id=run.id,
        created_at=run.created_at,
        reused=reused,
        synthetic=run.synthetic,
        network_id=run.network_id,
        timings=run.timings,
        results=results,
    )


def _result_public(row: EvaluationResult) -> ComplianceResult:
    citations = [CitationPublic.model_validate(c) for c in row.citations]
    return ComplianceResult(
        region_adcode=row.region_adcode,
        region_name=row.region_name,
        rule_id=row.rule_id,
        kind=row.kind,
        value=row.value,
        target=row.target,
        passed=row.passed,
        shortfall=row.shortfall,
        shortfall_unit=row.shortfall_unit,
        shortfall_text=row.shortfall_text,
        unit=row.unit,
        citation=citations[0],
        citations=citations,
    )


def run_compliance(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    norms: NormCatalogues,
    progress: Progress | None = None,
    overlay: FacilityOverlay | None = None,
) -> ComplianceReport:
    """Check every norm of the city's plan in every region it applies to; reuse a stored run.

    Parameters
    ----------
    session
        A database session; the service opens its own transactions (savepoints inside one).
    settings
        Service settings (the network cache folder).
    city_adcode
        The city a plan governs (a prefecture, or Jishou 433101).
    norms
        The plans' catalogues.
    progress
        Called with (step description, steps done, steps in all) as the run goes.
    overlay
        A scenario's changes, applied in memory to the register's facilities (which are never
        written); None: the baseline.

    Returns
    -------
    ComplianceReport
        The run id, whether it was reused, and every rule × region result with its citation.

    Raises
    ------
    NotFoundError
        Unknown city (run ``fplan load hunan``) or a city without a plan catalogue.
    ConflictError
        No network, population cells or facilities (run ``fplan demo --city …``).
    """
    say = progress or _no_progress
    started = time.perf_counter()
    prepared = _prepare(session, city_adcode, norms, overlay)
    stored = _find_run(session, prepared)
    if stored is not None:
        return _report(session, stored, prepared, reused=True)

    total = len(prepared.catalogue.rules) + 3
    timings: dict[str, Any] = {}
    say("loading the network, facilities and residents", 0, total)
    inputs = _load_inputs(
        session, settings, prepared.city, prepared.network.id, timings, overlay=overlay
    )
    say("snapping residents and facilities to the network", 1, total)
    start = time.perf_counter()
    for mode in ("walk", "drive"):
        inputs.context.snapped_points(mode)
        inputs.context.snapped_facilities(mode)
    timings["snap_s"] = time.perf_counter() - start

    start = time.perf_counter()
    rows, gaps, per_rule = _evaluate(prepared.catalogue, inputs, say, done=2, total=total)
    timings["evaluate_s"] = time.perf_counter() - start
    timings["rules_s"] = per_rule
    say("storing the results", total - 1, total)
    start = time.perf_counter()
    run = _store(session, prepared, rows, gaps, timings)
    reused = run is None
    if run is None:
        run = _find_run(session, prepared)
        if run is None:
            msg = f"the compliance run of city {city_adcode} could not be stored; try again"
            raise ConflictError(msg)
    else:
        # the timings row is completed once the results are in
        with transaction(session):
            run.timings = {
                **timings,
                "persist_s": time.perf_counter() - start,
                "total_s": time.perf_counter() - started,
            }
    say("done", total, total)
    return _report(session, run, prepared, reused=reused)


def report_csv(report: ComplianceReport) -> str:
    """The results as CSV, one row per rule and region, with the primary citation."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.results:
        writer.writerow(
            [
                r.region_adcode,
                r.region_name,
                r.rule_id,
                r.kind,
                "" if r.value is None else repr(r.value),
                "" if r.target is None else repr(r.target),
                "" if r.passed is None else str(r.passed).lower(),
                "" if r.shortfall is None else repr(r.shortfall),
                r.shortfall_unit,
                r.unit,
                r.shortfall_text,
                r.citation.document,
                r.citation.lines,
                r.citation.quote,
            ]
        )
    return buffer.getvalue()


# ---- gap zones


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
        features.extend(_gap_feature(rule, verdict, zone, report) for zone in zones)
    return GapCollection(type="FeatureCollection", features=features)


def spatial_rule(catalogue: Catalogue, rule_id: str) -> Rule:
    """The catalogue's evaluable spatial rule ``rule_id`` (it has gap zones and covered areas);
    :class:`InvalidInputError` naming the field ``rule`` and the plan's spatial rules otherwise."""
    spatial = [r for r in catalogue.rules if r.kind in SPATIAL_KINDS and r.data_gap is None]
    rule = next((r for r in spatial if r.id == rule_id), None)
    if rule is None:
        known = any(r.id == rule_id for r in catalogue.rules)
        why = "is not a spatial rule with gap zones and areas in" if known else "is not a rule of"
        names = ", ".join(r.id for r in spatial)
        msg = f"rule {rule_id!r} {why} the {catalogue.city} plan; spatial rules: {names}"
        raise InvalidInputError(msg, details=[{"field": "rule", "msg": msg}])
    return rule


def _gap_feature(
    rule: Rule, verdict: ComplianceResult, zone: GapZone, report: ComplianceReport
) -> GapFeature:
    properties = GapProperties(
        rule_id=rule.id,
        rule_title_en=rule.title_en,
        kind=rule.kind.value,
        region_adcode=verdict.region_adcode,
        region_name=verdict.region_name,
        residents=zone.population,
        cells=zone.n_cells,
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


def coverage_report(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    facility_types: Sequence[str],
    mode: CoverageMode,
    minutes: float,
) -> CoverageReport:
    """Residents within ``minutes`` of the nearest facility of the given types, per region.

    ``walk`` and ``drive`` measure the trip to the facility; ``ems`` the ambulance's trip from
    it, dispatch delay included. Not stored: it is one search on inputs already cached.

    Raises
    ------
    NotFoundError, ConflictError
        As :func:`run_compliance`, for a city not prepared.
    """
    with transaction(session):
        city, network, _, _ = _require_prepared(session, city_adcode)
    inputs = _load_inputs(session, settings, city, network.id, {})
    types = sorted(set(facility_types))
    selectors = [FacilitySelector(facility_types=tuple(FacilityType(t) for t in types))]
    direction = "from_facility" if mode == "ems" else "to_facility"
    # the city first, then its county-level units (zones have no cells of their own)
    regions = [r for r in inputs.regions if r.level != RegionLevel.ZONE]
    coverage = coverage_by_region(
        inputs.context,
        regions,
        city_adcode=city_adcode,
        selectors=selectors,
        mode=mode,
        minutes=minutes,
        direction=direction,
    )
    chosen = inputs.context.selection(selectors)
    return CoverageReport(
        city=city_adcode,
        facility_types=types,
        mode=mode,
        direction=direction,
        minutes=minutes,
        facilities=int(chosen.shape[0]),
        network_id=network.id,
        synthetic=network.synthetic,
        regions=[
            CoverageRegion(
                region_adcode=c.region_adcode,
                region_name=c.region_name,
                population=c.population,
                covered=c.covered,
                covered_share=c.covered_share,
                urban_population=c.urban_population,
                urban_covered=c.urban_covered,
                rural_population=c.rural_population,
                rural_covered=c.rural_covered,
                off_network=c.off_network,
            )
            for c in coverage
        ],
    )
