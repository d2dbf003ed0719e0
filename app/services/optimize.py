"""Site optimisation: where new facilities bring the most residents within a norm.

The demand is the city's population cells, as a compliance run reads them: a plan rule decides
which residents count and each one's threshold (urban and rural differ), the existing facilities
decide who is covered already. The candidates are given points, existing facilities to upgrade,
or network nodes in the gap zones (:func:`geo.optimize.gap_candidates`). The cost matrix comes
from bounded searches from the candidates in batches (:func:`geo.optimize.travel_time_matrix`,
the rule's mode, direction and travel model, plus each cell's access leg as the rule counts it),
or from straight distances for a radius; :mod:`geo.locate` solves the model (HiGHS, or a lazy
greedy with a proven bound). The chosen sites can be saved as a scenario.
"""

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.spatial import cKDTree
from sqlalchemy.orm import Session

from app.errors import ComputationTimeoutError, InvalidInputError
from app.schemas.facility import FacilityCreate
from app.schemas.optimize import (
    CandidatePoint,
    ChosenSite,
    OptimizeRequest,
    OptimizeResult,
    parse_candidate_spec,
)
from app.schemas.scenario import (
    MAX_CHANGES,
    AddChange,
    ChangeIn,
    ScenarioCreate,
    UpdateChange,
)
from app.services import inputs as city_inputs
from app.services import scenario_runs, scenarios
from app.services.auth import Principal
from app.services.inputs import CityInputs, FacilityOverlay
from app.services.norms import NormCatalogues, get_catalogue
from app.services.region_lookup import locate_point
from app.settings import Settings
from geo.access.coverage import nearest_facility
from geo.locate import (
    LSCP,
    MCLP,
    LocationInfeasibleError,
    LocationResult,
    LocationSolverError,
    PMedian,
    gap_candidates,
    travel_time_matrix,
)
from geo.network.snap import project_lonlat, snap_xy
from geo.network.speeds import FALLBACK_DRIVE_SPEED_KPH, WALK_SPEED_KPH, TravelModel
from geo.norms import (
    FacilityInput,
    FacilitySelector,
    FacilityType,
    Rule,
    evaluate_spatial_rule,
)
from geo.norms.parameters import (
    EmsResponseParameters,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)
from geo.norms.spatial import ems_model
from geo.norms.terms import DistanceKind

# candidates one request may weigh: beyond this the matrix and the solver take minutes; a wider
# gap spacing (spacing_m) or a shortlist keeps it interactive
MAX_CANDIDATES = 3000
# the dense cost matrix (float64) stays within ~200 MB, checked before it is built
MAX_MATRIX_PAIRS = 25_000_000
# demand x candidate cells per cost-matrix block (dense float64: about 100 MB)
_BLOCK_CELLS = 12_500_000
_EMS_TYPES = frozenset({"ems_station", "ems_center"})


def _invalid(field_name: str, msg: str) -> InvalidInputError:
    return InvalidInputError(msg, details=[{"field": field_name, "msg": msg}])


@dataclass
class _Norm:
    """What counts: per point the limit, whether counted, whether covered now, and how measured.

    ``measure`` is each point's cost to the nearest existing facility (seconds or metres);
    ``mode`` is None for a straight-line radius.
    """

    description: str
    selectors: tuple[FacilitySelector, ...]
    counted: NDArray[np.bool_]
    covered: NDArray[np.bool_]
    measure: NDArray[np.float64]
    threshold: NDArray[np.float64]
    mode: str | None
    direction: str
    model: TravelModel | None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Candidates:
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    names: list[str]
    # upgrade candidates: the existing facility
    existing: list[FacilityInput | None]


# ---- checks


