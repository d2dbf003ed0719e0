"""One network: real roads where a file has them, synthetic ones elsewhere, joined where they meet.

A bureau's road file often covers the centre of a city only (central Changsha: 7 of its 9 units).
:func:`join_networks` keeps the real network whole, keeps the synthetic edges lying wholly outside
the real network's area, and joins the two: every synthetic node that lost a neighbour to the real
area is linked to its nearest real node by a connector of the class of the edge it lost. Each
edge keeps its source (:attr:`geo.network.Network.edge_source`: the real file's name, the
synthetic network's sources, and :data:`~geo.network.core.SYNTHETIC_SOURCE` for connectors).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.errors import NetworkInputError
from geo.network.core import SYNTHETIC_SOURCE, Network, network_from_arrays


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
    """

    network: Network
    segment_real: NDArray[np.bool_]
    connectors: int


def _segments(net: Network) -> NDArray[np.int64]:
    """Indices of one directed edge per road segment (both directions of a two-way road are one)."""
    return np.flatnonzero(net.oneway | (net.edge_u < net.edge_v))


def join_networks(real: Network, synthetic: Network, real_area: BaseGeometry) -> JoinedNetwork:
    """Join ``real`` (inside ``real_area``) to ``synthetic`` (outside it).

    Parameters
    ----------
    real, synthetic
        The two networks, in the same metric CRS.
    real_area
        Where the real network stands for the roads (e.g. the convex hull of its nodes), in
        that CRS.

    Returns
    -------
    JoinedNetwork

    Raises
    ------
    NetworkInputError
        When the CRSs differ.
    """
    import shapely
    from scipy.spatial import cKDTree

    if real.crs != synthetic.crs:
        msg = f"the networks are in {real.crs} and {synthetic.crs}: reproject one first"
        raise NetworkInputError(msg)
    inside = shapely.contains_xy(real_area, synthetic.x, synthetic.y)
    seg_r = _segments(real)
    seg_s = _segments(synthetic)
    su, sv = synthetic.edge_u[seg_s], synthetic.edge_v[seg_s]
    keep = ~inside[su] & ~inside[sv]
    # a synthetic node that lost a neighbour across the border is where the networks meet
    crossing = inside[su] ^ inside[sv]
    outer_end = np.where(inside[su[crossing]], sv[crossing], su[crossing])
    outer_end, first = np.unique(outer_end, return_index=True)
    crossing_class = synthetic.highway[seg_s[crossing]][first]

    kept_nodes = np.unique(np.concatenate([su[keep], sv[keep], outer_end]))
    remap = np.full(synthetic.n_nodes, -1, dtype=np.int64)
    remap[kept_nodes] = real.n_nodes + np.arange(len(kept_nodes))
    _, nearest = cKDTree(np.column_stack([real.x, real.y])).query(
        np.column_stack([synthetic.x[outer_end], synthetic.y[outer_end]])
    )
    nearest = np.asarray(nearest, dtype=np.int64)

    n_conn = len(outer_end)
    connector_m = np.hypot(
        synthetic.x[outer_end] - real.x[nearest], synthetic.y[outer_end] - real.y[nearest]
    )
    x = np.concatenate([real.x, synthetic.x[kept_nodes]])
    y = np.concatenate([real.y, synthetic.y[kept_nodes]])
    edge_u = np.concatenate([real.edge_u[seg_r], remap[su[keep]], remap[outer_end]])
    edge_v = np.concatenate([real.edge_v[seg_r], remap[sv[keep]], nearest])
    highway = np.concatenate(
        [real.highway[seg_r], synthetic.highway[seg_s[keep]], crossing_class]
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
        length_m=np.concatenate(
            [
                real.length_m[seg_r],
                synthetic.length_m[seg_s[keep]],
                connector_m,
            ]
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
            [
                real.access[seg_r],
                synthetic.access[seg_s[keep]],
                synthetic.access[seg_s[crossing]][first],
            ]
        ),
        source=source,
    )
    segment_real = np.concatenate(
        [np.ones(len(seg_r), dtype=bool), np.zeros(int(keep.sum()) + n_conn, dtype=bool)]
    )
    return JoinedNetwork(network=network, segment_real=segment_real, connectors=n_conn)
