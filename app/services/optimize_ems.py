"""EMS stations and fleet planned together (``model: "ems"``): where new stations go and how the
ambulances the plan requires are shared among old and new stations.

The station norm is the request's rule (a radius or a response time, urban and rural limits from
the rule); the fleet the plan requires comes from the city plan's ``fleet_ratio`` rule (one
ambulance per 30,000 residents, 300 % in 县 and 县级市 for the Hunan plans): per county-level
unit ``ceil(base / per_population)``, summed. :func:`geo.locate.plan_ems` (MEXCLP, Daskin 1983)
places them: existing stations keep their ambulances (an empty one gets one first), a new
station opens with its first ambulance, and each next ambulance goes where it adds most expected
coverage given that ambulances are busy a share ``q`` of the time.

``q`` comes from a call rate and a service time (:func:`geo.locate.busy_fraction`). Defaults are
modelling assumptions, stated in every answer: 30 calls per 1,000 residents a year (the order of
Chinese cities' 120 dispatch volumes; no Hunan figure in the plans) and 60 minutes per call
(dispatch, travel, on scene, transport, handover).
"""

import math
import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer

from app.schemas.facility import FacilityCreate
from app.schemas.optimize import (
    ChosenSite,
    EmsCounty,
    EmsStation,
    EmsSummary,
    OptimizeRequest,
    OptimizeResult,
)
from app.schemas.scenario import MAX_CHANGES, AddChange, ChangeIn, UpdateChange
from app.services.inputs import CityInputs
from app.services.optimize_answer import both_texts, ems_gap_words, site_places
from app.services.optimize_inputs import Candidates, Norm, invalid_field
from geo.access.matrix import CostMatrix
from geo.locate import EmsPlan, busy_fraction, plan_ems
from geo.locate.matrices import columns, reach_matrix
from geo.norms import Rule, select_facilities
from geo.norms.parameters import FleetRatioParameters

# modelling assumptions (see the module docstring), overridable per request
DEFAULT_CALLS_PER_1000_PER_YEAR = 30.0
DEFAULT_MINUTES_PER_CALL = 60.0


def fleet_rule(rules: list[Rule]) -> Rule:
    """The plan's ambulance fleet rule (``fleet_ratio`` with ``fleet_size``)."""
    for rule in rules:
        params = rule.parameters
        if isinstance(params, FleetRatioParameters) and params.measure == "fleet_size":
            return rule
    raise invalid_field("model", "optimize.error.no_fleet_rule")


def required_fleet(inputs: CityInputs, rule: Rule) -> dict[str, int]:
    """Per county-level unit: ambulances the fleet rule requires (``ceil(base / per_pop)``)."""
    params = rule.parameters
    assert isinstance(params, FleetRatioParameters)
    assert params.per_population is not None
    assert params.base_multiplier_county is not None
    levels = {level.value for level in params.county_levels}
    out: dict[str, int] = {}
    for region in inputs.regions:
        if region.level.value not in {"district", "county", "county_city"}:
            continue
        factor = (
            params.base_multiplier_county
            if region.level.value in levels
            else params.base_multiplier_other
        )
        out[region.adcode] = math.ceil((region.population or 0) * factor / params.per_population)
    return out


