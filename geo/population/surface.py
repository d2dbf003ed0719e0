"""Population surface: census totals disaggregated to grid cells, or a real population grid.

Census counts come per county; coverage and norms need people where they live. This module
spreads each region's census total over square grid cells (default 500 m in a metric CRS, e.g.
EPSG:32649 for Hunan) by *dasymetric* weights, keeps every region's cells summing exactly to its
census total, and classes every cell urban or rural by density, which selects the urban or rural
threshold of a planning norm. Where a real population grid exists (Porto Alegre's H3 grid) it is
used directly (:func:`read_population_points`, :func:`classify_population_points`).

Dasymetric method (:func:`build_population_grid`)
--------------------------------------------------
1. *Cut.* A square grid anchored at whole multiples of the cell size is intersected with the
   region polygons; a cell cut by a county boundary gives one piece per county.
2. *Roads.* Road segments are split at the grid lines, and each sub-segment's length (times its
   weight) goes to the piece holding its midpoint; a sub-segment crossing a county boundary inside
   a cell goes wholly to one side.
3. *GHSL split.* The census total is split by the county's GHSL settlement shares (the share of
   its people living in each GHS-SMOD R2023A class, normalised to sum to one) into

   * dense urban: urban centre (30) + dense urban cluster (23), cells of >= 1,500 inh/km²;
   * other urban: semi-dense urban cluster (22) + suburban (21), cells of >= 300 inh/km²;
   * rural cluster (13), cells of >= 300 inh/km² in clusters of 500 to 5,000 people;
   * low-density rural (12), 50 to 300 inh/km²;
   * very-low-density rural (11), under 50 inh/km².

   Classes 30, 23, 22 and 21 are the *urban* people: together they form the "urban centres" and
   "urban clusters" of Degree of Urbanisation level 1 (cities, towns and semi-dense areas); 13,
   12 and 11 are its "rural grid cells". That reading follows the GHS-SMOD R2023A class codes
   (Schiavina, Melchiorri, Pesaresi, JRC, doi:10.2905/A0DF7A6F-49DE-46EA-9BDE-563437A6E2BA),
   whose first level is the aggregation of 30 / 21-23 / 11-13.
4. *Footprints.* Pieces with roads are ranked by street length per km², densest first. The
   dense-urban, other-urban and rural-cluster parts, in that order, each take the next pieces of
   the ranking and are spread over them in proportion to street length, as widely as possible
   while every piece they take still gets at least its class's density (1,500, 300, 300 inh/km²)
   from that part alone: the footprint stops before the piece that would fall below. A part
   always takes at least one piece; when the ranking is used up, the part is spread over all
   pieces by street length. The shares are those of GHSL's own population estimate, applied to
   the census total.
5. *Background.* The low-density rural part is spread over all pieces of the county in
   proportion to street length; the very-low-density rural part in proportion to area (people
   off the mapped roads: it is the area floor that keeps roadless pieces from being empty).
6. *No roads.* A county without any road length spreads all its people in proportion to area.
7. *Integers.* The fractional counts are rounded by the largest-remainder (Hamilton) method
   within each county, ties going to the earlier piece, so each county's pieces sum *exactly* to
   its census total and the output is deterministic.

Motorways and other roads without frontage carry no residents: give them weight 0. A directed
network lists a two-way road twice (once per direction); pass weight 0.5 for each of those two
rows, or deduplicate the pairs first. Only relative lengths within a county matter, so a uniform
factor changes nothing.

Regions without a polygon (Hunan's development and management zones) are not in the polygon
input: merge their census rows into a host county first (:func:`merge_zone_population`).

Classification (:func:`classify_settlement_grid`)
--------------------------------------------------
GHSL (GHS-SMOD R2023A, Degree of Urbanisation stage I; European Commission and Eurostat,
*Applying the Degree of Urbanisation: a methodological manual*, 2021) classes 1 km² cells:

* urban centre: a 4-connected cluster of cells of >= 1,500 inh/km² with >= 50,000 people;
* urban cluster: an 8-connected cluster of cells of >= 300 inh/km² with >= 5,000 people;
* every other cell is rural.

Here the same thresholds apply to the grid cells actually built (500 m by default), each whole
cell's people over its area inside the regions. With ``cluster_rule=True`` (default) the
contiguity and minimum-total rules above are applied by labelling the grid
(:func:`scipy.ndimage.label`); with ``cluster_rule=False`` a cell is classed by its own density
alone. Not reproduced: GHSL's gap filling (holes < 15 km²), 3 x 3 majority smoothing and the
built-up share >= 50 % alternative, and its 1 km cell size (smaller cells make density peakier).
The labelling works on rasters of the regions' bounding box (a few bytes a cell; 2 M cells
for all of Hunan at 500 m).
"""

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.errors import PopulationError
from geo.population._grid import Grid, Pieces, cut_regions, locate_points, make_grid, split_segments

