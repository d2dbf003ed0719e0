"""Incremental evaluation of one new site against a baseline nearest-facility result.

A scenario "add a health centre at node s" need not recompute the city: only the nodes the new
site reaches *strictly* faster than their current facility change, and they are exactly the
nodes one bounded search from ``s`` reaches while beating the baseline. :func:`add_site` runs
that one search and merges it into the baseline :class:`geo.coverage.NearestResult`; the merged
result equals :func:`geo.coverage.nearest_facility` run on the baseline facilities plus the new
site appended last (ties stay with the existing facility: lower indices win, as there).

The search follows the baseline's direction (``to_facility`` searches the transposed graph) and
is bounded by its limit. It never expands a node the baseline reaches at least as fast (no path
through it can improve on the baseline, by the triangle inequality), so the work follows the
switched area only (a median 64 nodes for a random new site on the 250k-node synthetic network
of ``fplan bench``, 2,000 facilities, 15 minutes). Nothing of network size is copied: the result
holds the switched nodes and their new times, and builds the full merged arrays only when
:attr:`SiteAddition.nearest` is read. Ways of running it (``method``):

* ``"auto"`` (default): the pruned search as a compiled bucket queue
  (:func:`geo.access._buckets.pruned_search`) in a work space kept per graph, so a call costs
  its own area, not the network's size.
* ``"heap"``: the same pruned search as a Dijkstra in Python over the CSR arrays (a readable
  reference: 5–20 µs per settled node).
* ``"scipy"``: one ``scipy.sparse.csgraph.dijkstra`` with ``limit``, in C, which searches the
  whole disk within the limit (no pruning): a second, independent reference.
"""

import heapq
import math
import threading
import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra

from geo.access._buckets import PrunedSpace, bucket_width, pruned_search, unsigned_csr
from geo.access.coverage import NearestResult
from geo.errors import CoverageInputError, GeoError
from geo.network import Network
from geo.network.speeds import TravelModel

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["SiteAddition", "add_site"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_METHODS: Final = ("auto", "heap", "scipy")
# work spaces of the compiled search, per graph; taken and given back under this lock
_SPACES_LOCK = threading.Lock()
# per baseline: (largest facility index, largest finite-or-not time), so a call never rescans it
_BASELINE_FACTS: "weakref.WeakKeyDictionary[NearestResult, tuple[int, float]]" = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, eq=False)
class SiteAddition:
    """The baseline with one site added, and what changed.

    Attributes
    ----------
    baseline
        The result the site was added to (not modified).
    site_node, site_index
        The new site's node and its facility index in ``nearest``.
    switched_nodes
        Nodes whose nearest facility is now the new site (strictly faster), ascending.
    switched_time_s
        Their new travel times, seconds (delay included), aligned with ``switched_nodes``.
    gained_nodes
        Switched nodes within ``threshold_s`` now and not before, ascending.
    gained_population
        Residents at the gained nodes (from ``node_population``; 0 when not given).
    threshold_s
        The coverage threshold used for the gain, seconds (``None``: newly reached at all).
    searched_nodes
        Nodes reached by the search (pruned for ``buckets`` and ``heap``; the whole disk within
        the limit for ``scipy``).
    method
        ``"buckets"``, ``"heap"`` or ``"scipy"``: how the search ran.
    """

    baseline: NearestResult
    site_node: int
    site_index: int
    switched_nodes: IntArray
    switched_time_s: FloatArray
    gained_nodes: IntArray
    gained_population: float
    threshold_s: float | None
    searched_nodes: int
    method: str

    @cached_property
    def nearest(self) -> NearestResult:
        """Per-node times and facilities with the new site (built on first read, then kept).

        Its facility index is ``site_index``; it equals :func:`geo.coverage.nearest_facility`
        run on the existing facilities plus the new site, with the same limit.
        """
        time_s = self.baseline.travel_time_s.copy()
        facility = self.baseline.facility.copy()
        self.apply_to(time_s, facility)
        return NearestResult(
            travel_time_s=time_s,
            facility=facility,
            mode=self.baseline.mode,
            direction=self.baseline.direction,
            limit_s=self.baseline.limit_s,
            synthetic=self.baseline.synthetic,
        )

    def apply_to(self, travel_time_s: FloatArray, facility: IntArray) -> None:
        """Write the change into per-node arrays in place (seconds and facility indices).

        ``travel_time_s`` and ``facility`` hold the baseline's values (or a copy of them); only
        the switched nodes are written, so this costs the change, not the network.
        """
        travel_time_s[self.switched_nodes] = self.switched_time_s
        facility[self.switched_nodes] = self.site_index


