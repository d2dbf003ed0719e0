"""Travel-time coverage: nearest facility per node, covered population, catchments.

The core is one multi-source, bounded shortest-path search over the cached CSR matrix of a mode
(:meth:`geo.network.Network.mode_graph`): a bucket queue compiled with numba
(:mod:`geo.access._buckets`), which gives the same times as networkx's ``multi_source_dijkstra`` and
scipy's ``dijkstra(min_only=True, limit=…)`` and applies the tie rule below in the same pass.

Direction matters (issue "Network"): a patient travels *to* a facility, so the time of a node is
its time to the nearest facility: the search runs from the facilities over the *transposed* graph
(``direction="to_facility"``, the default, for care-circle norms). An ambulance travels *from*
its station, so the search runs over the graph itself (``direction="from_facility"``, for EMS
response norms). On two-way streets both agree; one-way streets make them differ.

Ties: when several facilities reach a node in exactly the same time (equal floating-point sums,
e.g. facilities at the same node), the node is assigned to the one with the lowest index in
``source_nodes``. The rule is exact: the search orders equal times by facility index, so the
lowest index flows along every shortest path.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo._validate import check_direction, check_mode, node_indices
from geo.access._buckets import bucket_search, bucket_width
from geo.access.leg import access_leg_s
from geo.errors import CoverageInputError
from geo.network import Network
from geo.network.speeds import TravelModel


@dataclass(frozen=True, eq=False)
class NearestResult:
    """Travel time from (or to) the nearest facility for every node of a network.

    Attributes
    ----------
    travel_time_s
        Per node, seconds, including a mode's once-per-trip delay (EMS dispatch); ``inf`` when
        no facility is reachable within the limit.
    facility
        Per node, index into the ``source_nodes`` given to :func:`nearest_facility` of the
        nearest facility; ``-1`` when none is within the limit.
    mode, direction
        What was searched.
    limit_s
        The time limit in seconds (``None``: unbounded).
    synthetic
        True when the network is synthetic.
    """

    travel_time_s: NDArray[np.float64]
    facility: NDArray[np.int64]
    mode: str
    direction: str
    limit_s: float | None
    synthetic: bool

    @property
    def reached(self) -> NDArray[np.bool_]:
        """Mask of the nodes with a facility within the limit."""
        return self.facility >= 0


def nearest_facility(
    net: Network,
    source_nodes: ArrayLike,
    *,
    mode: str,
    limit_s: float | None = None,
    direction: str = "to_facility",
    model: TravelModel | None = None,
) -> NearestResult:
    """Travel time between every node and its nearest facility, and which facility that is.

    Parameters
    ----------
    net
        The road network.
    source_nodes
        Node index of each facility (e.g. from :func:`geo.snap.snap_points`); repeats allowed.
    mode
        ``walk``, ``drive`` or ``ems``.
    limit_s
        Search bound, seconds: nodes farther than this (delay included) get ``inf`` and
        facility ``-1``. A node exactly at the limit is reached. ``None``: unbounded.
    direction
        ``"to_facility"`` (patient travels to the facility: search the transposed graph) or
        ``"from_facility"`` (ambulance leaves the station: search the graph itself).
    model
        Travel model; default :func:`geo.speeds.travel_model` ``(mode)``.

    Returns
    -------
    NearestResult
        Per-node time (seconds) and facility index; ties go to the lowest facility index.
    """
    check_mode(mode)
    check_direction(direction)
    sources = node_indices(source_nodes, n_nodes=net.n_nodes, name="source_nodes")
    if limit_s is not None and not (np.isfinite(limit_s) and limit_s >= 0):
        raise CoverageInputError.worded("input.common.seconds", field="limit_s", value=limit_s)
    graph = net.mode_graph(mode, model=model)
    delay_s = (model if model is not None else net.default_model(mode)).dispatch_delay_s

    search_limit = np.inf if limit_s is None else float(limit_s) - delay_s
    if sources.size and search_limit >= 0:
        # one entry per distinct node; np.unique's first index is the lowest facility index
        nodes, first = np.unique(sources, return_index=True)
        matrix = graph.backward if direction == "to_facility" else graph.forward
        # the bucket width depends only on the matrix: find it once per network
        delta, ring = net.cached(("bucket_width", id(matrix)), lambda: bucket_width(matrix.data))
        time_s, facility = bucket_search(
            matrix.indptr,
            matrix.indices,
            matrix.data,
            nodes.astype(np.int64),
            first.astype(np.int64),
            search_limit,
            delta,
            ring,
            delay_s,
        )
    else:
        time_s = np.full(net.n_nodes, np.inf)
        facility = np.full(net.n_nodes, -1, dtype=np.int64)
    return NearestResult(
        travel_time_s=time_s,
        facility=facility,
        mode=mode,
        direction=direction,
        limit_s=None if limit_s is None else float(limit_s),
        synthetic=net.synthetic,
    )


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Who is covered within a travel-time threshold, and by which facility.

    Attributes
    ----------
    minutes
        The threshold, minutes.
    point_time_s
        Per population point: network time of its node plus the access leg (snap distance at
        ``access_speed_kph``), seconds; ``inf`` when off-network or beyond the threshold.
    point_facility
        Per point: index of the facility covering it (its nearest), ``-1`` when not covered.
    covered
        Per point: True when on-network and ``point_time_s <= minutes * 60``.
    population
        Per point weight (people).
    facility_population
        Per facility: the population it covers as nearest facility (its catchment), people.
    population_total, population_covered
        Sums of ``population`` over all points and over covered points, people.
    covered_share
        ``population_covered / population_total``; ``nan`` when the total is zero.
    off_network_points
        Number of population points farther than the snap limit from the network.
    nearest
        The per-node search result behind the figures.
    synthetic
        True when computed on a synthetic network.
    """

    minutes: float
    point_time_s: NDArray[np.float64]
    point_facility: NDArray[np.int64]
    covered: NDArray[np.bool_]
    population: NDArray[np.float64]
    facility_population: NDArray[np.float64]
    population_total: float
    population_covered: float
    covered_share: float
    off_network_points: int
    nearest: NearestResult
    synthetic: bool


