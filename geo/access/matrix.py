"""Cost matrices for the location models: travel times and straight distances, demand x site.

:func:`travel_time_matrix` runs one bounded search per distinct candidate node (scipy's
``dijkstra``, in batches) and adds each demand's access leg (:func:`geo.access.leg.access_leg_s`),
so a cost is the time a resident's trip takes as the norms count it
(:meth:`geo.access.context.AccessContext.travel_time_at_points`). :func:`travel_time_costs` gives
the same as a sparse array, in blocks of candidates, for large instances.
:func:`radius_matrix` lists the straight distances within a radius (KD-trees), zero distances
included. :func:`nearest_straight` is the straight distance to the nearest of some sites and
which one, :func:`nearest_straight_m` that distance alone; :func:`length_matrix` the network's
edge lengths as a sparse matrix, for road-distance searches.
"""

from typing import Final, TypeAlias

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra

from geo._validate import check_direction, check_mode, node_indices
from geo.access.leg import access_leg_s
from geo.errors import LocationInputError
from geo.network import Network, mode_bit
from geo.network.speeds import TravelModel

__all__ = [
    "CostMatrix",
    "length_matrix",
    "nearest_straight",
    "nearest_straight_m",
    "radius_matrix",
    "travel_time_costs",
    "travel_time_matrix",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
# a sparse demand x site cost matrix: the stored pairs are the finite costs
CostMatrix: TypeAlias = sp.csr_array

# candidates per bounded search in travel_time_matrix: the dense (batch, n_nodes) block stays
# near 100 MB on a 250k-node network (as geo.access.isochrones does for per-facility searches)
_BATCH_CELLS: Final = 12_500_000
# demand x candidate cells per dense block of travel_time_costs (float64: about 100 MB)
_BLOCK_CELLS: Final = 12_500_000


def travel_time_matrix(
    net: Network,
    demand_nodes: ArrayLike,
    candidate_nodes: ArrayLike,
    *,
    mode: str,
    limit_s: float | None = None,
    direction: str = "to_facility",
    model: TravelModel | None = None,
    demand_snap_m: ArrayLike | None = None,
) -> FloatArray:
    """Network travel time between demand nodes and candidate sites, the models' cost matrix.

    One bounded single-source search per distinct candidate node (``scipy.sparse.csgraph``),
    in batches; the times are those of :func:`geo.access.coverage.nearest_facility` with the
    candidate as the only facility.

    Parameters
    ----------
    net
        The road network.
    demand_nodes
        Node index of each demand (e.g. a population cell snapped with
        :func:`geo.network.snap.snap_points`); ``-1`` for an off-network demand (an ``inf`` row).
    candidate_nodes
        Node index of each candidate site.
    mode
        ``walk``, ``drive`` or ``ems``.
    limit_s
        Search bound, seconds (delay included): longer times are ``inf``. Use the service
        radius for the coverage models; ``None``: unbounded.
    direction
        ``"to_facility"``: time from the demand to the site (patients travel; searched on the
        transposed graph); ``"from_facility"``: from the site to the demand (ambulances).
    model
        Travel model; default :func:`geo.network.speeds.travel_model` ``(mode)``.
    demand_snap_m
        Snap distance of each demand to its node, metres; when given, each row gets the demand's
        access leg (:func:`geo.access.leg.access_leg_s`) and times beyond ``limit_s`` with it
        become ``inf``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_demand, n_candidate)``, seconds (a mode's dispatch delay and the access leg
        included); ``inf`` when unreachable within the limit.
    """
    check_mode(mode)
    check_direction(direction)
    demand = np.asarray(demand_nodes, dtype=np.int64).reshape(-1)
    node_indices(demand[demand >= 0], n_nodes=net.n_nodes, name="demand_nodes")
    candidates = node_indices(candidate_nodes, n_nodes=net.n_nodes, name="candidate_nodes")
    if limit_s is not None and not (np.isfinite(limit_s) and limit_s >= 0):
        raise LocationInputError.worded("locate.error.limit", field="limit_s", value=limit_s)
    leg_s = None
    if demand_snap_m is not None:
        snap_m = np.asarray(demand_snap_m, dtype=np.float64).reshape(-1)
        if snap_m.shape != demand.shape:
            raise LocationInputError.worded(
                "locate.error.count_demands",
                field="demand_snap_m",
                given=snap_m.shape[0],
                n=demand.shape[0],
            )
        leg_s = access_leg_s(snap_m, mode)
    graph = net.mode_graph(mode, model=model)
    delay_s = (model if model is not None else net.default_model(mode)).dispatch_delay_s
    matrix = graph.backward if direction == "to_facility" else graph.forward
    search_limit = np.inf if limit_s is None else float(limit_s) - delay_s

    out = np.full((demand.shape[0], candidates.shape[0]), np.inf)
    on_net = np.flatnonzero(demand >= 0)
    nodes, inverse = np.unique(candidates, return_inverse=True)
    if search_limit < 0 or nodes.size == 0:
        return out if leg_s is None else _with_leg(out, leg_s, limit_s)
    batch = max(1, _BATCH_CELLS // max(net.n_nodes, 1))
    for lo in range(0, nodes.shape[0], batch):
        dist = dijkstra(matrix, directed=True, indices=nodes[lo : lo + batch], limit=search_limit)
        block = np.atleast_2d(dist)[:, demand[on_net]].T + delay_s
        cols = np.flatnonzero((inverse >= lo) & (inverse < lo + batch))
        out[np.ix_(on_net, cols)] = block[:, inverse[cols] - lo]
    return out if leg_s is None else _with_leg(out, leg_s, limit_s)


def _with_leg(out: FloatArray, leg_s: FloatArray, limit_s: float | None) -> FloatArray:
    """Each row plus its demand's access leg; beyond ``limit_s`` with it is ``inf``."""
    out = out + leg_s[:, None]
    if limit_s is not None:
        out[out > limit_s] = np.inf
    return out


def travel_time_costs(
    net: Network,
    demand_nodes: ArrayLike,
    candidate_nodes: ArrayLike,
    *,
    mode: str,
    limit_s: float | None,
    direction: str = "to_facility",
    model: TravelModel | None = None,
    demand_snap_m: ArrayLike | None = None,
) -> CostMatrix:
    """:func:`travel_time_matrix` as a sparse array of the finite costs, in blocks of candidates.

    Parameters
    ----------
    net, mode, limit_s, direction, model, demand_snap_m
        As :func:`travel_time_matrix`.
    demand_nodes
        Node index of each demand; ``-1`` off-network (an empty row).
    candidate_nodes
        Node index of each candidate site; ``-1`` off-network (an empty column).

    Returns
    -------
    scipy.sparse.csr_array
        Shape ``(n_demand, n_candidate)``: the times within ``limit_s``, seconds; a pair not
        stored is beyond it.
    """
    demand = np.asarray(demand_nodes, dtype=np.int64).reshape(-1)
    sites = np.asarray(candidate_nodes, dtype=np.int64).reshape(-1)
    n_d, n_c = demand.shape[0], sites.shape[0]
    usable = np.flatnonzero(sites >= 0)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    # dense blocks of candidates, kept to their finite pairs
    batch = max(1, _BLOCK_CELLS // max(n_d, 1))
    for lo in range(0, usable.shape[0], batch):
        cols_here = usable[lo : lo + batch]
        block = travel_time_matrix(
            net,
            demand,
            sites[cols_here],
            mode=mode,
            limit_s=limit_s,
            direction=direction,
            model=model,
            demand_snap_m=demand_snap_m,
        )
        r, c = np.nonzero(np.isfinite(block))
        rows.append(r.astype(np.int64))
        cols.append(cols_here[c].astype(np.int64))
        vals.append(block[r, c])
    return _sparse(rows, cols, vals, (n_d, n_c))


def radius_matrix(
    demand_x: ArrayLike,
    demand_y: ArrayLike,
    site_x: ArrayLike,
    site_y: ArrayLike,
    *,
    limit_m: float | None,
) -> CostMatrix:
    """Straight distances between demands and sites within ``limit_m``, as a sparse array.

    Parameters
    ----------
    demand_x, demand_y
        Demand coordinates in a metric CRS, metres.
    site_x, site_y
        Candidate site coordinates in the same CRS, metres.
    limit_m
        Radius, metres: farther pairs are not stored; ``None``: every pair.

    Returns
    -------
    scipy.sparse.csr_array
        Shape ``(n_demand, n_site)``, metres. A site on a demand's point is stored with
        distance 0 (scipy's ``sparse_distance_matrix`` leaves zero distances out).
    """
    points = np.column_stack(
        [np.asarray(demand_x, dtype=np.float64), np.asarray(demand_y, dtype=np.float64)]
    )
    sites = np.column_stack(
        [np.asarray(site_x, dtype=np.float64), np.asarray(site_y, dtype=np.float64)]
    )
    if limit_m is not None and not (np.isfinite(limit_m) and limit_m >= 0):
        raise LocationInputError.worded("locate.error.limit", field="limit_m", value=limit_m)
    bound = limit_m if limit_m is not None else np.inf
    # scipy.spatial loads on first use (~0.2 s), not with the module every run imports
    from scipy.spatial import cKDTree

    site_tree = cKDTree(sites)
    pairs = site_tree.sparse_distance_matrix(
        cKDTree(points), max_distance=bound, output_type="coo_matrix"
    )
    rows = [np.asarray(pairs.col, dtype=np.int64)]
    cols = [np.asarray(pairs.row, dtype=np.int64)]
    vals = [np.asarray(pairs.data, dtype=np.float64)]
    # the zero distances: a site on a demand's point
    on_top = site_tree.query_ball_point(points, r=0.0)
    extra = [(d, c) for d, found in enumerate(on_top) for c in found]
    if extra:
        rows.append(np.asarray([d for d, _ in extra], dtype=np.int64))
        cols.append(np.asarray([c for _, c in extra], dtype=np.int64))
        vals.append(np.zeros(len(extra)))
    return _sparse(rows, cols, vals, (points.shape[0], sites.shape[0]))


def nearest_straight(
    x: ArrayLike, y: ArrayLike, site_x: ArrayLike, site_y: ArrayLike
) -> tuple[FloatArray, IntArray]:
    """Straight distance from each point to its nearest site, and which site (KD-tree).

    Parameters
    ----------
    x, y
        Point coordinates in a metric CRS, metres.
    site_x, site_y
        Site coordinates in the same CRS, metres.

    Returns
    -------
    distance_m : numpy.ndarray
        Per point, metres; ``inf`` when there is no site.
    site : numpy.ndarray
        Per point, the index of its nearest site; ``-1`` when there is none.
    """
    xs = np.asarray(x, dtype=np.float64).reshape(-1)
    sx = np.asarray(site_x, dtype=np.float64).reshape(-1)
    if sx.size == 0:
        return np.full(xs.shape[0], np.inf), np.full(xs.shape[0], -1, dtype=np.int64)
    sites = np.column_stack([sx, np.asarray(site_y, dtype=np.float64).reshape(-1)])
    points = np.column_stack([xs, np.asarray(y, dtype=np.float64).reshape(-1)])
    from scipy.spatial import cKDTree

    dist, index = cKDTree(sites).query(points, k=1)
    return np.asarray(dist, dtype=np.float64), np.asarray(index, dtype=np.int64)


# point x site pairs below which the straight distances are computed outright, not through a
# KD-tree: ~8 ns a pair (≤ 0.1 s), and no scipy.spatial to load (~0.1 s) for a city's few sites
_BRUTE_PAIRS = 10_000_000
# pairs computed at a time (a block of points against every site): ~2 MB of float64
_BLOCK_PAIRS = 1 << 18


def nearest_straight_m(
    x: ArrayLike, y: ArrayLike, site_x: ArrayLike, site_y: ArrayLike
) -> FloatArray:
    """Straight distance from each point to its nearest site, metres.

    The distances of :func:`nearest_straight`, bit for bit (the square root of the least
    ``dx² + dy²``); few sites are compared with every point directly, many through its KD-tree.

    Parameters
    ----------
    x, y
        Point coordinates in a metric CRS, metres.
    site_x, site_y
        Site coordinates in the same CRS, metres.

    Returns
    -------
    numpy.ndarray
        Per point, metres; ``inf`` when there is no site.
    """
    xs = np.asarray(x, dtype=np.float64).reshape(-1)
    ys = np.asarray(y, dtype=np.float64).reshape(-1)
    sx = np.asarray(site_x, dtype=np.float64).reshape(-1)
    sy = np.asarray(site_y, dtype=np.float64).reshape(-1)
    if sx.size == 0 or xs.size * sx.size > _BRUTE_PAIRS:
        return nearest_straight(xs, ys, sx, sy)[0]
    out = np.empty(xs.shape[0], dtype=np.float64)
    step = max(1, _BLOCK_PAIRS // sx.size)
    for start in range(0, xs.shape[0], step):
        dx = xs[start : start + step, None] - sx[None, :]
        dy = ys[start : start + step, None] - sy[None, :]
        # the KD-tree's arithmetic: dx² + dy² in that order, the root of the least
        squared = dx * dx
        squared += dy * dy
        out[start : start + step] = np.sqrt(squared.min(axis=1))
    return out


def length_matrix(net: Network, mode: str, direction: str) -> sp.csr_matrix:
    """CSR matrix of edge lengths (metres) of ``mode``, transposed for ``to_facility``.

    Cached on the network; parallel edges keep their shortest member.
    """

    def build() -> sp.csr_matrix:
        edges = net.mode_edges(mode)
        tail, head = (
            (edges.head, edges.tail) if direction == "to_facility" else (edges.tail, edges.head)
        )
        length = net.length_m[edges.edge]
        keep = tail != head
        tail, head, length = tail[keep], head[keep], length[keep]
        # shortest first within each (tail, head) pair, then keep the first of each pair
        order = np.lexsort((length, head, tail))
        tail, head, length = tail[order], head[order], length[order]
        first = np.ones(tail.shape[0], dtype=np.bool_)
        first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
        n = net.n_nodes
        return sp.csr_matrix((length[first], (tail[first], head[first])), shape=(n, n))

    return net.cached(("length_csr", mode_bit(mode), mode == "walk", direction), build)


def _sparse(
    rows: list[IntArray], cols: list[IntArray], vals: list[FloatArray], shape: tuple[int, int]
) -> CostMatrix:
    data = np.concatenate(vals) if vals else np.zeros(0)
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.csr_array(sp.coo_array((data, (row, col)), shape=shape))
