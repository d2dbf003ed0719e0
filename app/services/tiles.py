"""Vector tiles of the map's own layers, cut by PostGIS (``ST_AsMVT``) and cached in process.

No internet basemap exists offline, so these layers are the basemap: county-level units with their
names and residents, the road network a city is analysed on (drawn by class), the facilities and
the population cells. A tile is keyed by its layer, city, z/x/y and a version of the data it shows
(one cheap aggregate query); a changed facility or a new network gives new keys, so the cache never
serves stale data and needs no invalidation. The same version is the tile's ETag.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Integer, String, TextClause, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.db.models import Region, RoadNetwork
from app.errors import InvalidInputError, NotFoundError
from app.runtime._lru import SizedLRU
from app.services import networks
from app.services._locking import none_match
from app.services._tx import transaction
from app.services.region_lookup import COUNTY_LEVELS

TILE_LAYERS = ("roads", "regions", "facilities", "cells")
MAX_ZOOM = 22
# MVT defaults: 4096 units a side; a 64-unit buffer keeps lines and outlines unbroken at tile edges
# (PostGIS ST_AsMVTGeom documentation)
EXTENT = 4096
BUFFER = 64
# bytes of tiles kept in memory; a city's tiles down to z14 come to a few MB
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
# a city's map at the zooms planners use is a few thousand tiles per layer
DEFAULT_CACHE_ENTRIES = 50_000
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"

# the zoom from which a road class is drawn, after the OpenMapTiles transportation layer's ladder
# (openmaptiles.org/schema/#transportation: motorway and trunk first, minor roads from z13);
# ``*_link`` ramps follow their road, every other class appears at MINOR_ROAD_ZOOM
ROAD_MIN_ZOOM = {"motorway": 0, "trunk": 0, "primary": 7, "secondary": 9, "tertiary": 11}
MINOR_ROAD_ZOOM = 13
# population cells (500 m – 1 km) are a few pixels wide from z10 (≈ 135 m a pixel at 28° N);
# below it a city's cells make multi-megabyte tiles of sub-pixel squares, so none are cut
CELLS_MIN_ZOOM = 10


@dataclass(frozen=True)
class TileAddress:
    """A tile of one layer in the Web Mercator (EPSG:3857) XYZ scheme, ``y`` from the north."""

    layer: str
    z: int
    x: int
    y: int

    def __str__(self) -> str:
        return f"{self.layer}/{self.z}/{self.x}/{self.y}"


@dataclass(frozen=True)
class Tile:
    """One tile: its Mapbox Vector Tile bytes (empty when nothing is in it) and ETag.

    ``not_modified`` is true, and ``data`` empty, when the client's copy is current.
    """

    data: bytes
    etag: str
    not_modified: bool = False


class TileCache(SizedLRU[tuple[Any, ...], bytes]):
    """A thread-safe LRU of tile bytes bounded by their number and total size.

    An empty tile (nothing in it) is kept too, and costs its entry's overhead, so a client
    asking for many distinct empty tiles fills the cache up to its bounds and no further.

    Parameters
    ----------
    max_bytes
        Bytes kept (tile data plus each entry's overhead); the least recently used go first.
    max_entries
        Tiles kept at most.
    """

    def __init__(
        self, *, max_bytes: int = DEFAULT_CACHE_BYTES, max_entries: int = DEFAULT_CACHE_ENTRIES
    ) -> None:
        super().__init__(max_bytes=max_bytes, sizeof=len, max_entries=max_entries)


def road_classes(z: int) -> list[str] | None:
    """The highway classes drawn at zoom ``z``; None when every class is."""
    if z >= MINOR_ROAD_ZOOM:
        return None
    shown = [name for name, zmin in ROAD_MIN_ZOOM.items() if z >= zmin]
    return shown + [f"{name}_link" for name in shown]


def check_tile(address: TileAddress) -> None:
    """Refuse an unknown layer (404) and a z/x/y outside the tile pyramid (422 naming it)."""
    if address.layer not in TILE_LAYERS:
        raise NotFoundError.worded(
            "error.tiles.layer", field="layer", layer=address.layer, layers=", ".join(TILE_LAYERS)
        )
    z = address.z
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInputError.worded("error.between", field="z", low=0, high=MAX_ZOOM, value=z)
    last = 2**z - 1
    for name, value in (("x", address.x), ("y", address.y)):
        if not 0 <= value <= last:
            raise InvalidInputError.worded(
                "error.tiles.between", field=name, last=last, z=z, value=value
            )


# ---- what each layer shows, and the version of it

# every query takes the tile (:z, :x, :y) and its envelope in WGS84 widened by the buffer, so the
# 4326 spatial indexes are used; :extent, :buffer and :margin are EXTENT, BUFFER, BUFFER / EXTENT

# edges are single segments between junctions: merged into lines per class, the tile is 5-10x
# smaller (Changsha z9: 49 KB instead of 272 KB) and no slower to cut
_ROADS_SQL = """
WITH bounds AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS env,
               ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS env4326
    ),
    edges AS (
        SELECT e.highway, e.oneway, e.source = 'synthetic' AS synthetic, e.geom
        FROM road_edges AS e, bounds AS b
        WHERE e.network_id = ANY(:network_ids)
          AND e.geom && b.env4326
          -- a two-way road is stored once per direction: draw it once
          AND (e.oneway OR e.u < e.v)
          AND (CAST(:classes AS varchar[]) IS NULL OR e.highway = ANY(:classes))
    ),
    lines AS (
        SELECT highway, oneway, synthetic,
               (ST_Dump(ST_LineMerge(ST_Collect(geom)))).geom AS geom
        FROM edges
        GROUP BY highway, oneway, synthetic
    ),
    rows AS (
        SELECT ST_AsMVTGeom(ST_Transform(l.geom, 3857), b.env, :extent, :buffer, true) AS geom,
               l.highway, l.oneway, l.synthetic
        FROM lines AS l, bounds AS b
    )
