"""Road networks in array form: the compute format of every travel-time analysis.

A :class:`Network` holds node coordinates in a metric CRS and one row per *directed* edge (a
two-way road segment gives two edges, a one-way segment one). Per mode it derives, once, the
usable edges and the CSR adjacency matrices of travel times (forward and transposed), cached on
the network. networkx / osmnx graphs are only an import format (:mod:`geo.network.readers`).

Mode filters by OSM ``highway`` class (readers refine them with ``service``/``access`` tags):

* ``drive`` / ``ems``: :data:`DRIVE_HIGHWAYS` (motorway … residential, living_street, service,
  road and the ``*_link`` ramps). Readers drop ``service`` ways tagged as parking aisles,
  parking, emergency access or private, following osmnx's ``drive_service`` filter.
* ``walk``: :data:`WALK_HIGHWAYS`, every way a pedestrian may use except motorways and trunk
  roads (and cycleways, as osmnx's ``walk`` filter), in both directions whatever ``oneway`` says.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, NamedTuple, TypeVar, cast

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from geo._validate import bool_array, check_mode, float_array, int_array
from geo.errors import GeoError, NetworkInputError
from geo.network.speeds import TravelModel, travel_model

if TYPE_CHECKING:
    import networkx as nx

# ramps share the class of the road they serve (OSM wiki: Key:highway, "Link roads")
_LINKS = ("motorway", "trunk", "primary", "secondary", "tertiary")

DRIVE_HIGHWAYS: frozenset[str] = frozenset(
    {*_LINKS, *(f"{c}_link" for c in _LINKS)}
    | {"unclassified", "residential", "living_street", "service", "road"}
)

WALK_HIGHWAYS: frozenset[str] = frozenset(
    {c for c in _LINKS if c not in {"motorway", "trunk"}}
    | {f"{c}_link" for c in ("primary", "secondary", "tertiary")}
    | {"unclassified", "residential", "living_street", "service", "road"}
    | {"pedestrian", "footway", "path", "steps", "track", "bridleway", "corridor"}
)

_T = TypeVar("_T")

# the source name of every generated edge (synthetic networks, connectors between networks);
# any other name is a real source: the file or extract the edge was read from
SYNTHETIC_SOURCE: Final = "synthetic"
# the source name of real edges whose file is not known (arrays built in code)
REAL_SOURCE: Final = "real"

# bits of the per-edge ``access`` mask
WALK: int = 1
DRIVE: int = 2


def mode_bit(mode: str) -> int:
    """Access bit of ``mode``: :data:`WALK` for ``walk``, :data:`DRIVE` for ``drive``/``ems``."""
    return WALK if check_mode(mode) == "walk" else DRIVE


def encode_classes(highway: ArrayLike | Sequence[str]) -> tuple[NDArray[np.int16], tuple[str, ...]]:
    """Encode OSM ``highway`` values as small integer codes.

    Parameters
    ----------
    highway
        OSM ``highway`` value of each edge.

    Returns
    -------
    tuple
        ``(codes, classes)``: ``classes[codes[i]]`` is the value of edge ``i``; classes in order
        of first appearance.
    """
    import pandas as pd

    values = np.asarray(highway, dtype=object).reshape(-1)
    # hash-based factorize: several times faster than sorting strings (np.unique)
    codes, classes = pd.factorize(values)
    if (codes < 0).any():
        raise NetworkInputError.worded("input.network.no_class", field="highway")
    return codes.astype(np.int16), tuple(str(c) for c in classes)


def encode_sources(
    source: ArrayLike | Sequence[str] | str, n: int
) -> tuple[NDArray[np.uint8], tuple[str, ...]]:
    """Encode edge source names as ``uint8`` codes (at most 256 sources in one network).

    Parameters
    ----------
    source
        One name for all ``n`` edges, or one name per edge.
    n
        Number of edges.

    Returns
    -------
    tuple
        ``(codes, sources)``: ``sources[codes[i]]`` is the source of edge ``i``.
    """
    import pandas as pd

    if isinstance(source, str):
        return np.zeros(n, dtype=np.uint8), (source,)
    values = np.asarray(source, dtype=object).reshape(-1)
    if values.shape[0] != n:
        raise NetworkInputError.worded(
            "input.common.count", field="source", given=values.shape[0], n=n
        )
    codes, names = pd.factorize(values)
    if (codes < 0).any():
        raise NetworkInputError.worded("input.network.no_source", field="source")
    if len(names) > 256:
        raise NetworkInputError.worded("input.network.sources", field="source", n=len(names))
    return codes.astype(np.uint8), tuple(str(c) for c in names) or (REAL_SOURCE,)


def default_access(road_class: NDArray[np.int16], classes: Sequence[str]) -> NDArray[np.uint8]:
    """Access mask of each edge from its OSM ``highway`` class alone.

    Parameters
    ----------
    road_class
        Code of each edge's class, an index into ``classes``.
    classes
        OSM ``highway`` values.

    Returns
    -------
    numpy.ndarray
        ``uint8`` bit mask per edge: :data:`WALK` | :data:`DRIVE`.
    """
    table = np.array(
        [
            (WALK if c in WALK_HIGHWAYS else 0) | (DRIVE if c in DRIVE_HIGHWAYS else 0)
            for c in classes
        ],
        dtype=np.uint8,
    )
    return table[road_class] if len(classes) else np.zeros(road_class.shape[0], dtype=np.uint8)


class ModeEdges(NamedTuple):
    """The directed edges usable in one mode.

    Attributes
    ----------
    edge
        Index of the underlying network edge of each mode edge.
    tail, head
        Node indices: the mode edge runs ``tail -> head`` (reversed for walking against a
        one-way edge).
    """

    edge: NDArray[np.int64]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]


class ModeGraph(NamedTuple):
    """Travel-time CSR matrices of one mode and travel model.

    Attributes
    ----------
    forward
        ``forward[u, v]`` = travel time of the fastest edge ``u -> v``, seconds.
    backward
        The transpose: ``backward[v, u]`` = ``forward[u, v]``; searching it from a facility
        gives times *to* the facility.
    edges
        The mode edges, aligned with ``travel_time_s``.
    travel_time_s
        Travel time of each mode edge, seconds.
    """

    forward: sp.csr_matrix
    backward: sp.csr_matrix
    edges: ModeEdges
    travel_time_s: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Network:
    """Directed road network in array form (the compute format). Node coordinates in a metric CRS.

    Attributes
    ----------
    crs
        Coordinate reference system of ``x``/``y``, e.g. ``"EPSG:32649"``; metres.
    x, y
        Node coordinates, metres, shape ``(n_nodes,)``.
    node_id
        Source id of each node (OSM node id, or a generator's id).
    edge_u, edge_v
        Tail and head node index of each directed edge, shape ``(n_edges,)``.
    length_m
        Length of each edge, metres.
    road_class
        Code of each edge's OSM ``highway`` class: an index into ``road_classes``.
    road_classes
        The OSM ``highway`` values the codes stand for.
    oneway
        Whether the edge comes from a one-way segment (no reverse edge exists for driving).
    way_id
        OSM way id of each edge, ``-1`` when unknown.
    maxspeed_kph
        Posted speed of each edge, km/h, ``nan`` when unknown.
    access
        Bit mask per edge of the modes allowed on it (:data:`WALK`, :data:`DRIVE`).
    urban
        Whether each node lies in an urban area (urban speed table) or not; all urban by default.
    edge_source
        Code of each edge's source: an index into ``sources``.
    sources
        Source names: :data:`SYNTHETIC_SOURCE` for generated edges, else the file or extract the
        edges were read from (real roads).
    synthetic
        True for generated networks; carried into every result so synthetic figures are never
        mistaken for real ones.
    """

    crs: str
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    node_id: NDArray[np.int64]
    edge_u: NDArray[np.int64]
    edge_v: NDArray[np.int64]
    length_m: NDArray[np.float64]
    road_class: NDArray[np.int16]
    road_classes: tuple[str, ...]
    oneway: NDArray[np.bool_]
    way_id: NDArray[np.int64]
    maxspeed_kph: NDArray[np.float64]
    access: NDArray[np.uint8]
    urban: NDArray[np.bool_]
    edge_source: NDArray[np.uint8]
    sources: tuple[str, ...]
    synthetic: bool = False
    _cache: dict[Hashable, object] = field(default_factory=dict, init=False, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges (all modes)."""
        return int(self.edge_u.shape[0])

    @property
    def highway(self) -> NDArray[np.str_]:
        """OSM ``highway`` value of each edge (decoded from ``road_class``)."""
        return np.asarray(self.road_classes, dtype=str)[self.road_class]

    @property
    def edge_real(self) -> NDArray[np.bool_]:
        """Whether each edge is a real road (its source is not :data:`SYNTHETIC_SOURCE`)."""
        real = np.array([name != SYNTHETIC_SOURCE for name in self.sources], dtype=np.bool_)
        return real[self.edge_source] if len(real) else np.zeros(self.n_edges, dtype=np.bool_)

    def with_source(self, name: str) -> "Network":
        """A copy whose edges all come from the source ``name`` (a file name, or synthetic)."""
        return replace(
            self, edge_source=np.zeros(self.n_edges, dtype=np.uint8), sources=(str(name),)
        )

    def cached(self, key: Hashable, build: Callable[[], _T]) -> _T:
        """Return the value cached under ``key``, building and storing it on first use.

        Derived structures (CSR matrices, KD-trees) are cached on the network itself, so every
        analysis of the same network reuses them; the arrays never change, so nothing goes stale.
        """
        if key not in self._cache:
            self._cache[key] = build()
        return cast("_T", self._cache[key])

    def with_urban(self, urban: ArrayLike) -> "Network":
        """A copy whose nodes carry the given urban flags (True: urban speed table).

        Parameters
        ----------
        urban
            One flag per node.
        """
        flags = bool_array(urban, name="urban", n=self.n_nodes)
        return replace(self, urban=flags)

    def mode_edges(self, mode: str) -> ModeEdges:
        """Directed edges usable in ``mode``; walking adds the reverse of every one-way edge.

        Parameters
        ----------
        mode
            ``walk``, ``drive`` or ``ems``.

        Returns
        -------
        ModeEdges
            Cached on the network.
        """
        key = ("edges", mode_bit(mode))
        cached = self._cache.get(key)
        if isinstance(cached, ModeEdges):
            return cached
        allowed = np.flatnonzero(self.access & mode_bit(mode))
        edge, tail, head = allowed, self.edge_u[allowed], self.edge_v[allowed]
        if mode == "walk":
            # pedestrians walk both ways on one-way streets
            rev = allowed[self.oneway[allowed]]
            edge = np.concatenate([edge, rev])
            tail = np.concatenate([tail, self.edge_v[rev]])
            head = np.concatenate([head, self.edge_u[rev]])
        result = ModeEdges(edge=edge, tail=tail, head=head)
        self._cache[key] = result
        return result

    def mode_nodes(self, mode: str) -> NDArray[np.bool_]:
        """Mask of the nodes touched by at least one edge usable in ``mode`` (snap targets)."""
        key = ("nodes", mode_bit(mode))
        cached = self._cache.get(key)
        if isinstance(cached, np.ndarray):
            return cached
        edges = self.mode_edges(mode)
        mask = np.zeros(self.n_nodes, dtype=np.bool_)
        mask[edges.tail] = True
        mask[edges.head] = True
        self._cache[key] = mask
        return mask

    def n_mode_nodes(self, mode: str) -> int:
        """Number of nodes touched by ``mode`` edges."""
        return int(self.mode_nodes(mode).sum())

    def edge_travel_time_s(self, model: TravelModel) -> NDArray[np.float64]:
        """Travel time of every network edge under ``model``, seconds (excluding trip delays).

        Edges not usable in the model's mode get a time too; use :meth:`mode_edges` to select.
        """
        urban_edge = self.urban[self.edge_u] | self.urban[self.edge_v]
        speed_kph = model.edge_speed_kph(
            self.road_class,
            self.road_classes,
            maxspeed_kph=self.maxspeed_kph,
            way_id=self.way_id,
            urban=urban_edge,
        )
        return np.asarray(self.length_m / (speed_kph / 3.6), dtype=np.float64)

    def mode_graph(self, mode: str, *, model: TravelModel | None = None) -> ModeGraph:
        """Travel-time CSR matrices of ``mode``, built once per travel model and cached.

        Parameters
        ----------
        mode
            ``walk``, ``drive`` or ``ems``.
        model
            Travel model; defaults to :func:`geo.speeds.travel_model` ``(mode)``.

        Returns
        -------
        ModeGraph
            Parallel edges keep their fastest member; self-loops are dropped (they never shorten
            a path).
        """
        model = model if model is not None else self.default_model(mode)
        if model.mode != mode:
            # a caller's pairing of model and mode, never a planner's input
            msg = f"travel model is for mode {model.mode!r}, not {mode!r}"
            raise GeoError(msg)
        key = ("graph", model.cache_key())
        cached = self._cache.get(key)
        if isinstance(cached, ModeGraph):
            return cached
        edges = self.mode_edges(mode)
        time_s = self.edge_travel_time_s(model)[edges.edge]
        forward = _csr_min(edges.tail, edges.head, time_s, self.n_nodes)
        # the transpose of the deduplicated forward matrix is the one _csr_min builds from the
        # reversed edges (rows by head, tails ascending): scipy's linear-time conversion, no sort
        backward = forward.transpose().tocsr()
        result = ModeGraph(forward=forward, backward=backward, edges=edges, travel_time_s=time_s)
        self._cache[key] = result
        return result

    def default_model(self, mode: str) -> TravelModel:
        """The default travel model of ``mode`` (cached: its key is computed once)."""
        key = ("model", check_mode(mode))
        cached = self._cache.get(key)
        if isinstance(cached, TravelModel):
            return cached
        model = travel_model(mode)
        self._cache[key] = model
        return model

    def to_networkx(self, mode: str, *, model: TravelModel | None = None) -> "nx.MultiDiGraph":
        """The ``mode`` edges as a networkx graph with ``travel_time_s`` and ``length_m`` on edges.

        Nodes are the integer node indices; meant for reference checks, not for computing.
        """
        import networkx as nx

        graph = self.mode_graph(mode, model=model)
        G = nx.MultiDiGraph(crs=self.crs)
        G.add_nodes_from(range(self.n_nodes))
        lengths = self.length_m[graph.edges.edge]
        G.add_edges_from(
            (int(u), int(v), {"travel_time_s": float(t), "length_m": float(d)})
            for u, v, t, d in zip(
                graph.edges.tail, graph.edges.head, graph.travel_time_s, lengths, strict=True
            )
        )
        return G


def _csr_min(
    tail: NDArray[np.int64], head: NDArray[np.int64], weight: NDArray[np.float64], n: int
) -> sp.csr_matrix:
    # one int64 sort key per (tail, head); parallel edges keep their fastest member (building
    # through COO would *sum* them)
    keep = tail != head
    key = tail[keep] * n + head[keep]
    weight = weight[keep]
    order = np.argsort(key, kind="stable")
    key, weight = key[order], weight[order]
    first = np.ones(key.shape[0], dtype=np.bool_)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    if starts.shape[0] != key.shape[0]:
        weight = np.minimum.reduceat(weight, starts) if starts.size else weight
        key = key[starts]
    tail_s, head_s = np.divmod(key, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail_s, minlength=n), out=indptr[1:])
    # int32 indices: what scipy.sparse.csgraph works in, avoiding a conversion per search
    return sp.csr_matrix(
        (weight, head_s.astype(np.int32), indptr.astype(np.int32)), shape=(n, n), copy=False
    )


