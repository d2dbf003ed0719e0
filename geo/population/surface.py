"""Population surface: census totals disaggregated to grid cells, urban or rural.

Census counts come per county; coverage and norms need people where they live. This module
spreads each region's census total over square grid cells (default 500 m in a metric CRS, e.g.
EPSG:32649 for Hunan) by *dasymetric* weights, keeps every region's cells summing exactly to its
census total, and classes every cell urban or rural by density, which selects the urban or rural
threshold of a planning norm. A real population grid (Porto Alegre's H3 grid) is read as points
by :func:`geo.population.points.read_points` instead.

Dasymetric method (:func:`build_population_grid`)
--------------------------------------------------
Residents live where they live: a county's urban residents in its built-up area, its rural
residents in villages along the rural roads. The method says so with the figures the project
ships (the census urban share and GHSL shares of each county) and the street network.

1. *Cut.* A square grid anchored at whole multiples of the cell size is intersected with the
   region polygons; a cell cut by a county boundary gives one piece per county.
2. *Roads.* Road segments are split at the grid lines, and each sub-segment's length (times its
   weight) goes to the piece holding its midpoint; a sub-segment crossing a county boundary inside
   a cell goes wholly to one side. The length of *real* segments (surveyed roads, not generated
   ones) is kept apart as well. Where a real road file is the complete street map (its *real
   area*, e.g. a planning institute's layer of the city centre), generated sub-segments inside
   it are left out (there they are only links joining the generated network to the real one),
   and a piece whose centre lies in it is *surveyed*: its residents are placed by its real
   streets alone (what generated streets it has lie in its part beyond the area).
3. *Urban and rural residents.* A county's urban residents are its census urban residents (the
   census urban share times its population; where the census gives none, the share of its people
   in GHSL's urban classes 30, 23, 22 and 21); the rest are rural.
4. *Built-up pieces.* A piece is built-up when it holds at least
   :data:`BUILT_UP_MIN_STREET_KM_PER_KM2` km of street per km², the least a planned town's
   streets give (GB 50220-95). Pieces are ranked for the urban residents: built-up on *real*
   streets alone first (a surveyed built-up area is where the town is); then, when the
   county's town is surveyed (it has such a piece inside the real area), its other surveyed
   pieces with roads; then other built-up pieces (a synthetic town grid is an invented
   stand-in for the county's whole town, used only where the real streets are missing); then
   every other piece with roads; densest streets first within each rank.
5. *Urban footprint.* The urban residents take the first pieces of that ranking until their
   area reaches :data:`URBAN_LAND_PER_RESIDENT_M2` m² per urban resident (the least built-up land
   per resident GB 50137-2011 plans for; at least one piece), and are spread over them in
   proportion to street length.
6. *Rural residents.* The share of the county's people GHSL finds in very-low-density rural
   cells (class 11, under 50 inh/km²) lives off the mapped roads: it is spread over the pieces
   outside the footprint in proportion to area (the area floor that keeps roadless pieces from
   being empty). The other rural residents are spread over the pieces outside the footprint
   that are not built-up (the villages' roads), in proportion to street length; built-up pieces
   the urban residents did not need (an invented town grid where the real town is surveyed)
   get none of them. Where no such piece has roads, over all pieces outside the footprint by
   street length, else by area.

   Surveyed and generated street lengths are not one measure: a generated grid is drawn at the
   density its generator chose, not where people are found. So when the pieces of step 5 or 6
   are partly surveyed, the residents are first shared between the surveyed pieces and the
   others in proportion to their area, then spread by street length within each.
7. *No roads.* A county without any road length spreads all its people in proportion to area.
8. *Integers.* The fractional counts are rounded by the largest-remainder (Hamilton) method
   within each county, ties going to the earlier piece, so each county's pieces sum *exactly* to
   its census total and the output is deterministic.

Motorways and other roads without frontage carry no residents: give them weight 0. A directed
network lists a two-way road twice (once per direction); pass weight 0.5 for each of those two
rows, or deduplicate the pairs first. Only relative lengths within a county matter, so a uniform
factor changes nothing.

Regions without a polygon (Hunan's development and management zones) are not in the polygon
input: add their residents to a host county first.

Cells are classed by :func:`geo.population.settlement.classify_settlement_grid`.
"""

