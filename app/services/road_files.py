"""Road networks from a GIS file (GeoPackage, Shapefile, GeoJSON), joined to a synthetic one.

``fplan network import --edges FILE`` reads the lines (:func:`geo.network.edges.network_from_lines`:
split at shared vertices, ends snapped, documented defaults for missing class, speed and one-way)
and, with a city, stores the network the city is analysed on:

- when the file covers the city (:data:`app.services.city_rules.CITY_COVER_MIN` of its area), the
  real network alone;
- else (its extent, the convex hull of its nodes, covers less) the real network inside its
  area (the land near its roads within the city, :func:`geo.network.merge.road_area`) joined
  to the city's synthetic network outside it (:func:`geo.network.merge.join_networks`:
  connectors of at most :data:`~geo.network.merge.MAX_CONNECTOR_M`, save a synthetic part's
  only link, counted in ``params.long_connectors``).

Every edge keeps its source (the file's name, the trunk-road file under the synthetic part, or
``synthetic``); the network's ``params`` keep the real area (WGS84 WKT), the defaults assumed and
the segment counts by source. The population surface is rebuilt on it, and
:func:`real_road_share` gives the share of the city's residents on real roads.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db.models import RoadNetwork
from app.errors import InvalidInputError
from app.services import networks
from app.services.city_rules import CITY_COVER_MIN
from app.services.networks import NetworkSummary
from app.settings import TRUNK_ROADS_FILE, Settings
from geo.errors import NetworkFormatError

if TYPE_CHECKING:
    import geopandas as gpd

SUFFIXES = (".gpkg", ".shp", ".geojson", ".json")


@dataclass
class EdgeImport:
    """What an edge import stored."""

    network: NetworkSummary
    segments: int
    real_segments: int
    synthetic_segments: int
    # road segments by edge source: the file, the trunk-road file under the synthetic part,
    # "synthetic" (generated roads and connectors)
    segments_by_source: dict[str, int]
    connectors: int
    city_cover_share: float | None
    speeds_assumed: bool
    classes_assumed: bool
    oneway_assumed: bool
    unmapped_classes: list[str] = field(default_factory=list)
    # connectors longer than geo.network.merge.MAX_CONNECTOR_M (a synthetic part's only link)
    long_connectors: int = 0


def read_class_map(path: Path | None) -> dict[str, str]:
    """A class map file: YAML/JSON mapping, or CSV ``value,highway`` lines, to OSM classes."""
    if path is None:
        return {}
    text_ = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        pairs = [line.split(",", 1) for line in text_.splitlines() if line.strip()]
        return {a.strip(): b.strip() for a, b in pairs if b.strip() and a.strip() != "value"}
    import yaml

    data = yaml.safe_load(text_)
    if not isinstance(data, dict):
        raise InvalidInputError.worded("error.roads.class_map", field="map_classes", name=path.name)
    return {str(k): str(v) for k, v in data.items()}


def _read_layer(path: Path) -> "gpd.GeoDataFrame":
    """The road layer of a GIS file; a file GDAL cannot read is refused, naming it."""
    import geopandas as gpd
    import pyogrio

    try:
        return gpd.read_file(path)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise NetworkFormatError.worded(
            "input.network.unreadable_gis", field="edges", name=path.name
        ) from exc


def import_edges(
    session: Session,
    settings: Settings,
    path: Path,
    *,
    city_adcode: str | None = None,
    class_column: str | None = None,
    speed_column: str | None = None,
    oneway_column: str | None = None,
    class_map: dict[str, str] | None = None,
    name: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> EdgeImport:
    """Read a road file, join it to the city's synthetic network where it ends, and store it.

    ``progress`` is called with each step's key as it starts: ``read_file``,
    ``synthetic_outside`` and ``join`` (a layer covering part of the city), ``store_network``.

    Raises
    ------
    InvalidInputError
        The file is missing or of an unknown kind.
    NetworkFormatError, NetworkInputError
        The file cannot be read, or its lines or columns are unusable (worded by the catalogue).
    """
    # the writers' libraries load here: real_road_share (every fplan check) needs none of them
    import shapely
    from pyproj import Transformer

    from app.services import citydata
    from geo.network import SYNTHETIC_SOURCE
    from geo.network.edges import network_from_lines
    from geo.network.merge import AREA_CELL_M, ROAD_REACH_M, join_networks, road_area

    say = progress or (lambda _: None)
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        raise InvalidInputError.worded(
            "error.roads.file", field="edges", suffixes=", ".join(SUFFIXES), path=str(path)
        )
    say("read_file")
    gdf = _read_layer(path)
    # a refusal of the lines (no CRS, a named column missing, no line) is worded by geo, in
    # the reader's language where it is shown
    lines = network_from_lines(
        gdf,
        class_column=class_column,
        speed_column=speed_column,
        oneway_column=oneway_column,
        class_map=class_map,
    )
    # every edge of the file is real, named by the file it came from
    real = lines.network.with_source(path.name)
    params: dict[str, Any] = {
        "file": path.name,
        "mode": "all",
        "speeds_assumed": lines.speeds_assumed,
        "classes_assumed": lines.classes_assumed,
        "oneway_assumed": lines.oneway_assumed,
    }
    net, real_segments, connectors, cover = real, lines.segments, 0, None
    if city_adcode is not None:
        units = citydata.city_units(session, city_adcode).to_crs(real.crs)
        city_area = shapely.make_valid(units.union_all())
        # the file's extent (the convex hull of its nodes) says whether it covers the city
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([real.x, real.y])))
        real_area = _polygons(hull.intersection(city_area).simplify(AREA_CELL_M / 2))
        cover = round(float(real_area.area / city_area.area), 6)
        params["real_cover_share"] = cover
        if cover < CITY_COVER_MIN:
            # joined, the real area is the land near the file's roads within the city: the
            # join and the population surface (params.real_area_wgs84) use this one geometry
            near = road_area(real).intersection(city_area)
            real_area = _polygons(near.simplify(AREA_CELL_M / 2))
            params["real_area_reach_m"] = ROAD_REACH_M
            say("synthetic_outside")
            synthetic = _synthetic_network(session, settings, city_adcode)
            say("join")
            joined = join_networks(real, synthetic, real_area)
            net, connectors = joined.network, joined.connectors
            params["connector_max_m"] = round(float(joined.connector_m.max(initial=0.0)), 1)
            params["long_connectors"] = joined.long_connectors
            real_segments = int(joined.segment_real.sum())
            params["joined_with_network"] = "synthetic"
        # the joined network stands for the whole city; the real area says where it is real
        params["city_cover_share"] = 1.0 if cover < CITY_COVER_MIN else cover
        to_wgs84 = Transformer.from_crs(real.crs, "EPSG:4326", always_xy=True)
        area_wgs84 = shapely.transform(real_area, to_wgs84.transform, interleaved=False)
        params["real_area_wgs84"] = shapely.to_wkt(area_wgs84, rounding_precision=6)
    one_way = net.oneway | (net.edge_u < net.edge_v)
    codes = np.bincount(net.edge_source[one_way], minlength=len(net.sources))
    by_source = {name: int(n) for name, n in zip(net.sources, codes, strict=True) if n}
    params.update(real_segments=real_segments, connectors=connectors, segments_by_source=by_source)
    say("store_network")
    summary = networks.store_network(
        session,
        net,
        name=name or path.name,
        source=path.name,
        city_adcode=city_adcode,
        params=params,
    )
    return EdgeImport(
        network=summary,
        segments=lines.segments,
        real_segments=real_segments,
        synthetic_segments=by_source.get(SYNTHETIC_SOURCE, 0),
        segments_by_source=by_source,
        connectors=connectors,
        city_cover_share=cover,
        speeds_assumed=lines.speeds_assumed,
        classes_assumed=lines.classes_assumed,
        oneway_assumed=lines.oneway_assumed,
        unmapped_classes=list(lines.unmapped_classes),
        long_connectors=params.get("long_connectors", 0),
    )


def _polygons(geom: Any) -> Any:
    """The polygons of a simplified area, valid (simplifying may collapse a sliver to a line)."""
    import shapely

    parts = shapely.get_parts(shapely.make_valid(geom))
    # GEOS type id 3: Polygon
    return shapely.union_all(parts[shapely.get_type_id(parts) == 3])


def _synthetic_network(session: Session, settings: Settings, city_adcode: str) -> Any:
    """The city's newest synthetic network (generated when it has none), loaded."""
    from sqlalchemy import select

    from app.services import citydata

    row = session.scalars(
        select(RoadNetwork)
        .where(RoadNetwork.city_adcode == city_adcode, RoadNetwork.synthetic.is_(True))
        .order_by(RoadNetwork.id.desc())
        .limit(1)
    ).first()
    network_id = row.id if row is not None else None
    if network_id is None:
        trunk = settings.data_file(*TRUNK_ROADS_FILE)
        network_id = citydata.synthesize_network(session, city_adcode, trunk_roads=trunk).id
    return networks.load_network(session, settings, network_id)