def network_from_arrays(
    x: ArrayLike,
    y: ArrayLike,
    edge_u: ArrayLike,
    edge_v: ArrayLike,
    highway: ArrayLike | Sequence[str],
    *,
    crs: str,
    oneway: ArrayLike | None = None,
    length_m: ArrayLike | None = None,
    maxspeed_kph: ArrayLike | None = None,
    way_id: ArrayLike | None = None,
    node_id: ArrayLike | None = None,
    urban: ArrayLike | None = None,
    access: ArrayLike | None = None,
    source: ArrayLike | Sequence[str] | str | None = None,
    synthetic: bool = False,
) -> Network:
    """Build a :class:`Network` from road segments given as arrays.

    Parameters
    ----------
    x, y
        Node coordinates in ``crs``, metres, shape ``(n_nodes,)``.
    edge_u, edge_v
        Node indices (``0 … n_nodes-1``) of each road segment's ends, shape ``(m,)``.
    highway
        OSM ``highway`` value of each segment (e.g. ``"residential"``).
    crs
        A metric CRS, e.g. ``"EPSG:32649"`` (UTM 49N, Hunan).
    oneway
        Per segment: True when only ``u -> v`` may be driven; False (default) adds both
        directions.
    length_m
        Segment lengths, metres; default: the straight distance between the end nodes.
    maxspeed_kph
        Posted speed per segment, km/h; ``nan`` (default) when unknown.
    way_id
        OSM way id per segment; ``-1`` (default) when unknown.
    node_id
        Source id per node; default ``0 … n_nodes-1``.
    urban
        Per node: True for urban (default), False for rural speeds.
    access
        Per segment bit mask of allowed modes (:data:`WALK` | :data:`DRIVE`); default from
        ``highway`` (:func:`default_access`).
    source
        Source name of every segment (one name, or one per segment): the file or extract it was
        read from, or :data:`SYNTHETIC_SOURCE`; default :data:`SYNTHETIC_SOURCE` for a synthetic
        network, else :data:`REAL_SOURCE`.
    synthetic
        True for generated networks.

    Returns
    -------
    Network
        Directed edges: segment ``i`` gives edge ``i`` (``u -> v``); two-way segments also give
        a reverse edge, appended after all forward edges in segment order.
    """
    xs = float_array(x, name="x")
    n = xs.shape[0]
    ys = float_array(y, name="y", n=n)
    u = int_array(edge_u, name="edge_u")
    m = u.shape[0]
    v = int_array(edge_v, name="edge_v", n=m)
    if m and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        raise NetworkInputError.worded("input.network.edge_nodes", field="edge_u", n=n)
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise NetworkInputError.worded("input.common.finite_xy", field="x")
    road_class, classes = encode_classes(highway)
    if road_class.shape[0] != m:
        raise NetworkInputError.worded(
            "input.common.count", field="highway", given=road_class.shape[0], n=m
        )
    ow = np.zeros(m, dtype=np.bool_) if oneway is None else bool_array(oneway, name="oneway", n=m)
    if length_m is None:
        length = np.hypot(xs[u] - xs[v], ys[u] - ys[v])
    else:
        length = float_array(length_m, name="length_m", n=m)
        if not np.isfinite(length).all() or (length < 0).any():
            raise NetworkInputError.worded("input.network.lengths", field="length_m")
    maxspeed = (
        np.full(m, np.nan)
        if maxspeed_kph is None
        else float_array(maxspeed_kph, name="maxspeed_kph", n=m)
    )
    ways = (
        np.full(m, -1, dtype=np.int64) if way_id is None else int_array(way_id, name="way_id", n=m)
    )
    ids = (
        np.arange(n, dtype=np.int64) if node_id is None else int_array(node_id, name="node_id", n=n)
    )
    is_urban = np.ones(n, dtype=np.bool_) if urban is None else bool_array(urban, name="urban", n=n)
    acc = (
        default_access(road_class, classes)
        if access is None
        else np.asarray(access, dtype=np.uint8).reshape(-1)
    )
    if acc.shape[0] != m:
        raise NetworkInputError.worded(
            "input.common.count", field="access", given=acc.shape[0], n=m
        )
    if source is None:
        source = SYNTHETIC_SOURCE if synthetic else REAL_SOURCE
    edge_source, sources = encode_sources(source, m)

    # directed edges: every segment forward, then the two-way segments backward
    back = np.flatnonzero(~ow)
    order = np.concatenate([np.arange(m, dtype=np.int64), back])
    return assemble_network(
        crs=crs,
        x=xs,
        y=ys,
        node_id=ids,
        edge_u=np.concatenate([u, v[back]]),
        edge_v=np.concatenate([v, u[back]]),
        length_m=length[order],
        road_class=road_class[order],
        road_classes=classes,
        oneway=ow[order],
        way_id=ways[order],
        maxspeed_kph=maxspeed[order],
        access=acc[order],
        urban=is_urban,
        edge_source=edge_source[order],
        sources=tuple(sources),
        synthetic=synthetic,
    )


