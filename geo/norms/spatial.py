"""Spatial rule evaluators: travel-time, radius and EMS-response coverage of residents.

A :class:`SpatialContext` (a :class:`geo.access.context.AccessContext` of population points and
facilities) holds one run's road network, points and facilities, with their snaps and searches
cached, so every rule and every region of a run reuses them; :func:`select_facilities` picks the
facilities a rule counts. :func:`evaluate_spatial_rule` then turns per-point reach into one
:class:`~geo.norms.results.RuleResult` per region in the rule's scope and keeps the per-point
flags behind them (for gap maps).

How each kind measures reach (per population point, to or from the nearest qualifying facility):

``travel_time_coverage``
    Network travel time in the rule's mode and direction
    (:func:`geo.access.coverage.nearest_facility`) plus the access leg from the point to its node
    (:func:`geo.access.leg.access_leg_s`). Urban
    points are held to ``minutes_urban``, rural points to ``minutes_rural``.
``radius_coverage``
    ``straight``: Euclidean distance in the metric CRS (scipy ``cKDTree``). ``network``: the
    shortest road distance (``length_m`` weights) in the rule's mode plus the snap distance.
    Urban / rural radii as above.
``ems_response``
    An ambulance: the ``ems`` travel model (drive speeds × the emergency factor,
    :mod:`geo.network.speeds`) for a rule in ``drive`` mode. ``from_facility`` (station to
    scene) includes the dispatch delay; ``to_facility`` (transport from the scene to a centre)
    does not, since the ambulance is already at the scene. With both ``radius_km`` and
    ``minutes`` a point is covered only when one facility reaches it within both at once
    (searched station by station).

Off-network points (farther than the snap limit from every node) are never covered by a network
rule; a straight-line radius does not need the network and counts them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.access.context import AccessContext
from geo.errors import NormEvaluationError
from geo.network.speeds import TravelModel, travel_model
from geo.norms._regions import RegionIndex, selects
from geo.norms.catalogue import Rule
from geo.norms.inputs import FacilityInput, RegionInput
from geo.norms.parameters import (
    EmsResponseParameters,
    FacilitySelector,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)
from geo.norms.results import RuleResult, coverage_result, not_evaluable_result, settle
from geo.norms.terms import Direction, DistanceKind, Scope, TravelMode

if TYPE_CHECKING:
    pass


@dataclass(frozen=True, eq=False)
class PopulationPoints:
    """Where residents live: one row per point (a population cell's access point).

    Attributes
    ----------
    x, y
        Coordinates in the network CRS, metres.
    population
        Residents at each point, persons.
    urban
        True for an urban point (urban thresholds apply), False for a rural one.
    region_adcode
        The county-level unit each point lies in.
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    population: NDArray[np.int64]
    urban: NDArray[np.bool_]
    region_adcode: NDArray[np.str_]

    @property
    def n_points(self) -> int:
        """Number of points."""
        return int(self.x.shape[0])

    @cached_property
    def units(self) -> tuple[NDArray[np.str_], NDArray[np.intp]]:
        """The distinct ``region_adcode`` values (ascending) and each point's index into them."""
        codes, inverse = np.unique(self.region_adcode, return_inverse=True)
        return codes, inverse.reshape(-1)


def population_points(
    x: ArrayLike,
    y: ArrayLike,
    population: ArrayLike,
    urban: ArrayLike,
    region_adcode: ArrayLike | Sequence[str],
) -> PopulationPoints:
    """Check and bundle population points.

    Parameters
    ----------
    x, y
        Coordinates in the network CRS, metres.
    population
        Residents at each point (whole persons, >= 0).
    urban
        Urban flag of each point.
    region_adcode
        County-level unit of each point (6-digit adcode).

    Raises
    ------
    NormEvaluationError
        When the arrays differ in length, a coordinate is not finite or a population is
        negative or fractional.
    """
    xs = np.asarray(x, dtype=np.float64).reshape(-1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    people = np.asarray(population, dtype=np.float64).reshape(-1)
    flags = np.asarray(urban, dtype=np.bool_).reshape(-1)
    codes = np.asarray(region_adcode, dtype=np.str_).reshape(-1)
    n = xs.shape[0]
    lengths = {"y": ys, "population": people, "urban": flags, "region_adcode": codes}
    wrong = [name for name, arr in lengths.items() if arr.shape[0] != n]
    if wrong:
        msg = f"population points: {', '.join(wrong)} must have one value per point ({n})"
        raise NormEvaluationError(msg)
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        msg = "population points: x and y must be finite coordinates in metres"
        raise NormEvaluationError(msg)
    if not np.isfinite(people).all() or (people < 0).any() or (people % 1 != 0).any():
        msg = "population points: population must be whole persons >= 0"
        raise NormEvaluationError(msg)
    return PopulationPoints(xs, ys, people.astype(np.int64), flags, codes)


@dataclass(frozen=True, eq=False)
class FacilityPoints:
    """Facilities with their locations.

    Attributes
    ----------
    facilities
        The facilities (types, grades, flags decide which qualify for a rule).
    x, y
        Their coordinates in the network CRS, metres.
    """

    facilities: tuple[FacilityInput, ...]
    x: NDArray[np.float64]
    y: NDArray[np.float64]


def facility_points(
    facilities: Sequence[FacilityInput], x: ArrayLike, y: ArrayLike
) -> FacilityPoints:
    """Check and bundle facilities with their coordinates (network CRS, metres).

    Raises
    ------
    NormEvaluationError
        When the lengths differ, a coordinate is not finite or an id is repeated.
    """
    items = tuple(facilities)
    xs = np.asarray(x, dtype=np.float64).reshape(-1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    if not (xs.shape[0] == ys.shape[0] == len(items)):
        msg = f"facility points: x and y must have one value per facility ({len(items)})"
        raise NormEvaluationError(msg)
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        msg = "facility points: x and y must be finite coordinates in metres"
        raise NormEvaluationError(msg)
    ids = [f.id for f in items]
    if len(set(ids)) != len(ids):
        msg = "facility points: facility ids must be unique"
        raise NormEvaluationError(msg)
    return FacilityPoints(items, xs, ys)


# the norms' access context: population points and facilities (geo.access.context)
SpatialContext = AccessContext[PopulationPoints, FacilityPoints]


def select_facilities(
    facilities: FacilityPoints, selectors: Sequence[FacilitySelector]
) -> NDArray[np.int64]:
    """Indices (into ``facilities``, ascending) of the facilities matching any of ``selectors``."""
    return np.asarray(
        [i for i, f in enumerate(facilities.facilities) if selects(selectors, f)],
        dtype=np.int64,
    )


@dataclass(frozen=True, eq=False)
class SpatialOutcome:
    """A spatial rule evaluated on every region in its scope, with the per-point flags behind it.

    Attributes
    ----------
    rule
        The rule.
    results
        One row per region in scope (the city first), as :func:`coverage_result` builds them.
    counted
        Per population point: True when the rule counts its residents (the settlement types in
        ``applies_to``, all points when it names none).
    covered
        Per point: counted and within the rule's reach of a qualifying facility.
    measure
        Per point: time (seconds) or distance (metres) to the nearest qualifying facility;
        ``inf`` when off-network or unreached. For an EMS rule with a distance and a time it is
        the time.
    measure_unit
        ``"s"`` or ``"m"``.
    threshold
        Per point: the limit the point is held to, in ``measure_unit`` (``nan`` where not
        counted).
    synthetic
        True when computed on a synthetic network.
    """

    rule: Rule
    results: tuple[RuleResult, ...]
    counted: NDArray[np.bool_]
    covered: NDArray[np.bool_]
    measure: NDArray[np.float64]
    measure_unit: str
    threshold: NDArray[np.float64]
    synthetic: bool


def evaluate_spatial_rule(
    rule: Rule,
    regions: Iterable[RegionInput],
    context: SpatialContext,
    *,
    city_adcode: str,
) -> SpatialOutcome:
    """Evaluate a travel-time, radius or EMS-response rule in every region it applies to.

    Parameters
    ----------
    rule
        A spatial catalogue rule (or one with a ``data_gap``, which gives "not evaluable" rows).
    regions
        The plan's city and its county-level units; a point counts in a region when its
        ``region_adcode`` is the region or lies inside it.
    context
        The network, population points and facilities of the run.
    city_adcode
        The unit the plan governs.

    Returns
    -------
    SpatialOutcome
        Per-region results (value: share of counted residents covered; shortfall: residents to
        bring within reach) and the per-point flags.

    Raises
    ------
    NormEvaluationError
        For a rule that is not spatial, or a region given twice.
    """
    index = RegionIndex(regions, city_adcode=city_adcode)
    in_scope = index.in_scope(rule)
    n = context.points.n_points
    params = rule.parameters
    if params is None or rule.data_gap is not None:
        nothing = np.zeros(n, dtype=np.bool_)
        rows = tuple(not_evaluable_result(rule, region) for region in in_scope)
        empty = np.full(n, np.nan)
        return SpatialOutcome(rule, rows, nothing, nothing, empty, "", empty, context.synthetic)
    if not isinstance(
        params, TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters
    ):
        msg = f"rule {rule.id!r} is not spatial (kind {rule.kind.value})"
        raise NormEvaluationError(msg)

    counted, threshold, measure, covered, unit = _reach(rule, params, context)
    rows = tuple(
        settle(
            rule,
            _region_result(
                rule, region, index=index, points=context.points, counted=counted, covered=covered
            ),
            region,
            index,
        )
        for region in in_scope
    )
    return SpatialOutcome(rule, rows, counted, covered, measure, unit, threshold, context.synthetic)


def _settlement_mask(rule: Rule, urban: NDArray[np.bool_]) -> NDArray[np.bool_]:
    settlements = rule.settlements
    if not settlements:
        return np.ones(urban.shape[0], dtype=np.bool_)
    mask = np.zeros(urban.shape[0], dtype=np.bool_)
    if Scope.URBAN in settlements:
        mask |= urban
    if Scope.RURAL in settlements:
        mask |= ~urban
    return mask


def _per_point(
    thresholds: dict[Scope, float], urban: NDArray[np.bool_], scale: float
) -> NDArray[np.float64]:
    """Each point's limit: its settlement's threshold × ``scale``; ``nan`` where none is set."""
    urban_limit = thresholds.get(Scope.URBAN, np.nan) * scale
    rural_limit = thresholds.get(Scope.RURAL, np.nan) * scale
    return np.where(urban, urban_limit, rural_limit)


def _reach(
    rule: Rule,
    params: TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters,
    context: SpatialContext,
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_], str]:
    """Counted points, per-point limit, per-point measure, covered points and the unit."""
    points = context.points
    counted = _settlement_mask(rule, points.urban)
    chosen = select_facilities(context.sites, params.facilities)

    if isinstance(params, TravelTimeCoverageParameters):
        # minutes → seconds
        limit = _per_point(params.settlement_thresholds(), points.urban, 60.0)
        measure = context.travel_time_at_points(
            chosen, mode=params.mode.value, direction=params.direction.value
        )
        unit = "s"
    elif isinstance(params, RadiusCoverageParameters):
        # kilometres → metres
        limit = _per_point(params.settlement_thresholds(), points.urban, 1000.0)
        if params.distance == DistanceKind.STRAIGHT:
            measure = context.straight_distance_at_points(chosen)
        else:
            mode = params.mode.value if params.mode is not None else TravelMode.DRIVE.value
            measure = context.network_distance_at_points(
                chosen, mode=mode, direction=Direction.TO_FACILITY.value
            )
        unit = "m"
    else:
        return _ems_reach(params, context, counted, chosen)

    # a point without a limit (its settlement type is not in the rule) is not counted
    counted = counted & ~np.isnan(limit)
    covered = counted & (measure <= limit)
    return counted, np.where(counted, limit, np.nan), measure, covered, unit


def ems_model(params: EmsResponseParameters) -> tuple[str, TravelModel]:
    """The mode and travel model of an EMS rule: an ambulance for ``drive``.

    The dispatch delay counts toward a response from the station, not toward transport from
    the scene to a centre.
    """
    if params.mode == TravelMode.WALK:
        return "walk", travel_model("walk")
    if params.direction == Direction.FROM_FACILITY:
        return "ems", travel_model("ems")
    return "ems", travel_model("ems", dispatch_delay_min=0.0)


def _ems_reach(
    params: EmsResponseParameters,
    context: SpatialContext,
    counted: NDArray[np.bool_],
    chosen: NDArray[np.int64],
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_], str]:
    mode, model = ems_model(params)
    direction = params.direction.value
    n = context.points.n_points
    limit_s = None if params.minutes is None else params.minutes * 60.0
    limit_m = None if params.radius_km is None else params.radius_km * 1000.0
    if limit_s is not None:
        measure = context.travel_time_at_points(chosen, mode=mode, direction=direction, model=model)
        limit = np.full(n, limit_s)
        unit = "s"
    else:
        measure = context.network_distance_at_points(chosen, mode=mode, direction=direction)
        limit = np.full(n, limit_m)
        unit = "m"
    covered = counted & (measure <= limit)
    if limit_s is not None and limit_m is not None:
        both = context.within_both(
            chosen, mode=mode, direction=direction, model=model, limit_s=limit_s, limit_m=limit_m
        )
        covered = counted & both
    return counted, np.where(counted, limit, np.nan), measure, covered, unit


def _region_result(
    rule: Rule,
    region: RegionInput,
    *,
    index: RegionIndex,
    points: PopulationPoints,
    counted: NDArray[np.bool_],
    covered: NDArray[np.bool_],
) -> RuleResult:
    inside = region_mask(region, index, points)
    total = int(points.population[inside & counted].sum())
    reached = int(points.population[inside & covered].sum())
    return coverage_result(rule, region, population_total=total, population_covered=reached)


def region_mask(
    region: RegionInput, index: RegionIndex, points: PopulationPoints
) -> NDArray[np.bool_]:
    """Mask of the points lying in ``region`` (its own adcode or a unit inside it)."""
    codes, unit_of_point = points.units
    inside = index.members(region)
    return np.asarray([str(code) in inside for code in codes], dtype=np.bool_)[unit_of_point]


def facility_catchments(
    context: SpatialContext,
    selectors: Sequence[FacilitySelector],
    *,
    mode: str = "drive",
) -> dict[int | str, int]:
    """Residents served by each qualifying facility: those whose nearest one it is.

    Parameters
    ----------
    context
        The run's network, points and facilities.
    selectors
        Which facilities compete for residents (e.g. community health centres).
    mode
        Travel mode deciding which facility is nearest (travel time to the facility).

    Returns
    -------
    dict
        Residents (persons) by facility id, for every qualifying on-network facility; an
        off-network facility is left out (its catchment is unknown).
    """
    chosen = select_facilities(context.sites, selectors)
    on_net = chosen[context.snapped_sites(mode).node[chosen] >= 0]
    catchments: dict[int | str, int] = {context.sites.facilities[i].id: 0 for i in on_net.tolist()}
    if on_net.size == 0:
        return catchments
    owner = context.nearest_site_at_points(on_net, mode=mode, direction=Direction.TO_FACILITY.value)
    served = owner >= 0
    people = np.bincount(
        owner[served],
        weights=context.points.population[served],
        minlength=len(context.sites.facilities),
    )
    for i in on_net.tolist():
        catchments[context.sites.facilities[i].id] = round(float(people[i]))
    return catchments


@dataclass(frozen=True, slots=True)
class RegionCoverage:
    """Residents of one region within a travel time of the chosen facilities.

    Attributes
    ----------
    region_adcode, region_name
        The region.
    population, covered
        Residents, and those within reach, persons.
    urban_population, urban_covered, rural_population, rural_covered
        The same split by the points' urban flag, persons.
    off_network
        Residents of points farther than the snap limit from the network (never covered).
    """

    region_adcode: str
    region_name: str
    population: int
    covered: int
    urban_population: int
    urban_covered: int
    rural_population: int
    rural_covered: int
    off_network: int

    @property
    def covered_share(self) -> float | None:
        """``covered / population``; None when the region has no residents."""
        return self.covered / self.population if self.population else None


def coverage_by_region(
    context: SpatialContext,
    regions: Sequence[RegionInput],
    *,
    city_adcode: str,
    selectors: Sequence[FacilitySelector],
    mode: str,
    minutes: float,
    direction: str = "to_facility",
) -> list[RegionCoverage]:
    """Residents within ``minutes`` of the nearest selected facility, per region.

    Parameters
    ----------
    context
        The run's network, points and facilities.
    regions
        The regions to report, in the order given (e.g. the city, then its units).
    city_adcode
        The city the regions belong to.
    selectors
        Which facilities count.
    mode
        ``walk``, ``drive`` or ``ems`` (ambulance speeds plus the dispatch delay).
    minutes
        Travel-time threshold, minutes.
    direction
        ``to_facility`` or ``from_facility``.

    Returns
    -------
    list of RegionCoverage
        One entry per region.
    """
    if not (np.isfinite(minutes) and minutes >= 0):
        msg = f"minutes must be a finite number >= 0, got {minutes}"
        raise NormEvaluationError(msg)
    points = context.points
    index = RegionIndex(regions, city_adcode=city_adcode)
    chosen = select_facilities(context.sites, selectors)
    # the one coverage search of geo.access (as ``fplan coverage``)
    covered = context.coverage(
        chosen, points.population, mode=mode, minutes=minutes, direction=direction
    ).covered
    off = context.snapped_points(mode).node < 0
    people = points.population
    out = []
    for region in regions:
        inside = region_mask(region, index, points)
        urban_in, rural_in = inside & points.urban, inside & ~points.urban
        out.append(
            RegionCoverage(
                region_adcode=region.adcode,
                region_name=region.name,
                population=int(people[inside].sum()),
                covered=int(people[inside & covered].sum()),
                urban_population=int(people[urban_in].sum()),
                urban_covered=int(people[urban_in & covered].sum()),
                rural_population=int(people[rural_in].sum()),
                rural_covered=int(people[rural_in & covered].sum()),
                off_network=int(people[inside & off].sum()),
            )
        )
    return out
