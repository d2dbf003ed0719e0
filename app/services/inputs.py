"""What a city's compliance run reads: regions, facilities (with locations), residents, network.

The register's facilities can be read through a :class:`FacilityOverlay` (a scenario's changes
applied in memory, never written): the same inputs serve the baseline and every scenario, and the
overlay's key joins the fingerprint, so each scenario state has its own stored run.

Compliance runs, gap zones, coverage statistics, coverage areas, quick diffs and site optimisation
all read a city through :func:`load_city_inputs`. Missing prerequisites are named with the command
that prepares them: no regions → ``fplan load hunan``; no network, population cells or facilities →
``fplan demo --city …``.
"""

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import Facility, PopulationCell, Region
from app.errors import ConflictError, Worded
from app.services import array_cache, networks, stored_runs
from app.services._tx import transaction
from app.services.divisions import SubUnits, township_counts
from app.services.norms import NormCatalogues, catalogue_sha256, get_catalogue
from app.services.region_lookup import COUNTY_LEVELS, get_city
from app.settings import Settings
from geo.network import Network
from geo.network.snap import project_lonlat
from geo.norms import (
    Catalogue,
    FacilityInput,
    FacilityType,
    Grade,
    Ownership,
    RegionInput,
    RegionLevel,
    SpatialContext,
    facility_points,
    population_points,
)
from geo.terms import PLAN_CAPACITY_FIELDS, UNRECORDED_FLAGS, AdminLevel, PrimaryCareStandard


def _demo_hint(city_adcode: str, what: str) -> ConflictError:
    # what: the part missing, worded by error.part.<what> ("road network" → error.part.road_network)
    part = Worded(f"error.part.{what.replace(' ', '_')}")
    return ConflictError.worded(
        "error.not_prepared.part", field="city", city=city_adcode, what=part
    )


def require_prepared(
    session: Session, city_adcode: str
) -> tuple[Region, networks.NetworkSummary, dict[str, Any], dict[str, Any]]:
    """The city, its network and its cell and facility statistics; raise naming `fplan demo`."""
    city = get_city(session, city_adcode)
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
class PreparedCity:
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


def prepare_city(
    session: Session,
    city_adcode: str,
    norms: NormCatalogues,
    overlay: FacilityOverlay | None = None,
) -> PreparedCity:
    """Check the prerequisites in order and fingerprint the inputs; raise naming the command."""
    with transaction(session):
        get_city(session, city_adcode)
        catalogue = get_catalogue(norms, city_adcode)
        city, network, cells, facilities = require_prepared(session, city_adcode)
        regions = [
            (r.adcode, r.level, r.population, r.urban_share, r.parent_adcode)
            for r in _region_rows(session, city)
        ]
    inputs = {
        # the code that computes and words a verdict: a release that answers otherwise never
        # reuses a run an earlier one stored
        "code": stored_runs.report_key(),
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
    return PreparedCity(
        city=city,
        catalogue=catalogue,
        network=network,
        fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        inputs=inputs,
        synthetic=network.synthetic or facilities["any_synthetic"],
        overlay=overlay,
    )


@dataclass
class CityInputs:
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
    # townships and 街道 per unit (reference table); a prefecture's are its units' sum
    counts = township_counts()
    city_counts = _city_sub_units([r for r in rows if r.adcode != city.adcode], counts)
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
                township_count=_sub_units(row, city, counts, city_counts, "townships"),
                subdistrict_count=_sub_units(row, city, counts, city_counts, "subdistricts"),
            )
        )
    return inputs


def _city_sub_units(units: Sequence[Region], counts: dict[str, SubUnits]) -> SubUnits | None:
    """Sum the units' counts; None when a county-level unit (not a zone) is not in the table."""
    if not units or any(u.adcode not in counts for u in units if u.level != "zone"):
        return None
    found = [counts[u.adcode] for u in units if u.adcode in counts]
    return SubUnits(sum(f.townships for f in found), sum(f.subdistricts for f in found))