SELECT ST_AsMVT(rows.*, 'roads', :extent, 'geom') FROM rows WHERE geom IS NOT NULL
"""

# the adcode is the feature id, so the page can colour a unit by feature state
_REGIONS_SQL = """
WITH bounds AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS env,
               ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS env4326
    ),
    rows AS (
        SELECT ST_AsMVTGeom(ST_Transform(r.geom, 3857), b.env, :extent, :buffer, true) AS geom,
               CAST(r.adcode AS integer) AS fid, r.adcode, r.name, r.level, r.city_adcode,
               r.population
        FROM regions AS r, bounds AS b
        WHERE r.level = ANY(:levels)
          AND r.geom && b.env4326
          AND (CAST(:city AS varchar) IS NULL OR r.city_adcode = :city OR r.adcode = :city)
    )
SELECT ST_AsMVT(rows.*, 'regions', :extent, 'geom', 'fid') FROM rows WHERE geom IS NOT NULL
"""

_FACILITIES_SQL = """
WITH bounds AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS env,
               ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS env4326
    ),
    rows AS (
        SELECT ST_AsMVTGeom(ST_Transform(f.geom, 3857), b.env, :extent, :buffer, true) AS geom,
               f.id, f.name, f.type, f.grade, f.source, f.source = 'synthetic' AS synthetic,
               f.beds, f.ambulances, f.region_adcode
        FROM facilities AS f
        LEFT JOIN regions AS r ON r.adcode = f.region_adcode
        CROSS JOIN bounds AS b
        WHERE f.geom && b.env4326
          AND (CAST(:city AS varchar) IS NULL OR r.city_adcode = :city OR r.adcode = :city)
    )
SELECT ST_AsMVT(rows.*, 'facilities', :extent, 'geom', 'id') FROM rows WHERE geom IS NOT NULL
"""

_CELLS_SQL = """
WITH bounds AS (
        SELECT ST_TileEnvelope(:z, :x, :y) AS env,
               ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS env4326
    ),
    rows AS (
        SELECT ST_AsMVTGeom(ST_Transform(c.geom, 3857), b.env, :extent, :buffer, true) AS geom,
               c.id, c.population, c.density_per_km2, c.settlement_class, c.urban,
               c.region_adcode, c.synthetic
        FROM population_cells AS c, bounds AS b
        WHERE c.geom && b.env4326
          AND (CAST(:city AS varchar) IS NULL OR c.city_adcode = :city)
    )
SELECT ST_AsMVT(rows.*, 'cells', :extent, 'geom', 'id') FROM rows WHERE geom IS NOT NULL
"""

_REGIONS_VERSION = """
SELECT count(*), coalesce(sum(population), 0),
       md5(coalesce(
           string_agg(adcode || ':' || name || ':' || ST_NPoints(geom), ',' ORDER BY adcode), ''
       ))
FROM regions AS r
WHERE r.level = ANY(:levels) AND r.geom IS NOT NULL
  AND (CAST(:city AS varchar) IS NULL OR r.city_adcode = :city OR r.adcode = :city)
