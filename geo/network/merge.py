"""One network: real roads where a file has them, synthetic ones elsewhere, joined where they meet.

A bureau's road file often covers the centre of a city only (central Changsha: 7 of its 9 units),
and even there it leaves out hills, rivers and farmland. Two steps join it to the city's
synthetic network:

1. :func:`road_area` says where the file stands for the roads: the land within
   :data:`ROAD_REACH_M` of one of its roads (the union of its roads buffered by that distance,
   drawn on a :data:`AREA_CELL_M` grid and simplified). It follows the file's roads whatever
   their shape, so a file of a town and its highway corridors does not claim the empty land
   between them the way a convex hull would.
2. :func:`join_networks` keeps the real network whole and the synthetic edges lying wholly
   outside that area, so synthetic streets stay where the file has no road. Every synthetic node
   that lost a neighbour to the area is linked to its nearest real node by a straight connector
   of the class of the edge it lost, its length the straight line (never shorter), when that is
   at most :data:`MAX_CONNECTOR_M`: a connector stands for the short unmapped piece of road where
   the two networks meet, and a longer one would be a shortcut across land with no road. A
   synthetic component (connected part) left with no connector within the limit is still joined,
   by its shortest one, and counted in :attr:`JoinedNetwork.long_connectors`.

Each edge keeps its source (:attr:`geo.network.Network.edge_source`: the real file's name, the
synthetic network's sources, and :data:`~geo.network.core.SYNTHETIC_SOURCE` for connectors).
"""

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.errors import NetworkInputError
from geo.network.core import SYNTHETIC_SOURCE, Network, network_from_arrays

# the land a road file speaks for: within 1 km of one of its roads (a 500 m population cell
# two cells off a mapped road), metres
ROAD_REACH_M: Final[float] = 1000.0
# the grid the area is drawn on and the tolerance it is simplified by, metres
AREA_CELL_M: Final[float] = 100.0
# the longest connector: a road's reach on both sides plus a synthetic edge's typical length
# (about 500 m), metres; longer ones would cross land with no road
MAX_CONNECTOR_M: Final[float] = 2500.0


@dataclass(frozen=True)
class JoinedNetwork:
    """The joined network and where each segment came from.

    Attributes
    ----------
    network
        Real and synthetic segments with their connectors, in the real network's CRS; not
        flagged synthetic as a whole (its figures rest on real roads inside ``real_area``).
    segment_real
        Per undirected segment given to :func:`geo.network.core.network_from_arrays`: True for
        the real network's segments, False for synthetic ones and connectors.
    connectors
        Number of connectors between the two networks.
    connector_m
        Length of each connector (the straight line between its ends), metres; the connectors
        are the last ``connectors`` segments.
    long_connectors
        Connectors longer than the limit, each the shortest one of a synthetic component that
        had no real node within the limit.
    """

    network: Network
    segment_real: NDArray[np.bool_]
    connectors: int
    connector_m: NDArray[np.float64]
    long_connectors: int


def _segments(net: Network) -> NDArray[np.int64]:
    """Indices of one directed edge per road segment (both directions of a two-way road are one)."""
    return np.flatnonzero(net.oneway | (net.edge_u < net.edge_v))


def road_area(
    net: Network, *, reach_m: float = ROAD_REACH_M, cell_m: float = AREA_CELL_M
) -> BaseGeometry:
    """The land within ``reach_m`` of one of the network's roads, a (multi)polygon.

    Parameters
    ----------
    net
        A network in a metric CRS, with at least one segment.
    reach_m
        How far from a road the land counts, metres (> 0).
    cell_m
        Side of the grid the area is drawn on, metres (> 0): the cells whose centre lies within
        ``reach_m`` of a point sampled every half cell along a road, simplified by half a cell.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        In the network's CRS; holes where no road comes within ``reach_m``.

    Raises
    ------
    NetworkInputError
        When the network has no segment or a distance is not positive.
    """
    import shapely
    from rasterio.features import shapes
    from rasterio.transform import Affine
    from scipy.ndimage import distance_transform_edt

    seg = _segments(net)
    if len(seg) == 0 or not (reach_m > 0 and cell_m > 0):
        raise NetworkInputError.worded(
            "input.network.road_area",
            field="net",
            segments=len(seg),
            reach_m=reach_m,
            cell_m=cell_m,
        )
    # points every half cell along each segment, ends included
    x0, y0 = net.x[net.edge_u[seg]], net.y[net.edge_u[seg]]
    x1, y1 = net.x[net.edge_v[seg]], net.y[net.edge_v[seg]]
    steps = np.ceil(np.hypot(x1 - x0, y1 - y0) / (cell_m / 2)).astype(np.int64) + 1
    which = np.repeat(np.arange(len(seg)), steps)
    first = np.cumsum(steps) - steps
    t = (np.arange(len(which)) - first[which]) / np.maximum(steps[which] - 1, 1)
    px = x0[which] + t * (x1 - x0)[which]
    py = y0[which] + t * (y1 - y0)[which]
    # a grid with a margin of the reach around the roads; row 0 at the top
    pad = int(np.ceil(reach_m / cell_m)) + 1
    left = np.floor(px.min() / cell_m) * cell_m - pad * cell_m
    top = np.ceil(py.max() / cell_m) * cell_m + pad * cell_m
    col = np.floor((px - left) / cell_m).astype(np.int64)
    row = np.floor((top - py) / cell_m).astype(np.int64)
    road = np.ones((int(row.max()) + pad + 1, int(col.max()) + pad + 1), dtype=bool)
    road[row, col] = False
    within = distance_transform_edt(road, sampling=cell_m) <= reach_m
    transform = Affine(cell_m, 0.0, left, 0.0, -cell_m, top)
    polygons = [
        shapely.geometry.shape(geom)
        for geom, _ in shapes(within.astype(np.uint8), mask=within, transform=transform)
    ]
    return shapely.make_valid(shapely.union_all(polygons).simplify(cell_m / 2))