def _sub_units(
    row: Region,
    city: Region,
    counts: dict[str, SubUnits],
    city_counts: SubUnits | None,
    which: str,
) -> int | None:
    """A unit's townships or 街道 from the table; the prefecture's is its units' sum."""
    found = city_counts if row.adcode == city.adcode and city.level == "prefecture" else None
    if row.adcode != city.adcode or city.level != "prefecture":
        found = counts.get(row.adcode)
    return None if found is None else int(getattr(found, which))


def register_facilities(session: Session, city: Region) -> list[LocatedFacility]:
    """The city's facilities in the register (ordered by id), with their WGS84 locations."""
    # the columns as plain rows, not ORM objects: no identity map, no geometry parsed per row
    # (a city has thousands of facilities)
    fields = [column for column in Facility.__table__.c if column.name != "geom"]
    result = session.execute(
        select(
            *fields, func.ST_X(Facility.geom).label("lon"), func.ST_Y(Facility.geom).label("lat")
        )
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(_member_filter(city))
        .order_by(Facility.id)
    )
    names = list(result.keys())
    # plain attributes: a Row's are several times slower to read, 40 per facility
    rows = [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in result]
    return [LocatedFacility(_facility_input(f), float(f.lon), float(f.lat)) for f in rows]


def _facility_input(f: Any) -> FacilityInput:
    """A facility of the register (a row of its columns, or the ORM object) as a run reads it."""
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
    session: Session,
    settings: Settings,
    city: Region,
    crs: str,
    overlay: FacilityOverlay | None,
) -> tuple[list[FacilityInput], np.ndarray, np.ndarray]:
    located = register_facilities(session, city)
    if overlay is not None:
        located = overlay.apply(located)
    x, y = array_cache.project_lonlat(
        settings.cache_dir, [f.lon for f in located], [f.lat for f in located], crs
    )
    return [f.facility for f in located], x, y


def _read_cells(session: Session, city: Region, crs: str) -> array_cache.CellArrays:
    """The city's cells with residents, ordered by id, projected to ``crs``."""
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
    px, py = project_lonlat([c[4] for c in cells], [c[5] for c in cells], crs)
    return array_cache.CellArrays(
        cell_id=np.asarray([c[0] for c in cells], dtype=np.int64),
        region_adcode=np.asarray([c[1] for c in cells], dtype=np.str_),
        population=np.asarray([c[2] for c in cells], dtype=np.int64),
        urban=np.asarray([c[3] for c in cells], dtype=np.bool_),
        x=px,
        y=py,
    )


def read_city_inputs(
    session: Session,
    settings: Settings,
    city: Region,
    network_id: int,
    timings: dict[str, Any],
    *,
    overlay: FacilityOverlay | None = None,
) -> CityInputs:
    start = time.perf_counter()
    # one transaction around the lookup and the rebuild, so no implicit one is left open
    with transaction(session):
        net: Network = networks.load_network(session, settings, network_id)
        network_key = networks.cache_path(settings, networks.get_summary(session, network_id)).stem
    timings["network_s"] = time.perf_counter() - start

    start = time.perf_counter()
    with transaction(session):
        regions = _region_inputs(_region_rows(session, city), city)
        facilities, fx, fy = _facility_inputs(session, settings, city, net.crs, overlay)
        # the cells from the disk cache while none of them changed, else from PostGIS
        stamp = array_cache.cells_stamp(session, city.adcode)
        cells = None
        if stamp is not None:
            cells = array_cache.read_cells(settings.cache_dir, city.adcode, stamp, net.crs)
        if cells is None:
            cells = _read_cells(session, city, net.crs)
            if stamp is not None:
                array_cache.write_cells(settings.cache_dir, city.adcode, stamp, net.crs, cells)
    points = population_points(cells.x, cells.y, cells.population, cells.urban, cells.region_adcode)
    context = SpatialContext(
        net,
        points,
        facility_points(facilities, fx, fy),
        snapper=array_cache.CachedSnapper(settings.cache_dir, network_key),
    )
    timings["inputs_s"] = time.perf_counter() - start
    return CityInputs(regions, facilities, context, cells.cell_id)


