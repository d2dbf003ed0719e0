"""Edge-array helpers of :mod:`geo.synthetic.roads`: lattices, snapping, dedupe and stitching.

Every function works on whole arrays (no Python loop per node or edge); node coordinates are in
metres of one metric CRS.
"""

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csgraph
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
ClassArray = NDArray[np.int8]


def lattice_edges(
    index: IntArray, col: IntArray, row: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Return the edges between 4-neighbours of a 2-D lattice whose nodes both exist.

    Parameters
    ----------
    index
        Node index of each lattice cell (shape ``(rows, cols)``), -1 where there is no node.
    col, row
        Lattice column and row numbers of each cell, same shape.

    Returns
    -------
    u, v, line
        End nodes of each edge and the lattice line it runs along (its row number for an
        east-west edge, its column number for a north-south one).
    """
    a, b = index[:, :-1], index[:, 1:]
    east = (a >= 0) & (b >= 0)
    c, d = index[:-1, :], index[1:, :]
    north = (c >= 0) & (d >= 0)
    u = np.concatenate([a[east], c[north]]).astype(np.int64)
    v = np.concatenate([b[east], d[north]]).astype(np.int64)
    line = np.concatenate([row[:, :-1][east], col[:-1, :][north]]).astype(np.int64)
    return u, v, line


def link_nearest(tree: cKDTree, x: FloatArray, y: FloatArray) -> IntArray:
    """Return the index (in ``tree``'s points) of the point nearest each ``(x, y)``."""
    if x.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    _, nearest = tree.query(np.column_stack([x, y]))
    return np.asarray(nearest, dtype=np.int64)


def snapped_path_edges(
    x0: FloatArray,
    y0: FloatArray,
    x1: FloatArray,
    y1: FloatArray,
    cls: ClassArray,
    *,
    tree: cKDTree,
    x: FloatArray,
    y: FloatArray,
    step_m: float,
    max_step_m: float,
    boundary: Polygon | MultiPolygon | None,
) -> tuple[IntArray, IntArray, ClassArray]:
    """Lay straight roads on existing nodes: the chain of nodes nearest each line's sample points.

    Parameters
    ----------
    x0, y0, x1, y1
        Start and end of each line, in metres.
    cls
        Road class code of each line, given to all its edges.
    tree, x, y
        The nodes to snap to (a KD-tree over ``x``, ``y``).
    step_m
        Distance between sample points along a line, in metres (at most half the node spacing, so
        consecutive nearest nodes are neighbours).
    max_step_m
        Longest edge kept, in metres: a longer jump crosses a gap (outside the boundary).
    boundary
        When given, each line stops at its first sample outside ``boundary``.

    Returns
    -------
    u, v, cls
        The edges between consecutive distinct nearest nodes, with their class codes.
    """
    length_m = np.hypot(x1 - x0, y1 - y0)
    n_samples = (np.ceil(length_m / step_m) + 1).astype(np.int64)
    line = np.repeat(np.arange(x0.shape[0]), n_samples)
    first = np.cumsum(n_samples) - n_samples
    pos = np.arange(line.shape[0]) - first[line]
    t = pos / np.maximum(n_samples - 1, 1)[line]
    px = x0[line] + t * (x1 - x0)[line]
    py = y0[line] + t * (y1 - y0)[line]
    keep = np.ones(line.shape[0], dtype=np.bool_)
    if boundary is not None and line.shape[0]:
        # a line ends at its first sample outside the boundary
        outside_pos = np.where(shapely.contains_xy(boundary, px, py), np.iinfo(np.int64).max, pos)
        first_out = np.minimum.reduceat(outside_pos, first[n_samples > 0])
        stop = np.full(x0.shape[0], np.iinfo(np.int64).max)
        stop[n_samples > 0] = first_out
        keep = pos < stop[line]
    line, px, py = line[keep], px[keep], py[keep]
    if line.shape[0] < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.int8)
    _, nearest = tree.query(np.column_stack([px, py]))
    nearest = np.asarray(nearest, dtype=np.int64)
    step = (line[1:] == line[:-1]) & (nearest[1:] != nearest[:-1])
    u, v = nearest[:-1][step], nearest[1:][step]
    short = np.hypot(x[u] - x[v], y[u] - y[v]) <= max_step_m
    return u[short], v[short], cls[line[:-1][step][short]]


def dedupe_edges(
    u: IntArray, v: IntArray, cls: ClassArray, n_nodes: int
) -> tuple[IntArray, IntArray, ClassArray]:
    """Return one edge per unordered node pair, keeping the most important (lowest) class code.

    Self-loops are dropped; edges come out as ``u < v``, sorted by ``(u, v)``.
    """
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    proper = lo != hi
    lo, hi, cls = lo[proper], hi[proper], cls[proper]
    key = lo * np.int64(n_nodes) + hi
    order = np.lexsort((cls, key))
    key, cls = key[order], cls[order]
    first = np.ones(key.shape[0], dtype=np.bool_)
    first[1:] = key[1:] != key[:-1]
    key, cls = key[first], cls[first]
    return key // n_nodes, key % n_nodes, cls


def link_components(
    x: FloatArray, y: FloatArray, u: IntArray, v: IntArray
) -> tuple[IntArray, IntArray]:
    """Return links joining every connected component to the largest by its shortest link.

    Parameters
    ----------
    x, y
        Node coordinates in metres.
    u, v
        Two-way edges.

    Returns
    -------
    link_u, link_v
        One edge per smaller component, from its node nearest the largest component to that node.
    """
    n = x.shape[0]
    graph = coo_matrix((np.ones(u.shape[0], dtype=np.int8), (u, v)), shape=(n, n)).tocsr()
    n_comp, label = csgraph.connected_components(graph, directed=False)
    if n_comp <= 1:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    main = np.argmax(np.bincount(label))
    in_main = label == main
    main_nodes = np.flatnonzero(in_main)
    others = np.flatnonzero(~in_main)
    dist, nearest = cKDTree(np.column_stack([x[main_nodes], y[main_nodes]])).query(
        np.column_stack([x[others], y[others]])
    )
    # the shortest link of each component: sort by (component, distance), take the first
    order = np.lexsort((dist, label[others]))
    comp_sorted = label[others][order]
    first = np.ones(order.shape[0], dtype=np.bool_)
    first[1:] = comp_sorted[1:] != comp_sorted[:-1]
    pick = order[first]
    return others[pick].astype(np.int64), main_nodes[nearest[pick]].astype(np.int64)
