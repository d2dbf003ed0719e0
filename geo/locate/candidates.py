"""Candidate sites in the gap zones: network nodes beyond the norm's limit, thinned.

A node is in a gap when its cost to the nearest existing facility (a travel time or a distance,
e.g. :meth:`geo.access.context.AccessContext.nearest_nodes`) exceeds the limit it is held to: one
limit for every node, or one per node (the urban limit at an urban node, the rural one elsewhere:
:func:`settlement_node_limits`). The gap nodes are thinned to one per square of side
``spacing_m`` (:func:`thin_nodes`), so the candidate count follows the gap area rather than the
street density; the nodes where uncovered residents live can be added (thinned apart), since a
node's urban flag need not match its residents'.

At prefecture scale the spacing follows each node's limit (:func:`limit_spacing`: a node held to
20 km gets squares four times as wide as one held to 5 km), and :func:`gap_candidates` widens
every square by doubling until the candidates fit ``max_candidates``, so any city and rule gets
an instance of bounded size without a hand-tuned spacing.
"""

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.errors import LocationInputError
from geo.network import Network

__all__ = [
    "GapCandidates",
    "gap_candidates",
    "limit_spacing",
    "scaled_gap_candidates",
    "settlement_node_limits",
    "thin_nodes",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def thin_nodes(net: Network, nodes: ArrayLike, spacing_m: float | ArrayLike) -> IntArray:
    """One node per square cell of side ``spacing_m``: the one nearest the cell's centre.

    Parameters
    ----------
    net
        The road network (metric CRS).
    nodes
        Node indices to thin.
    spacing_m
        Side of the square cells, metres (cells start at the CRS origin): one for every node, or
        one per network node (nodes sharing a side are thinned together, on their own grid).

    Returns
    -------
    numpy.ndarray
        Node indices, ascending; ties in distance to the centre go to the lowest index.
    """
    picked = np.asarray(nodes, dtype=np.int64).reshape(-1)
    spacing = np.asarray(spacing_m, dtype=np.float64)
    if spacing.ndim:
        if spacing.shape[0] != net.n_nodes:
            raise LocationInputError.worded(
                "locate.error.count_nodes", field="spacing_m", given=spacing.shape[0], n=net.n_nodes
            )
        sides = spacing[picked]
        parts = [thin_nodes(net, picked[sides == side], float(side)) for side in np.unique(sides)]
        return np.sort(np.concatenate([np.zeros(0, dtype=np.int64), *parts])).astype(np.int64)
    spacing_m = float(spacing)
    if not (np.isfinite(spacing_m) and spacing_m > 0):
        raise LocationInputError.worded("locate.error.spacing", field="spacing_m", value=spacing_m)
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
        raise LocationInputError.worded(
            "locate.error.limits_urban", field="limits", given=values.size, n=flags.size
        )
    top = float(values.max())
    urban_limit = float(values[flags].max()) if flags.any() else top
    rural_limit = float(values[~flags].max()) if (~flags).any() else top
    return np.where(net.urban, urban_limit, rural_limit).astype(np.float64)


def limit_spacing(node_limit: ArrayLike, spacing_m: float) -> FloatArray:
    """Per node, a square side in proportion to its limit: ``spacing_m`` at the smallest limit.

    Parameters
    ----------
    node_limit
        Per node, the limit it is held to (seconds or metres), > 0.
    spacing_m
        Side at the smallest limit, metres.

    Returns
    -------
    numpy.ndarray
        Per node, metres: a node held to a limit four times longer gets squares four times as
        wide, so each resident sees about as many candidates within reach wherever it lives.
    """
    limit = np.asarray(node_limit, dtype=np.float64).reshape(-1)
    if limit.size == 0 or not (np.isfinite(limit).all() and (limit > 0).all()):
        raise LocationInputError.worded("locate.error.node_limit_positive", field="node_limit")
    if not (np.isfinite(spacing_m) and spacing_m > 0):
        raise LocationInputError.worded("locate.error.spacing", field="spacing_m", value=spacing_m)
    return np.asarray(spacing_m * limit / float(limit.min()), dtype=np.float64)


class GapCandidates(NamedTuple):
    """Candidate nodes and the thinning that produced them.

    Attributes
    ----------
    nodes
        Node indices, ascending.
    widened
        How many times the squares were doubled to fit ``max_candidates`` (0: as asked).
    spacing_m
        The side used at the smallest spacing asked, metres.
    """

    nodes: IntArray
    widened: int
    spacing_m: float


def gap_candidates(
    net: Network,
    node_measure: ArrayLike,
    node_limit: float | ArrayLike,
    *,
    mode: str,
    spacing_m: float | ArrayLike,
    demand_nodes: ArrayLike | None = None,
    max_candidates: int | None = None,
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
        nearest the cell centre; ties: lowest index); one side, or one per network node
        (:func:`limit_spacing`).
    demand_nodes
        Nodes where uncovered residents live (``-1`` ignored): candidates too, thinned apart
        from the gap nodes.
    max_candidates
        When given, the squares are doubled until at most this many candidates remain
        (:func:`scaled_gap_candidates` says how often).

    Returns
    -------
    numpy.ndarray
        Node indices, ascending.
    """
    return scaled_gap_candidates(
        net,
        node_measure,
        node_limit,
        mode=mode,
        spacing_m=spacing_m,
        demand_nodes=demand_nodes,
        max_candidates=max_candidates,
    ).nodes


def scaled_gap_candidates(
    net: Network,
    node_measure: ArrayLike,
    node_limit: float | ArrayLike,
    *,
    mode: str,
    spacing_m: float | ArrayLike,
    demand_nodes: ArrayLike | None = None,
    max_candidates: int | None = None,
) -> GapCandidates:
    """:func:`gap_candidates`, with the thinning used: the squares doubled until the count fits.

    Parameters are those of :func:`gap_candidates`; ``max_candidates`` must be >= 1.
    """
    measure = np.asarray(node_measure, dtype=np.float64).reshape(-1)
    if measure.shape[0] != net.n_nodes:
        raise LocationInputError.worded(
            "locate.error.count_nodes", field="node_measure", given=measure.shape[0], n=net.n_nodes
        )
    limit = np.broadcast_to(np.asarray(node_limit, dtype=np.float64), measure.shape)
    if not (np.isfinite(limit).all() and (limit >= 0).all()):
        raise LocationInputError.worded("locate.error.node_limit", field="node_limit")
    spacing = np.asarray(spacing_m, dtype=np.float64)
    if spacing.size == 0 or not (np.isfinite(spacing).all() and (spacing > 0).all()):
        raise LocationInputError.worded(
            "locate.error.spacing", field="spacing_m", value=spacing.min(initial=np.nan)
        )
    if max_candidates is not None and max_candidates < 1:
        raise LocationInputError.worded(
            "locate.error.at_least_one", field="max_candidates", value=max_candidates
        )
    gap = np.flatnonzero(net.mode_nodes(mode) & ~(measure <= limit)).astype(np.int64)
    lived = np.zeros(0, dtype=np.int64)
    if demand_nodes is not None:
        lived = np.asarray(demand_nodes, dtype=np.int64).reshape(-1)
        lived = np.unique(lived[lived >= 0]).astype(np.int64)
    widened = 0
    while True:
        side = spacing * 2.0**widened
        picked = np.union1d(thin_nodes(net, gap, side), thin_nodes(net, lived, side))
        # a square wider than the whole network leaves one node per group: stop there
        whole = float(np.min(side)) > 2.0 * float(np.ptp(net.x) + np.ptp(net.y) + 1.0)
        if max_candidates is None or picked.shape[0] <= max_candidates or whole:
            return GapCandidates(picked.astype(np.int64), widened, float(np.min(side)))
        widened += 1