def add_site(
    net: Network,
    baseline: NearestResult,
    site_node: int,
    *,
    site_index: int,
    threshold_s: float | None = None,
    node_population: ArrayLike | None = None,
    model: TravelModel | None = None,
    method: str = "auto",
) -> SiteAddition:
    """Add one facility to a baseline nearest-facility result by one bounded search.

    Parameters
    ----------
    net
        The road network of ``baseline``.
    baseline
        :func:`geo.coverage.nearest_facility` of the existing facilities (its mode, direction
        and limit are kept).
    site_node
        Node index of the new site.
    site_index
        Facility index of the new site in the result: larger than every index in
        ``baseline.facility`` (it is appended after the existing facilities).
    threshold_s
        Coverage threshold for the gain, seconds (delay included); default the baseline's
        limit, and when that is ``None`` too, "reached at all".
    node_population
        Residents per node (e.g. ``np.bincount`` of the population points' nodes), for
        ``gained_population``.
    model
        The travel model of ``baseline`` (default: the mode's default model).
    method
        ``"auto"``, ``"heap"`` or ``"scipy"`` (see the module docstring); all give the same
        result.

    Returns
    -------
    SiteAddition
        The merged result equals ``nearest_facility`` run on the existing facilities plus the
        new site, with the same limit.
    """
    base_time = baseline.travel_time_s
    site, threshold, population = _check_inputs(
        net,
        baseline,
        site_node,
        site_index=site_index,
        threshold_s=threshold_s,
        node_population=node_population,
        method=method,
    )
    graph = net.mode_graph(baseline.mode, model=model)
    delay_s = (model if model is not None else net.default_model(baseline.mode)).dispatch_delay_s
    matrix = graph.backward if baseline.direction == "to_facility" else graph.forward
    if baseline.limit_s is not None:
        # the same bound nearest_facility searched with
        limit = float(baseline.limit_s) - delay_s
    else:
        # a node can only switch if the new time beats its baseline time: the largest bounds it
        limit = _baseline_facts(baseline)[1]

    if method == "auto":
        nodes, new_time, searched = _compiled_search(
            net, matrix, site, base_time=base_time, delay_s=delay_s, limit=limit
        )
        used = "buckets"
    elif method == "heap":
        nodes, new_time = _heap_search(
            matrix.indptr,
            matrix.indices,
            matrix.data,
            site,
            base_time=base_time,
            delay_s=delay_s,
            limit=limit,
        )
        used, searched = "heap", int(nodes.shape[0])
    else:
        dist = dijkstra(matrix, directed=True, indices=site, limit=limit)
        nodes = np.flatnonzero(np.isfinite(dist)).astype(np.int64)
        new_time = dist[nodes] + delay_s
        used, searched = "scipy", int(nodes.shape[0])

    # strictly faster only: on a tie the existing facility (lower index) keeps the node
    better = new_time < base_time[nodes]
    switched = nodes[better]
    order = np.argsort(switched)
    switched, switched_time = switched[order], new_time[better][order]

    bound = math.inf if threshold is None else threshold
    before = np.isfinite(base_time[switched]) & (base_time[switched] <= bound)
    gained = switched[(switched_time <= bound) & ~before]
    return SiteAddition(
        baseline=baseline,
        site_node=site,
        site_index=int(site_index),
        switched_nodes=switched,
        switched_time_s=switched_time,
        gained_nodes=gained,
        gained_population=0.0 if population is None else float(population[gained].sum()),
        threshold_s=threshold,
        searched_nodes=searched,
        method=used,
    )


def _baseline_facts(baseline: NearestResult) -> tuple[int, float]:
    """``(largest facility index, largest time in seconds)`` of ``baseline``, computed once.

    Both are scans of the whole network; a baseline's arrays are never modified, so they are
    kept per baseline (weakly: they go with it).
    """
    facts = _BASELINE_FACTS.get(baseline)
    if facts is None:
        time_s = baseline.travel_time_s
        facts = (
            int(baseline.facility.max(initial=-1)),
            float(time_s.max()) if time_s.shape[0] else 0.0,
        )
        _BASELINE_FACTS[baseline] = facts
    return facts


