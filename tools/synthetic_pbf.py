"""Write a synthetic province-size OpenStreetMap PBF: a street grid among many buildings.

What a real province extract looks like to a road reader: most nodes belong to buildings and
points of interest it must skip, a minority to highways whose ways share their intersection
nodes. The generated file (everything in it invented, its header says ``synthetic``) holds, in a
square of ``grid × grid`` intersections ``spacing_m`` apart (south-west corner in Hunan):

* highways: one way per grid line and run of :data:`BLOCKS_PER_WAY` blocks, so ways meet at the
  intersections and end at every :data:`BLOCKS_PER_WAY`-th one; each block side carries
  ``shape_nodes`` shape nodes; line ``i`` is ``primary`` (``maxspeed=60``) when ``i % 10 == 0``,
  ``secondary`` (``maxspeed=40``) when ``i % 5 == 0``, else ``residential`` with ``oneway=yes``
  when ``i % 4 == 1``, ``oneway=-1`` when ``i % 4 == 3`` and ``maxspeed=30 mph`` when
  ``i % 4 == 2``;
* per block: a ``footway`` from its south-west intersection to a node at its centre,
  ``buildings_per_block`` closed ``building=yes`` ways of four nodes each, and one
  ``amenity=bench`` node.

Node ids grow in steps of :data:`ID_STEP` (spread over the id range like real OSM ids); nodes are
written strip by strip (a grid row and the blocks north of it), then the ways.

Run ``python -m tools.synthetic_pbf OUT.osm.pbf --nodes 20000000`` (the grid is sized to reach the
node count); never commit the output.
"""

import argparse
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import osmium
from osmium.osm.mutable import Node, Way

# ways of the grid span this many blocks
BLOCKS_PER_WAY = 5
# node ids step by this, so ids spread over billions as real OSM node ids do
ID_STEP = 397
# south-west corner (degrees): south of Changsha
ORIGIN_LON = 112.0
ORIGIN_LAT = 27.0
# metres per degree of latitude (mean)
M_PER_DEG_LAT = 111_320.0
# a building's side and its gap to the next, metres
BUILDING_SIDE_M = 12.0


@dataclass(frozen=True)
class GridSpec:
    """Size of the synthetic extract.

    Parameters
    ----------
    grid
        Intersections per side (at least 2).
    spacing_m
        Distance between neighbouring intersections, metres.
    shape_nodes
        Shape nodes on each block side (not intersections).
    buildings_per_block
        Buildings (four nodes each) in each block.
    """

    grid: int
    spacing_m: float = 150.0
    shape_nodes: int = 3
    buildings_per_block: int = 10

    @property
    def strip_nodes(self) -> int:
        """Nodes of one strip (a grid row and the blocks north of it), the last row aside."""
        g, m = self.grid, self.shape_nodes
        return g + (g - 1) * m + g * m + (g - 1) * (4 * self.buildings_per_block + 2)

    @property
    def total_nodes(self) -> int:
        """Every node of the file."""
        g, m = self.grid, self.shape_nodes
        return (g - 1) * self.strip_nodes + g + (g - 1) * m

    @property
    def total_ways(self) -> int:
        """Every way of the file: grid ways, one footway and the buildings of each block."""
        g = self.grid
        grid_ways = 2 * g * math.ceil((g - 1) / BLOCKS_PER_WAY)
        return grid_ways + (g - 1) ** 2 * (1 + self.buildings_per_block)

    @property
    def highway_segments(self) -> int:
        """Block sides: the road segments between neighbouring intersections."""
        return 2 * self.grid * (self.grid - 1)


def spec_for_nodes(
    nodes: int, *, spacing_m: float = 150.0, shape_nodes: int = 3, buildings_per_block: int = 10
) -> GridSpec:
    """The smallest grid whose file holds at least ``nodes`` nodes (other sizes as given)."""
    # about (1 + 2 m + 4 b + 2) nodes per intersection
    per_intersection = 1 + 2 * shape_nodes + 4 * buildings_per_block + 2
    grid = max(2, int(math.sqrt(nodes / per_intersection)))
    while True:
        spec = GridSpec(grid, spacing_m, shape_nodes, buildings_per_block)
        if spec.total_nodes >= nodes:
            return spec
        grid += 1


