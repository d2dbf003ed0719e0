"""City data for analysis: a city's road network and its population surface, in PostGIS.

A city is a prefecture (its county-level units) or a county-level city analysed on its own (Jishou,
433101). Real OSM input always takes precedence over a synthetic network (:func:`find_network`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2.shape import to_shape
from numpy.typing import NDArray
from pyproj import Transformer
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from app.db.bulk import bulk_load, copy_rows, ewkb
from app.db.models import PopulationCell, Region, RoadNetwork
from app.errors import InvalidInputError, NotFoundError
from app.services._tx import transaction
from app.services.networks import NetworkSummary, store_network
from app.services.region_lookup import COUNTY_LEVELS
from app.services.region_lookup import get_city as get_city  # noqa: PLC0414 (callers' name)
from app.settings import Settings
from geo.network import DRIVE, Network
from geo.network.osm import PbfTally
from geo.network.readers import read_network
from geo.population.surface import GHSL_SHARE_COLUMNS, build_population_grid, cell_origins
from geo.population.urban import calibrate_urban
from geo.synthetic.roads import TrunkRoads, build_synthetic_network

# UTM zone 49N covers Hunan (108.8°E–114.3°E)
HUNAN_CRS = "EPSG:32649"
# synthetic networks: about 10 nodes per km², the order of a rural Chinese drive network
SYNTHETIC_NODES_PER_KM2 = 10.0
SYNTHETIC_NODES_RANGE = (5_000, 1_000_000)
GHSL_COLUMNS = tuple(GHSL_SHARE_COLUMNS.values())


@dataclass(frozen=True)
class PopulationSummary:
    city_adcode: str
    network_id: int | None
    cells: int
    population: int
    urban_population: int
    synthetic: bool


def city_units(session: Session, city_adcode: str) -> gpd.GeoDataFrame:
    """County-level units of a city with polygons (metric CRS) and census people.

    Residents of development zones are added to their host county (the zone's parent); where the
    host is not known (the parent is the prefecture) they are spread over the city's districts (区)
    in proportion to census population, largest remainder, so the city total is kept exactly.
    ``urban_population`` is each unit's census urban residents (its zones' included the same
    way); NaN where the census share is unknown.
    """
    city = get_city(session, city_adcode)
    units_filter = (
        Region.adcode == city_adcode
        if city.level != "prefecture"
        else (Region.city_adcode == city_adcode) & Region.level.in_(COUNTY_LEVELS)
    )
    rows = session.scalars(select(Region).where(units_filter).order_by(Region.adcode)).all()
    if not rows:
        raise NotFoundError.worded("error.city.no_units", field="city", city=city_adcode)
    frame = pd.DataFrame(
        {
            "adcode": [r.adcode for r in rows],
            "name": [r.name for r in rows],
            "level": [r.level for r in rows],
            "population": [int(r.population or 0) for r in rows],
            "urban_share": [r.urban_share for r in rows],
            "urban_population": [_urban_people(r) for r in rows],
            **{c: [getattr(r, c) or 0.0 for r in rows] for c in GHSL_COLUMNS},
        }
    )
    zones = session.scalars(
        select(Region).where(
            Region.level == "zone",
            or_(
                Region.parent_adcode.in_(frame["adcode"].tolist()),
                Region.parent_adcode == city_adcode,
            ),
        )
    ).all()
    for zone in zones:
        people = int(zone.population or 0)
        urban_people = _urban_people(zone)
        if zone.parent_adcode in set(frame["adcode"]):
            host = frame["adcode"] == zone.parent_adcode
            frame.loc[host, "population"] += people
            frame.loc[host, "urban_population"] += urban_people
            continue
        districts = frame["level"] == "district"
        weights = frame.loc[districts, "population"].to_numpy(dtype=float)
        frame.loc[districts, "population"] += _largest_remainder(people, weights)
        if np.isnan(urban_people):
            frame.loc[districts, "urban_population"] = np.nan
        else:
            frame.loc[districts, "urban_population"] += _largest_remainder(
                int(urban_people), weights
            )
    geoms = [to_shape(r.geom) if r.geom is not None else None for r in rows]
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326").to_crs(HUNAN_CRS)


def _urban_people(region: Region) -> float:
    """Census urban residents of a unit or zone (persons); NaN, which spreads, when unknown."""
    if region.urban_share is None or region.population is None:
        return float("nan")
    return float(round(int(region.population) * float(region.urban_share)))


def _largest_remainder(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    exact = total * weights / weights.sum()
    counts: NDArray[np.int64] = np.floor(exact).astype(np.int64)
    extra = total - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:extra]] += 1
    return counts


def read_trunk_roads(path: Path, boundary: shapely.Geometry) -> TrunkRoads:
    """The real trunk roads of ``path`` (any CRS) near ``boundary`` (metric CRS), as segments."""
    lines = gpd.read_file(path)
    if lines.crs is None:
        raise InvalidInputError.worded(
            "error.trunk_roads.no_crs", field="trunk_roads", name=path.name
        )
    lines = lines.to_crs(HUNAN_CRS)
    lines = lines[lines.geometry.intersects(shapely.envelope(boundary))]
    # every vertex pair of a line is one straight segment
    coords, line = shapely.get_coordinates(lines.geometry.to_numpy(), return_index=True)
    start = np.flatnonzero(line[:-1] == line[1:])
    return TrunkRoads(
        x0=coords[start, 0],
        y0=coords[start, 1],
        x1=coords[start + 1, 0],
        y1=coords[start + 1, 1],
        source=path.name,
    )


def generate_network(
    session: Session,
    city_adcode: str,
    *,
    target_nodes: int | None = None,
    seed: int = 0,
    trunk_roads: Path | None = None,
) -> tuple[Network, dict[str, Any]]:
    """Generate a labelled synthetic network filling the city's polygons (not stored).

    With ``trunk_roads`` (the real Hunan trunk-road skeleton, ``Settings.data_file``) the
    local streets hang on those real roads (their edges' source is the file); without it the
    generator invents motorways and roads between the seats, and the parameters say so
    (``trunk_roads`` None). Returns the network and the parameters it is stored with
    (:func:`store_synthetic`).
    """
    units = city_units(session, city_adcode)
    boundary = shapely.make_valid(units.union_all())
    area_km2 = boundary.area / 1e6
    low, high = SYNTHETIC_NODES_RANGE
    nodes = target_nodes or int(np.clip(area_km2 * SYNTHETIC_NODES_PER_KM2, low, high))
    if not low // 5 <= nodes <= high:
        raise InvalidInputError.worded(
            "error.between", field="nodes", low=low // 5, high=high, value=nodes
        )
    seat_points = units.geometry.representative_point()
    seats = [
        (float(p.x), float(p.y), float(max(pop, 1)))
        for p, pop in zip(seat_points, units["population"], strict=True)
    ]
    urban = units["urban_share"].fillna(0.5).to_numpy()
    urban_share = float(np.average(urban, weights=np.maximum(units["population"], 1)))
    trunk = read_trunk_roads(trunk_roads, boundary) if trunk_roads is not None else None
    net = build_synthetic_network(
        boundary,
        crs=HUNAN_CRS,
        target_nodes=nodes,
        seats=seats,
        seed=seed,
        urban_share=urban_share,
        trunk=trunk,
    )
    params = {
        "generator": "geo.synthetic.roads",
        "target_nodes": nodes,
        "seed": seed,
        "urban_share": urban_share,
        # the real roads the local streets hang on; None: invented arterials
        "trunk_roads": trunk.source if trunk is not None else None,
        "real_trunk_edges": int(net.edge_real.sum()),
    }
    return net, params


def store_synthetic(
    session: Session,
    city_adcode: str,
    net: Network,
    params: dict[str, Any],
    *,
    settings: Settings | None = None,
) -> NetworkSummary:
    """Store a network of :func:`generate_network` as the city's synthetic network."""
    return store_network(
        session,
        net,
        name=f"{city_adcode} synthetic",
        source="synthetic",
        city_adcode=city_adcode,
        params=params,
        settings=settings,
    )


def synthesize_network(
    session: Session,
    city_adcode: str,
    *,
    target_nodes: int | None = None,
    seed: int = 0,
    settings: Settings | None = None,
    trunk_roads: Path | None = None,
) -> NetworkSummary:
    """Generate and store a labelled synthetic network filling the city's polygons.

    With ``settings``, its compute arrays go to the disk cache as it is stored; with
    ``trunk_roads`` its local streets hang on the real trunk roads (:func:`generate_network`).
    """
    net, params = generate_network(
        session, city_adcode, target_nodes=target_nodes, seed=seed, trunk_roads=trunk_roads
    )
    return store_synthetic(session, city_adcode, net, params, settings=settings)


def import_network(
    session: Session,
    path: Path,
    *,
    city_adcode: str | None = None,
    name: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    tally: PbfTally | None = None,
) -> NetworkSummary:
    """Read a real OSM file (PBF, XML or GraphML) with its walk and drive ways and store it.

    With a city, the share of the city's area that the network spans (the convex hull of its
    nodes) is recorded: only a network that covers the city replaces its synthetic one.
    ``progress(stage, done, total)`` follows a PBF's two passes in bytes (stages ``ways``,
    ``nodes``), then ``store`` once; ``tally`` gets a PBF read's counts.
    """
    if not path.is_file():
        raise InvalidInputError.worded("error.no_such_file", field="osm", path=str(path))
    net = read_network(path, mode="all", progress=progress, tally=tally).with_source(path.name)
    if progress is not None:
        progress("store", 0, 1)
    params: dict[str, object] = {"file": path.name, "mode": "all"}
    if city_adcode is not None:
        units = city_units(session, city_adcode).to_crs(net.crs)
        city_area = shapely.make_valid(units.union_all())
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([net.x, net.y])))
        params["city_cover_share"] = round(
            float(hull.intersection(city_area).area / city_area.area), 6
        )
    return store_network(
        session,
        net,
        name=name or path.name,
        source=path.name,
        city_adcode=city_adcode,
        params=params,
    )


