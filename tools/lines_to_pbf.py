"""Write GIS road lines as an OpenStreetMap PBF: real road layers as an extract to import.

Each input layer (GeoPackage, Shapefile, GeoJSON; any CRS) gives ways tagged
``highway=<class>`` (``--class`` per layer, ``unclassified`` by default); line vertices become
nodes, and vertices at the same WGS84 position (to 1e-7 degrees, OSM's precision) in any layer
become one shared node, so lines meeting end to end or crossing at a vertex are joined. Every
way also carries ``source=<file name>``.

``python -m tools.lines_to_pbf OUT.osm.pbf LAYER[:CLASS] …``, e.g. the central Changsha network
with the Hunan trunk roads::

    python -m tools.lines_to_pbf /tmp/hunan_real.osm.pbf \\
        ../shared/data/changsha/changsha_roads_osm2019.gpkg \\
        ../shared/data/hunan/hunan_trunk_roads_osm.geojson:trunk
"""

import argparse
from pathlib import Path

import numpy as np
import osmium
from osmium.osm.mutable import Node, Way

# OSM stores coordinates in units of 1e-7 degrees
_OSM_UNITS_PER_DEGREE = 10_000_000


def write_lines_pbf(path: Path, layers: list[tuple[Path, str]]) -> dict[str, int]:
    """Write the lines of ``layers`` (file, highway class) as ways of one PBF file.

    Returns
    -------
    dict[str, int]
        ``nodes`` and ``ways`` written.
    """
    import geopandas as gpd
    import shapely

    coords_parts, way_parts, way_tags = [], [], []
    ways_so_far = 0
    for file, highway in layers:
        lines = gpd.read_file(file).to_crs("EPSG:4326").geometry.explode(index_parts=False)
        lines = lines[lines.geom_type == "LineString"]
        coords, index = shapely.get_coordinates(lines.to_numpy(), return_index=True)
        coords_parts.append(coords)
        way_parts.append(index + ways_so_far)
        way_tags += [{"highway": highway, "source": file.name}] * len(lines)
        ways_so_far += len(lines)
    coords = np.concatenate(coords_parts)
    way_of = np.concatenate(way_parts)
    fixed = np.round(coords * _OSM_UNITS_PER_DEGREE).astype(np.int64)
    # one node per distinct position, ids in position order
    unique, node_of = np.unique(fixed, axis=0, return_inverse=True)
    node_of = node_of.reshape(-1)
    starts = np.flatnonzero(np.diff(way_of, prepend=-1) != 0)
    ends = np.append(starts[1:], way_of.shape[0])
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        for node_id, (x, y) in enumerate(unique, 1):
            location = (x / _OSM_UNITS_PER_DEGREE, y / _OSM_UNITS_PER_DEGREE)
            writer.add_node(Node(id=node_id, location=location))
        for way_id, (start, end) in enumerate(zip(starts, ends, strict=True), 1):
            refs = (node_of[start:end] + 1).tolist()
            # drop repeated vertices, which OSM ways do not hold
            refs = [r for i, r in enumerate(refs) if i == 0 or r != refs[i - 1]]
            if len(refs) >= 2:
                writer.add_way(Way(id=way_id, nodes=refs, tags=way_tags[way_of[start]]))
    return {"nodes": int(unique.shape[0]), "ways": int(starts.shape[0])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the .osm.pbf file to write")
    parser.add_argument("layers", nargs="+", help="FILE or FILE:HIGHWAY_CLASS")
    args = parser.parse_args(argv)
    layers = []
    for given in args.layers:
        file, _, highway = given.partition(":")
        layers.append((Path(file), highway or "unclassified"))
    counts = write_lines_pbf(args.out, layers)
    print(", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