# GHS-SMOD R2023A / Degree of Urbanisation stage I thresholds (Eurostat 2021 manual;
# https://human-settlement.emergency.copernicus.eu/ghs_smod2023.php)
URBAN_CENTRE_MIN_DENSITY_PER_KM2: Final[float] = 1500.0
URBAN_CLUSTER_MIN_DENSITY_PER_KM2: Final[float] = 300.0
URBAN_CENTRE_MIN_POPULATION: Final[int] = 50_000
URBAN_CLUSTER_MIN_POPULATION: Final[int] = 5_000

# H3 resolution 9 average hexagon area (https://h3geo.org/docs/core-library/restable); a global
# mean: real res-9 cells are smaller near the icosahedron vertices (0.090 km² at Porto Alegre)
H3_RES9_MEAN_AREA_KM2: Final[float] = 0.1053325

SETTLEMENT_CLASSES: Final[tuple[str, ...]] = ("urban_centre", "urban_cluster", "rural")

# GHS-SMOD R2023A level-2 classes 30, 23, 22, 21, 13, 12, 11: densest first
GHSL_CLASSES: Final[tuple[str, ...]] = (
    "urban_centre",
    "dense_urban_cluster",
    "semi_dense_urban_cluster",
    "suburban",
    "rural_cluster",
    "low_density_rural",
    "very_low_density_rural",
)
URBAN_GHSL_CLASSES: Final[frozenset[str]] = frozenset(GHSL_CLASSES[:4])

# the share columns of ../shared/data/hunan/hunan_county_population_2020.csv
GHSL_SHARE_COLUMNS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "urban_centre": "ghsl_urban_centre_share",
        "dense_urban_cluster": "ghsl_dense_cluster_share",
        "semi_dense_urban_cluster": "ghsl_semi_dense_share",
        "suburban": "ghsl_suburban_share",
        "rural_cluster": "ghsl_rural_cluster_share",
        "low_density_rural": "ghsl_low_density_rural_share",
        "very_low_density_rural": "ghsl_very_low_density_rural_share",
    }
)

# clustered parts placed on the densest streets: (GHSL class positions, minimum density)
_FOOTPRINT_PARTS: Final[tuple[tuple[tuple[int, ...], float], ...]] = (
    ((0, 1), URBAN_CENTRE_MIN_DENSITY_PER_KM2),
    ((2, 3), URBAN_CLUSTER_MIN_DENSITY_PER_KM2),
    ((4,), URBAN_CLUSTER_MIN_DENSITY_PER_KM2),
)
_LOW_DENSITY_RURAL: Final[int] = 5
_VERY_LOW_DENSITY_RURAL: Final[int] = 6

# a neighbour of a hexagonal lattice lies at about the spacing d (H3 distortion: up to 1.11 d,
# measured at Porto Alegre); the next ring at sqrt(3) d or more, so 1.5 d separates the two
_HEX_NEIGHBOUR_FACTOR: Final[float] = 1.5

_M2_PER_KM2: Final[float] = 1e6

Segments = tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike]