def assemble_network(
    *,
    crs: str,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    node_id: NDArray[np.int64],
    edge_u: NDArray[np.int64],
    edge_v: NDArray[np.int64],
    length_m: NDArray[np.float64],
    road_class: NDArray[np.int16],
    road_classes: Sequence[str],
    oneway: NDArray[np.bool_],
    way_id: NDArray[np.int64],
    maxspeed_kph: NDArray[np.float64],
    access: NDArray[np.uint8],
    urban: NDArray[np.bool_],
    edge_source: NDArray[np.uint8] | None = None,
    sources: Sequence[str] | None = None,
    synthetic: bool = False,
) -> Network:
    """Build a :class:`Network` from *directed* edge arrays, taken as they are.

    Unlike :func:`network_from_arrays`, no reverse edges are added: each row is one direction
    of travel, and ``oneway`` only says whether walking may use the reverse. For readers of
    graphs that are already directed (osmnx); arguments as the :class:`Network` attributes
    (without ``edge_source``, every edge comes from one source: :data:`SYNTHETIC_SOURCE` or
    :data:`REAL_SOURCE` by ``synthetic``).
    """
    n, m = x.shape[0], edge_u.shape[0]
    sizes = {
        "y": y.shape[0] == n,
        "node_id": node_id.shape[0] == n,
        "urban": urban.shape[0] == n,
        "edge_v": edge_v.shape[0] == m,
        "length_m": length_m.shape[0] == m,
        "road_class": road_class.shape[0] == m,
        "oneway": oneway.shape[0] == m,
        "way_id": way_id.shape[0] == m,
        "maxspeed_kph": maxspeed_kph.shape[0] == m,
        "access": access.shape[0] == m,
    }
    if edge_source is None or sources is None:
        edge_source = np.zeros(m, dtype=np.uint8)
        sources = (SYNTHETIC_SOURCE if synthetic else REAL_SOURCE,)
    sizes["edge_source"] = edge_source.shape[0] == m
    wrong = [name for name, ok in sizes.items() if not ok]
    if m and (int(road_class.min()) < 0 or int(road_class.max()) >= len(road_classes)):
        wrong.append("road_class (codes outside road_classes)")
    if m and int(edge_source.max()) >= len(sources):
        wrong.append("edge_source (codes outside sources)")
    if wrong:
        # the arrays come from a reader of ours, already checked: a mismatch is our defect
        msg = f"array length mismatch for {', '.join(wrong)} ({n} nodes, {m} edges)"
        raise GeoError(msg)
    return Network(
        crs=crs,
        x=np.ascontiguousarray(x, dtype=np.float64),
        y=np.ascontiguousarray(y, dtype=np.float64),
        node_id=np.ascontiguousarray(node_id, dtype=np.int64),
        edge_u=np.ascontiguousarray(edge_u, dtype=np.int64),
        edge_v=np.ascontiguousarray(edge_v, dtype=np.int64),
        length_m=np.ascontiguousarray(length_m, dtype=np.float64),
        road_class=np.ascontiguousarray(road_class, dtype=np.int16),
        road_classes=tuple(road_classes),
        oneway=np.ascontiguousarray(oneway, dtype=np.bool_),
        way_id=np.ascontiguousarray(way_id, dtype=np.int64),
        maxspeed_kph=np.ascontiguousarray(maxspeed_kph, dtype=np.float64),
        access=np.ascontiguousarray(access, dtype=np.uint8),
        urban=np.ascontiguousarray(urban, dtype=np.bool_),
        edge_source=np.ascontiguousarray(edge_source, dtype=np.uint8),
        sources=tuple(sources),
        synthetic=synthetic,
    )