def compute_coverage(
    net: Network,
    facility_nodes: ArrayLike,
    point_nodes: ArrayLike,
    population: ArrayLike,
    *,
    mode: str,
    minutes: float,
    direction: str = "to_facility",
    point_snap_m: ArrayLike | None = None,
    access_speed_kph: float | None = None,
    model: TravelModel | None = None,
) -> CoverageResult:
    """Population covered within ``minutes`` of the nearest facility, and catchments.

    Parameters
    ----------
    net
        The road network.
    facility_nodes
        Node index of each facility; ``-1`` for an off-network facility (it covers nobody).
    point_nodes
        Node index of each population point; ``-1`` when off-network (never covered).
    population
        People at each point (weights >= 0).
    mode
        ``walk``, ``drive`` or ``ems``.
    minutes
        Travel-time threshold, minutes (a norm's "15-minute circle"), delay included for ``ems``.
    direction
        ``"to_facility"`` (patients travel) or ``"from_facility"`` (ambulances travel).
    point_snap_m
        Snap distance of each point, metres; when given, the access leg from the point to its
        node is added at ``access_speed_kph``.
    access_speed_kph
        Speed of the access leg, km/h; default the mode's (:func:`geo.access.leg.access_leg_s`:
        walking speed for ``walk``, the fallback branch-road speed for ``drive``/``ems``).
    model
        Travel model; default :func:`geo.speeds.travel_model` ``(mode)``.

    Returns
    -------
    CoverageResult
        Ties between facilities go to the lowest facility index (see :func:`nearest_facility`).
    """
    if not (np.isfinite(minutes) and minutes >= 0):
        raise CoverageInputError.worded("input.common.minutes", field="minutes", value=minutes)
    facilities = np.asarray(facility_nodes, dtype=np.int64).reshape(-1)
    points = np.asarray(point_nodes, dtype=np.int64).reshape(-1)
    weights = np.asarray(population, dtype=np.float64).reshape(-1)
    if weights.shape != points.shape:
        raise CoverageInputError.worded(
            "input.access.per_point", field="population", given=weights.shape[0], n=points.shape[0]
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise CoverageInputError.worded("input.access.population", field="population")
    node_indices(points[points >= 0], n_nodes=net.n_nodes, name="point_nodes")

    # search only from on-network facilities, then map back to the caller's indices
    on_net = np.flatnonzero(facilities >= 0)
    limit_s = float(minutes) * 60.0
    nearest = nearest_facility(
        net, facilities[on_net], mode=mode, limit_s=limit_s, direction=direction, model=model
    )
    node_facility = np.full(net.n_nodes, -1, dtype=np.int64)
    node_facility[nearest.reached] = on_net[nearest.facility[nearest.reached]]
    nearest = NearestResult(
        travel_time_s=nearest.travel_time_s,
        facility=node_facility,
        mode=nearest.mode,
        direction=nearest.direction,
        limit_s=nearest.limit_s,
        synthetic=nearest.synthetic,
    )

    point_time = np.full(points.shape[0], np.inf)
    point_facility = np.full(points.shape[0], -1, dtype=np.int64)
    snapped = points >= 0
    point_time[snapped] = nearest.travel_time_s[points[snapped]]
    point_facility[snapped] = nearest.facility[points[snapped]]
    if point_snap_m is not None:
        snap_m = np.asarray(point_snap_m, dtype=np.float64).reshape(-1)
        if snap_m.shape != points.shape:
            raise CoverageInputError.worded(
                "input.access.per_point",
                field="point_snap_m",
                given=snap_m.shape[0],
                n=points.shape[0],
            )
        leg_s = access_leg_s(snap_m[snapped], mode, speed_kph=access_speed_kph)
        point_time[snapped] += leg_s
    covered = snapped & (point_time <= limit_s)
    point_time[~covered] = np.inf
    point_facility[~covered] = -1

    facility_population = np.bincount(
        point_facility[covered], weights=weights[covered], minlength=facilities.shape[0]
    ).astype(np.float64)
    total = float(weights.sum())
    covered_total = float(weights[covered].sum())
    return CoverageResult(
        minutes=float(minutes),
        point_time_s=point_time,
        point_facility=point_facility,
        covered=covered,
        population=weights,
        facility_population=facility_population,
        population_total=total,
        population_covered=covered_total,
        covered_share=covered_total / total if total > 0 else float("nan"),
        off_network_points=int((~snapped).sum()),
        nearest=nearest,
        synthetic=net.synthetic,
    )