def build_population_grid(
    gdf_regions: gpd.GeoDataFrame,
    *,
    cell_size_m: float = 500.0,
    segments: Segments | None = None,
    segment_weight: ArrayLike = 1.0,
    region_column: str = "adcode",
    population_column: str = "population",
    share_columns: Mapping[str, str] = GHSL_SHARE_COLUMNS,
    cluster_rule: bool = True,
) -> gpd.GeoDataFrame:
    """Disaggregate each region's census population to grid cells (see the module docstring).

    Parameters
    ----------
    gdf_regions
        One row per region: polygon in a metric (projected) CRS, a unique code, the census
        population (a non-negative whole number) and the seven GHSL settlement shares.
    cell_size_m
        Side of a grid cell, metres (at least 1).
    segments
        Road segments ``(x0, y0, x1, y1)`` in the regions' CRS, metres, as four equal-length
        arrays (e.g. a network's edge end nodes, or :func:`segments_from_lines`). None: no roads,
        every region is spread in proportion to area.
    segment_weight
        Multiplier of each segment's length (scalar or one per segment, >= 0): 0 for roads with
        no residents (motorways), 0.5 for each direction of a two-way road of a directed network.
    region_column, population_column
        Columns holding the region code and the census population.
    share_columns
        Column of each GHSL class share, keyed by the names in :data:`GHSL_CLASSES`.
    cluster_rule
        Apply GHSL's contiguity and minimum-population rules when classing cells; False classes
        each cell by its own density alone.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per piece (a grid cell inside one region), in region order then row then
        column, in the regions' CRS. ``cell_id`` names the grid cell by its lower-left corner
        (``"500mN3120000E706000"``, metres); ``(cell_id, region_adcode)`` is unique.
        ``population`` (people, int), ``area_km2`` (piece area), ``density_per_km2`` (piece
        people per km²), ``cell_density_per_km2`` (the whole cell's, which sets the class),
        ``settlement_class`` (one of :data:`SETTLEMENT_CLASSES`), ``urban`` (urban centre or
        cluster), ``road_length_m`` (weighted street length in the piece), ``road_x_m`` /
        ``road_y_m`` (length-weighted mean of the piece's road midpoints, NaN without roads)
        and ``geometry`` (the piece polygon).

    Raises
    ------
    PopulationError
        On a missing column, a geographic or missing CRS, a bad geometry, a duplicate code, a
        negative or fractional population, bad shares, or bad segments; the message names the
        column or region.
    """
    if not np.isfinite(cell_size_m) or cell_size_m < 1.0:
        msg = f"cell_size_m must be a finite number of metres >= 1, got {cell_size_m!r}"
        raise PopulationError(msg)
    codes, population, shares, geometries = _check_regions(
        gdf_regions,
        region_column=region_column,
        population_column=population_column,
        share_columns=share_columns,
    )
    xmin, ymin, xmax, ymax = (float(b) for b in gdf_regions.total_bounds)
    grid = make_grid((xmin, ymin, xmax, ymax), float(cell_size_m))
    pieces = cut_regions(grid, geometries)
    _check_every_region_has_cells(pieces, np.asarray(codes).astype(object), population)

    road_m, road_x_m, road_y_m = _road_lengths(grid, pieces, segments, segment_weight)
    expected = _expected_population(pieces, road_m, population, shares)
    people = _largest_remainder(expected, pieces.region, population)
    area_km2 = pieces.area_m2 / _M2_PER_KM2
    classes, cell_density = _classify_pieces(grid, pieces, people, area_km2, cluster_rule)

    return gpd.GeoDataFrame(
        {
            "cell_id": _cell_ids(grid, pieces),
            "region_adcode": codes[pieces.region],
            "population": people,
            "area_km2": area_km2,
            "density_per_km2": people / area_km2,
            "cell_density_per_km2": cell_density,
            "settlement_class": classes,
            "urban": classes != "rural",
            "road_length_m": road_m,
            "road_x_m": road_x_m,
            "road_y_m": road_y_m,
        },
        geometry=gpd.GeoSeries(pieces.geometry, crs=gdf_regions.crs),
    )


