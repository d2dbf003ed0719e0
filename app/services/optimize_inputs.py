"""What a site optimisation weighs: the norm and the candidate sites.

The norm (:class:`Norm`) is a plan rule evaluated as a compliance run evaluates it
(:func:`geo.norms.evaluate_spatial_rule`: who counts, each one's limit, who is covered now, each
one's cost to the nearest facility), or a threshold of the request. The candidates
(:class:`Candidates`) are given points, existing facilities to upgrade, or network nodes in the
gap zones (:func:`geo.locate.gap_candidates`).
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from app.errors import InvalidInputError
from app.schemas.optimize import (
    MAX_GAP_CANDIDATES,
    CandidatePoint,
    OptimizeRequest,
    parse_candidate_spec,
)
from app.services.inputs import CityInputs
from app.services.region_lookup import locate_point
from geo import messages
from geo.access.coverage import nearest_facility
from geo.access.matrix import nearest_straight
from geo.locate import limit_spacing, scaled_gap_candidates, settlement_node_limits
from geo.network.snap import project_lonlat
from geo.network.speeds import TravelModel
from geo.norms import (
    FacilityInput,
    FacilitySelector,
    FacilityType,
    Rule,
    evaluate_spatial_rule,
    select_facilities,
)
from geo.norms.parameters import (
    EmsResponseParameters,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)
from geo.norms.spatial import ems_model
from geo.norms.terms import DistanceKind


def invalid_field(field_name: str, key: str, **fields: Any) -> InvalidInputError:
    """A bad request naming ``field_name``, worded by the catalogue's message ``key``."""
    return InvalidInputError.worded(key, field=field_name, **fields)


@dataclass
class Norm:
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
    notes_zh: list[str] = field(default_factory=list)


