"""Covered areas of a spatial rule: where its qualifying facilities reach, as polygons.

The map's companion of :func:`geo.norms.evaluate_spatial_rule`: the same facilities (the rule's
selectors), mode, direction, travel model and thresholds, drawn as areas instead of counted at
population points. One area per threshold the rule holds residents to (urban and rural apart
when they differ), each the union over the qualifying facilities.

How each kind is drawn (network CRS, metres):

``travel_time_coverage``
    The merged isochrone (:func:`geo.isochrones.merged_isochrone`): streets reached within the
    threshold, buffered by ``buffer_m``.
``radius_coverage``
    ``straight``: disks of the radius around the facilities (exact). ``network``: the streets
    within the radius along the road network (road lengths as weights), buffered.
``ems_response``
    The ambulance's isochrone (dispatch delay included from a station); with a distance as well,
    each station's isochrone is cut to the streets within the distance of that station and the
    pieces are merged (one station must reach a place within both, as in the evaluation).

The buffer stands in for the access leg from a home to its street, so an area is an
approximation of where residents are covered; the resident counts come from the evaluation.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from geo.access.coverage import nearest_facility
from geo.access.isochrones import BUFFER_M, RESOLUTION_M, merged_isochrone, reached_area
from geo.access.matrix import length_matrix
from geo.errors import NormEvaluationError
from geo.network.speeds import TravelModel
from geo.norms.catalogue import Rule
from geo.norms.parameters import (
    EmsResponseParameters,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)
from geo.norms.spatial import SpatialContext, ems_model, select_facilities
from geo.norms.terms import Direction, DistanceKind, Scope, TravelMode

# sources per station-by-station search (distance and time together), as geo.access.context
_CHUNK = 48

# segments per quarter circle of a straight-line radius: a 2.5 km disk is then within 6 m of a
# true circle (r · (1 − cos(π / 64)))
_QUAD_SEGS = 16


@dataclass(frozen=True)
class RuleArea:
    """The area a spatial rule's facilities reach within one of its thresholds.

    Attributes
    ----------
    settlement
        The residents the threshold holds for: ``Scope.URBAN``, ``Scope.RURAL``, or None when
        one threshold holds for every resident the rule counts.
    threshold
        The threshold, in ``threshold_unit``.
    threshold_unit
        ``"minutes"`` or ``"km"``.
    measure
        ``"travel_time"``, ``"network_distance"`` or ``"straight_distance"``.
    mode, direction
        The network searched and the direction of travel; None for a straight-line radius.
    geometry
        Polygon or multipolygon in the network CRS (empty when no qualifying facility is on
        the network).
    """

    settlement: Scope | None
    threshold: float
    threshold_unit: Literal["minutes", "km"]
    measure: Literal["travel_time", "network_distance", "straight_distance"]
    mode: str | None
    direction: str | None
    geometry: shapely.Geometry


def rule_areas(
    rule: Rule,
    context: SpatialContext,
    *,
    buffer_m: float = BUFFER_M,
    resolution_m: float = RESOLUTION_M,
) -> list[RuleArea]:
    """Draw the areas a spatial rule's qualifying facilities reach within its thresholds.

    Parameters
    ----------
    rule
        A travel-time, radius or EMS-response rule the data can evaluate.
    context
        The network, population points and facilities of the run (searches are not cached:
        the areas need node-level reach, the evaluation point-level).
    buffer_m
        Buffer around reached streets, metres.
    resolution_m
        Raster cell size, metres: the accuracy of a network area's boundary.

    Returns
    -------
    list of RuleArea
        One per distinct threshold, the smaller first (urban before rural when they differ).

    Raises
    ------
    NormEvaluationError
        For a rule that is not spatial or that has a data gap.
    """
    params = rule.parameters
    if rule.data_gap is not None or not isinstance(
        params, TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters
    ):
        msg = f"rule {rule.id!r} has no covered area (kind {rule.kind.value}, or a data gap)"
        raise NormEvaluationError(msg)
    chosen = select_facilities(context.sites, params.facilities)
    raster = {"buffer_m": buffer_m, "resolution_m": resolution_m}

    if isinstance(params, TravelTimeCoverageParameters):
        mode, direction = params.mode.value, params.direction.value
        model = context.net.default_model(mode)
        return [
            RuleArea(
                scope,
                minutes,
                "minutes",
                "travel_time",
                mode,
                direction,
                _time_area(
                    context,
                    chosen,
                    mode=mode,
                    direction=direction,
                    model=model,
                    minutes=minutes,
                    **raster,
                ),
            )
            for scope, minutes in _thresholds(rule, params.settlement_thresholds())
        ]

    if isinstance(params, RadiusCoverageParameters):
        areas = []
        for scope, km in _thresholds(rule, params.settlement_thresholds()):
            if params.distance == DistanceKind.STRAIGHT:
                geometry = _disks(context, chosen, km * 1000.0)
                areas.append(RuleArea(scope, km, "km", "straight_distance", None, None, geometry))
                continue
            mode = params.mode.value if params.mode is not None else TravelMode.DRIVE.value
            direction = Direction.TO_FACILITY.value
            geometry = _distance_area(
                context, chosen, mode=mode, direction=direction, limit_m=km * 1000.0, **raster
            )
            areas.append(RuleArea(scope, km, "km", "network_distance", mode, direction, geometry))
        return areas

    mode, model = ems_model(params)
    direction = params.direction.value
    if params.minutes is None:
        assert params.radius_km is not None  # the parameters require one of them
        limit_m = params.radius_km * 1000.0
        geometry = _distance_area(
            context, chosen, mode=mode, direction=direction, limit_m=limit_m, **raster
        )
        return [
            RuleArea(None, params.radius_km, "km", "network_distance", mode, direction, geometry)
        ]
    if params.radius_km is None:
        geometry = _time_area(
            context,
            chosen,
            mode=mode,
            direction=direction,
            model=model,
            minutes=params.minutes,
            **raster,
        )
    else:
        geometry = _time_within_distance_area(
            context,
            chosen,
            mode=mode,
            direction=direction,
            model=model,
            limit_s=params.minutes * 60.0,
            limit_m=params.radius_km * 1000.0,
            **raster,
        )
    return [RuleArea(None, params.minutes, "minutes", "travel_time", mode, direction, geometry)]


def _thresholds(rule: Rule, thresholds: dict[Scope, float]) -> list[tuple[Scope | None, float]]:
    """The thresholds of the settlements the rule counts; one (None, value) when both agree."""
    counted = rule.settlements or frozenset({Scope.URBAN, Scope.RURAL})
    kept = {scope: value for scope, value in thresholds.items() if scope in counted}
    if len(kept) > 1 and len(set(kept.values())) == 1:
        return [(None, next(iter(kept.values())))]
    ordered = sorted(kept.items(), key=lambda item: (item[1], item[0].value))
    return [(scope, value) for scope, value in ordered]


def _time_area(
    context: SpatialContext,
    chosen: NDArray[np.int64],
    *,
    mode: str,
    direction: str,
    model: TravelModel,
    minutes: float,
    buffer_m: float,
    resolution_m: float,
) -> shapely.Geometry:
    net = context.net
    nearest = nearest_facility(
        net,
        context.site_nodes(chosen, mode),
        mode=mode,
        direction=direction,
        model=model,
        limit_s=minutes * 60.0,
    )
    gdf = merged_isochrone(
        net, nearest, minutes=minutes, model=model, buffer_m=buffer_m, resolution_m=resolution_m
    )
    return gdf.geometry.iloc[0]


def _distance_area(
    context: SpatialContext,
    chosen: NDArray[np.int64],
    *,
    mode: str,
    direction: str,
    limit_m: float,
    buffer_m: float,
    resolution_m: float,
) -> shapely.Geometry:
    net = context.net
    sources = context.site_nodes(chosen, mode)
    matrix = length_matrix(net, mode, direction)
    node_m = np.full(net.n_nodes, np.inf)
    if sources.size:
        node_m = np.asarray(
            dijkstra(matrix, directed=True, indices=sources, min_only=True, limit=limit_m),
            dtype=np.float64,
        )
    return reached_area(
        net, matrix, node_m, limit=limit_m, buffer_m=buffer_m, resolution_m=resolution_m
    )


def _time_within_distance_area(
    context: SpatialContext,
    chosen: NDArray[np.int64],
    *,
    mode: str,
    direction: str,
    model: TravelModel,
    limit_s: float,
    limit_m: float,
    buffer_m: float,
    resolution_m: float,
) -> shapely.Geometry:
    """Streets one facility reaches within both the time and the distance.

    Per facility, its isochrone cut to the streets within the distance of it; then the union,
    so one station's time never pairs with another's distance (as in the evaluation).
    """
    # the network time left once the dispatch delay is spent
    search_s = limit_s - model.dispatch_delay_s
    if search_s < 0:
        return shapely.Polygon()
    net = context.net
    sources = context.site_nodes(chosen, mode)
    graph = net.mode_graph(mode, model=model)
    time_matrix = graph.backward if direction == "to_facility" else graph.forward
    lengths = length_matrix(net, mode, direction)
    raster = {"buffer_m": buffer_m, "resolution_m": resolution_m}
    pieces: list[shapely.Geometry] = []
    for start in range(0, sources.shape[0], _CHUNK):
        chunk = sources[start : start + _CHUNK]
        times_s = np.atleast_2d(dijkstra(time_matrix, directed=True, indices=chunk, limit=search_s))
        lengths_m = np.atleast_2d(dijkstra(lengths, directed=True, indices=chunk, limit=limit_m))
        for time_s, length_m in zip(times_s, lengths_m, strict=True):
            # a node counts when this facility reaches it within both limits
            time_s[length_m > limit_m] = np.inf
            by_time = reached_area(net, time_matrix, time_s, limit=search_s, **raster)
            by_distance = reached_area(net, lengths, length_m, limit=limit_m, **raster)
            pieces.append(shapely.intersection(by_time, by_distance))
    return shapely.union_all(pieces) if pieces else shapely.Polygon()


def _disks(context: SpatialContext, chosen: NDArray[np.int64], radius_m: float) -> shapely.Geometry:
    if chosen.size == 0:
        return shapely.Polygon()
    centres = shapely.points(context.sites.x[chosen], context.sites.y[chosen])
    return shapely.union_all(shapely.buffer(centres, radius_m, quad_segs=_QUAD_SEGS))