def _check_size(n_candidates: int, n_demand: int) -> None:
    """422 naming ``candidates`` for none, too many, or a cost matrix over its memory bound."""
    if n_candidates == 0:
        msg = "no candidates: nobody is beyond the norm, or no point was usable"
        raise _invalid("candidates", msg)
    if n_candidates > MAX_CANDIDATES:
        msg = (
            f"{n_candidates} candidates exceed {MAX_CANDIDATES}; widen spacing_m or give a "
            "shortlist"
        )
        raise _invalid("candidates", msg)
    if n_candidates * n_demand > MAX_MATRIX_PAIRS:
        msg = (
            f"{n_candidates} candidates × {n_demand} resident cells exceed "
            f"{MAX_MATRIX_PAIRS:,} pairs; widen spacing_m or give a shortlist"
        )
        raise _invalid("candidates", msg)


def _check_request(request: OptimizeRequest, *, rule_given: bool) -> None:
    given = [
        name for name in ("rule_id", "minutes", "radius_km") if getattr(request, name) is not None
    ]
    if rule_given:
        given.insert(0, "rule")
    if len(given) != 1:
        msg = "give exactly one of rule_id, minutes or radius_km" + (
            f" (got {', '.join(given)})" if given else ""
        )
        raise InvalidInputError(
            msg, details=[{"field": name, "msg": msg} for name in (given[1:] or ["rule_id"])]
        )
    if request.model in ("mclp", "pmedian") and request.k is None:
        msg = f"k is required for {request.model}: the number of sites to open"
        raise _invalid("k", msg)
    if request.model == "lscp" and request.k is not None:
        msg = "k does not apply to lscp, which finds the fewest sites covering everyone"
        raise _invalid("k", msg)
    if request.mode is not None and request.minutes is None:
        msg = "mode applies with minutes only; a rule sets its own, a radius is straight"
        raise _invalid("mode", msg)
    if not rule_given and request.rule_id is None and request.facility_type is None:
        msg = "facility_type is required with minutes or radius_km: the type of the new sites"
        raise _invalid("facility_type", msg)


def _spatial_rule(catalogue_rules: list[Rule], rule_id: str, city: str) -> Rule:
    rule = next((r for r in catalogue_rules if r.id == rule_id), None)
    params = None if rule is None else rule.parameters
    usable = isinstance(
        params, TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters
    )
    if rule is None or rule.data_gap is not None or not usable:
        spatial = [
            r.id
            for r in catalogue_rules
            if r.data_gap is None
            and isinstance(
                r.parameters,
                TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters,
            )
        ]
        why = "is not a rule of" if rule is None else "is not an evaluable spatial rule of"
        msg = f"rule {rule_id!r} {why} the plan of {city}; spatial rules: {', '.join(spatial)}"
        raise _invalid("rule_id", msg)
    return rule


# ---- the norm


def _rule_norm(rule: Rule, inputs: CityInputs, city: str) -> _Norm:
    params = rule.parameters
    context = inputs.context
    outcome = evaluate_spatial_rule(rule, inputs.regions, context, city_adcode=city)
    notes: list[str] = []
    mode: str | None
    model: TravelModel | None = None
    direction = "to_facility"
    if isinstance(params, TravelTimeCoverageParameters):
        mode, direction = params.mode.value, params.direction.value
        model = context.net.default_model(mode)
    elif isinstance(params, RadiusCoverageParameters):
        if params.distance != DistanceKind.STRAIGHT:
            msg = f"rule {rule.id!r} measures road distance; only straight radii are optimised"
            raise _invalid("rule_id", msg)
        mode = None
    else:
        assert isinstance(params, EmsResponseParameters)
        if params.minutes is None:
            msg = f"rule {rule.id!r} has a road-distance limit only; give minutes instead"
            raise _invalid("rule_id", msg)
        mode, model = ems_model(params)
        direction = params.direction.value
        if params.radius_km is not None:
            notes.append(
                f"the {params.radius_km:g} km road-distance limit of {rule.id} is not modelled: "
                f"sites are chosen on the {params.minutes:g}-minute limit alone"
            )
    assert params is not None
    return _Norm(
        description=f"{rule.id}: {rule.title_en}",
        selectors=tuple(params.facilities),
        counted=outcome.counted,
        covered=outcome.covered,
        measure=outcome.measure,
        threshold=np.where(outcome.counted, outcome.threshold, 0.0),
        mode=mode,
        direction=direction,
        model=model,
        notes=notes,
    )