# summed in id order: a float sum's last digits follow the order of its terms, which a parallel
# plan leaves to its workers (the share then changed from run to run)
_SHARE = text(
    """
    SELECT COALESCE(SUM(c.population * CASE WHEN c.road_length_m > 0
                        THEN c.real_road_length_m / c.road_length_m ELSE 0 END
                        ORDER BY c.id), 0) AS real,
           COALESCE(SUM(c.population), 0) AS total
    FROM population_cells AS c
    WHERE c.city_adcode = :city AND c.network_id = :network
    """
)


def real_road_share(session: Session, city_adcode: str) -> tuple[float, str] | None:
    """Share of the city's residents analysed on real roads, and the network's source.

    Each population cell counts the share of its street length that is real (edges whose
    source is a real file): 1.0 on a real network, 0.0 on a synthetic one, and on a joined
    network the residents placed on the real streets. None when the city has no network or no
    population surface on it.
    """
    summary = networks.find_network(session, city_adcode)
    if summary is None:
        return None
    share = network_real_road_share(session, city_adcode, summary.id)
    return (share, summary.source) if share is not None else None


def network_real_road_share(session: Session, city_adcode: str, network_id: int) -> float | None:
    """Share (0–1) of the city's residents on real roads of network ``network_id``.

    None when the city has no population surface on that network.
    """
    real, total = session.execute(_SHARE, {"city": city_adcode, "network": network_id}).one()
    return float(real) / float(total) if total else None


_UNIT_RESIDENTS = text(
    """
    SELECT c.region_adcode,
           COALESCE(SUM(c.population * CASE WHEN c.road_length_m > 0
                        THEN c.real_road_length_m / c.road_length_m ELSE 0 END
                        ORDER BY c.id), 0) AS real,
           COALESCE(SUM(c.population), 0) AS total
    FROM population_cells AS c
    WHERE c.city_adcode = :city AND c.network_id = :network
    GROUP BY c.region_adcode
    ORDER BY c.region_adcode
    """
)


def real_road_residents(session: Session, city_adcode: str) -> dict[str, tuple[int, int]] | None:
    """Per county-level unit of the city: residents on real roads, and residents (persons).

    The figures of :func:`real_road_share` unit by unit, on the network the city is analysed
    on (each cell counting the real share of its street length, rounded to whole residents).
    None when the city has no network.
    """
    summary = networks.find_network(session, city_adcode)
    if summary is None:
        return None
    rows = session.execute(_UNIT_RESIDENTS, {"city": city_adcode, "network": summary.id}).all()
    return {str(u): (round(float(real)), int(n)) for u, real, n in rows}