def plan_stations_and_fleet(
    request: OptimizeRequest,
    inputs: CityInputs,
    norm: Norm,
    demand: NDArray[np.int64],
    candidates: Candidates,
    *,
    rules: list[Rule],
    cost_of: Callable[[Candidates], CostMatrix],
) -> tuple[EmsPlan, list[ChosenSite], EmsSummary]:
    """Stations and fleet for the norm: the plan, the new stations ranked, and the summary."""
    context = inputs.context
    existing = select_facilities(context.sites, norm.selectors)
    facilities = list(context.sites.facilities)
    sites = Candidates(
        np.concatenate([context.sites.x[existing], candidates.x]),
        np.concatenate([context.sites.y[existing], candidates.y]),
        [facilities[i].name for i in existing] + candidates.names,
        [facilities[i] for i in existing] + [None] * len(candidates.names),
    )
    have = np.asarray(
        [facilities[i].ambulances or 0 for i in existing] + [-1] * len(candidates.names),
        dtype=np.int64,
    )
    cost = cost_of(sites)
    weights = context.points.population[demand].astype(np.float64)
    required = required_fleet(inputs, fleet_rule(rules))
    total = sum(required.values())
    fleet_total = max(total, int(np.maximum(have, 0).sum()))
    q = busy_fraction(
        float(weights.sum()),
        max(fleet_total, 1),
        calls_per_1000_per_year=request.calls_per_1000_per_year or DEFAULT_CALLS_PER_1000_PER_YEAR,
        minutes_per_call=request.minutes_per_call or DEFAULT_MINUTES_PER_CALL,
    )
    max_new = request.k if request.k is not None else max(fleet_total - len(existing), 0)
    # each county-level unit ends with what the norm requires of it; sites elsewhere (zones)
    # keep what they have
    units = sorted(required)
    unit_index = {u: g for g, u in enumerate(units)}
    site_unit = context.points.region_adcode[_nearest_cells(inputs, sites)]
    group = np.asarray([unit_index.get(str(u), len(units)) for u in site_unit], dtype=np.int64)
    group_fleet = np.asarray([required[u] for u in units] + [0], dtype=np.int64)
    plan = plan_ems(
        cost,
        weights,
        service_radius=norm.threshold[demand],
        existing=have,
        fleet_total=fleet_total,
        max_new=max_new,
        busy=q,
        time_limit_s=request.time_limit_s,
        group=group,
        group_fleet=group_fleet,
    )
    chosen = _new_stations(
        plan,
        sites,
        n_existing=len(existing),
        inputs=inputs,
        cost=cost,
        weights=weights,
        norm=norm,
        demand=demand,
    )
    summary = _summary(
        plan,
        inputs,
        sites=sites,
        have=have,
        existing=existing,
        demand=demand,
        cost=cost,
        norm=norm,
        required=required,
        q=q,
        request=request,
    )
    return plan, chosen, summary


def _new_stations(
    plan: EmsPlan,
    sites: Candidates,
    *,
    n_existing: int,
    inputs: CityInputs,
    cost: CostMatrix,
    weights: NDArray[np.float64],
    norm: Norm,
    demand: NDArray[np.int64],
) -> list[ChosenSite]:
    """The new stations in the order they were opened, with what each first brought."""
    order: list[int] = []
    for j in plan.order.tolist():
        if j >= n_existing and j not in order:
            order.append(j)
    reach = reach_matrix(cost, norm.threshold[demand])
    covered = np.asarray(reach @ plan.fleet.astype(np.float64)).reshape(-1) > 0
    served = np.asarray(reach.T @ (weights * covered), dtype=np.float64).reshape(-1)
    # marginal: residents a station newly brings within reach given those opened before it
    before_fleet = np.where(np.arange(plan.fleet.shape[0]) < n_existing, plan.fleet, 0)
    reached = np.asarray(reach @ before_fleet.astype(np.float64)).reshape(-1) > 0
    places = site_places(inputs, sites.x[order], sites.y[order])
    to_wgs84 = Transformer.from_crs(inputs.context.net.crs, "EPSG:4326", always_xy=True)
    out = []
    reaches = columns(reach, order)
    for rank, (j, place, col) in enumerate(zip(order, places, reaches, strict=True), start=1):
        gain = float(weights[col & ~reached].sum())
        reached |= col
        lon, lat = to_wgs84.transform(sites.x[j], sites.y[j])
        out.append(
            ChosenSite(
                rank=rank,
                lon=round(float(lon), 7),
                lat=round(float(lat), 7),
                type="ems_station",
                name=sites.names[j],
                facility_id=None,
                residents=float(served[j]),
                marginal=gain,
                ambulances=int(plan.fleet[j]),
                county_adcode=place.county_adcode,
                county_name=place.county_name,
                road=place.road,
                road_m=place.road_m,
            )
        )
    return out