@dataclass
class Candidates:
    """The candidate sites: coordinates (network CRS), names, and the facility an upgrade uses."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    names: list[str]
    # upgrade candidates: the existing facility
    existing: list[FacilityInput | None]
    # "gaps": the square side used where the limit is smallest, and how often it was doubled
    spacing_m: float | None = None
    widened: int = 0


# ---- the norm


def rule_norm(rule: Rule, inputs: CityInputs, city: str) -> Norm:
    params = rule.parameters
    context = inputs.context
    outcome = evaluate_spatial_rule(rule, inputs.regions, context, city_adcode=city)
    notes: list[str] = []
    notes_zh: list[str] = []
    mode: str | None
    model: TravelModel | None = None
    direction = "to_facility"
    if isinstance(params, TravelTimeCoverageParameters):
        mode, direction = params.mode.value, params.direction.value
        model = context.net.default_model(mode)
    elif isinstance(params, RadiusCoverageParameters):
        if params.distance != DistanceKind.STRAIGHT:
            raise invalid_field("rule_id", "optimize.error.road_distance", rule=rule.id)
        mode = None
    else:
        assert isinstance(params, EmsResponseParameters)
        if params.minutes is None:
            raise invalid_field("rule_id", "optimize.error.road_limit_only", rule=rule.id)
        mode, model = ems_model(params)
        direction = params.direction.value
        if params.radius_km is not None:
            fields = {"rule": rule.id, "km": params.radius_km, "minutes": params.minutes}
            notes.append(messages.text("optimize.note.road_limit", "en", **fields))
            notes_zh.append(messages.text("optimize.note.road_limit", "zh", **fields))
    assert params is not None
    return Norm(
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
        notes_zh=notes_zh,
    )


def threshold_norm(request: OptimizeRequest, inputs: CityInputs) -> Norm:
    context = inputs.context
    assert request.facility_type is not None
    selectors = (FacilitySelector(facility_types=(FacilityType(request.facility_type),)),)
    chosen = select_facilities(context.sites, selectors)
    n = context.points.n_points
    counted = np.ones(n, dtype=np.bool_)
    if request.minutes is not None:
        mode = request.mode or "drive"
        # an ambulance drives from its station; patients travel to a facility
        direction = "from_facility" if mode == "ems" else "to_facility"
        model = context.net.default_model(mode)
        measure = context.travel_time_at_points(chosen, mode=mode, direction=direction)
        limit = request.minutes * 60.0
        description = f"{request.minutes:g} minutes ({mode}) of a {request.facility_type}"
        return Norm(
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
    measure = context.straight_distance_at_points(chosen)
    limit = request.radius_km * 1000.0
    return Norm(
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


# default square side of "gaps" where the limit is smallest: a fifth of a radius (a resident
# at the radius's edge still finds a candidate within it), 1 km for a travel time
_RADIUS_SPACING_SHARE = 0.2
_TRAVEL_SPACING_M = 1000.0


def _gap_candidates(
    inputs: CityInputs, norm: Norm, demand: NDArray[np.int64], spacing_m: float | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], float | None, int]:
    """Network nodes in the gap zones, thinned; with the side used and how often it doubled.

    A node is in a gap when it lies beyond the norm's limit from every existing facility: the
    urban limit at an urban node and the rural one elsewhere (:func:`geo.locate.gap_candidates`).
    The nodes where uncovered residents live are candidates too, since a node's urban flag need
    not match its residents' (urban cells held to 5 km beside a rural node held to 20). Squares
    widen with the limit (a rural node held to 20 km gets squares four times as wide as an urban
    one held to 5 km) and double until at most ``MAX_GAP_CANDIDATES`` remain.
    """
    context = inputs.context
    net = context.net
    thresholds = norm.threshold[demand]
    if thresholds.size == 0 or not (thresholds > 0).any():
        return np.zeros(0), np.zeros(0), None, 0
    chosen = select_facilities(context.sites, norm.selectors)
    if norm.mode is not None:
        node_measure = nearest_facility(
            net,
            context.site_nodes(chosen, norm.mode),
            mode=norm.mode,
            direction=norm.direction,
            model=norm.model,
            limit_s=float(thresholds.max()),
        ).travel_time_s
        base = _TRAVEL_SPACING_M if spacing_m is None else spacing_m
    else:
        node_measure = nearest_straight(
            net.x, net.y, context.sites.x[chosen], context.sites.y[chosen]
        )[0]
        positive = thresholds[thresholds > 0]
        base = float(positive.min()) * _RADIUS_SPACING_SHARE if spacing_m is None else spacing_m
    mode = norm.mode or "drive"
    node_limits = settlement_node_limits(net, thresholds, context.points.urban[demand])
    found = scaled_gap_candidates(
        net,
        node_measure,
        node_limits,
        mode=mode,
        spacing_m=limit_spacing(np.maximum(node_limits, 1e-9), base),
        demand_nodes=context.snapped_points(mode).node[demand[~norm.covered[demand]]],
        max_candidates=MAX_GAP_CANDIDATES,
    )
    picked = found.nodes
    return net.x[picked], net.y[picked], found.spacing_m, found.widened


def candidates_for(
    session: Session,
    request: OptimizeRequest,
    *,
    inputs: CityInputs,
    norm: Norm,
    demand: NDArray[np.int64],
    city: str,
) -> Candidates:
    spec = request.candidates
    if not isinstance(spec, str):
        return _listed_candidates(session, spec, inputs, crs=request.crs, city=city)
    kind, types = parse_candidate_spec(spec)
    if kind == "gaps":
        x, y, spacing, widened = _gap_candidates(inputs, norm, demand, request.spacing_m)
        # a new site's name as the register stores it: Chinese, the planners' language
        names = [messages.text("optimize.new_site", "zh", n=i + 1) for i in range(x.shape[0])]
        return Candidates(x, y, names, [None] * len(names), spacing, widened)
    # existing facilities of the given types that do not count for the norm yet
    counting = set(select_facilities(inputs.context.sites, norm.selectors).tolist())
    picked = [
        i
        for i, f in enumerate(inputs.facilities)
        if f.type.value in types and i not in counting and isinstance(f.id, int)
    ]
    facilities = [inputs.facilities[i] for i in picked]
    return Candidates(
        inputs.context.sites.x[picked],
        inputs.context.sites.y[picked],
        [f.name for f in facilities],
        list(facilities),
    )


def _listed_candidates(
    session: Session, listed: list[CandidatePoint], inputs: CityInputs, *, crs: str, city: str
) -> Candidates:
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
                raise invalid_field(
                    where,
                    "optimize.error.not_city_facility",
                    where=where,
                    id=candidate.facility_id,
                    city=city,
                )
            facility = inputs.facilities[j]
            xs.append(float(context.sites.x[j]))
            ys.append(float(context.sites.y[j]))
            names.append(candidate.name or facility.name)
            existing.append(facility)
            continue
        located = locate_point(session, candidate.lon, candidate.lat, crs=crs, field=where)
        if city not in (located.region_adcode, located.city_adcode):
            raise invalid_field(
                where,
                "optimize.error.outside_city",
                where=where,
                lon=candidate.lon,
                lat=candidate.lat,
                city=city,
            )
        x, y = project_lonlat([located.lon], [located.lat], context.net.crs)
        xs.append(float(x[0]))
        ys.append(float(y[0]))
        names.append(candidate.name or f"candidate {i + 1}")
        existing.append(None)
    return Candidates(np.asarray(xs), np.asarray(ys), names, existing)