@dataclass(frozen=True)
class PopulationSurface:
    """A city's population cells, computed and not yet stored (:func:`store_population`)."""

    cells: gpd.GeoDataFrame
    # each cell as a MultiPolygon, and its origin point, in WGS84
    polygons: NDArray[np.object_]
    origins: NDArray[np.object_]
    synthetic: bool


def population_surface(
    units: gpd.GeoDataFrame,
    network: Network,
    *,
    cell_size_m: float = 500.0,
    real_area: shapely.Geometry | None = None,
) -> PopulationSurface:
    """Disaggregate the census of ``units`` to cells weighted by the network's drivable streets.

    ``units`` are the city's (:func:`city_units`); ``real_area`` is where a joined network's
    real road file is the complete street map, in the network's CRS (:func:`real_area_of`).
    Pure computation, no database: it may run beside a database write (``fplan demo``
    computes it while the network is stored).
    """
    units = units.to_crs(network.crs)
    # a two-way street appears once per direction; motorways house nobody
    drivable = (network.access & DRIVE) > 0
    weight = np.where(network.oneway, 1.0, 0.5) * (network.highway != "motorway") * drivable
    segments = (
        network.x[network.edge_u],
        network.y[network.edge_u],
        network.x[network.edge_v],
        network.y[network.edge_v],
    )
    # urban residents on built-up streets (real ones first), rural ones on the village roads
    cells = build_population_grid(
        units,
        cell_size_m=cell_size_m,
        segments=segments,
        segment_weight=weight,
        segment_real=network.edge_real,
        real_area=real_area,
        urban_population_column="urban_population",
    )
    # one definition of urban: each unit's census urban residents on its densest cells (D3)
    targets = {
        str(code): (None if people is None or pd.isna(people) else int(people))
        for code, people in zip(units["adcode"], units["urban_population"], strict=True)
    }
    cells["urban"] = calibrate_urban(
        cells["region_adcode"].to_numpy(),
        cells["population"].to_numpy(),
        cells["density_per_km2"].to_numpy(),
        targets,
        fallback=cells["urban"].to_numpy(),
    )
    cells_wgs = cells.to_crs("EPSG:4326")
    origins = cell_origins(cells).to_crs("EPSG:4326")
    # every piece as a MultiPolygon (a cell cut by a boundary may fall apart)
    parts, owner = shapely.get_parts(cells_wgs.geometry.to_numpy(), return_index=True)
    polygons = shapely.multipolygons(parts, indices=owner)
    return PopulationSurface(cells, polygons, origins.to_numpy(), network.synthetic)