"""

_FACILITIES_VERSION = """
SELECT count(*), coalesce(sum(f.id), 0), coalesce(sum(f.version), 0), max(f.updated_at)
FROM facilities AS f LEFT JOIN regions AS r ON r.adcode = f.region_adcode
WHERE CAST(:city AS varchar) IS NULL OR r.city_adcode = :city OR r.adcode = :city
"""

# two forms, so the city's form can use the index on city_adcode (an OR with NULL cannot)
_CELLS_VERSION = """
SELECT count(*), coalesce(sum(id), 0), coalesce(sum(population), 0), max(network_id)
FROM population_cells
"""
_CITY_CELLS_VERSION = _CELLS_VERSION + "WHERE city_adcode = :city"


def _analysis_networks(session: Session, city: str | None) -> list[networks.NetworkSummary]:
    """The network each city is analysed on (the one ``city`` is, when given)."""
    if city is not None:
        found = networks.find_network(session, city)
        return [found] if found is not None else []
    cities = session.scalars(
        select(RoadNetwork.city_adcode)
        .where(RoadNetwork.city_adcode.is_not(None))
        .distinct()
        .order_by(RoadNetwork.city_adcode)
    ).all()
    chosen = [networks.find_network(session, c) for c in cities if c is not None]
    return [n for n in chosen if n is not None]


# array parameters need their type spelled out; the others bind as plain values
_ARRAY_PARAMS: dict[str, type[Integer] | type[String]] = {
    "network_ids": Integer,
    "classes": String,
    "levels": String,
}
_MVT_PARAMS = {"extent": EXTENT, "buffer": BUFFER, "margin": BUFFER / EXTENT}


def _bound(sql: str, params: dict[str, Any]) -> TextClause:
    arrays: list[BindParameter[Any]] = [
        bindparam(name, type_=ARRAY(item))
        for name, item in _ARRAY_PARAMS.items()
        if name in params and f":{name}" in sql
    ]
    return text(sql).bindparams(*arrays)


@dataclass(frozen=True)
class _Plan:
    """How to cut one tile: the SQL (None when the layer shows nothing at that zoom), its
    parameters, and the version of the data it reads."""

    sql: str | None
    params: dict[str, Any]
    version: str


def _plan(session: Session, address: TileAddress, city: str | None) -> _Plan:
    layer, z = address.layer, address.z
    if layer == "roads":
        found = _analysis_networks(session, city)
        version = ",".join(f"{n.id}@{n.created_at.isoformat()}" for n in found)
        road_params = {"network_ids": [n.id for n in found], "classes": road_classes(z)}
        return _Plan(_ROADS_SQL, road_params, version)
    sql, version_sql = {
        "regions": (_REGIONS_SQL, _REGIONS_VERSION),
        "facilities": (_FACILITIES_SQL, _FACILITIES_VERSION),
        "cells": (_CELLS_SQL, _CELLS_VERSION),
    }[layer]
    params: dict[str, Any] = {"city": city}
    if layer == "regions":
        params["levels"] = list(COUNTY_LEVELS)
    if layer == "cells" and city is not None:
        version_sql = _CITY_CELLS_VERSION
    version = repr(tuple(session.execute(_bound(version_sql, params), params).one()))
    if layer == "cells" and z < CELLS_MIN_ZOOM:
        return _Plan(None, params, version)
    return _Plan(sql, params, version)


def _check_city(session: Session, city: str) -> None:
    level = session.scalar(select(Region.level).where(Region.adcode == city))
    if level is None:
        raise NotFoundError.worded("error.city.no_region", field="city", city=city)


def tile_etag(address: TileAddress, *, city: str | None, version: str) -> str:
    """A strong ETag: the tile's address and the version of the data it was cut from."""
    digest = hashlib.sha256(f"{address}/{city}/{version}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def get_tile(
    session: Session,
    cache: TileCache,
    address: TileAddress,
    *,
    city: str | None = None,
    if_none_match: str | None = None,
) -> Tile:
    """Cut (or fetch from ``cache``) one tile, limited to ``city``'s features if given.

    Parameters
    ----------
    session
        A database session; the tile is read in one transaction.
    cache
        Where cut tiles are kept, keyed by address, city and data version.
    address
        The layer (one of :data:`TILE_LAYERS`) and z/x/y of the tile.
    city
        Adcode of a prefecture (its county-level units) or of a county-level unit (itself);
        for ``roads``, the network the city is analysed on. All of them when None.
    if_none_match
        The ETag(s) the client holds (``If-None-Match``); when one is current no tile is cut.

    Returns
    -------
    Tile
        The tile, whose ``data`` is empty when no feature falls in it; only its ETag (and
        ``not_modified``) when ``if_none_match`` names the current version.

    Raises
    ------
    NotFoundError
        Unknown layer or city.
    InvalidInputError
        ``z`` outside 0–22, or ``x`` / ``y`` outside the tile grid at ``z``.
    """
    check_tile(address)
    with transaction(session):
        if city is not None:
            _check_city(session, city)
        plan = _plan(session, address, city)
        etag = tile_etag(address, city=city, version=plan.version)
        if if_none_match is not None and none_match(if_none_match, etag):
            return Tile(data=b"", etag=etag, not_modified=True)
        if plan.sql is None:
            return Tile(data=b"", etag=etag)
        key = (str(address), city, plan.version)
        data = cache.get(key)
        if data is None:
            # a city-wide tile looks costly to the planner, whose JIT then compiles for seconds
            # to save milliseconds (PostgreSQL docs, "When to JIT?")
            session.execute(text("SET LOCAL jit = off"))
            params = {**plan.params, **_MVT_PARAMS, "z": address.z, "x": address.x, "y": address.y}
            data = bytes(session.scalar(_bound(plan.sql, params), params) or b"")
            cache.put(key, data)
    return Tile(data=data, etag=etag)