from collections.abc import Mapping
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from geo.errors import PopulationError
from geo.population._grid import Grid, Pieces, cut_regions, locate_points, make_grid, split_segments
from geo.population.settlement import (
    GHSL_CLASSES,
    GHSL_SHARE_COLUMNS,
    SETTLEMENT_CLASSES,
    URBAN_GHSL_CLASSES,
    classify_settlement_grid,
)

__all__ = [
    "BUILT_UP_MIN_STREET_KM_PER_KM2",
    "GHSL_CLASSES",
    "GHSL_SHARE_COLUMNS",
    "SETTLEMENT_CLASSES",
    "URBAN_LAND_PER_RESIDENT_M2",
    "PopulationError",
    "Segments",
    "build_population_grid",
    "cell_origins",
]

# the least street a planned town has: the lower bounds of a medium city's arterial (1.0),
# secondary (1.2) and branch (3.0) road densities, km/km² (GB 50220-95 《城市道路交通规划设计
# 规范》, table 7.1.6-2); service roads and alleys of a complete map only add to it
BUILT_UP_MIN_STREET_KM_PER_KM2: Final[float] = 5.2
# the least built-up land planned per urban resident, m² (GB 50137-2011 《城市用地分类与规划建设
# 用地标准》, table 4.2.1: 65.0–115.0 m² per person); Changsha's 2020 built-up area per urban
# resident is of this order
URBAN_LAND_PER_RESIDENT_M2: Final[float] = 65.0
_URBAN_CLASSES: Final[tuple[int, ...]] = tuple(
    i for i, c in enumerate(GHSL_CLASSES) if c in URBAN_GHSL_CLASSES
)
_VERY_LOW_DENSITY_RURAL: Final[int] = GHSL_CLASSES.index("very_low_density_rural")
_M2_PER_KM2: Final[float] = 1e6

Segments = tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike]


