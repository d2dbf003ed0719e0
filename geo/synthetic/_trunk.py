"""Real trunk roads as a layer of a synthetic network.

Private to :mod:`geo.synthetic`. The real roads are clipped to the boundary and given a shape
point every :data:`TRUNK_NODE_SPACING_M`; every shape point is a junction where the local roads
hang on the trunk road (the generator links it to the nearest town or rural node).
"""

from typing import Final

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.synthetic._parts import TRUNK, FloatArray, Part

# a trunk-road junction with the local roads every km (modelling choice, the motorway spacing)
TRUNK_NODE_SPACING_M: Final = 1000.0
# ends closer than this are one junction: the skeleton's coordinates are rounded to ~100 m
_SNAP_M: Final = 1.0
# a shape point closer than this to the boundary is dropped: where a road leaves the area its
# clipped end lies on the boundary, and a node there may fall outside once reprojected
_EDGE_MARGIN_M: Final = 10.0


def trunk_layer(
    boundary: Polygon | MultiPolygon,
    x0: FloatArray,
    y0: FloatArray,
    x1: FloatArray,
    y1: FloatArray,
    *,
    spacing_m: float = TRUNK_NODE_SPACING_M,
) -> Part:
    """The real roads ``(x0, y0) -> (x1, y1)`` inside ``boundary`` as a part of class trunk.

    Lines are clipped to the boundary and split into pieces of at most ``spacing_m`` metres;
    shape points within 10 m of the boundary (the clipped ends) are dropped with their pieces,
    so every node lies well inside it. Ends closer than 1 m are one node.
    """
    empty = Part(
        np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8)
    )
    if x0.shape[0] == 0:
        return empty
    lines = shapely.linestrings(
        np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
    )
    clipped = shapely.intersection(lines, boundary)
    parts = shapely.get_parts(clipped)
    parts = parts[shapely.get_type_id(parts) == 1]  # LineStrings only (not touching points)
    if parts.shape[0] == 0:
        return empty
    coords, line = shapely.get_coordinates(shapely.segmentize(parts, spacing_m), return_index=True)
    inside = shapely.contains_xy(boundary, coords[:, 0], coords[:, 1])
    # the clipped ends (first and last point of each piece) lie on the boundary
    first = np.ones(line.shape[0], dtype=np.bool_)
    first[1:] = line[1:] != line[:-1]
    last = np.ones(line.shape[0], dtype=np.bool_)
    last[:-1] = line[1:] != line[:-1]
    ends = np.flatnonzero((first | last) & inside)
    near = shapely.distance(boundary.boundary, shapely.points(coords[ends])) < _EDGE_MARGIN_M
    inside[ends[near]] = False
    key = np.round(coords / _SNAP_M).astype(np.int64)
    _, node, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    start = np.flatnonzero((line[:-1] == line[1:]) & inside[:-1] & inside[1:])
    u, v = inverse[start], inverse[start + 1]
    proper = u != v
    u, v = u[proper], v[proper]
    # number only the nodes some piece uses
    used = np.zeros(node.shape[0], dtype=np.bool_)
    used[u] = True
    used[v] = True
    index = np.cumsum(used) - 1
    xy = coords[node[used]]
    return Part(
        x=xy[:, 0].astype(np.float64),
        y=xy[:, 1].astype(np.float64),
        u=index[u].astype(np.int64),
        v=index[v].astype(np.int64),
        cls=np.full(u.shape[0], TRUNK, dtype=np.int8),
    )