def store_population(
    session: Session, city_adcode: str, surface: PopulationSurface, network_id: int | None
) -> PopulationSummary:
    """Replace the city's population cells by ``surface``."""
    cells = surface.cells
    population = cells["population"].to_numpy()
    urban = cells["urban"].to_numpy()
    with transaction(session), bulk_load(session, {"population_cells": len(population)}):
        session.execute(delete(PopulationCell).where(PopulationCell.city_adcode == city_adcode))
        copy_rows(
            session,
            "population_cells",
            {
                "city_adcode": city_adcode,
                "region_adcode": cells["region_adcode"].to_numpy(),
                "network_id": network_id,
                "population": population,
                "area_km2": cells["area_km2"].to_numpy(),
                "density_per_km2": cells["density_per_km2"].to_numpy(),
                "settlement_class": cells["settlement_class"].to_numpy(),
                "urban": urban,
                "road_length_m": cells["road_length_m"].to_numpy(),
                "real_road_length_m": cells["real_road_length_m"].to_numpy(),
                "synthetic": surface.synthetic,
                "geom": ewkb(surface.polygons),
                # where the cell's people meet the network: its road-weighted point, if it has roads
                "centroid": ewkb(surface.origins),
            },
        )
    return PopulationSummary(
        city_adcode=city_adcode,
        network_id=network_id,
        cells=len(population),
        population=int(population.sum()),
        urban_population=int(population[urban].sum()),
        synthetic=surface.synthetic,
    )