def _threshold_norm(request: OptimizeRequest, inputs: CityInputs) -> _Norm:
    context = inputs.context
    assert request.facility_type is not None
    selectors = (FacilitySelector(facility_types=(FacilityType(request.facility_type),)),)
    chosen = context.selection(selectors)
    n = context.points.n_points
    counted = np.ones(n, dtype=np.bool_)
    if request.minutes is not None:
        mode = request.mode or "drive"
        # an ambulance drives from its station; patients travel to a facility
        direction = "from_facility" if mode == "ems" else "to_facility"
        model = context.net.default_model(mode)
        measure = context.point_travel_time_s(chosen, mode=mode, direction=direction)
        limit = request.minutes * 60.0
        description = f"{request.minutes:g} minutes ({mode}) of a {request.facility_type}"
        return _Norm(
            description,
            selectors,
            counted,
            measure <= limit,
            measure,
            np.full(n, limit),
            mode,
            direction,
            model,
        )
    assert request.radius_km is not None
    measure = context.point_straight_distance_m(chosen)
    limit = request.radius_km * 1000.0
    return _Norm(
        f"{request.radius_km:g} km (straight) of a {request.facility_type}",
        selectors,
        counted,
        measure <= limit,
        measure,
        np.full(n, limit),
        None,
        "to_facility",
        None,
    )


# ---- candidates


def _thin(
    net_x: NDArray[np.float64],
    net_y: NDArray[np.float64],
    nodes: NDArray[np.int64],
    spacing_m: float,
) -> NDArray[np.int64]:
    """One node per square of side ``spacing_m``: the one nearest its centre (as
    :func:`geo.optimize.gap_candidates` thins), ascending."""
    x, y = net_x[nodes], net_y[nodes]
    cx, cy = np.floor(x / spacing_m), np.floor(y / spacing_m)
    off = np.hypot(x - (cx + 0.5) * spacing_m, y - (cy + 0.5) * spacing_m)
    order = np.lexsort((nodes, off, cy, cx))
    first = np.ones(order.shape[0], dtype=np.bool_)
    first[1:] = (cx[order][1:] != cx[order][:-1]) | (cy[order][1:] != cy[order][:-1])
    return np.sort(nodes[order[first]])


