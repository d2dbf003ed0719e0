"""The access context: one network, points and sites, with snaps and searches cached.

An :class:`AccessContext` holds a road network, the points whose access is measured (population
points) and the sites they reach (facilities). It snaps both to the network once per mode family
(KD-tree, :mod:`geo.network.snap`) and runs one multi-source search per (chosen sites, mode,
direction, travel model or distance), cached, so every rule and every region of a run reuses it.
A site set is given as ``chosen``: indices into the sites (which of them qualify is the
caller's business, e.g. :func:`geo.norms.spatial.select_facilities`).

Measures per point, to or from the nearest chosen site:

* travel time (:meth:`AccessContext.travel_time_at_points`): the node's time
  (:func:`geo.access.coverage.nearest_facility`) plus the access leg
  (:func:`geo.access.leg.access_leg_s`);
* road distance (:meth:`AccessContext.network_distance_at_points`): the shortest ``length_m``
  path plus the snap distance;
* straight distance (:meth:`AccessContext.straight_distance_at_points`), which needs no network;
* time and road distance from one and the same site (:meth:`AccessContext.within_both`).

Off-network points (farther than ``max_snap_m`` from every node of the mode) are ``inf`` for the
network measures. ``search_limits_s`` bounds the time searches of a mode: beyond the longest
limit a caller holds anyone to, a time only says "not reached", so it is left ``inf`` and the
searches stay small.

:meth:`AccessContext.with_site` gives a child context with one more site (the last): a search
that includes it merges it into the parent's node times by one bounded search
(:func:`geo.access.incremental.add_site`) instead of searching the city again; the result is the
same as a context built with the site from the start (times, and ties to the lowest site index).
"""

from collections.abc import Callable, Hashable, Mapping
from typing import Generic, Protocol, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import dijkstra

from geo.access.coverage import CoverageResult, NearestResult, compute_coverage, nearest_facility
from geo.access.incremental import add_site
from geo.access.leg import access_leg_s
from geo.access.matrix import length_matrix, nearest_straight_m
from geo.access.points import Located
from geo.errors import CoverageInputError, GeoError
from geo.network import Network, mode_bit
from geo.network.snap import MAX_SNAP_M, SnapResult, snap_xy
from geo.network.speeds import TravelModel

