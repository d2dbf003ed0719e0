"""Candidate sites in the gap zones: network nodes beyond the norm's limit, thinned.

A node is in a gap when its cost to the nearest existing facility (a travel time or a distance,
e.g. :meth:`geo.access.context.AccessContext.nearest_nodes`) exceeds the limit it is held to: one
limit for every node, or one per node (the urban limit at an urban node, the rural one elsewhere:
:func:`settlement_node_limits`). The gap nodes are thinned to one per square of side
``spacing_m`` (:func:`thin_nodes`), so the candidate count follows the gap area rather than the
street density; the nodes where uncovered residents live can be added (thinned apart), since a
node's urban flag need not match its residents'.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import LocationInputError
from geo.network import Network

__all__ = ["gap_candidates", "settlement_node_limits", "thin_nodes"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def thin_nodes(net: Network, nodes: ArrayLike, spacing_m: float) -> IntArray:
    """One node per square cell of side ``spacing_m``: the one nearest the cell's centre.

    Parameters
    ----------
    net
        The road network (metric CRS).
    nodes
        Node indices to thin.
    spacing_m
        Side of the square cells, metres (cells start at the CRS origin).

    Returns
    -------
    numpy.ndarray
        Node indices, ascending; ties in distance to the centre go to the lowest index.
    """
    if not (np.isfinite(spacing_m) and spacing_m > 0):
        msg = f"spacing_m must be > 0 metres, got {spacing_m}"
        raise LocationInputError(msg)
    picked = np.asarray(nodes, dtype=np.int64).reshape(-1)
    if picked.size == 0:
        return picked
    x, y = net.x[picked], net.y[picked]
    cx, cy = np.floor(x / spacing_m), np.floor(y / spacing_m)
    off = np.hypot(x - (cx + 0.5) * spacing_m, y - (cy + 0.5) * spacing_m)
    # per cell, the node nearest its centre comes first
    order = np.lexsort((picked, off, cy, cx))
    cell_x, cell_y = cx[order], cy[order]
    first = np.ones(order.shape[0], dtype=np.bool_)
    first[1:] = (cell_x[1:] != cell_x[:-1]) | (cell_y[1:] != cell_y[:-1])
    return np.sort(picked[order[first]]).astype(np.int64)


def settlement_node_limits(net: Network, limits: ArrayLike, urban: ArrayLike) -> FloatArray:
    """Per node, the limit of its settlement type, from the limits residents are held to.

    Parameters
    ----------
    net
        The road network; ``net.urban`` gives each node's settlement type.
    limits
        The limit of each counted resident point (seconds or metres).
    urban
        Whether each of those points is urban.

    Returns
    -------
    numpy.ndarray
        Per node: the largest urban limit at an urban node, the largest rural one elsewhere; a
        type without points takes the largest limit of all.
    """
    values = np.asarray(limits, dtype=np.float64).reshape(-1)
    flags = np.asarray(urban, dtype=np.bool_).reshape(-1)
    if values.size == 0 or values.shape != flags.shape:
        msg = "limits and urban must have one value per point, and at least one point"
        raise LocationInputError(msg)
    top = float(values.max())
    urban_limit = float(values[flags].max()) if flags.any() else top
    rural_limit = float(values[~flags].max()) if (~flags).any() else top
    return np.where(net.urban, urban_limit, rural_limit).astype(np.float64)


def gap_candidates(
    net: Network,
    node_measure: ArrayLike,
    node_limit: float | ArrayLike,
    *,
    mode: str,
    spacing_m: float,
    demand_nodes: ArrayLike | None = None,
) -> IntArray:
    """Candidate sites generated in the gap zones: nodes beyond their limit, thinned.

    Parameters
    ----------
    net
        The road network.
    node_measure
        Per node, the cost to (or from) the nearest existing facility, seconds or metres;
        ``inf`` when none reaches it.
    node_limit
        The limit, in the unit of ``node_measure``: one for every node, or one per node
        (:func:`settlement_node_limits`). A node with a longer (or no) cost is in a gap.
    mode
        Only nodes usable in this mode are candidates (``walk``, ``drive`` or ``ems``).
    spacing_m
        Thinning: at most one candidate per square cell of this side, metres (the node
        nearest the cell centre; ties: lowest index).
    demand_nodes
        Nodes where uncovered residents live (``-1`` ignored): candidates too, thinned apart
        from the gap nodes.

    Returns
    -------
    numpy.ndarray
        Node indices, ascending.
    """
    measure = np.asarray(node_measure, dtype=np.float64).reshape(-1)
    if measure.shape[0] != net.n_nodes:
        msg = f"node_measure has {measure.shape[0]} nodes, the network {net.n_nodes}"
        raise LocationInputError(msg)
    limit = np.broadcast_to(np.asarray(node_limit, dtype=np.float64), measure.shape)
    if not (np.isfinite(limit).all() and (limit >= 0).all()):
        msg = "node_limit must be finite and >= 0 at every node"
        raise LocationInputError(msg)
    if not (np.isfinite(spacing_m) and spacing_m > 0):
        msg = f"spacing_m must be > 0 metres, got {spacing_m}"
        raise LocationInputError(msg)
    gap = np.flatnonzero(net.mode_nodes(mode) & ~(measure <= limit)).astype(np.int64)
    picked = thin_nodes(net, gap, spacing_m)
    if demand_nodes is None:
        return picked
    lived = np.asarray(demand_nodes, dtype=np.int64).reshape(-1)
    lived = np.unique(lived[lived >= 0]).astype(np.int64)
    return np.union1d(picked, thin_nodes(net, lived, spacing_m)).astype(np.int64)