def build_population_grid(
    gdf_regions: gpd.GeoDataFrame,
    *,
    cell_size_m: float = 500.0,
    segments: Segments | None = None,
    segment_weight: ArrayLike = 1.0,
    segment_real: ArrayLike = False,
    real_area: BaseGeometry | None = None,
    region_column: str = "adcode",
    population_column: str = "population",
    urban_population_column: str | None = None,
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
        arrays (e.g. a network's edge end nodes). None: no roads,
        every region is spread in proportion to area.
    segment_weight
        Multiplier of each segment's length (scalar or one per segment, >= 0): 0 for roads with
        no residents (motorways), 0.5 for each direction of a two-way road of a directed network.
    segment_real
        Whether each segment is a real (surveyed) road rather than a generated one (scalar or one
        per segment); real built-up streets rank before synthetic ones for urban residents.
    real_area
        Where the real segments are the complete street map (a road file's coverage), a
        (multi)polygon in the regions' CRS: pieces whose centre lies in it are surveyed, and
        generated segments inside it carry no residents. None: no piece is surveyed.
    region_column, population_column
        Columns holding the region code and the census population.
    urban_population_column
        Column of each region's census urban residents (whole people, at most its population;
        NaN where unknown). None, or NaN in a row: the GHSL urban classes' share of its people.
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
        cluster), ``road_length_m`` (weighted street length in the piece),
        ``real_road_length_m`` (the part of it on real roads), ``road_x_m`` /
        ``road_y_m`` (length-weighted mean of the piece's road midpoints, NaN without roads)
        and ``geometry`` (the piece polygon).

    Raises
    ------
    PopulationError
        On a missing column, a geographic or missing CRS, a bad geometry, a duplicate code, a
        negative or fractional population, bad shares, bad segments or a real area that is not
        a polygon; the message names the column or region.
    """
    if not np.isfinite(cell_size_m) or cell_size_m < 1.0:
        raise PopulationError.worded(
            "input.population.cell_size", field="cell_size_m", value=cell_size_m
        )
    codes, population, shares, geometries = _check_regions(
        gdf_regions,
        region_column=region_column,
        population_column=population_column,
        share_columns=share_columns,
    )
    urban_people = _urban_residents(
        gdf_regions, urban_population_column, population, shares, np.asarray(codes).astype(object)
    )
    xmin, ymin, xmax, ymax = (float(b) for b in gdf_regions.total_bounds)
    grid = make_grid((xmin, ymin, xmax, ymax), float(cell_size_m))
    pieces = cut_regions(grid, geometries)
    _check_every_region_has_cells(pieces, np.asarray(codes).astype(object), population)

    area = _check_real_area(real_area)
    road_m, real_m, road_x_m, road_y_m = _road_lengths(
        grid, pieces, segments, segment_weight, segment_real, real_area=area
    )
    expected = _expected_population(
        pieces,
        road_m=road_m,
        real_m=real_m,
        surveyed=_surveyed(pieces, area),
        population=population,
        urban_people=urban_people,
        shares=shares,
    )
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
            "real_road_length_m": real_m,
            "road_x_m": road_x_m,
            "road_y_m": road_y_m,
        },
        geometry=gpd.GeoSeries(pieces.geometry, crs=gdf_regions.crs),
    )


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


# --- input checks


def _require_columns(df: pd.DataFrame, columns: list[str], *, what: str) -> None:
    """Raise :class:`PopulationError` naming the first of ``columns`` missing from ``df``."""
    for column in columns:
        if column not in df.columns:
            raise PopulationError.worded(
                "input.common.no_column",
                field=what,
                column=column,
                have=" / ".join(map(str, df.columns)),
            )


def _whole_numbers(values: pd.Series, column: str, *, labels: NDArray[Any]) -> NDArray[np.int64]:
    """``values`` as int64 when all are non-negative whole numbers, else name the bad row."""
    raw = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(raw) | (raw < 0.0) | (raw != np.floor(raw))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise PopulationError.worded(
            "input.population.whole",
            field=column,
            region=labels[first],
            value=values.astype(object).iloc[first],
        )
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
        raise PopulationError.worded(
            "input.population.ghsl_classes",
            field="share_columns",
            missing=" / ".join(map(str, missing)),
        )
    shares_cols = [share_columns[c] for c in GHSL_CLASSES]
    _require_columns(gdf, [region_column, population_column, *shares_cols], what="regions")
    if len(gdf) == 0:
        raise PopulationError.worded("input.population.no_regions", field="gdf_regions")
    if gdf.crs is None or not gdf.crs.is_projected:
        raise PopulationError.worded("input.common.metric_crs", field="gdf_regions", crs=gdf.crs)
    codes = gdf[region_column].to_numpy()
    # plain Python values, so that messages read '430102' or 430102, never np.int64(430102)
    names = np.asarray(codes).astype(object)
    duplicated = pd.Series(codes).duplicated().to_numpy()
    if duplicated.any():
        raise PopulationError.worded(
            "input.population.twice", field=region_column, region=names[duplicated][0]
        )

    geometries = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    kinds = np.asarray(shapely.get_type_id(geometries))
    # GEOS type ids 3 Polygon, 6 MultiPolygon (shapely.GeometryType)
    bad = ~np.isin(kinds, (3, 6)) | np.asarray(shapely.is_empty(geometries))
    bad |= ~np.asarray(shapely.is_valid(geometries)) | (np.asarray(shapely.area(geometries)) <= 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise PopulationError.worded(
            "input.population.region_geometry",
            field="gdf_regions",
            region=names[first],
            kind=getattr(geometries[first], "geom_type", None),
        )

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
        raise PopulationError.worded(
            "input.population.share",
            field=columns[col],
            region=codes[row],
            value=float(raw[row, col]),
        )
    total = raw.sum(axis=1)
    empty = (total <= 0.0) & (population > 0)
    if empty.any():
        raise PopulationError.worded(
            "input.population.shares_zero",
            field="share_columns",
            region=codes[np.flatnonzero(empty)[0]],
        )
    normalised = np.zeros_like(raw)
    np.divide(raw, total[:, None], out=normalised, where=total[:, None] > 0.0)
    return normalised


def _urban_residents(
    gdf: pd.DataFrame,
    column: str | None,
    population: NDArray[np.int64],
    shares: NDArray[np.float64],
    names: NDArray[Any],
) -> NDArray[np.float64]:
    """Urban residents per region: the census figure, else the GHSL urban classes' share."""
    ghsl: NDArray[np.float64] = population * shares[:, list(_URBAN_CLASSES)].sum(axis=1)
    if column is None:
        return ghsl
    _require_columns(gdf, [column], what="regions")
    census = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isfinite(census) & ((census < 0.0) | (census > population))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise PopulationError.worded(
            "input.population.urban",
            field=column,
            region=names[first],
            value=float(census[first]),
            population=int(population[first]),
        )
    return np.asarray(np.where(np.isfinite(census), census, ghsl), dtype=np.float64)


def _check_every_region_has_cells(
    pieces: Pieces, codes: NDArray[Any], population: NDArray[np.int64]
) -> None:
    """A region with people must have at least one piece to hold them."""
    counts = np.bincount(pieces.region, minlength=codes.shape[0])
    lost = (counts == 0) & (population > 0)
    if lost.any():
        raise PopulationError.worded(
            "input.population.no_cells", field="gdf_regions", region=codes[np.flatnonzero(lost)[0]]
        )


def _segment_arrays(
    segments: Segments, segment_weight: ArrayLike
) -> tuple[NDArray[np.float64], ...]:
    """Validated ``x0, y0, x1, y1, weight`` arrays of the road segments."""
    if len(segments) != 4:
        raise PopulationError.worded(
            "input.population.segments", field="segments", given=len(segments)
        )
    arrays = [np.asarray(a, dtype=np.float64) for a in segments]
    n = arrays[0].shape[0] if arrays[0].ndim == 1 else -1
    for name, arr in zip(("x0", "y0", "x1", "y1"), arrays, strict=True):
        if arr.ndim != 1 or arr.shape[0] != n:
            raise PopulationError.worded(
                "input.common.count", field=f"segments.{name}", given=arr.shape, n=n
            )
        if not np.all(np.isfinite(arr)):
            raise PopulationError.worded("input.common.finite_xy", field=f"segments.{name}")
    weight = np.broadcast_to(np.asarray(segment_weight, dtype=np.float64), (n,)).copy()
    if not np.all(np.isfinite(weight) & (weight >= 0.0)):
        raise PopulationError.worded("input.population.segment_weight", field="segment_weight")
    return (*arrays, weight)


def _check_real_area(real_area: BaseGeometry | None) -> BaseGeometry | None:
    """The real area, prepared for point tests; None stays None."""
    if real_area is None:
        return None
    # GEOS type ids 3 Polygon, 6 MultiPolygon (shapely.GeometryType)
    if shapely.get_type_id(real_area) not in (3, 6) or shapely.is_empty(real_area):
        raise PopulationError.worded(
            "input.population.real_area", field="real_area", kind=real_area.geom_type
        )
    shapely.prepare(real_area)
    return real_area


# --- allocation


def _surveyed(pieces: Pieces, real_area: BaseGeometry | None) -> NDArray[np.bool_]:
    """Whether each piece's centre (a point on its surface) lies in the real area."""
    if real_area is None:
        return np.zeros(pieces.region.shape[0], dtype=np.bool_)
    inner = shapely.point_on_surface(pieces.geometry)
    return np.asarray(
        shapely.contains_xy(real_area, shapely.get_x(inner), shapely.get_y(inner)), dtype=np.bool_
    )


def _road_lengths(
    grid: Grid,
    pieces: Pieces,
    segments: Segments | None,
    segment_weight: ArrayLike,
    segment_real: ArrayLike,
    *,
    real_area: BaseGeometry | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Weighted road length per piece, its real part (metres) and its mean midpoint (metres).

    Generated sub-segments inside ``real_area`` are left out.
    """
    n = pieces.region.shape[0]
    if segments is None:
        nan = np.full(n, np.nan)
        return np.zeros(n), np.zeros(n), nan, nan.copy()
    x0, y0, x1, y1, weight = _segment_arrays(segments, segment_weight)
    real = np.broadcast_to(np.asarray(segment_real, dtype=np.bool_), weight.shape)
    # the real segments alone, split and placed the same way
    real_x, real_y, real_length_m = split_segments(
        grid, x0[real], y0[real], x1[real], y1[real], weight=weight[real]
    )
    if real_area is None:
        mid_x, mid_y, length_m = split_segments(grid, x0, y0, x1, y1, weight=weight)
    else:
        # in the real area the generated segments are links to the real streets, not streets
        gen = ~real
        gen_x, gen_y, gen_m = split_segments(
            grid, x0[gen], y0[gen], x1[gen], y1[gen], weight=weight[gen]
        )
        kept = ~shapely.contains_xy(real_area, gen_x, gen_y)
        mid_x = np.concatenate([real_x, gen_x[kept]])
        mid_y = np.concatenate([real_y, gen_y[kept]])
        length_m = np.concatenate([real_length_m, gen_m[kept]])
    piece = locate_points(grid, pieces, mid_x, mid_y)
    inside = piece >= 0
    road_m = np.bincount(piece[inside], weights=length_m[inside], minlength=n).astype(np.float64)
    real_piece = locate_points(grid, pieces, real_x, real_y)
    real_in = real_piece >= 0
    real_m = np.bincount(real_piece[real_in], weights=real_length_m[real_in], minlength=n)
    sum_x = np.bincount(piece[inside], weights=(length_m * mid_x)[inside], minlength=n)
    sum_y = np.bincount(piece[inside], weights=(length_m * mid_y)[inside], minlength=n)
    has_road = road_m > 0.0
    road_x = np.full(n, np.nan)
    road_y = np.full(n, np.nan)
    np.divide(sum_x, road_m, out=road_x, where=has_road)
    np.divide(sum_y, road_m, out=road_y, where=has_road)
    return road_m, np.asarray(real_m, dtype=np.float64), road_x, road_y


def _expected_population(
    pieces: Pieces,
    *,
    road_m: NDArray[np.float64],
    real_m: NDArray[np.float64],
    surveyed: NDArray[np.bool_],
    population: NDArray[np.int64],
    urban_people: NDArray[np.float64],
    shares: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Fractional people per piece, region by region (pieces are ordered by region)."""
    expected = np.zeros(pieces.region.shape[0])
    bounds = np.searchsorted(pieces.region, np.arange(population.shape[0] + 1))
    off_road = population * shares[:, _VERY_LOW_DENSITY_RURAL]
    for r in range(population.shape[0]):
        lo, hi = int(bounds[r]), int(bounds[r + 1])
        if population[r] == 0 or hi == lo:
            continue
        expected[lo:hi] = _allocate_region(
            pieces.area_m2[lo:hi],
            road_m[lo:hi],
            real_m[lo:hi],
            surveyed[lo:hi],
            total=float(population[r]),
            urban=float(urban_people[r]),
            off_road=float(off_road[r]),
        )
    return expected


def _allocate_region(
    area_m2: NDArray[np.float64],
    road_m: NDArray[np.float64],
    real_m: NDArray[np.float64],
    surveyed: NDArray[np.bool_],
    *,
    total: float,
    urban: float,
    off_road: float,
) -> NDArray[np.float64]:
    """Spread one region's people (``urban`` of them urban) over its pieces (module docstring)."""
    by_area: NDArray[np.float64] = area_m2 / float(area_m2.sum())
    # a surveyed piece's residents follow its real streets
    road_m = np.where(surveyed, real_m, road_m)
    if road_m.sum() <= 0.0:
        return total * by_area
    out = np.zeros(area_m2.shape[0])

    # rank: built-up on real streets, the surveyed rest of a surveyed town, other built-up,
    # other pieces with roads
    street_km_per_km2 = road_m * 1e3 / area_m2
    built_up = street_km_per_km2 >= BUILT_UP_MIN_STREET_KM_PER_KM2
    real_built_up = real_m * 1e3 / area_m2 >= BUILT_UP_MIN_STREET_KM_PER_KM2
    town_surveyed = bool((real_built_up & surveyed).any())
    rank = np.where(
        real_built_up, 0, np.where(surveyed & town_surveyed, 1, np.where(built_up, 2, 3))
    )
    with_road = np.flatnonzero(road_m > 0.0)
    ranked = with_road[np.lexsort((-street_km_per_km2[with_road], rank[with_road]))]

    # the urban footprint: the first pieces whose area holds the urban residents' land
    land_m2 = urban * URBAN_LAND_PER_RESIDENT_M2
    n_taken = min(int(np.searchsorted(np.cumsum(area_m2[ranked]), land_m2)) + 1, len(ranked))
    footprint = ranked[:n_taken] if urban > 0.0 else ranked[:0]
    if footprint.shape[0]:
        out += _by_street_length(urban, footprint, road_m, area_m2, surveyed)

    # the rural residents: off the roads by area, the others on the village roads by length
    outside = np.ones(area_m2.shape[0], dtype=np.bool_)
    outside[footprint] = False
    if not outside.any():
        out += _by_street_length(total - urban, with_road, road_m, area_m2, surveyed)
        return out
    rural = total - urban
    off = min(off_road, rural)
    out[outside] += off * area_m2[outside] / area_m2[outside].sum()
    villages = outside & ~built_up & (road_m > 0.0)
    if not villages.any():
        villages = outside & (road_m > 0.0)
    if villages.any():
        out += _by_street_length(rural - off, np.flatnonzero(villages), road_m, area_m2, surveyed)
    else:
        out[outside] += (rural - off) * area_m2[outside] / area_m2[outside].sum()
    return out


def _by_street_length(
    people: float,
    where: NDArray[np.int64],
    road_m: NDArray[np.float64],
    area_m2: NDArray[np.float64],
    surveyed: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """``people`` over the pieces ``where`` (all with roads) by street length.

    Surveyed and other pieces first share them by area (module docstring, step 6).
    """
    out = np.zeros(area_m2.shape[0])
    parts = [where[surveyed[where]], where[~surveyed[where]]]
    if not (parts[0].shape[0] and parts[1].shape[0]):
        out[where] = people * road_m[where] / road_m[where].sum()
        return out
    land_m2 = area_m2[where].sum()
    for part in parts:
        out[part] = people * (area_m2[part].sum() / land_m2) * road_m[part] / road_m[part].sum()
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


# --- classification


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


def _cell_ids(grid: Grid, pieces: Pieces) -> NDArray[np.object_]:
    """Grid cell names from the lower-left corner in whole metres, e.g. ``500mN3120000E706000``."""
    s = grid.cell_size_m
    east = np.rint(grid.origin_x_m + pieces.col * s).astype(np.int64).astype(str)
    north = np.rint(grid.origin_y_m + pieces.row * s).astype(np.int64).astype(str)
    prefix = f"{s:g}m"
    ids = np.char.add(np.char.add(np.char.add(prefix + "N", north), "E"), east)
    return np.asarray(ids, dtype=object)