def build_population(
    session: Session,
    city_adcode: str,
    network: Network,
    network_id: int | None,
    *,
    cell_size_m: float = 500.0,
) -> PopulationSummary:
    """Disaggregate the city's census to cells weighted by the network's drivable streets; store.

    On a joined network the residents inside its real road file's area are placed on the real
    streets alone (:func:`real_area_of`).
    """
    area = real_area_of(session, network_id, network.crs) if network_id is not None else None
    surface = population_surface(
        city_units(session, city_adcode), network, cell_size_m=cell_size_m, real_area=area
    )
    return store_population(session, city_adcode, surface, network_id)


def real_area_of(session: Session, network_id: int, crs: str) -> shapely.Geometry | None:
    """Where a joined network's real road file is the complete street map, in ``crs``.

    The area :func:`app.services.road_files.import_edges` recorded (``params.real_area_wgs84``);
    None for a network read or generated whole.
    """
    row = session.get(RoadNetwork, network_id)
    wkt = (row.params or {}).get("real_area_wgs84") if row is not None else None
    if not wkt:
        return None
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    area = shapely.transform(shapely.from_wkt(wkt), to_metric.transform, interleaved=False)
    return shapely.make_valid(area)


def population_summary(session: Session, city_adcode: str) -> PopulationSummary | None:
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(PopulationCell.population), 0),
            func.coalesce(func.sum(PopulationCell.population).filter(PopulationCell.urban), 0),
            func.bool_or(PopulationCell.synthetic),
            func.max(PopulationCell.network_id),
        ).where(PopulationCell.city_adcode == city_adcode)
    ).one()
    if row[0] == 0:
        return None
    return PopulationSummary(
        city_adcode, row[4], int(row[0]), int(row[1]), int(row[2]), bool(row[3])
    )