def join_networks(
    real: Network,
    synthetic: Network,
    real_area: BaseGeometry,
    *,
    max_connector_m: float = MAX_CONNECTOR_M,
) -> JoinedNetwork:
    """Join ``real`` (inside ``real_area``) to ``synthetic`` (outside it).

    Parameters
    ----------
    real, synthetic
        The two networks, in the same metric CRS.
    real_area
        Where the real network stands for the roads (e.g. :func:`road_area`), in that CRS.
    max_connector_m
        The longest connector, metres; a synthetic component with no real node within it is
        joined by its shortest connector all the same.

    Returns
    -------
    JoinedNetwork

    Raises
    ------
    NetworkInputError
        When the CRSs differ.
    """
    import shapely
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    if real.crs != synthetic.crs:
        raise NetworkInputError.worded(
            "input.network.crs_differ", field="synthetic", real=real.crs, synthetic=synthetic.crs
        )
    inside = shapely.contains_xy(real_area, synthetic.x, synthetic.y)
    seg_r = _segments(real)
    seg_s = _segments(synthetic)
    su, sv = synthetic.edge_u[seg_s], synthetic.edge_v[seg_s]
    keep = ~inside[su] & ~inside[sv]
    # a synthetic node that lost a neighbour across the border is where the networks meet
    crossing = inside[su] ^ inside[sv]
    outer_end = np.where(inside[su[crossing]], sv[crossing], su[crossing])
    outer_end, first = np.unique(outer_end, return_index=True)
    crossing_seg = seg_s[crossing][first]
    distance_m, nearest = cKDTree(np.column_stack([real.x, real.y])).query(
        np.column_stack([synthetic.x[outer_end], synthetic.y[outer_end]])
    )
    distance_m = np.asarray(distance_m, dtype=np.float64)
    nearest = np.asarray(nearest, dtype=np.int64)

    # within the limit; else the shortest of each synthetic component that has none within it
    n_syn = synthetic.n_nodes
    graph = coo_matrix((np.ones(int(keep.sum())), (su[keep], sv[keep])), shape=(n_syn, n_syn))
    _, component = connected_components(graph, directed=False)
    comp = component[outer_end]
    short = distance_m <= max_connector_m
    order = np.lexsort((distance_m, comp))
    shortest = order[np.r_[True, comp[order][1:] != comp[order][:-1]]] if len(order) else order
    joined_comp = np.unique(comp[short])
    lone = shortest[~np.isin(comp[shortest], joined_comp)]
    use = short.copy()
    use[lone] = True
    outer_end, nearest, crossing_seg = outer_end[use], nearest[use], crossing_seg[use]
    connector_m = distance_m[use]

    kept_nodes = np.unique(np.concatenate([su[keep], sv[keep], outer_end]))
    remap = np.full(n_syn, -1, dtype=np.int64)
    remap[kept_nodes] = real.n_nodes + np.arange(len(kept_nodes))
    n_conn = len(outer_end)
    x = np.concatenate([real.x, synthetic.x[kept_nodes]])
    y = np.concatenate([real.y, synthetic.y[kept_nodes]])
    edge_u = np.concatenate([real.edge_u[seg_r], remap[su[keep]], remap[outer_end]])
    edge_v = np.concatenate([real.edge_v[seg_r], remap[sv[keep]], nearest])
    highway = np.concatenate(
        [real.highway[seg_r], synthetic.highway[seg_s[keep]], synthetic.highway[crossing_seg]]
    ).astype(str)
    source = np.concatenate(
        [
            np.asarray(real.sources, dtype=object)[real.edge_source[seg_r]],
            np.asarray(synthetic.sources, dtype=object)[synthetic.edge_source[seg_s[keep]]],
            np.full(n_conn, SYNTHETIC_SOURCE, dtype=object),
        ]
    )
    network = network_from_arrays(
        x,
        y,
        edge_u,
        edge_v,
        highway,
        crs=real.crs,
        oneway=np.concatenate(
            [real.oneway[seg_r], synthetic.oneway[seg_s[keep]], np.zeros(n_conn, dtype=bool)]
        ),
        # a connector is as long as the straight line between its ends
        length_m=np.concatenate(
            [real.length_m[seg_r], synthetic.length_m[seg_s[keep]], connector_m]
        ),
        maxspeed_kph=np.concatenate(
            [
                real.maxspeed_kph[seg_r],
                synthetic.maxspeed_kph[seg_s[keep]],
                np.full(n_conn, np.nan),
            ]
        ),
        node_id=np.concatenate([real.node_id, synthetic.node_id[kept_nodes]]),
        urban=np.concatenate([real.urban, synthetic.urban[kept_nodes]]),
        access=np.concatenate(
            [real.access[seg_r], synthetic.access[seg_s[keep]], synthetic.access[crossing_seg]]
        ),
        source=source,
    )
    segment_real = np.concatenate(
        [np.ones(len(seg_r), dtype=bool), np.zeros(int(keep.sum()) + n_conn, dtype=bool)]
    )
    return JoinedNetwork(
        network=network,
        segment_real=segment_real,
        connectors=n_conn,
        connector_m=connector_m,
        long_connectors=int((connector_m > max_connector_m).sum()),
    )