def segments_from_lines(
    lines: gpd.GeoSeries | NDArray[np.object_],
) -> tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int64],
]:
    """Straight segments of (multi)line strings, for :func:`build_population_grid`.

    Parameters
    ----------
    lines
        LineStrings or MultiLineStrings in a metric CRS.

    Returns
    -------
    x0_m, y0_m, x1_m, y1_m, line_index
        Segment end coordinates (metres) and the position in ``lines`` of the line each segment
        comes from (to look up a per-line weight).
    """
    geoms = np.asarray(lines, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    same = part[:-1] == part[1:]
    start = coords[:-1][same]
    end = coords[1:][same]
    line_index = np.asarray(owner, dtype=np.int64)[part[:-1][same]]
    return (
        np.asarray(start[:, 0], dtype=np.float64),
        np.asarray(start[:, 1], dtype=np.float64),
        np.asarray(end[:, 0], dtype=np.float64),
        np.asarray(end[:, 1], dtype=np.float64),
        line_index,
    )


def merge_zone_population(
    df_census: pd.DataFrame,
    host_map: Mapping[Any, Any],
    *,
    code_column: str = "adcode",
    population_column: str = "population_2020",
    share_columns: Mapping[str, str] | None = GHSL_SHARE_COLUMNS,
    weight_column: str | None = "ghsl_pop",
) -> pd.DataFrame:
    """Merge census rows without a polygon (zones) into the county whose polygon holds them.

    Parameters
    ----------
    df_census
        One row per census unit, codes in ``code_column``.
    host_map
        Zone code -> host code, in the dtype of ``code_column``. A host absent from the census
        takes over the zone's row under the host code (a renamed unit, e.g. 431121 祁阳县 ->
        431181 祁阳市). A host may not itself be a zone.
    code_column, population_column
        Code and census population columns; populations of a host and its zones are summed.
    share_columns
        GHSL share columns to mix (None: leave shares alone): a merged share is the mean of the
        rows' shares weighted by ``weight_column`` (the GHSL population the shares are of), or by
        the census population when ``weight_column`` is None; an unweighted mean when the
        weights sum to zero.
    weight_column
        Column of the share weights, summed in the merged row.

    Returns
    -------
    pandas.DataFrame
        The census without the zone rows; each host row holds its zones' people. The order is
        the host rows' order (a renamed unit keeps its zone row's place); other columns are the
        host row's (the zone row's for a renamed unit).

    Raises
    ------
    PopulationError
        When a column, a zone code, or a non-chained host is missing or wrong.
    """
    shares = list(share_columns.values()) if share_columns is not None else []
    wanted = [code_column, population_column, *shares]
    if weight_column is not None:
        wanted.append(weight_column)
    _require_columns(df_census, wanted, what="census table")
    codes = df_census[code_column]
    known = set(codes.tolist())
    for zone, host in host_map.items():
        if zone not in known:
            msg = f"zone {zone!r} of host_map is not in column {code_column!r} of the census"
            raise PopulationError(msg)
        if host in host_map:
            msg = f"host {host!r} of zone {zone!r} is itself a zone: map zones to final hosts"
            raise PopulationError(msg)

    # rows regroup under their host code; the host's own row (if any) leads its group
    is_zone = codes.isin(list(host_map))
    new_code = codes.copy()
    new_code[is_zone] = codes[is_zone].map(dict(host_map))
    df = df_census.assign(_code=new_code, _zone=is_zone.to_numpy(), _pos=np.arange(len(codes)))
    weight = (df[weight_column] if weight_column is not None else df[population_column]).astype(
        float
    )
    grouped_weight = weight.groupby(df["_code"], sort=False).sum()
    kept = df.sort_values(["_zone", "_pos"], kind="stable").drop_duplicates("_code")
    kept = kept.sort_values("_pos", kind="stable").set_index("_code")

    merged = kept.copy()
    merged[population_column] = df.groupby("_code", sort=False)[population_column].sum()
    if weight_column is not None:
        merged[weight_column] = df.groupby("_code", sort=False)[weight_column].sum()
    if shares:
        weighted = df[shares].mul(weight, axis=0).groupby(df["_code"], sort=False).sum()
        plain = df[shares].groupby(df["_code"], sort=False).mean()
        mixed = weighted.div(grouped_weight.where(grouped_weight > 0), axis=0)
        merged[shares] = mixed.where(grouped_weight > 0, plain, axis=0)
    merged[code_column] = merged.index.to_numpy()
    out = merged.reset_index(drop=True).drop(columns=["_zone", "_pos"])
    return out[list(df_census.columns)]


def classify_settlement_grid(
    population: ArrayLike,
    area_km2: ArrayLike,
    *,
    cluster_rule: bool = True,
) -> NDArray[np.str_]:
    """GHSL settlement class of every cell of a square grid (see the module docstring).

    Parameters
    ----------
    population
        People per cell, a 2-D array (rows by columns; neighbours share an edge or a corner).
    area_km2
        Area of each cell counted for density, km² (0 for a cell outside every region).
    cluster_rule
        Require contiguous clusters with GHSL's minimum totals (4-connected >= 50,000 people
        for an urban centre, 8-connected >= 5,000 for an urban cluster); False classes each
        cell by its own density alone.

    Returns
    -------
    numpy.ndarray
        2-D array of class names from :data:`SETTLEMENT_CLASSES`.
    """
    people = np.asarray(population, dtype=np.float64)
    area = np.asarray(area_km2, dtype=np.float64)
    if people.ndim != 2 or people.shape != area.shape:
        msg = f"population {people.shape} and area_km2 {area.shape} must be equal 2-D shapes"
        raise PopulationError(msg)
    density = np.divide(people, area, out=np.zeros_like(people), where=area > 0.0)
    dense = density >= URBAN_CENTRE_MIN_DENSITY_PER_KM2
    moderate = density >= URBAN_CLUSTER_MIN_DENSITY_PER_KM2
    if cluster_rule:
        rook = ndimage.generate_binary_structure(2, 1)
        queen = ndimage.generate_binary_structure(2, 2)
        dense = _big_clusters(dense, ndimage.label(dense, structure=rook)[0], people, "centre")
        moderate = _big_clusters(
            moderate, ndimage.label(moderate, structure=queen)[0], people, "cluster"
        )
    return _class_names(dense, moderate)


def population_points_from_frame(
    df: pd.DataFrame,
    *,
    lon_column: str = "lon",
    lat_column: str = "lat",
    population_column: str = "population",
) -> gpd.GeoDataFrame:
    """Points of a real population grid (WGS84 centres with people) as a GeoDataFrame.

    Parameters
    ----------
    df
        One row per grid cell: longitude and latitude in degrees (WGS84) and people.
    lon_column, lat_column, population_column
        Column names.

    Returns
    -------
    geopandas.GeoDataFrame
        All columns of ``df``, ``population`` as int, point geometry in EPSG:4326.
    """
    _require_columns(df, [lon_column, lat_column, population_column], what="population points")
    lon = pd.to_numeric(df[lon_column], errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(df[lat_column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(lon) | ~np.isfinite(lat) | (np.abs(lon) > 180.0) | (np.abs(lat) > 90.0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = f"row {row}: ({lon_column}, {lat_column}) is not a WGS84 longitude/latitude"
        raise PopulationError(msg)
    rows = np.arange(len(df)).astype(object)
    people = _whole_numbers(df[population_column], population_column, labels=rows)
    out = df.copy()
    out[population_column] = people
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def read_population_points(
    path: str | Path,
    *,
    lon_column: str = "lon",
    lat_column: str = "lat",
    population_column: str = "population",
) -> gpd.GeoDataFrame:
    """Read a CSV population grid (e.g. Porto Alegre's ``poa_hexgrid.csv``) as WGS84 points.

    The real grid is used directly: no disaggregation. See :func:`population_points_from_frame`
    for the columns and the result, and :func:`classify_population_points` to class it.
    """
    return population_points_from_frame(
        pd.read_csv(path),
        lon_column=lon_column,
        lat_column=lat_column,
        population_column=population_column,
    )


def classify_population_points(
    gdf_points: gpd.GeoDataFrame,
    *,
    population_column: str = "population",
    cell_area_km2: float | None = None,
    cluster_rule: bool = True,
) -> gpd.GeoDataFrame:
    """Class the cells of a hexagonal population grid (H3) urban or rural by GHSL density.

    Parameters
    ----------
    gdf_points
        Cell centres with people, any CRS (a geographic one is projected to its UTM zone).
    population_column
        Column of people per cell.
    cell_area_km2
        Area of one cell, km². None estimates it from the lattice: a cell of a hexagonal
        lattice has a third of the area of the hexagon through its six neighbours' centres;
        the median over the cells with six neighbours is used (0.0898 km² for Porto Alegre's
        H3 resolution-9 grid, against the global mean :data:`H3_RES9_MEAN_AREA_KM2`).
    cluster_rule
        Apply GHSL's contiguity and minimum totals, with the six edge neighbours of a hexagon
        as its contiguity for both rules.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``area_km2``, ``density_per_km2``, ``settlement_class`` and ``urban``.
    """
    _require_columns(gdf_points, [population_column], what="population points")
    if gdf_points.crs is None:
        msg = "population points have no CRS: set one (EPSG:4326 for longitude/latitude)"
        raise PopulationError(msg)
    if len(gdf_points) == 0:
        msg = "no population points to classify"
        raise PopulationError(msg)
    if not bool(np.all(gdf_points.geometry.geom_type == "Point")):
        msg = "population points must all be Point geometries (cell centres)"
        raise PopulationError(msg)
    people = _whole_numbers(
        gdf_points[population_column],
        population_column,
        labels=gdf_points.index.to_numpy().astype(object),
    ).astype(np.float64)
    metric = (
        gdf_points
        if gdf_points.crs.is_projected
        else gdf_points.to_crs(gdf_points.estimate_utm_crs())
    )
    xy = np.asarray(shapely.get_coordinates(metric.geometry.to_numpy()), dtype=np.float64)
    pairs, spacing_m = _lattice_neighbours(xy)
    if cell_area_km2 is None:
        area = _lattice_cell_area_km2(xy, spacing_m)
    elif np.isfinite(cell_area_km2) and cell_area_km2 > 0.0:
        area = float(cell_area_km2)
    else:
        msg = f"cell_area_km2 must be a positive number of km², got {cell_area_km2!r}"
        raise PopulationError(msg)

    density = people / area
    dense = density >= URBAN_CENTRE_MIN_DENSITY_PER_KM2
    moderate = density >= URBAN_CLUSTER_MIN_DENSITY_PER_KM2
    if cluster_rule:
        dense = _big_clusters(dense, _graph_labels(dense, pairs), people, "centre")
        moderate = _big_clusters(moderate, _graph_labels(moderate, pairs), people, "cluster")
    classes = _class_names(dense, moderate)
    out = gdf_points.copy()
    out["area_km2"] = area
    out["density_per_km2"] = density
    out["settlement_class"] = classes
    out["urban"] = classes != "rural"
    return out


def cell_origins(gdf_cells: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """One point per population cell, where its people start a trip.

    The road point (``road_x_m``, ``road_y_m``: the length-weighted mean of the piece's road
    midpoints, near where road-weighted people live) when the piece has roads, else a point on
    the piece's surface. Snap the points to the network's nearest node for routing.

    Parameters
    ----------
    gdf_cells
        Output of :func:`build_population_grid`.

    Returns
    -------
    geopandas.GeoSeries
        Points in the cells' CRS, index aligned with ``gdf_cells``.
    """
    _require_columns(gdf_cells, ["road_x_m", "road_y_m"], what="population cells")
    road_x = gdf_cells["road_x_m"].to_numpy(dtype=np.float64)
    road_y = gdf_cells["road_y_m"].to_numpy(dtype=np.float64)
    inner = shapely.point_on_surface(gdf_cells.geometry.to_numpy())
    has_road = np.isfinite(road_x) & np.isfinite(road_y)
    points = np.where(has_road, shapely.points(road_x, road_y), inner)
    return gpd.GeoSeries(points, index=gdf_cells.index, crs=gdf_cells.crs)


# --- input checks ---------------------------------------------------------------------------


def _require_columns(df: pd.DataFrame, columns: list[str], *, what: str) -> None:
    """Raise :class:`PopulationError` naming the first of ``columns`` missing from ``df``."""
    for column in columns:
        if column not in df.columns:
            msg = f"{what}: missing column {column!r}"
            raise PopulationError(msg)


def _whole_numbers(values: pd.Series, column: str, *, labels: NDArray[Any]) -> NDArray[np.int64]:
    """``values`` as int64 when all are non-negative whole numbers, else name the bad row."""
    raw = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(raw) | (raw < 0.0) | (raw != np.floor(raw))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        msg = (
            f"{labels[first]!r}: {column!r} is {values.astype(object).iloc[first]!r}; "
            "a population must be a non-negative whole number"
        )
        raise PopulationError(msg)
    return raw.astype(np.int64)


def _check_regions(
    gdf: gpd.GeoDataFrame,
    *,
    region_column: str,
    population_column: str,
    share_columns: Mapping[str, str],
) -> tuple[NDArray[Any], NDArray[np.int64], NDArray[np.float64], NDArray[np.object_]]:
    """Validated codes, populations, normalised GHSL shares and polygons of the regions."""
    missing = [c for c in GHSL_CLASSES if c not in share_columns]
    if missing:
        msg = f"share_columns lacks the GHSL classes {missing}; expected keys {GHSL_CLASSES}"
        raise PopulationError(msg)
    shares_cols = [share_columns[c] for c in GHSL_CLASSES]
    _require_columns(gdf, [region_column, population_column, *shares_cols], what="regions")
    if len(gdf) == 0:
        msg = "no regions given"
        raise PopulationError(msg)
    if gdf.crs is None or not gdf.crs.is_projected:
        msg = (
            f"regions must be in a metric (projected) CRS, got {gdf.crs}; "
            "project them first, e.g. to EPSG:32649 (UTM 49N) for Hunan"
        )
        raise PopulationError(msg)
    codes = gdf[region_column].to_numpy()
    # plain Python values, so that messages read '430102' or 430102, never np.int64(430102)
    names = np.asarray(codes).astype(object)
    duplicated = pd.Series(codes).duplicated().to_numpy()
    if duplicated.any():
        msg = f"region {names[duplicated][0]!r} appears twice in column {region_column!r}"
        raise PopulationError(msg)

    geometries = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    kinds = np.asarray(shapely.get_type_id(geometries))
    # GEOS type ids 3 Polygon, 6 MultiPolygon (shapely.GeometryType)
    bad = ~np.isin(kinds, (3, 6)) | np.asarray(shapely.is_empty(geometries))
    bad |= ~np.asarray(shapely.is_valid(geometries)) | (np.asarray(shapely.area(geometries)) <= 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        msg = (
            f"region {names[first]!r}: geometry must be a valid non-empty (multi)polygon "
            f"with area, got {shapely.get_type_id(geometries[first])} "
            f"({shapely.is_valid_reason(geometries[first])})"
        )
        raise PopulationError(msg)

    population = _whole_numbers(gdf[population_column], population_column, labels=names)
    shares = _check_shares(gdf, shares_cols, names, population)
    return codes, population, shares, geometries


def _check_shares(
    gdf: pd.DataFrame,
    columns: list[str],
    codes: NDArray[Any],
    population: NDArray[np.int64],
) -> NDArray[np.float64]:
    """GHSL shares per region, normalised to sum to one (zeros for an empty region)."""
    raw = np.column_stack(
        [pd.to_numeric(gdf[c], errors="coerce").to_numpy(dtype=np.float64) for c in columns]
    )
    bad = ~np.isfinite(raw) | (raw < 0.0)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        msg = f"region {codes[row]!r}: share {columns[col]!r} is {raw[row, col]!r}, not >= 0"
        raise PopulationError(msg)
    total = raw.sum(axis=1)
    empty = (total <= 0.0) & (population > 0)
    if empty.any():
        msg = f"region {codes[np.flatnonzero(empty)[0]]!r}: its GHSL shares sum to zero"
        raise PopulationError(msg)
    normalised = np.zeros_like(raw)
    np.divide(raw, total[:, None], out=normalised, where=total[:, None] > 0.0)
    return normalised


def _check_every_region_has_cells(
    pieces: Pieces, codes: NDArray[Any], population: NDArray[np.int64]
) -> None:
    """A region with people must have at least one piece to hold them."""
    counts = np.bincount(pieces.region, minlength=codes.shape[0])
    lost = (counts == 0) & (population > 0)
    if lost.any():
        msg = f"region {codes[np.flatnonzero(lost)[0]]!r} has people but no grid cell"
        raise PopulationError(msg)


def _segment_arrays(
    segments: Segments, segment_weight: ArrayLike
) -> tuple[NDArray[np.float64], ...]:
    """Validated ``x0, y0, x1, y1, weight`` arrays of the road segments."""
    if len(segments) != 4:
        msg = f"segments must be four arrays (x0, y0, x1, y1), got {len(segments)}"
        raise PopulationError(msg)
    arrays = [np.asarray(a, dtype=np.float64) for a in segments]
    n = arrays[0].shape[0] if arrays[0].ndim == 1 else -1
    for name, arr in zip(("x0", "y0", "x1", "y1"), arrays, strict=True):
        if arr.ndim != 1 or arr.shape[0] != n:
            msg = f"segments {name} must be 1-D with {n} values, got shape {arr.shape}"
            raise PopulationError(msg)
        if not np.all(np.isfinite(arr)):
            msg = f"segments {name} holds non-finite coordinates"
            raise PopulationError(msg)
    weight = np.broadcast_to(np.asarray(segment_weight, dtype=np.float64), (n,)).copy()
    if not np.all(np.isfinite(weight) & (weight >= 0.0)):
        msg = "segment_weight must be finite and >= 0"
        raise PopulationError(msg)
    return (*arrays, weight)


# --- allocation ------------------------------------------------------------------------------


def _road_lengths(
    grid: Grid, pieces: Pieces, segments: Segments | None, segment_weight: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Weighted road length per piece (metres) and its length-weighted midpoint (metres)."""
    n = pieces.region.shape[0]
    if segments is None:
        nan = np.full(n, np.nan)
        return np.zeros(n), nan, nan.copy()
    x0, y0, x1, y1, weight = _segment_arrays(segments, segment_weight)
    mid_x, mid_y, length_m = split_segments(grid, x0, y0, x1, y1, weight=weight)
    piece = locate_points(grid, pieces, mid_x, mid_y)
    inside = piece >= 0
    road_m = np.bincount(piece[inside], weights=length_m[inside], minlength=n).astype(np.float64)
    sum_x = np.bincount(piece[inside], weights=(length_m * mid_x)[inside], minlength=n)
    sum_y = np.bincount(piece[inside], weights=(length_m * mid_y)[inside], minlength=n)
    has_road = road_m > 0.0
    road_x = np.full(n, np.nan)
    road_y = np.full(n, np.nan)
    np.divide(sum_x, road_m, out=road_x, where=has_road)
    np.divide(sum_y, road_m, out=road_y, where=has_road)
    return road_m, road_x, road_y


def _expected_population(
    pieces: Pieces,
    road_m: NDArray[np.float64],
    population: NDArray[np.int64],
    shares: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Fractional people per piece, region by region (pieces are ordered by region)."""
    expected = np.zeros(pieces.region.shape[0])
    bounds = np.searchsorted(pieces.region, np.arange(population.shape[0] + 1))
    for r in range(population.shape[0]):
        lo, hi = int(bounds[r]), int(bounds[r + 1])
        if population[r] == 0 or hi == lo:
            continue
        expected[lo:hi] = _allocate_region(
            pieces.area_m2[lo:hi], road_m[lo:hi], float(population[r]) * shares[r]
        )
    return expected


def _allocate_region(
    area_m2: NDArray[np.float64], road_m: NDArray[np.float64], parts: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Spread one region's people, split by GHSL class in ``parts``, over its pieces."""
    by_area: NDArray[np.float64] = area_m2 / float(area_m2.sum())
    total_road_m = road_m.sum()
    if total_road_m <= 0.0:
        return float(parts.sum()) * by_area
    by_road = road_m / total_road_m
    out = np.zeros(area_m2.shape[0])

    # the clustered parts take the densest streets in turn
    with_road = np.flatnonzero(road_m > 0.0)
    road_density = road_m[with_road] / area_m2[with_road]
    ranked = with_road[np.argsort(-road_density, kind="stable")]
    taken = 0
    for classes, min_density_per_km2 in _FOOTPRINT_PARTS:
        people = float(parts[list(classes)].sum())
        if people <= 0.0:
            continue
        rest = ranked[taken:]
        if rest.shape[0] == 0:
            out += people * by_road
            continue
        cum_road_m = np.cumsum(road_m[rest])
        # density of each piece if the footprint ended there; falls as the footprint grows
        density = people * road_m[rest] / cum_road_m / (area_m2[rest] / _M2_PER_KM2)
        short = density < min_density_per_km2
        n_taken = max(1, int(np.argmax(short)) if short.any() else rest.shape[0])
        chosen = rest[:n_taken]
        out[chosen] += people * road_m[chosen] / cum_road_m[n_taken - 1]
        taken += n_taken

    out += float(parts[_LOW_DENSITY_RURAL]) * by_road
    out += float(parts[_VERY_LOW_DENSITY_RURAL]) * by_area
    return out


def _largest_remainder(
    expected: NDArray[np.float64], region: NDArray[np.int64], population: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Whole people per piece summing exactly to each region's total (Hamilton's method)."""
    n = expected.shape[0]
    floor = np.floor(expected)
    people = floor.astype(np.int64)
    # whole people still to place per region: fewer than its number of pieces
    short = population - np.bincount(region, weights=floor, minlength=population.shape[0]).astype(
        np.int64
    )
    order = np.lexsort((np.arange(n), -(expected - floor), region))
    starts = np.searchsorted(region, np.arange(population.shape[0]))
    rank = np.arange(n) - starts[region[order]]
    people[order[rank < short[region[order]]]] += 1
    return people


# --- classification ---------------------------------------------------------------------------


def _classify_pieces(
    grid: Grid,
    pieces: Pieces,
    people: NDArray[np.int64],
    area_km2: NDArray[np.float64],
    cluster_rule: bool,
) -> tuple[NDArray[np.str_], NDArray[np.float64]]:
    """Class of each piece from its whole grid cell, and that cell's density (per km²)."""
    key = pieces.cell_key(grid)
    cell_people = np.bincount(key, weights=people, minlength=grid.n_cells)
    cell_area = np.bincount(key, weights=area_km2, minlength=grid.n_cells)
    shape = (grid.n_rows, grid.n_cols)
    classes = classify_settlement_grid(
        cell_people.reshape(shape), cell_area.reshape(shape), cluster_rule=cluster_rule
    )
    return classes.reshape(-1)[key], cell_people[key] / cell_area[key]


def _big_clusters(
    member: NDArray[np.bool_], labels: NDArray[Any], people: NDArray[np.float64], kind: str
) -> NDArray[np.bool_]:
    """Members of clusters whose total reaches GHSL's minimum for ``kind`` (centre/cluster)."""
    minimum = URBAN_CENTRE_MIN_POPULATION if kind == "centre" else URBAN_CLUSTER_MIN_POPULATION
    flat = labels.reshape(-1)
    totals = np.bincount(flat, weights=people.reshape(-1))
    big: NDArray[np.bool_] = (totals[flat] >= minimum).reshape(member.shape)
    return member & big


def _class_names(dense: NDArray[np.bool_], moderate: NDArray[np.bool_]) -> NDArray[np.str_]:
    """Urban centre where ``dense``, else urban cluster where ``moderate``, else rural."""
    code = np.where(dense, 0, np.where(moderate, 1, 2))
    return np.asarray(SETTLEMENT_CLASSES)[code]


def _graph_labels(member: NDArray[np.bool_], pairs: NDArray[np.int64]) -> NDArray[np.int64]:
    """Connected-component label of each point over the neighbour pairs joining two members."""
    n = member.shape[0]
    joined = pairs[member[pairs[:, 0]] & member[pairs[:, 1]]]
    ones = np.ones(joined.shape[0])
    graph = coo_matrix((ones, (joined[:, 0], joined[:, 1])), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)


def _lattice_neighbours(xy: NDArray[np.float64]) -> tuple[NDArray[np.int64], float]:
    """Neighbour pairs of lattice points (metres) and the lattice spacing (median nearest, m)."""
    if xy.shape[0] < 2:
        return np.zeros((0, 2), dtype=np.int64), float("nan")
    tree = cKDTree(xy)
    nearest_m = tree.query(xy, k=2)[0][:, 1]
    spacing_m = float(np.median(nearest_m))
    pairs = tree.query_pairs(_HEX_NEIGHBOUR_FACTOR * spacing_m, output_type="ndarray")
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2), spacing_m


def _lattice_cell_area_km2(xy: NDArray[np.float64], spacing_m: float) -> float:
    """Median cell area (km²) of a hexagonal lattice from the cells with six neighbours."""
    if xy.shape[0] >= 8:
        tree = cKDTree(xy)
        dist_m, index = tree.query(xy, k=8)
        radius_m = _HEX_NEIGHBOUR_FACTOR * spacing_m
        full = (dist_m[:, 6] <= radius_m) & (dist_m[:, 7] > radius_m)
        if full.any():
            offset = xy[index[full, 1:7]] - xy[full, None, :]
            angle = np.arctan2(offset[..., 1], offset[..., 0])
            ring = np.take_along_axis(offset, np.argsort(angle, axis=1)[..., None], axis=1)
            nxt = np.roll(ring, -1, axis=1)
            # shoelace area of the neighbours' hexagon; the cell is a third of it
            hexagon_m2 = 0.5 * np.abs(
                np.sum(ring[..., 0] * nxt[..., 1] - nxt[..., 0] * ring[..., 1], axis=1)
            )
            return float(np.median(hexagon_m2)) / 3.0 / _M2_PER_KM2
    msg = "cannot estimate the cell area: no cell has six neighbours; pass cell_area_km2"
    raise PopulationError(msg)


def _cell_ids(grid: Grid, pieces: Pieces) -> NDArray[np.object_]:
    """Grid cell names from the lower-left corner in whole metres, e.g. ``500mN3120000E706000``."""
    s = grid.cell_size_m
    east = np.rint(grid.origin_x_m + pieces.col * s).astype(np.int64).astype(str)
    north = np.rint(grid.origin_y_m + pieces.row * s).astype(np.int64).astype(str)
    prefix = f"{s:g}m"
    ids = np.char.add(np.char.add(np.char.add(prefix + "N", north), "E"), east)
    return np.asarray(ids, dtype=object)