def line_tags(index: int) -> dict[str, str]:
    """Tags of grid line ``index`` (see the module docstring)."""
    if index % 10 == 0:
        return {"highway": "primary", "maxspeed": "60", "synthetic": "yes"}
    if index % 5 == 0:
        return {"highway": "secondary", "maxspeed": "40", "synthetic": "yes"}
    tags = {"highway": "residential", "synthetic": "yes"}
    extra = {1: ("oneway", "yes"), 2: ("maxspeed", "30 mph"), 3: ("oneway", "-1")}.get(index % 4)
    if extra:
        tags[extra[0]] = extra[1]
    return tags


class _Layout:
    """Node index and position of every node, from the grid alone (nothing stored per node)."""

    def __init__(self, spec: GridSpec) -> None:
        self.spec = spec
        self.deg_lat = spec.spacing_m / M_PER_DEG_LAT
        self.deg_lon = self.deg_lat / math.cos(math.radians(ORIGIN_LAT))

    def node_id(self, index: int) -> int:
        return 1 + index * ID_STEP

    def grid_node(self, row: int, col: int) -> int:
        return row * self.spec.strip_nodes + col

    def row_shape(self, row: int, col: int, k: int) -> int:
        # k-th shape node east of (row, col)
        return row * self.spec.strip_nodes + self.spec.grid + col * self.spec.shape_nodes + k

    def col_shape(self, row: int, col: int, k: int) -> int:
        # k-th shape node north of (row, col)
        s = self.spec
        base = row * s.strip_nodes + s.grid + (s.grid - 1) * s.shape_nodes
        return base + col * s.shape_nodes + k

    def block_node(self, row: int, col: int, k: int) -> int:
        # k-th node of block (row, col): buildings 4 × b, the footway's end, the bench
        s = self.spec
        base = row * s.strip_nodes + s.grid + (2 * s.grid - 1) * s.shape_nodes
        return base + col * (4 * s.buildings_per_block + 2) + k

    def strip(self, row: int) -> Iterator[tuple[int, float, float, dict[str, str]]]:
        """Index, lon, lat and tags of the nodes of strip ``row``, in index order."""
        s, m = self.spec, self.spec.shape_nodes
        lat0 = ORIGIN_LAT + row * self.deg_lat
        for col in range(s.grid):
            yield self.grid_node(row, col), self._lon(col), lat0, {}
        for col in range(s.grid - 1):
            for k in range(m):
                yield self.row_shape(row, col, k), self._lon(col + (k + 1) / (m + 1)), lat0, {}
        if row == s.grid - 1:
            return
        for col in range(s.grid):
            for k in range(m):
                lat = lat0 + self.deg_lat * (k + 1) / (m + 1)
                yield self.col_shape(row, col, k), self._lon(col), lat, {}
        side = BUILDING_SIDE_M / s.spacing_m
        per_side = max(1, math.ceil(math.sqrt(s.buildings_per_block)))
        for col in range(s.grid - 1):
            for b in range(s.buildings_per_block):
                # buildings on a small grid inside the block, clear of the streets
                u = 0.1 + 0.8 * (b % per_side) / per_side
                v = 0.1 + 0.8 * (b // per_side) / per_side
                corners = ((0, 0), (side, 0), (side, side), (0, side))
                for k, (du, dv) in enumerate(corners):
                    lat = lat0 + self.deg_lat * (v + dv)
                    yield self.block_node(row, col, 4 * b + k), self._lon(col + u + du), lat, {}
            centre = 4 * s.buildings_per_block
            lat_c = lat0 + self.deg_lat * 0.5
            yield self.block_node(row, col, centre), self._lon(col + 0.5), lat_c, {}
            bench = {"amenity": "bench"}
            yield self.block_node(row, col, centre + 1), self._lon(col + 0.45), lat_c, bench

    def _lon(self, col: float) -> float:
        return ORIGIN_LON + col * self.deg_lon


def write_pbf(path: Path, spec: GridSpec, *, report_every: int = 0) -> dict[str, int]:
    """Write the synthetic extract of ``spec`` to ``path`` (overwritten).

    Parameters
    ----------
    path
        The ``.osm.pbf`` file to write.
    spec
        Size of the extract.
    report_every
        Print a line to stderr every this many nodes (0: silent).

    Returns
    -------
    dict[str, int]
        Counts written: ``nodes``, ``ways``, ``highway_ways``, ``highway_nodes`` (intersections
        and shape nodes), ``segments`` (block sides).
    """
    layout = _Layout(spec)
    g, m, b = spec.grid, spec.shape_nodes, spec.buildings_per_block
    counts = {"nodes": 0, "ways": 0, "highway_ways": 0}
    header = osmium.io.Header()
    header.set("generator", "fplan tools.synthetic_pbf (synthetic)")
    with osmium.SimpleWriter(str(path), overwrite=True, header=header) as writer:
        for row in range(g):
            for index, lon, lat, tags in layout.strip(row):
                writer.add_node(Node(id=layout.node_id(index), location=(lon, lat), tags=tags))
                counts["nodes"] += 1
                if report_every and counts["nodes"] % report_every == 0:
                    print(f"{counts['nodes']:,} nodes", file=sys.stderr)
        way_id = 1

        def add_way(refs: list[int], tags: dict[str, str]) -> None:
            nonlocal way_id
            nodes = [layout.node_id(i) for i in refs]
            writer.add_way(Way(id=way_id, nodes=nodes, tags=tags))
            way_id += 1
            counts["ways"] += 1

        # highways: rows west to east, then columns south to north, BLOCKS_PER_WAY blocks each
        for row in range(g):
            for start in range(0, g - 1, BLOCKS_PER_WAY):
                refs = [layout.grid_node(row, start)]
                for col in range(start, min(start + BLOCKS_PER_WAY, g - 1)):
                    refs += [layout.row_shape(row, col, k) for k in range(m)]
                    refs.append(layout.grid_node(row, col + 1))
                add_way(refs, line_tags(row))
                counts["highway_ways"] += 1
        for col in range(g):
            for start in range(0, g - 1, BLOCKS_PER_WAY):
                refs = [layout.grid_node(start, col)]
                for row in range(start, min(start + BLOCKS_PER_WAY, g - 1)):
                    refs += [layout.col_shape(row, col, k) for k in range(m)]
                    refs.append(layout.grid_node(row + 1, col))
                add_way(refs, line_tags(col))
                counts["highway_ways"] += 1
        # per block: the footway to its centre, then its buildings
        for row in range(g - 1):
            for col in range(g - 1):
                centre = layout.block_node(row, col, 4 * b)
                add_way([layout.grid_node(row, col), centre], {"highway": "footway"})
                counts["highway_ways"] += 1
                for k in range(b):
                    corners = [layout.block_node(row, col, 4 * k + c) for c in range(4)]
                    add_way([*corners, corners[0]], {"building": "yes"})
    counts["highway_nodes"] = g * g + 2 * g * (g - 1) * m
    counts["segments"] = spec.highway_segments
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the .osm.pbf file to write")
    parser.add_argument("--nodes", type=int, default=20_000_000, help="at least this many nodes")
    parser.add_argument("--spacing-m", type=float, default=150.0)
    parser.add_argument("--shape-nodes", type=int, default=3)
    parser.add_argument("--buildings-per-block", type=int, default=10)
    args = parser.parse_args(argv)
    spec = spec_for_nodes(
        args.nodes,
        spacing_m=args.spacing_m,
        shape_nodes=args.shape_nodes,
        buildings_per_block=args.buildings_per_block,
    )
    counts = write_pbf(args.out, spec, report_every=1_000_000)
    print(f"grid {spec.grid} × {spec.grid}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