def _gap_candidates(
    inputs: CityInputs, norm: _Norm, demand: NDArray[np.int64], spacing_m: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Network nodes in the gap zones, thinned to one per ``spacing_m`` square.

    A node is in a gap when it lies beyond the norm's limit from every existing facility: the
    urban limit at an urban node, the rural one elsewhere (when the norm sets both); one limit
    for everyone and a travel time: :func:`geo.optimize.gap_candidates`. The nodes where
    uncovered residents live are candidates too (thinned apart), since a node's urban flag
    need not match its residents' (urban cells held to 5 km beside a rural node held to 20).
    """
    context = inputs.context
    net = context.net
    thresholds = norm.threshold[demand]
    urban = context.points.urban[demand]
    if thresholds.size == 0:
        return np.zeros(0), np.zeros(0)
    chosen = context.selection(norm.selectors)
    if norm.mode is not None:
        nodes = context.snapped_facilities(norm.mode).node[chosen]
        nearest = nearest_facility(
            net,
            np.unique(nodes[nodes >= 0]),
            mode=norm.mode,
            direction=norm.direction,
            model=norm.model,
            limit_s=float(thresholds.max()),
        )
        if np.unique(thresholds).size == 1:
            picked = gap_candidates(
                net, nearest, threshold_s=float(thresholds[0]), spacing_m=spacing_m
            )
            return net.x[picked], net.y[picked]
        measure, usable = nearest.travel_time_s, net.mode_nodes(norm.mode)
    else:
        usable = net.mode_nodes("drive")
        measure = np.full(net.n_nodes, np.inf)
        if chosen.size:
            sites = np.column_stack([context.facilities.x[chosen], context.facilities.y[chosen]])
            distance, _ = cKDTree(sites).query(np.column_stack([net.x, net.y]), k=1)
            measure = np.asarray(distance, dtype=np.float64)
    # the settlement type's limit at each node (a type without counted residents: the other's)
    urban_limit = float(thresholds[urban].max()) if urban.any() else float(thresholds.max())
    rural_limit = float(thresholds[~urban].max()) if (~urban).any() else float(thresholds.max())
    limit = np.where(net.urban, urban_limit, rural_limit)
    gap = np.flatnonzero(usable & ~(measure <= limit)).astype(np.int64)
    lived = context.snapped_points(norm.mode or "drive").node[demand[~norm.covered[demand]]]
    lived = np.unique(lived[lived >= 0]).astype(np.int64)
    picked = np.union1d(_thin(net.x, net.y, gap, spacing_m), _thin(net.x, net.y, lived, spacing_m))
    return net.x[picked], net.y[picked]


def _candidates(
    session: Session,
    request: OptimizeRequest,
    *,
    inputs: CityInputs,
    norm: _Norm,
    demand: NDArray[np.int64],
    city: str,
) -> _Candidates:
    spec = request.candidates
    if not isinstance(spec, str):
        return _listed_candidates(session, spec, inputs, crs=request.crs, city=city)
    kind, types = parse_candidate_spec(spec)
    if kind == "gaps":
        x, y = _gap_candidates(inputs, norm, demand, request.spacing_m)
        names = [f"gap site {i + 1}" for i in range(x.shape[0])]
        return _Candidates(x, y, names, [None] * len(names))
    # existing facilities of the given types that do not count for the norm yet
    counting = set(inputs.context.selection(norm.selectors).tolist())
    picked = [
        i
        for i, f in enumerate(inputs.facilities)
        if f.type.value in types and i not in counting and isinstance(f.id, int)
    ]
    facilities = [inputs.facilities[i] for i in picked]
    return _Candidates(
        inputs.context.facilities.x[picked],
        inputs.context.facilities.y[picked],
        [f.name for f in facilities],
        list(facilities),
    )


def _listed_candidates(
    session: Session, listed: list[CandidatePoint], inputs: CityInputs, *, crs: str, city: str
) -> _Candidates:
    """Given points (located, in the city) and given facilities of the city, in order."""
    context = inputs.context
    index = {f.id: i for i, f in enumerate(inputs.facilities)}
    xs, ys, names = [], [], []
    existing: list[FacilityInput | None] = []
    for i, candidate in enumerate(listed):
        where = f"candidates.{i}"
        if candidate.lon is None or candidate.lat is None:
            j = index.get(candidate.facility_id or 0)
            if j is None:
                msg = f"{where}: facility {candidate.facility_id} is not a facility of city {city}"
                raise _invalid(where, msg)
            facility = inputs.facilities[j]
            xs.append(float(context.facilities.x[j]))
            ys.append(float(context.facilities.y[j]))
            names.append(candidate.name or facility.name)
            existing.append(facility)
            continue
        located = locate_point(session, candidate.lon, candidate.lat, crs=crs, field=where)
        if city not in (located.region_adcode, located.city_adcode):
            msg = f"{where}: ({candidate.lon}, {candidate.lat}) lies outside city {city}"
            raise _invalid(where, msg)
        x, y = project_lonlat([located.lon], [located.lat], context.net.crs)
        xs.append(float(x[0]))
        ys.append(float(y[0]))
        names.append(candidate.name or f"candidate {i + 1}")
        existing.append(None)
    return _Candidates(np.asarray(xs), np.asarray(ys), names, existing)


# ---- cost matrix


def _access_leg_s(distance_m: NDArray[np.float64], mode: str) -> NDArray[np.float64]:
    # the leg from a cell to its node, as the norms engine counts it (geo.norms.spatial)
    speed_kph = WALK_SPEED_KPH if mode == "walk" else FALLBACK_DRIVE_SPEED_KPH
    return np.asarray(distance_m / (speed_kph / 3.6), dtype=np.float64)


def _cost_matrix(
    inputs: CityInputs,
    norm: _Norm,
    demand: NDArray[np.int64],
    candidates: _Candidates,
    *,
    limit: float | None,
) -> sp.csr_array:
    """Demand x candidate costs (seconds or metres) up to ``limit``; absent = beyond it."""
    context = inputs.context
    n_d, n_c = demand.shape[0], candidates.x.shape[0]
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    vals: list[NDArray[np.float64]] = []
    if norm.mode is None:
        points = np.column_stack([context.points.x[demand], context.points.y[demand]])
        sites = np.column_stack([candidates.x, candidates.y])
        bound = limit if limit is not None else np.inf
        pairs = cKDTree(sites).sparse_distance_matrix(
            cKDTree(points), max_distance=bound, output_type="coo_matrix"
        )
        # sparse_distance_matrix leaves out zero distances: a candidate on a cell's centre
        on_top = cKDTree(sites).query_ball_point(points, r=0.0)
        extra = [(d, c) for d, cs in enumerate(on_top) for c in cs]
        rows.append(np.asarray(pairs.col, dtype=np.int64))
        cols.append(np.asarray(pairs.row, dtype=np.int64))
        vals.append(np.asarray(pairs.data, dtype=np.float64))
        if extra:
            rows.append(np.asarray([d for d, _ in extra], dtype=np.int64))
            cols.append(np.asarray([c for _, c in extra], dtype=np.int64))
            vals.append(np.zeros(len(extra)))
    else:
        mode = norm.mode
        snap = context.snapped_points(mode)
        demand_nodes = snap.node[demand]
        leg = _access_leg_s(snap.distance_m[demand], mode)
        site_nodes = snap_xy(
            context.net, candidates.x, candidates.y, mode=mode, max_snap_m=context.max_snap_m
        ).node
        usable = np.flatnonzero(site_nodes >= 0)
        batch = max(1, _BLOCK_CELLS // max(n_d, 1))
        for lo in range(0, usable.shape[0], batch):
            cols_here = usable[lo : lo + batch]
            block = travel_time_matrix(
                context.net,
                demand_nodes,
                site_nodes[cols_here],
                mode=mode,
                limit_s=limit,
                direction=norm.direction,
                model=norm.model,
            )
            block = block + leg[:, None]
            if limit is not None:
                block[block > limit] = np.inf
            r, c = np.nonzero(np.isfinite(block))
            rows.append(r.astype(np.int64))
            cols.append(cols_here[c].astype(np.int64))
            vals.append(block[r, c])
    data = np.concatenate(vals) if vals else np.zeros(0)
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.csr_array(sp.coo_array((data, (row, col)), shape=(n_d, n_c)))


# ---- solving and answering


def _solve(
    request: OptimizeRequest,
    cost: sp.csr_array,
    weights: NDArray[np.float64],
    norm: _Norm,
    demand: NDArray[np.int64],
) -> LocationResult:
    covered = norm.covered[demand]
    radius = norm.threshold[demand]
    try:
        if request.model == "lscp":
            return LSCP.from_cost_matrix(
                cost,
                service_radius=radius,
                weights=weights,
                covered_by_existing=covered,
                allow_uncovered=True,
            ).solve(time_limit_s=request.time_limit_s)
        assert request.k is not None
        if request.model == "mclp":
            return MCLP.from_cost_matrix(
                cost,
                weights,
                service_radius=radius,
                p_facilities=request.k,
                covered_by_existing=covered,
            ).solve(time_limit_s=request.time_limit_s)
        return PMedian.from_cost_matrix(
            cost,
            weights,
            p_facilities=request.k,
            existing_cost=norm.measure[demand],
            allow_uncovered=True,
        ).solve(time_limit_s=request.time_limit_s)
    except LocationInfeasibleError as exc:
        raise _invalid("candidates", str(exc)) from exc
    except LocationSolverError as exc:
        msg = f"{exc}; allow more time (time_limit_s) or fewer candidates"
        raise ComputationTimeoutError(msg) from exc


def _register_id(facility: FacilityInput | None) -> int | None:
    return facility.id if facility is not None and isinstance(facility.id, int) else None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _chosen_sites(
    result: LocationResult,
    candidates: _Candidates,
    weights: NDArray[np.float64],
    *,
    facility_type: str,
    crs: str,
) -> list[ChosenSite]:
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    served = np.asarray(result.assignment.T @ weights, dtype=np.float64).reshape(-1)
    sites = []
    for j in result.chosen.tolist():
        lon, lat = to_wgs84.transform(candidates.x[j], candidates.y[j])
        sites.append(
            ChosenSite(
                lon=round(float(lon), 7),
                lat=round(float(lat), 7),
                type=facility_type,
                name=candidates.names[j],
                facility_id=_register_id(candidates.existing[j]),
                residents=float(served[j]),
            )
        )
    return sites


def _hosts_station(facility: FacilityInput, selectors: tuple[FacilitySelector, ...]) -> bool:
    """Whether the facility counts for the norm once it hosts an EMS station."""
    hosting = dataclasses.replace(facility, ems_station_hosted=True)
    return any(
        s.matches(hosting.type, hosting.grade, hosting.ownership, hosting.flags) for s in selectors
    )


def _scenario_changes(
    sites: list[ChosenSite],
    candidates: _Candidates,
    chosen: list[int],
    selectors: tuple[FacilitySelector, ...],
) -> list[ChangeIn]:
    """An added facility per chosen site; an existing one that can host an EMS station does."""
    changes: list[ChangeIn] = []
    for site, j in zip(sites, chosen, strict=True):
        existing = candidates.existing[j]
        if (
            site.facility_id is not None
            and existing is not None
            and site.type in _EMS_TYPES
            and _hosts_station(existing, selectors)
        ):
            changes.append(
                UpdateChange(
                    kind="update",
                    facility_id=site.facility_id,
                    properties={"ems_station_hosted": True},
                )
            )
            continue
        name = site.name if site.facility_id is None else f"{site.name}（{site.type}）"
        changes.append(
            AddChange(
                kind="add",
                geometry={"type": "Point", "coordinates": (site.lon, site.lat)},
                properties=FacilityCreate(name=name[:200], type=site.type, source="scenario"),
            )
        )
    return changes


def _scenario_base(
    session: Session,
    request: OptimizeRequest,
    scenario_id: int,
    *,
    overlay: FacilityOverlay | None,
    principal: Principal | None,
) -> FacilityOverlay:
    """The changes of scenario ``scenario_id`` as the overlay the sites are chosen on."""
    if overlay is not None:
        msg = "give either a scenario or changes of your own, not both"
        raise _invalid("scenario_id", msg)
    if request.save_as_scenario is not None:
        msg = (
            f"sites chosen on scenario {scenario_id} are added to it "
            f"(POST /scenarios/{scenario_id}/changes), not saved as another"
        )
        raise _invalid("save_as_scenario", msg)
    _, base = scenario_runs.scenario_overlay(
        session, scenario_id, principal=principal, city=request.city, field="scenario_id"
    )
    return base


def optimize_sites(
    session: Session,
    settings: Settings,
    request: OptimizeRequest,
    *,
    norms: NormCatalogues,
    author: str | None = None,
    rule: Rule | None = None,
    overlay: FacilityOverlay | None = None,
    principal: Principal | None = None,
) -> OptimizeResult:
    """Choose new sites for a norm in a city (LSCP, MCLP or p-median) and what they gain.

    Parameters
    ----------
    session, settings
        Database session and service settings.
    request
        The model, the norm (a rule or a threshold), ``k``, the candidates and options.
    norms
        The plans' catalogues.
    author
        Who saves the result as a scenario (``request.save_as_scenario``); required then.
    rule
        A rule to use instead of ``request.rule_id`` (e.g. another plan's norm tried on this
        city's data); ``request`` then gives neither a rule, minutes nor a radius.
    overlay
        Changes to the register applied in memory first (e.g. sites chosen in an earlier
        round); the baseline is the register with them.
    principal
        The caller, who must be able to see ``request.scenario_id``; that scenario's changes
        are then the overlay.

    Returns
    -------
    OptimizeResult
        The chosen sites (WGS84), residents covered before and after, the gain, and the
        solver's account (exact or not, bound, time).

    Raises
    ------
    InvalidInputError
        Naming the field: not exactly one of rule / minutes / radius, ``k`` missing (mclp,
        p-median) or given (lscp), an unknown or non-spatial rule, a new-site type the rule does
        not count, candidates outside the city or none at all.
    NotFoundError, ConflictError
        An unknown city, or one not prepared (``fplan demo``).
    """
    _check_request(request, rule_given=rule is not None)
    city = request.city
    if request.scenario_id is not None:
        overlay = _scenario_base(
            session, request, request.scenario_id, overlay=overlay, principal=principal
        )
    if rule is not None:
        rule = _spatial_rule([rule], rule.id, city)
    elif request.rule_id is not None:
        rule = _spatial_rule(list(get_catalogue(norms, city).rules), request.rule_id, city)
    inputs = city_inputs.load_city_inputs(session, settings, city, overlay=overlay)
    norm = _rule_norm(rule, inputs, city) if rule is not None else _threshold_norm(request, inputs)
    facility_type = request.facility_type or norm.selectors[0].facility_types[0].value
    if rule is not None and not any(
        facility_type in {t.value for t in s.facility_types} for s in norm.selectors
    ):
        msg = f"a new {facility_type} does not count for rule {rule.id}"
        raise _invalid("facility_type", msg)

    people = inputs.context.points.population.astype(np.float64)
    demand = np.flatnonzero(norm.counted & (people > 0)).astype(np.int64)
    candidates = _candidates(session, request, inputs=inputs, norm=norm, demand=demand, city=city)
    n_candidates = int(candidates.x.shape[0])
    _check_size(n_candidates, int(demand.size))

    start = time.perf_counter()
    if request.model == "pmedian":
        finite = norm.measure[demand][np.isfinite(norm.measure[demand])]
        # a site farther than every resident's existing facility never serves anyone
        covers_all = finite.size == demand.size and finite.size > 0
        limit = float(finite.max()) if covers_all else None
    else:
        limit = float(norm.threshold[demand].max()) if demand.size else 0.0
    cost = _cost_matrix(inputs, norm, demand, candidates, limit=limit)
    matrix_s = time.perf_counter() - start
    weights = people[demand]
    result = _solve(request, cost, weights, norm, demand)

    net_crs = inputs.context.net.crs
    sites = _chosen_sites(result, candidates, weights, facility_type=facility_type, crs=net_crs)
    scenario_id = None
    if request.save_as_scenario is not None:
        if author is None:
            msg = "save_as_scenario needs an author (an API token)"
            raise _invalid("save_as_scenario", msg)
        if len(sites) > MAX_CHANGES:
            msg = f"{len(sites)} sites exceed the {MAX_CHANGES} changes a scenario may hold"
            raise _invalid("save_as_scenario", msg)
        body = ScenarioCreate(
            city=city,
            name=request.save_as_scenario,
            description=f"{request.model} sites for {norm.description}",
            changes=_scenario_changes(sites, candidates, result.chosen.tolist(), norm.selectors),
        )
        scenario_id = scenarios.create_scenario(session, body, author=author, owner=principal)[0].id
    uncovered = float(weights[result.uncovered].sum()) if result.uncovered.size else 0.0
    return OptimizeResult(
        city=city,
        model=request.model,
        k=request.k,
        rule_id=rule.id if rule is not None else None,
        norm=norm.description,
        chosen=sites,
        objective=result.objective,
        population_total=result.population_total,
        population_baseline=result.population_baseline,
        population_covered=result.population_covered,
        gain=_finite(result.gain),
        uncovered_residents=uncovered,
        exact=result.exact,
        bound=_finite(result.bound),
        solver=result.solver,
        solve_s=result.solve_s,
        status=result.status,
        candidates=n_candidates,
        demand_cells=int(demand.shape[0]),
        matrix_s=matrix_s,
        synthetic=inputs.context.synthetic,
        scenario_id=scenario_id,
        notes=norm.notes,
    )