def _summary(
    plan: EmsPlan,
    inputs: CityInputs,
    *,
    sites: Candidates,
    have: NDArray[np.int64],
    existing: NDArray[np.int64],
    demand: NDArray[np.int64],
    cost: CostMatrix,
    norm: Norm,
    required: dict[str, int],
    q: float,
    request: OptimizeRequest,
) -> EmsSummary:
    """Per county-level unit: stations, fleet, coverage and expected coverage before and after."""
    context = inputs.context
    reach = reach_matrix(cost, norm.threshold[demand])
    before = np.maximum(have, 0)
    n_before = np.asarray(reach @ before.astype(np.float64)).reshape(-1)
    n_after = np.asarray(reach @ plan.fleet.astype(np.float64)).reshape(-1)
    weights = context.points.population[demand].astype(np.float64)
    cell_unit = context.points.region_adcode[demand]
    site_unit = np.asarray(
        [str(u) for u in context.points.region_adcode[_nearest_cells(inputs, sites)]]
    )
    n_existing = existing.shape[0]
    counties = []
    for region in inputs.regions:
        if region.adcode not in required:
            continue
        cells = cell_unit == region.adcode
        mine = site_unit == region.adcode
        w = weights[cells]
        counties.append(
            EmsCounty(
                adcode=region.adcode,
                name=region.name,
                residents=float(w.sum()),
                stations_before=int((mine[:n_existing]).sum()),
                stations_after=int((mine & (plan.fleet > 0)).sum()),
                fleet_required=required[region.adcode],
                fleet_before=int(before[mine].sum()),
                fleet_after=int(plan.fleet[mine].sum()),
                covered_before=float(w[n_before[cells] > 0].sum()),
                covered_after=float(w[n_after[cells] > 0].sum()),
                expected_before=float((w * (1 - q ** n_before[cells])).sum()),
                expected_after=float((w * (1 - q ** n_after[cells])).sum()),
            )
        )
    empty_after = int(((plan.fleet == 0) & (np.arange(plan.fleet.shape[0]) < n_existing)).sum())
    return EmsSummary(
        busy_fraction=q,
        calls_per_1000_per_year=request.calls_per_1000_per_year or DEFAULT_CALLS_PER_1000_PER_YEAR,
        minutes_per_call=request.minutes_per_call or DEFAULT_MINUTES_PER_CALL,
        fleet_required=sum(required.values()),
        fleet_before=int(before.sum()),
        fleet_after=int(plan.fleet.sum()),
        stations_before=n_existing,
        stations_after=int((plan.fleet > 0).sum()),
        new_stations=int(plan.opened.sum()),
        stations_without_ambulance=empty_after,
        covered_before=plan.covered_before,
        covered_after=plan.covered_after,
        expected_before=plan.expected_before,
        expected_after=plan.expected_after,
        counties=counties,
        stations=[
            EmsStation(
                facility_id=f.id if isinstance(f.id, int) else None,
                ref=str(f.id),
                name=f.name,
                ambulances_before=int(before[k]),
                ambulances_after=int(plan.fleet[k]),
            )
            for k, f in enumerate(sites.existing[:n_existing])
            if f is not None
        ],
    )


def _nearest_cells(inputs: CityInputs, sites: Candidates) -> NDArray[np.int64]:
    from geo.access.matrix import nearest_straight

    points = inputs.context.points
    return nearest_straight(sites.x, sites.y, points.x, points.y)[1]