def _compiled_search(
    net: Network,
    matrix: "csr_matrix",
    site: int,
    *,
    base_time: FloatArray,
    delay_s: float,
    limit: float,
) -> tuple[IntArray, FloatArray, int]:
    """The pruned search compiled (:func:`geo.access._buckets.pruned_search`): nodes the site
    reaches no later than the baseline, their times (delay included) and the nodes reached."""
    indptr, indices, delta, ring, spaces = net.cached(
        ("pruned_search", id(matrix)), lambda: _graph_of(matrix)
    )
    # one work space per concurrent search: take a free one (or make one), give it back after
    with _SPACES_LOCK:
        space = spaces.pop() if spaces else None
    if space is None:
        space = PrunedSpace(net.n_nodes, ring)
    try:
        return pruned_search(
            indptr,
            indices,
            matrix.data,
            site,
            base_time=base_time,
            delay=delay_s,
            limit=limit,
            delta=delta,
            space=space,
        )
    finally:
        with _SPACES_LOCK:
            spaces.append(space)


def _graph_of(
    matrix: "csr_matrix",
) -> tuple[NDArray[np.uint32], NDArray[np.uint32], float, int, list[PrunedSpace]]:
    """What the compiled search needs of ``matrix``, once per graph: its ``uint32`` index views,
    bucket width (seconds) and ring size, and the (initially empty) list of free work spaces."""
    indptr, indices = unsigned_csr(matrix.indptr, matrix.indices)
    delta, ring = bucket_width(matrix.data)
    return indptr, indices, delta, ring, []


def _check_inputs(
    net: Network,
    baseline: NearestResult,
    site_node: int,
    *,
    site_index: int,
    threshold_s: float | None,
    node_population: ArrayLike | None,
    method: str,
) -> tuple[int, float | None, FloatArray | None]:
    """Validated ``(site node, threshold, population per node)`` of :func:`add_site`."""
    n = net.n_nodes
    if baseline.travel_time_s.shape[0] != n:
        # the caller's baseline searched another network: a defect, not a planner's input
        msg = f"baseline has {baseline.travel_time_s.shape[0]} nodes, the network {n}"
        raise GeoError(msg)
    if isinstance(site_node, bool) or not isinstance(site_node, int | np.integer):
        raise CoverageInputError.worded(
            "input.access.site_node", field="site_node", value=site_node
        )
    site = int(site_node)
    if not 0 <= site < n:
        raise CoverageInputError.worded("input.common.node_range", field="site_node", bad=1, n=n)
    if site_index <= _baseline_facts(baseline)[0]:
        # the caller numbers the sites: a clash is a defect, not a planner's input
        msg = f"site_index {site_index} must exceed the baseline's facility indices"
        raise GeoError(msg)
    if method not in _METHODS:
        raise CoverageInputError.worded(
            "input.common.choice", field="method", value=method, expected=" / ".join(_METHODS)
        )
    threshold = baseline.limit_s if threshold_s is None else float(threshold_s)
    if threshold is not None and not (threshold >= 0):
        raise CoverageInputError.worded(
            "input.common.seconds", field="threshold_s", value=threshold_s
        )
    if node_population is None:
        return site, threshold, None
    population = np.asarray(node_population, dtype=np.float64).reshape(-1)
    if population.shape[0] != n:
        raise CoverageInputError.worded(
            "input.common.count", field="node_population", given=population.shape[0], n=n
        )
    return site, threshold, population


def _heap_search(
    indptr: NDArray[np.int32],
    indices: NDArray[np.int32],
    weight: FloatArray,
    source: int,
    *,
    base_time: FloatArray,
    delay_s: float,
    limit: float,
) -> tuple[IntArray, FloatArray]:
    """Dijkstra in Python from ``source`` expanding only nodes reached no later than the baseline.

    A node whose new time (``dist + delay_s``) exceeds its baseline time is not expanded: by
    the triangle inequality no node behind it can beat the baseline. Ties are expanded (a later
    node may still be strictly faster when rounding differs), and only strict improvements are
    switched by the caller. Returns the settled nodes and their new times (delay included).
    """
    if not (limit >= 0.0 and delay_s <= base_time[source]):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    best: dict[int, float] = {source: 0.0}
    heap: list[tuple[float, int]] = [(0.0, source)]
    settled: list[int] = []
    settled_dist: list[float] = []
    while heap:
        d, u = heapq.heappop(heap)
        if d > best[u]:
            continue
        settled.append(u)
        settled_dist.append(d)
        lo, hi = int(indptr[u]), int(indptr[u + 1])
        for v, w in zip(indices[lo:hi].tolist(), weight[lo:hi].tolist(), strict=True):
            nd = d + w
            if nd <= limit and nd + delay_s <= base_time[v] and nd < best.get(v, math.inf):
                best[v] = nd
                heapq.heappush(heap, (nd, v))
    return np.asarray(settled, dtype=np.int64), np.asarray(settled_dist) + delay_s
