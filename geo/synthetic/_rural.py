"""The rural road lattice of a synthetic network: jittered, clear of towns, thinned to a tree.

Private to :mod:`geo.synthetic`. The lattice fills the boundary outside the towns; a random
spanning tree plus a share of its loops is kept, some loops as tracks.
"""

import math

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon

from geo.synthetic._graph import lattice_edges
from geo.synthetic._parts import (
    CALIBRATION_ROUNDS,
    CALIBRATION_TOLERANCE,
    TRACK,
    UNCLASSIFIED,
    IntArray,
    Part,
)
from geo.synthetic._seats import jittered_lattice


def _rural(
    boundary: Polygon | MultiPolygon,
    spacing_m: float,
    town_tree: cKDTree,
    block_max_m: float,
    rng: np.random.Generator,
) -> tuple[Part, IntArray]:
    """Build the jittered rural lattice outside the towns; return it and its fringe nodes."""
    lx, ly, shape = jittered_lattice(boundary.bounds, spacing_m, rng)
    inside = shapely.contains_xy(boundary, lx, ly)
    # rural points keep clear of the towns (half a spacing, at least a block)
    clearance_m = max(0.5 * spacing_m, block_max_m)
    dist, _ = town_tree.query(
        np.column_stack([lx[inside], ly[inside]]), distance_upper_bound=clearance_m
    )
    in_town = np.zeros(lx.shape[0], dtype=np.bool_)
    in_town[np.flatnonzero(inside)[np.isfinite(dist)]] = True
    keep = inside & ~in_town
    index = np.full(lx.shape[0], -1, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    gi, gj = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]))
    u, v, _ = lattice_edges(index.reshape(shape), gi, gj)
    # fringe: kept points with a lattice neighbour swallowed by a town
    town_grid = in_town.reshape(shape)
    near_town = np.zeros(shape, dtype=np.bool_)
    near_town[:, :-1] |= town_grid[:, 1:]
    near_town[:, 1:] |= town_grid[:, :-1]
    near_town[:-1, :] |= town_grid[1:, :]
    near_town[1:, :] |= town_grid[:-1, :]
    fringe = index[keep & near_town.ravel()]
    part = Part(
        x=lx[keep], y=ly[keep], u=u, v=v, cls=np.full(u.shape[0], UNCLASSIFIED, dtype=np.int8)
    )
    return part, fringe


def calibrated_rural(
    boundary: Polygon | MultiPolygon,
    *,
    rural_target: int,
    rural_area_m2: float,
    town_tree: cKDTree,
    block_max_m: float,
    rng: np.random.Generator,
) -> tuple[Part, IntArray, float]:
    """Build the rural lattice, adjusting its spacing until it holds ``rural_target`` nodes."""
    spacing_m = math.sqrt(rural_area_m2 / rural_target)
    best: tuple[Part, IntArray, float] | None = None
    for _ in range(CALIBRATION_ROUNDS):
        rural, fringe = _rural(boundary, spacing_m, town_tree, block_max_m, rng)
        count = rural.x.shape[0]
        if best is None or abs(count - rural_target) < abs(best[0].x.shape[0] - rural_target):
            best = (rural, fringe, spacing_m)
        if count > 0 and abs(count / rural_target - 1.0) <= CALIBRATION_TOLERANCE:
            break
        spacing_m *= math.sqrt(max(count, 1) / rural_target)
    assert best is not None  # the loop ran at least once
    return best


def thin_rural(
    rural: Part, rng: np.random.Generator, *, loop_share: float, track_share: float
) -> Part:
    """Keep a random spanning tree of the rural lattice plus a share of its loops."""
    n = rural.x.shape[0]
    m = rural.u.shape[0]
    if m == 0:
        return rural
    # random positive weights: the minimum spanning tree is then a random spanning tree
    weight = rng.uniform(1.0, 2.0, m)
    graph = sparse.coo_matrix((weight, (rural.u, rural.v)), shape=(n, n)).tocsr()
    tree = csgraph.minimum_spanning_tree(graph).tocoo()
    tree_key = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    key = np.minimum(rural.u, rural.v) * n + np.maximum(rural.u, rural.v)
    in_tree = np.isin(key, tree_key)
    draw = rng.uniform(0.0, 1.0, (2, m))
    keep = in_tree | (draw[0] < loop_share)
    cls = np.where(~in_tree & (draw[1] < track_share), TRACK, UNCLASSIFIED).astype(np.int8)
    return Part(x=rural.x, y=rural.y, u=rural.u[keep], v=rural.v[keep], cls=cls[keep])