def ems_result(
    request: OptimizeRequest,
    inputs: CityInputs,
    norm: Norm,
    demand: NDArray[np.int64],
    candidates: Candidates,
    *,
    rules: list[Rule],
    cost_of: Callable[[Candidates], CostMatrix],
    rule_id: str | None,
    notes: tuple[list[str], list[str]],
    candidates_s: float,
) -> OptimizeResult:
    """The answer of ``model: "ems"``: the new stations ranked, and the stations-and-fleet plan."""
    started = time.perf_counter()
    plan, chosen, summary = plan_stations_and_fleet(
        request, inputs, norm, demand, candidates, rules=rules, cost_of=cost_of
    )
    total = float(inputs.context.points.population[demand].sum())
    gap = (plan.bound - plan.expected_after) / plan.bound if plan.bound > 0 else 0.0
    gap_zh, gap_en = ems_gap_words(exact=plan.exact, gap=gap)
    summary_zh, summary_en = both_texts(
        "optimize.summary.ems",
        new=summary.new_stations,
        fleet_before=summary.fleet_before,
        fleet_after=summary.fleet_after,
        fleet_required=summary.fleet_required,
        covered_before=summary.covered_before,
        covered_after=summary.covered_after,
        busy=summary.busy_fraction,
        calls=summary.calls_per_1000_per_year,
        minutes=summary.minutes_per_call,
        expected_before=summary.expected_before,
        expected_after=summary.expected_after,
    )
    return OptimizeResult(
        city=request.city,
        model="ems",
        k=request.k,
        rule_id=rule_id,
        norm=norm.description,
        chosen=chosen,
        objective=plan.expected_after,
        population_total=total,
        population_baseline=plan.covered_before,
        population_covered=plan.covered_after,
        gain=plan.expected_after - plan.expected_before,
        uncovered_residents=total - plan.covered_after,
        unreachable_residents=0.0,
        exact=plan.exact,
        bound=plan.bound,
        gap=max(gap, 0.0),
        bound_source=plan.bound_source,
        gap_zh=gap_zh,
        gap_en=gap_en,
        summary_zh=summary_zh,
        summary_en=summary_en,
        solver=plan.solver,
        solve_s=plan.solve_s,
        status="MEXCLP (Daskin 1983)",
        candidates=int(candidates.x.shape[0]),
        candidate_spacing_m=candidates.spacing_m,
        candidates_s=candidates_s,
        demand_cells=int(demand.shape[0]),
        matrix_s=time.perf_counter() - started - plan.solve_s,
        synthetic=inputs.context.synthetic,
        scenario_id=None,
        notes=notes[0],
        notes_zh=notes[1],
        ems=summary,
    )


def scenario_changes(result: OptimizeResult) -> list[ChangeIn]:
    """The plan as scenario changes: each new station added with its ambulances, each register
    station whose fleet changes updated.

    Raises
    ------
    InvalidInputError
        Naming ``save_as_scenario``: a station whose fleet changes is not in the register (a
        proposed one of the overlay), or more changes than a scenario holds.
    """
    assert result.ems is not None
    changes: list[ChangeIn] = [
        AddChange(
            kind="add",
            geometry={"type": "Point", "coordinates": (site.lon, site.lat)},
            properties=FacilityCreate(
                name=site.name[:200],
                type=site.type,
                source="scenario",
                ambulances=site.ambulances,
            ),
        )
        for site in result.chosen
    ]
    for station in result.ems.stations:
        if station.ambulances_after == station.ambulances_before:
            continue
        if station.facility_id is None:
            raise invalid_field(
                "save_as_scenario",
                "optimize.error.station_not_in_register",
                name=station.name,
                n=station.ambulances_after,
            )
        changes.append(
            UpdateChange(
                kind="update",
                facility_id=station.facility_id,
                properties={"ambulances": station.ambulances_after},
            )
        )
    if len(changes) > MAX_CHANGES:
        raise invalid_field(
            "save_as_scenario", "optimize.error.too_many_changes", n=len(changes), most=MAX_CHANGES
        )
    return changes