def inputs_fingerprint(
    session: Session,
    city_adcode: str,
    *,
    norms: NormCatalogues,
    overlay: FacilityOverlay | None = None,
) -> str:
    """The fingerprint a run of the city (with ``overlay``) would be stored under."""
    return prepare_city(session, city_adcode, norms, overlay).fingerprint


def load_city_inputs(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    overlay: FacilityOverlay | None = None,
) -> CityInputs:
    """What a run of the city would evaluate, for analyses beside the stored runs.

    Scenario quick diffs and site optimisation read the same regions, facilities (with
    ``overlay`` applied) and spatial context as :func:`run_compliance`.

    Raises
    ------
    NotFoundError, ConflictError
        As :func:`run_compliance`, for a city not prepared.
    """
    with transaction(session):
        city, network, _, _ = require_prepared(session, city_adcode)
    return read_city_inputs(session, settings, city, network.id, {}, overlay=overlay)


# ---- running and storing


# ---- a scenario's changes, applied in memory


def _enum_fields(props: dict[str, Any]) -> dict[str, Any]:
    """Facility properties as :class:`FacilityInput` takes them (enums; unknown grade = none)."""
    out = dict(props)
    if "type" in out:
        out["type"] = FacilityType(out["type"])
    if "grade" in out:
        out["grade"] = Grade(out["grade"] or Grade.NONE.value)
    if "ownership" in out:
        out["ownership"] = Ownership(out["ownership"] or Ownership.PUBLIC.value)
    return out


_INPUT_FIELDS = frozenset(f.name for f in dataclasses.fields(FacilityInput) if f.init)


def added_facility_id(seq: int) -> str:
    """The id an added facility carries in a scenario's evaluation (the register's are ints)."""
    return f"add-{seq}"


def added_facility(item: dict[str, Any]) -> LocatedFacility:
    """The facility an ``add`` change item proposes, with its WGS84 location."""
    props = _enum_fields({k: v for k, v in item["properties"].items() if k in _INPUT_FIELDS})
    facility = FacilityInput(
        id=added_facility_id(item["seq"]), region_adcode=item["region_adcode"], **props
    )
    return LocatedFacility(facility, item["lon"], item["lat"])


def _apply_changes(
    items: Sequence[dict[str, Any]], located: list[LocatedFacility]
) -> list[LocatedFacility]:
    """The register's facilities with the changes applied in order; added ones come last."""
    out: list[LocatedFacility | None] = list(located)
    where = {f.facility.id: i for i, f in enumerate(located)}
    for item in items:
        if item["kind"] == "add":
            where[added_facility_id(item["seq"])] = len(out)
            out.append(added_facility(item))
            continue
        i = where.get(item["facility_id"])
        current = None if i is None else out[i]
        if i is None or current is None:
            # the facility left the city in the register since the change was made
            continue
        if item["kind"] == "close":
            out[i] = None
        elif item["kind"] == "move":
            facility = dataclasses.replace(current.facility, region_adcode=item["region_adcode"])
            out[i] = LocatedFacility(facility, item["lon"], item["lat"])
        else:
            changed = _enum_fields(item["properties"])
            out[i] = dataclasses.replace(
                current, facility=dataclasses.replace(current.facility, **changed)
            )
    return [f for f in out if f is not None]


def changes_overlay(items: list[dict[str, Any]], scenario_id: int | None) -> FacilityOverlay:
    """A scenario's change items (in order) as an overlay on the register's facilities."""
    return FacilityOverlay(
        key={"changes": items},
        apply=lambda located: _apply_changes(items, located),
        scenario_id=scenario_id,
    )