__all__ = ["AccessContext", "Snapper"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Snapper(Protocol):
    """Snaps points to a network's nodes, as :func:`geo.network.snap.snap_xy` does."""

    def __call__(
        self, net: Network, x: ArrayLike, y: ArrayLike, *, mode: str, max_snap_m: float | None
    ) -> SnapResult: ...


# sources per site-by-site search (within_both): keeps the two dense (chunk, n_nodes) matrices
# near 100 MB each on a 250k-node network, as geo.access.isochrones
_CHUNK = 48


P = TypeVar("P", bound=Located)
S = TypeVar("S", bound=Located)


class AccessContext(Generic[P, S]):
    """A network with points and sites, snapped per mode, with searches cached.

    Parameters
    ----------
    net
        The road network (metric CRS).
    points
        The points whose access is measured (e.g. population points), network CRS.
    sites
        The sites they reach (e.g. facilities), network CRS.
    max_snap_m
        Points and sites farther than this from every node of a mode are off-network in that
        mode, metres (default :data:`geo.network.snap.MAX_SNAP_M`).
    search_limits_s
        Per mode (``walk``, ``drive``, ``ems``), a bound on the time searches, seconds (delay
        included): longer times are ``inf``. Unbounded for a mode not listed.
    keep_node_searches
        Keep the node-level searches (:meth:`nearest_nodes`, 16 bytes per node each), as a
        context that will get children (:meth:`with_site`) should, so that a child merges its
        site into them instead of searching again; the per-point measures are kept either way.
    snapper
        What snaps points and sites to the network: :func:`geo.network.snap.snap_xy` (the
        default) or a callable taking the same arguments and giving the same answer (one that
        keeps earlier answers, say); children (:meth:`with_site`) use it too.
    """

    def __init__(
        self,
        net: Network,
        points: P,
        sites: S,
        *,
        max_snap_m: float | None = MAX_SNAP_M,
        search_limits_s: Mapping[str, float] | None = None,
        keep_node_searches: bool = False,
        snapper: Snapper = snap_xy,
    ) -> None:
        self.net = net
        self.points = points
        self.sites = sites
        self.max_snap_m = max_snap_m
        self.search_limits_s = dict(search_limits_s or {})
        self.keep_node_searches = keep_node_searches
        self.snapper = snapper
        self._parent: AccessContext[P, S] | None = None
        # per-point values (snaps, legs), shared with children: the points never change
        self._per_point: dict[Hashable, object] = {}
        # the sites' snaps: a child's has one more site
        self._site_snaps: dict[int, SnapResult] = {}
        # searches by chosen sites: a child keeps the parent's indices, so they stay valid
        self._results: dict[Hashable, object] = {}

    # ---- what it holds

    @property
    def synthetic(self) -> bool:
        """True when the network is synthetic (figures are then not real)."""
        return self.net.synthetic

    @property
    def n_points(self) -> int:
        """Number of points."""
        return int(np.asarray(self.points.x).shape[0])

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return int(np.asarray(self.sites.x).shape[0])

    @property
    def site(self) -> int | None:
        """Index of the site added to the parent (:meth:`with_site`); None without a parent."""
        return None if self._parent is None else self.n_sites - 1

    def _memo(
        self, store: dict[Hashable, object], key: Hashable, build: Callable[[], object]
    ) -> object:
        if key not in store:
            store[key] = build()
        return store[key]

    def snapped_points(self, mode: str) -> SnapResult:
        """The points snapped to the nodes of ``mode`` (once per mode family)."""
        value = self._memo(
            self._per_point,
            ("snap", mode_bit(mode)),
            lambda: self.snapper(
                self.net, self.points.x, self.points.y, mode=mode, max_snap_m=self.max_snap_m
            ),
        )
        assert isinstance(value, SnapResult)
        return value

    def snapped_sites(self, mode: str) -> SnapResult:
        """The sites snapped to the nodes of ``mode`` (once per mode family)."""
        key = mode_bit(mode)
        if key not in self._site_snaps:
            parent = self._parent
            if parent is None:
                snap = self.snapper(
                    self.net, self.sites.x, self.sites.y, mode=mode, max_snap_m=self.max_snap_m
                )
            else:
                # the parent's snaps, and the added site's
                base = parent.snapped_sites(mode)
                one = self.snapper(
                    self.net,
                    np.asarray(self.sites.x)[-1:],
                    np.asarray(self.sites.y)[-1:],
                    mode=mode,
                    max_snap_m=self.max_snap_m,
                )
                snap = SnapResult(
                    node=np.concatenate([base.node, one.node]),
                    distance_m=np.concatenate([base.distance_m, one.distance_m]),
                    x=np.concatenate([base.x, one.x]),
                    y=np.concatenate([base.y, one.y]),
                    max_snap_m=self.max_snap_m,
                )
            self._site_snaps[key] = snap
        return self._site_snaps[key]

    def access_leg_s(self, mode: str) -> FloatArray:
        """Per point, the access leg to its node in ``mode``, seconds (:func:`access_leg_s`)."""
        value = self._memo(
            self._per_point,
            ("leg", mode_bit(mode), mode == "walk"),
            lambda: access_leg_s(self.snapped_points(mode).distance_m, mode),
        )
        assert isinstance(value, np.ndarray)
        return value

    def site_nodes(self, chosen: ArrayLike, mode: str) -> IntArray:
        """The distinct on-network nodes of the chosen sites in ``mode``, ascending."""
        nodes = self.snapped_sites(mode).node[_chosen(chosen, self.n_sites)]
        return np.unique(nodes[nodes >= 0]).astype(np.int64)

    def at_points(self, node_value: FloatArray, mode: str, leg: FloatArray) -> FloatArray:
        """A per-node value read at each point's node plus ``leg``; ``inf`` off-network."""
        node = self.snapped_points(mode).node
        value = np.full(self.n_points, np.inf)
        on = node >= 0
        value[on] = node_value[node[on]] + leg[on]
        return value

    # ---- searches

    def nearest_nodes(
        self,
        chosen: ArrayLike,
        *,
        mode: str,
        direction: str,
        model: TravelModel | None = None,
    ) -> NearestResult:
        """Per node, the time to (from) the nearest chosen site and which site it is.

        Parameters
        ----------
        chosen
            Indices of the chosen sites.
        mode
            ``walk``, ``drive`` or ``ems``.
        direction
            ``to_facility`` (residents travel) or ``from_facility`` (a vehicle leaves the site).
        model
            Travel model; default the network's model of ``mode``.

        Returns
        -------
        NearestResult
            Times in seconds (with the model's dispatch delay; ``inf`` beyond the mode's search
            limit); ``facility`` is the index *into the sites* of the nearest one (``-1`` when
            none is reached). Ties go to the lowest site index.
        """
        model = model if model is not None else self.net.default_model(mode)
        picked = _chosen(chosen, self.n_sites)
        key = (
            "nearest",
            picked.tobytes(),
            mode,
            direction,
            model.cache_key(),
            model.dispatch_delay_s,
        )

        def build() -> NearestResult:
            site, parent = self.site, self._parent
            if parent is not None and site is not None and site in picked:
                # the parent's search without the added site, merged with one bounded search
                base = parent.nearest_nodes(
                    picked[picked != site], mode=mode, direction=direction, model=model
                )
                site_node = int(self.snapped_sites(mode).node[site])
                if site_node < 0:
                    return base
                return add_site(self.net, base, site_node, site_index=site, model=model).nearest
            if parent is not None:
                return parent.nearest_nodes(picked, mode=mode, direction=direction, model=model)
            # on-network chosen sites in ascending order: the search's lowest source index is
            # the lowest site index
            node = self.snapped_sites(mode).node[picked]
            on_net = picked[node >= 0]
            found = nearest_facility(
                self.net,
                node[node >= 0],
                mode=mode,
                direction=direction,
                model=model,
                limit_s=self.search_limits_s.get(mode),
            )
            facility = np.full(self.net.n_nodes, -1, dtype=np.int64)
            reached = found.facility >= 0
            facility[reached] = on_net[found.facility[reached]]
            return NearestResult(
                travel_time_s=found.travel_time_s,
                facility=facility,
                mode=found.mode,
                direction=found.direction,
                limit_s=found.limit_s,
                synthetic=found.synthetic,
            )

        # node-level results are kept only where a child will merge a site into them
        value = self._memo(self._results, key, build) if self.keep_node_searches else build()
        assert isinstance(value, NearestResult)
        return value

    def travel_time_at_points(
        self,
        chosen: ArrayLike,
        *,
        mode: str,
        direction: str,
        model: TravelModel | None = None,
    ) -> FloatArray:
        """Travel time between each point and its nearest chosen site, seconds.

        Parameters
        ----------
        chosen
            Indices of the chosen sites.
        mode
            ``walk``, ``drive`` or ``ems``.
        direction
            ``to_facility`` (residents travel) or ``from_facility`` (a vehicle leaves the site).
        model
            Travel model; default the network's model of ``mode``.

        Returns
        -------
        numpy.ndarray
            Per point: network time (with the model's dispatch delay) plus the access leg;
            ``inf`` for off-network points and points no chosen site reaches.
        """
        model = model if model is not None else self.net.default_model(mode)
        picked = _chosen(chosen, self.n_sites)
        key = ("time", picked.tobytes(), mode, direction, model.cache_key(), model.dispatch_delay_s)

        def build() -> FloatArray:
            nearest = self.nearest_nodes(picked, mode=mode, direction=direction, model=model)
            return self.at_points(nearest.travel_time_s, mode, self.access_leg_s(mode))

        return _array(self._memo(self._results, key, build))

    def nearest_site_at_points(
        self, chosen: ArrayLike, *, mode: str, direction: str, model: TravelModel | None = None
    ) -> IntArray:
        """Index (into the sites) of each point's nearest chosen site by travel time.

        Returns
        -------
        numpy.ndarray
            ``-1`` for off-network points and points no chosen site reaches (within the mode's
            search limit). Ties go to the lowest site index.
        """
        nearest = self.nearest_nodes(chosen, mode=mode, direction=direction, model=model)
        node = self.snapped_points(mode).node
        owner = np.full(self.n_points, -1, dtype=np.int64)
        owner[node >= 0] = nearest.facility[node[node >= 0]]
        return owner

    def network_distance_at_points(
        self, chosen: ArrayLike, *, mode: str, direction: str
    ) -> FloatArray:
        """Shortest road distance between each point and its nearest chosen site, metres.

        Parameters
        ----------
        chosen
            Indices of the chosen sites.
        mode
            The network whose edges count (``walk`` or ``drive``/``ems``).
        direction
            ``to_facility`` or ``from_facility`` (they differ on one-way streets).

        Returns
        -------
        numpy.ndarray
            Per point: network distance plus the snap distance; ``inf`` for off-network and
            unreached points.
        """
        picked = _chosen(chosen, self.n_sites)
        key = ("length", picked.tobytes(), mode_bit(mode), mode == "walk", direction)

        def build() -> FloatArray:
            sources = self.site_nodes(picked, mode)
            node_m = np.full(self.net.n_nodes, np.inf)
            if sources.size:
                matrix = length_matrix(self.net, mode, direction)
                node_m = np.asarray(
                    dijkstra(matrix, directed=True, indices=sources, min_only=True),
                    dtype=np.float64,
                )
            return self.at_points(node_m, mode, self.snapped_points(mode).distance_m)

        return _array(self._memo(self._results, key, build))

    def straight_distance_at_points(self, chosen: ArrayLike) -> FloatArray:
        """Straight-line distance from each point to its nearest chosen site, metres.

        Returns
        -------
        numpy.ndarray
            Per point, metres (KD-tree query); ``inf`` when no site is chosen.
        """
        picked = _chosen(chosen, self.n_sites)
        key = ("straight", picked.tobytes())

        def build() -> FloatArray:
            site, parent = self.site, self._parent
            px, py = np.asarray(self.points.x), np.asarray(self.points.y)
            if parent is not None and site is not None and site in picked:
                # the parent's distances, or the added site when nearer
                base = parent.straight_distance_at_points(picked[picked != site])
                sx, sy = np.asarray(self.sites.x)[site], np.asarray(self.sites.y)[site]
                return np.asarray(np.minimum(base, np.hypot(px - sx, py - sy)), dtype=np.float64)
            if parent is not None:
                return parent.straight_distance_at_points(picked)
            return nearest_straight_m(
                px, py, np.asarray(self.sites.x)[picked], np.asarray(self.sites.y)[picked]
            )

        return _array(self._memo(self._results, key, build))

    def within_both(
        self,
        chosen: ArrayLike,
        *,
        mode: str,
        direction: str,
        model: TravelModel,
        limit_s: float,
        limit_m: float,
    ) -> NDArray[np.bool_]:
        """Points one chosen site reaches within ``limit_s`` seconds and ``limit_m`` metres.

        Both limits hold for the same site: the search runs site by site (in chunks), with the
        access leg counted in both the time and the distance.

        Parameters
        ----------
        chosen
            Indices of the chosen sites.
        mode, direction, model
            As :meth:`travel_time_at_points`; the model's dispatch delay counts toward
            ``limit_s``.
        limit_s
            Time limit, seconds.
        limit_m
            Road-distance limit, metres.

        Returns
        -------
        numpy.ndarray
            Boolean mask over the points.
        """
        picked = _chosen(chosen, self.n_sites)
        key = ("both", picked.tobytes(), mode, direction, model.cache_key(), limit_s, limit_m)

        def build() -> NDArray[np.bool_]:
            snap = self.snapped_points(mode)
            covered = np.zeros(self.n_points, dtype=np.bool_)
            on = np.flatnonzero(snap.node >= 0)
            sources = self.site_nodes(picked, mode)
            # what is left of each limit once the access leg and the dispatch delay are spent
            slack_s = limit_s - model.dispatch_delay_s - self.access_leg_s(mode)[on]
            slack_m = limit_m - snap.distance_m[on]
            if sources.size and on.size:
                graph = self.net.mode_graph(mode, model=model)
                time_matrix = graph.backward if direction == "to_facility" else graph.forward
                lengths = length_matrix(self.net, mode, direction)
                nodes = snap.node[on]
                max_s = max(float(slack_s.max()), 0.0)
                max_m = max(float(slack_m.max()), 0.0)
                hit = np.zeros(on.shape[0], dtype=np.bool_)
                for start in range(0, sources.shape[0], _CHUNK):
                    chunk = sources[start : start + _CHUNK]
                    time_s = dijkstra(time_matrix, directed=True, indices=chunk, limit=max_s)
                    length_m = dijkstra(lengths, directed=True, indices=chunk, limit=max_m)
                    within = (time_s[:, nodes] <= slack_s) & (length_m[:, nodes] <= slack_m)
                    hit |= within.any(axis=0)
                covered[on] = hit
            return covered

        value = self._memo(self._results, key, build)
        assert isinstance(value, np.ndarray)
        return value

    def coverage(
        self,
        chosen: ArrayLike,
        population: ArrayLike,
        *,
        mode: str,
        minutes: float,
        direction: str = "to_facility",
        model: TravelModel | None = None,
    ) -> CoverageResult:
        """Residents within ``minutes`` of the nearest chosen site, and each site's catchment.

        One bounded search (:func:`geo.access.coverage.compute_coverage`) from the chosen
        sites' nodes, with each point's access leg.

        Parameters
        ----------
        chosen
            Indices of the chosen sites; ``facility_population`` follows their order.
        population
            Residents at each point, persons.
        mode, direction, model
            As :meth:`travel_time_at_points`.
        minutes
            Travel-time threshold, minutes (dispatch delay included for ``ems``).

        Returns
        -------
        CoverageResult
            Per point time, covering site (index into ``chosen``) and flag, and the totals.
        """
        picked = np.asarray(chosen, dtype=np.int64).reshape(-1)
        snap = self.snapped_points(mode)
        return compute_coverage(
            self.net,
            self.snapped_sites(mode).node[_chosen(picked, self.n_sites, keep_order=True)],
            snap.node,
            population,
            mode=mode,
            minutes=minutes,
            direction=direction,
            point_snap_m=snap.distance_m,
            model=model,
        )

    # ---- one more site

    def with_site(self, sites: S) -> "AccessContext[P, S]":
        """A child context: these sites, which are this context's plus one added last.

        Searches that include the added site merge it into this context's node times with one
        bounded search (:func:`geo.access.incremental.add_site`); straight distances take the
        minimum with it; road distances and the searches site by site run again on the child's
        snaps. Searches without it are this context's. The points' snaps are shared.

        Parameters
        ----------
        sites
            This context's sites in the same order, then the new one.

        Raises
        ------
        CoverageInputError
            When ``sites`` is not this context's sites plus exactly one.
        """
        n = self.n_sites
        sx, sy = np.asarray(sites.x, dtype=np.float64), np.asarray(sites.y, dtype=np.float64)
        if sx.shape != (n + 1,) or sy.shape != (n + 1,):
            # the caller extends its own context: a mismatch is a defect, not a planner's input
            msg = f"with_site: sites must hold the {n} sites of the context and one more"
            raise GeoError(msg)
        if not (
            np.array_equal(sx[:n], np.asarray(self.sites.x))
            and np.array_equal(sy[:n], np.asarray(self.sites.y))
        ):
            msg = "with_site: the first sites must be the context's, in the same order"
            raise GeoError(msg)
        if not (np.isfinite(sx[n]) and np.isfinite(sy[n])):
            raise CoverageInputError.worded("input.common.finite_xy", field="sites")
        child: AccessContext[P, S] = AccessContext(
            self.net,
            self.points,
            sites,
            max_snap_m=self.max_snap_m,
            search_limits_s=self.search_limits_s,
            keep_node_searches=True,
            snapper=self.snapper,
        )
        child._parent = self
        child._per_point = self._per_point
        return child

    def detach(self) -> None:
        """Keep the parent's searches and forget the parent (so its memory can be freed).

        A search is keyed by the chosen site indices; the parent's sites keep their indices
        here, so its results stand for the same site sets. Later searches of new sets run in
        full on this context.
        """
        parent = self._parent
        if parent is None:
            return
        self._results = parent._results | self._results
        self._parent = None


def _chosen(chosen: ArrayLike, n_sites: int, *, keep_order: bool = False) -> IntArray:
    """Checked site indices: distinct and ascending (or as given with ``keep_order``)."""
    picked = np.asarray(chosen, dtype=np.int64).reshape(-1)
    if picked.size and (picked.min() < 0 or picked.max() >= n_sites):
        raise CoverageInputError.worded(
            "input.access.chosen",
            field="chosen",
            low=int(picked.min()),
            high=int(picked.max()),
            n=n_sites,
        )
    return picked if keep_order else np.unique(picked).astype(np.int64)


def _array(value: object) -> FloatArray:
    assert isinstance(value, np.ndarray)
    return value
