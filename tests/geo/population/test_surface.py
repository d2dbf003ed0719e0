"""Population surface: exact dasymetric allocations on hand-built squares, real census totals."""

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.errors import PopulationError
from geo.population.points import read_points
from geo.population.settlement import (
    GHSL_CLASSES,
    GHSL_SHARE_COLUMNS,
    URBAN_CENTRE_MIN_DENSITY_PER_KM2,
    URBAN_CLUSTER_MIN_DENSITY_PER_KM2,
    classify_settlement_grid,
)
from geo.population.surface import build_population_grid, cell_origins
from tests._refusals import refused

UTM49N = "EPSG:32649"


def shares(**given: float) -> dict[str, float]:
    """The seven GHSL share columns, zero unless given by class name."""
    return {GHSL_SHARE_COLUMNS[c]: given.get(c, 0.0) for c in GHSL_CLASSES}


def regions(*rows: tuple[str, shapely.Geometry, float, dict[str, float]]) -> gpd.GeoDataFrame:
    """Regions from ``(code, polygon, population, shares)`` rows in UTM 49N metres."""
    records = [{"adcode": c, "population": p, **s} for c, _, p, s in rows]
    return gpd.GeoDataFrame(records, geometry=[g for _, g, _, _ in rows], crs=UTM49N)


def segs(*pairs: tuple[float, float, float, float]) -> tuple[np.ndarray, ...]:
    """Segment arrays ``(x0, y0, x1, y1)`` from ``(x0, y0, x1, y1)`` rows."""
    arr = np.asarray(pairs, dtype=np.float64)
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def population_of(grid: gpd.GeoDataFrame, code: str) -> list[int]:
    return grid.loc[grid["region_adcode"] == code, "population"].tolist()


# --- allocation on hand-built squares --------------------------------------------------------


def test_low_density_rural_people_follow_street_length() -> None:
    gdf = regions(("A", shapely.box(0, 0, 1000, 1000), 1000, shares(low_density_rural=1.0)))
    # 300 m of road in the south-west cell, 100 m in the south-east, none in the north
    roads = segs((100, 100, 400, 100), (600, 200, 700, 200))
    grid = build_population_grid(gdf, segments=roads)

    assert grid["cell_id"].tolist() == ["500mN0E0", "500mN0E500", "500mN500E0", "500mN500E500"]
    assert grid["road_length_m"].tolist() == [300.0, 100.0, 0.0, 0.0]
    assert grid["population"].tolist() == [750, 250, 0, 0]
    assert grid["area_km2"].tolist() == [0.25, 0.25, 0.25, 0.25]
    assert grid["density_per_km2"].tolist() == [3000.0, 1000.0, 0.0, 0.0]
    assert grid["road_x_m"].tolist()[:2] == [250.0, 650.0]
    assert np.isnan(grid["road_x_m"].to_numpy()[2:]).all()


def test_very_low_density_rural_people_follow_area_and_ties_go_to_the_first_cell() -> None:
    gdf = regions(("A", shapely.box(0, 0, 1000, 500), 7, shares(very_low_density_rural=1.0)))
    grid = build_population_grid(gdf, segments=segs((100, 100, 400, 100)))
    # 3.5 people per cell: the one left over after the floors goes to the first cell
    assert grid["population"].tolist() == [4, 3]


def lines_in_cell(col: int, km: int, *, y0: float = 100.0) -> list[tuple[float, ...]]:
    """``km`` horizontal 1 km streets across the 1 km cell of column ``col``, 100 m apart."""
    return [
        (col * 1000.0, y0 + 100.0 * i, col * 1000.0 + 1000.0, y0 + 100.0 * i) for i in range(km)
    ]


def test_urban_residents_take_real_built_up_streets_first_then_synthetic_ones() -> None:
    gdf = regions(
        (
            "A",
            shapely.box(0, 0, 4000, 1000),
            25_000,
            shares(urban_centre=0.8, low_density_rural=0.16, very_low_density_rural=0.04),
        )
    )
    gdf["urban_population"] = 20_000
    # km of street per 1 km² cell: 6 synthetic, 6 real, 8 synthetic, 2 real
    rows = [*lines_in_cell(0, 6), *lines_in_cell(1, 6), *lines_in_cell(2, 8), *lines_in_cell(3, 2)]
    real = np.array([False] * 6 + [True] * 6 + [False] * 8 + [True] * 2)
    grid = build_population_grid(
        gdf,
        cell_size_m=1000.0,
        segments=segs(*rows),
        segment_real=real,
        urban_population_column="urban_population",
    )

    assert grid["road_length_m"].tolist() == [6000.0, 6000.0, 8000.0, 2000.0]
    assert grid["real_road_length_m"].tolist() == [0.0, 6000.0, 0.0, 2000.0]
    # 20,000 urban residents need 20,000 x 65 m² = 1.3 km²: two cells, the real built-up one
    # (6 km/km² >= 5.2) first, then the densest synthetic one; by street length 6 : 8 ->
    # 8,571.4 and 11,428.6. Rural 5,000: the very-low-density 4 % of 25,000 (1,000) by area
    # over cells 0 and 3 (500 each), the other 4,000 on the village roads of cell 3; the
    # synthetic grid the town did not need (cell 0) gets none of them
    assert grid["population"].tolist() == [500, 8571, 11429, 4500]
    assert grid["population"].sum() == 25_000


def test_a_surveyed_town_spills_to_its_surveyed_streets_not_to_a_synthetic_town_grid() -> None:
    gdf = regions(
        (
            "A",
            shapely.box(0, 0, 5000, 1000),
            22_000,
            shares(urban_centre=0.9, low_density_rural=0.1),
        )
    )
    gdf["urban_population"] = 20_000
    # a real road file covers cells 0-2 (6, 3 and 1 km/km² of real street); cells 3 and 4
    # beyond it hold a synthetic town grid (8 km/km²) and rural roads (2 km/km²)
    rows = [*lines_in_cell(0, 6), *lines_in_cell(1, 3), *lines_in_cell(2, 1)]
    rows += [*lines_in_cell(3, 8), *lines_in_cell(4, 2)]
    real = np.array([True] * 10 + [False] * 10)
    grid = build_population_grid(
        gdf,
        cell_size_m=1000.0,
        segments=segs(*rows),
        segment_real=real,
        real_area=shapely.box(0, 0, 3000, 1000),
        urban_population_column="urban_population",
    )

    # 20,000 urban residents need 1.3 km²: the real built-up cell 0, then the surveyed cell
    # with the densest real streets (cell 1), not the synthetic grid; by street length 6 : 3 ->
    # 13,333.3 and 6,666.7. The 2,000 rural residents go to the village roads of cells 2
    # (surveyed) and 4 (synthetic), shared by area 1 : 1 (by length it would be 1 : 2)
    assert grid["population"].tolist() == [13_333, 6_667, 1_000, 0, 1_000]
    # without the real area the synthetic grid is the town's second cell (6 : 8), and the
    # rural residents follow the village roads' length (3 : 1 : 2)
    plain = build_population_grid(
        gdf,
        cell_size_m=1000.0,
        segments=segs(*rows),
        segment_real=real,
        urban_population_column="urban_population",
    )
    assert plain["population"].tolist() == [8_571, 1_000, 333, 11_429, 667]


def test_generated_links_inside_the_real_area_carry_no_street_length() -> None:
    gdf = regions(("A", shapely.box(0, 0, 2000, 1000), 1_000, shares(low_density_rural=1.0)))
    # 300 m of real street in cell 0; a generated link from cell 1 into it, 1,000 m long
    roads = segs((100, 100, 400, 100), (1500, 500, 500, 500))
    grid = build_population_grid(
        gdf,
        segments=roads,
        segment_real=[True, False],
        real_area=shapely.box(0, 0, 1000, 1000),
        cell_size_m=1000.0,
    )

    # the 500 m inside the real area are dropped, the 500 m beyond it kept
    assert grid["road_length_m"].tolist() == [300.0, 500.0]
    assert grid["real_road_length_m"].tolist() == [300.0, 0.0]
    # the road point of cell 0 is its real street's midpoint, not pulled towards the link
    assert (grid["road_x_m"][0], grid["road_y_m"][0]) == (250.0, 100.0)
    # 1,000 rural residents shared by area 1 : 1 between the surveyed cell and the other
    assert grid["population"].tolist() == [500, 500]


def test_without_a_census_figure_the_ghsl_urban_classes_give_the_urban_residents() -> None:
    gdf = regions(
        (
            "A",
            shapely.box(0, 0, 3000, 1000),
            1_000,
            shares(urban_centre=0.3, suburban=0.2, low_density_rural=0.5),
        )
    )
    gdf["urban_population"] = np.nan
    roads = segs(*lines_in_cell(0, 1), *lines_in_cell(1, 3))
    grid = build_population_grid(
        gdf, cell_size_m=1000.0, segments=roads, urban_population_column="urban_population"
    )

    # 500 urban (30 % + 20 %) need 0.0325 km²: one cell, the densest (no cell is built-up);
    # the 500 rural on the other road cell, none on the roadless one
    assert grid["population"].tolist() == [500, 500, 0]


def test_more_urban_residents_than_the_built_up_land_holds_spill_to_the_next_streets() -> None:
    gdf = regions(("A", shapely.box(0, 0, 3000, 1000), 40_000, shares(urban_centre=1.0)))
    roads = segs(*lines_in_cell(0, 9), *lines_in_cell(1, 6), *lines_in_cell(2, 1))
    grid = build_population_grid(gdf, cell_size_m=1000.0, segments=roads)

    # 40,000 x 65 m² = 2.6 km²: all three cells, by street length 9 : 6 : 1
    assert grid["population"].tolist() == [22_500, 15_000, 2_500]


def test_census_urban_residents_beyond_the_population_name_the_region() -> None:
    gdf = regions(("A", shapely.box(0, 0, 1000, 1000), 10, shares(urban_centre=1.0)))
    gdf["urban_population"] = 11
    with refused(PopulationError, match=r"'A': urban_population is 11\.0"):
        build_population_grid(gdf, urban_population_column="urban_population")


def test_a_county_without_roads_still_gets_its_people_by_area() -> None:
    gdf = regions(
        ("A", shapely.box(0, 0, 1000, 500), 100, shares(urban_centre=1.0)),
        ("B", shapely.box(1000, 0, 2000, 1000), 10, shares(urban_centre=1.0)),
    )
    grid = build_population_grid(gdf, segments=segs((100, 100, 300, 100)))

    assert population_of(grid, "A") == [100, 0]
    assert population_of(grid, "B") == [3, 3, 2, 2]
    assert grid.loc[grid["region_adcode"] == "B", "road_length_m"].sum() == 0.0


def test_no_segments_spreads_every_part_by_area() -> None:
    gdf = regions(("A", shapely.box(0, 0, 1000, 1000), 400, shares(urban_centre=1.0)))
    assert build_population_grid(gdf)["population"].tolist() == [100, 100, 100, 100]


def test_a_region_with_zero_population_gives_zero_cells() -> None:
    gdf = regions(
        ("A", shapely.box(0, 0, 1000, 500), 0, shares()),
        ("B", shapely.box(1000, 0, 2000, 500), 5, shares(suburban=1.0)),
    )
    grid = build_population_grid(gdf, segments=segs((100, 100, 1900, 100)))
    assert population_of(grid, "A") == [0, 0]
    assert sum(population_of(grid, "B")) == 5


def test_shares_are_normalised_before_use() -> None:
    # shares summing to 2: the same as summing to 1
    gdf = regions(("A", shapely.box(0, 0, 1000, 500), 8, shares(very_low_density_rural=2.0)))
    assert build_population_grid(gdf)["population"].tolist() == [4, 4]


# --- roads: grid lines, boundaries, weights --------------------------------------------------


def test_segments_are_split_at_grid_lines_and_clipped_to_the_regions() -> None:
    gdf = regions(("A", shapely.box(0, 0, 1000, 1000), 0, shares()))
    roads = segs(
        (250, 250, 750, 750),  # through the grid vertex (500, 500): half in each corner cell
        (100, 100, 900, 100),  # across one grid line: 400 m each side
        (50, 600, 50, 600),  # zero length
        (900, 900, 1300, 900),  # leaves the region at x = 1000: 100 m inside
        (2000, 2000, 2100, 2000),  # outside every region
    )
    grid = build_population_grid(gdf, segments=roads)

    half_diagonal_m = math.hypot(250.0, 250.0)
    assert grid["road_length_m"].to_numpy() == pytest.approx(
        [half_diagonal_m + 400.0, 400.0, 0.0, half_diagonal_m + 100.0], abs=1e-9
    )


def test_segment_weight_scales_each_segment_length() -> None:
    gdf = regions(("A", shapely.box(0, 0, 1000, 500), 0, shares()))
    roads = segs((100, 100, 300, 100), (600, 100, 700, 100), (600, 200, 700, 200))
    # a two-way road listed twice at 0.5 each, and a motorway at 0
    grid = build_population_grid(gdf, segments=roads, segment_weight=[0.5, 0.5, 0.0])
    assert grid["road_length_m"].tolist() == [100.0, 50.0]


def test_a_cell_straddling_two_counties_is_split_by_the_boundary() -> None:
    gdf = regions(
        ("A", shapely.box(0, 0, 750, 500), 300, shares(very_low_density_rural=1.0)),
        ("B", shapely.box(750, 0, 1500, 500), 3, shares(very_low_density_rural=1.0)),
    )
    roads = segs((600, 250, 700, 250), (800, 250, 900, 250), (700, 400, 800, 400))
    grid = build_population_grid(gdf, segments=roads)

    assert grid["cell_id"].tolist() == ["500mN0E0", "500mN0E500", "500mN0E500", "500mN0E1000"]
    assert grid["region_adcode"].tolist() == ["A", "A", "B", "B"]
    assert grid["area_km2"].tolist() == [0.25, 0.125, 0.125, 0.25]
    assert population_of(grid, "A") == [200, 100]
    assert population_of(grid, "B") == [1, 2]
    # the boundary-crossing segment goes whole to the side of its midpoint (x = 750: A first)
    assert grid["road_length_m"].tolist() == [0.0, 200.0, 100.0, 0.0]
    # the split cell is classed as one cell: 101 people on 0.25 km²
    assert grid["cell_density_per_km2"].tolist()[1:3] == [404.0, 404.0]
    assert grid["density_per_km2"].tolist()[1:3] == [800.0, 8.0]
    assert grid.geometry.area.tolist() == [250_000.0, 125_000.0, 125_000.0, 250_000.0]


def test_a_multipolygon_touching_a_cell_edge_gives_polygonal_pieces() -> None:
    region = shapely.MultiPolygon([shapely.box(0, 0, 250, 250), shapely.box(500, 0, 750, 250)])
    gdf = regions(("A", region, 2, shares(very_low_density_rural=1.0)))
    grid = build_population_grid(gdf)

    assert set(grid.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    assert grid["area_km2"].tolist() == [0.0625, 0.0625]
    assert grid["population"].tolist() == [1, 1]


def test_segment_weights_scale_each_segment_length() -> None:
    # a 3-4-5 segment, a 6 m one, a motorway (weight 0) and a two-way pair counted twice
    roads = segs((0, 0, 3, 4), (3, 4, 3, 10), (0, 0, 1, 0), (5, 5, 5, 6))
    gdf = regions(("A", shapely.box(0, 0, 500, 500), 0, shares()))
    grid = build_population_grid(gdf, segments=roads, segment_weight=[1, 1, 0, 2])
    assert grid["road_length_m"].tolist() == [5.0 + 6.0 + 0.0 + 2.0]


def test_output_is_deterministic() -> None:
    rng = np.random.default_rng(7)
    x0, y0 = rng.uniform(0, 3000, 500), rng.uniform(0, 2000, 500)
    roads = (x0, y0, x0 + rng.uniform(-300, 300, 500), y0 + rng.uniform(-300, 300, 500))
    gdf = regions(
        ("A", shapely.box(0, 0, 1700, 2000), 123_457, shares(urban_centre=0.6, suburban=0.4)),
        (
            "B",
            shapely.box(1700, 0, 3000, 2000),
            54_321,
            shares(rural_cluster=0.5, low_density_rural=0.5),
        ),
    )
    first = build_population_grid(gdf, segments=roads)
    second = build_population_grid(gdf, segments=roads)

    pd.testing.assert_frame_equal(first.drop(columns="geometry"), second.drop(columns="geometry"))
    assert first.geometry.geom_equals_exact(second.geometry, tolerance=0.0).all()
    assert sum(population_of(first, "A")) == 123_457
    assert sum(population_of(first, "B")) == 54_321


def test_cell_origins_are_road_points_or_inside_the_piece() -> None:
    gdf = regions(("A", shapely.box(0, 0, 1000, 500), 10, shares(low_density_rural=1.0)))
    grid = build_population_grid(gdf, segments=segs((100, 100, 300, 100), (100, 300, 300, 300)))
    origins = cell_origins(grid)

    assert (origins.x[0], origins.y[0]) == (200.0, 200.0)
    assert origins.within(grid.geometry).all()
    assert origins.crs == grid.crs


# --- urban / rural classes -------------------------------------------------------------------


def km2_row(*populations: int) -> gpd.GeoDataFrame:
    """One 1 km² region per population, side by side, people spread by area."""
    return regions(
        *(
            (f"R{i}", shapely.box(1000 * i, 0, 1000 * (i + 1), 1000), p, shares(suburban=1.0))
            for i, p in enumerate(populations)
        )
    )


def test_cells_are_classed_by_the_ghsl_density_thresholds() -> None:
    gdf = km2_row(1500, 1499, 300, 299, 0)
    grid = build_population_grid(gdf, cell_size_m=1000.0, cluster_rule=False)

    assert grid["density_per_km2"].tolist() == [1500.0, 1499.0, 300.0, 299.0, 0.0]
    assert grid["settlement_class"].tolist() == [
        "urban_centre",
        "urban_cluster",
        "urban_cluster",
        "rural",
        "rural",
    ]
    assert grid["urban"].tolist() == [True, True, True, False, False]
    assert URBAN_CENTRE_MIN_DENSITY_PER_KM2 == 1500.0
    assert URBAN_CLUSTER_MIN_DENSITY_PER_KM2 == 300.0


def test_cluster_rule_makes_small_dense_clusters_rural() -> None:
    # dense but the 8-connected >= 300 cluster holds 3,299 people, under GHSL's 5,000
    gdf = km2_row(1500, 1499, 300, 299, 0)
    grid = build_population_grid(gdf, cell_size_m=1000.0)
    assert grid["settlement_class"].tolist() == ["rural"] * 5
    # 60,000 people in two 4-connected dense cells: an urban centre; the 400 beside: cluster
    grid = build_population_grid(km2_row(30_000, 30_000, 400, 100), cell_size_m=1000.0)
    assert grid["settlement_class"].tolist() == [
        "urban_centre",
        "urban_centre",
        "urban_cluster",
        "rural",
    ]


def test_grid_classes_follow_contiguity_and_minimum_totals() -> None:
    population = np.array(
        [
            [30_000, 30_000, 0, 0, 0],
            [0, 0, 30_000, 0, 3_000],
            [0, 0, 0, 0, 3_000],
            [2_000, 0, 0, 0, 400],
        ]
    )
    area_km2 = np.ones(population.shape)
    area_km2[2, 2] = 0.0

    with_rule = classify_settlement_grid(population, area_km2)
    # (1, 2) touches the 60,000 centre only by a corner: 4-connectivity keeps it out of the
    # centre, 8-connectivity puts it in the >= 300 cluster; (3, 0) alone holds 2,000 < 5,000
    c, u, r = "urban_centre", "urban_cluster", "rural"
    assert with_rule.tolist() == [
        [c, c, r, r, r],
        [r, r, u, r, u],
        [r, r, r, r, u],
        [r, r, r, r, u],
    ]
    without_rule = classify_settlement_grid(population, area_km2, cluster_rule=False)
    assert without_rule.tolist() == [
        [c, c, r, r, r],
        [r, r, c, r, c],
        [r, r, r, r, c],
        [c, r, r, r, u],
    ]


# --- bad input -------------------------------------------------------------------------------


def good_regions() -> gpd.GeoDataFrame:
    return regions(
        ("430102", shapely.box(0, 0, 1000, 1000), 10, shares(urban_centre=1.0)),
        ("430103", shapely.box(1000, 0, 2000, 1000), 20, shares(suburban=1.0)),
    )


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        ("population", -5, r"'430103'.*population.*non-negative whole"),
        ("population", 2.5, r"'430103'.*non-negative whole"),
        ("population", np.nan, r"'430103'.*non-negative whole"),
        ("ghsl_suburban_share", -0.1, r"'430103'.*ghsl_suburban_share"),
        ("ghsl_suburban_share", np.nan, r"'430103'.*ghsl_suburban_share"),
        ("ghsl_suburban_share", 0.0, r"'430103'.*sum to zero"),
        ("adcode", "430102", r"'430102' appears twice"),
    ],
)
def test_bad_region_values_name_the_region(column: str, value: object, match: str) -> None:
    gdf = good_regions()
    gdf[column] = gdf[column].astype(object)
    gdf.loc[1, column] = value
    with refused(PopulationError, match=match):
        build_population_grid(gdf)


@pytest.mark.parametrize("column", ["population", "ghsl_urban_centre_share", "adcode"])
def test_a_missing_column_is_named(column: str) -> None:
    with refused(PopulationError, match=f"no column '{column}'"):
        build_population_grid(good_regions().drop(columns=column))


def test_other_population_column_names_are_accepted() -> None:
    gdf = good_regions().rename(columns={"population": "population_2020", "adcode": "code"})
    grid = build_population_grid(gdf, region_column="code", population_column="population_2020")
    assert grid["population"].sum() == 30


def test_bad_geometry_crs_and_options_raise() -> None:
    gdf = good_regions()
    with refused(PopulationError, match="metric"):
        build_population_grid(gdf.set_crs("EPSG:4326", allow_override=True))
    with refused(PopulationError, match="metric"):
        build_population_grid(gdf.set_crs(None, allow_override=True))
    bowtie = gdf.copy()
    bowtie.loc[0, "geometry"] = shapely.Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    with refused(PopulationError, match=r"'430102'.*valid"):
        build_population_grid(bowtie)
    with refused(PopulationError, match="cell_size_m"):
        build_population_grid(gdf, cell_size_m=0.0)
    with refused(PopulationError, match="no regions"):
        build_population_grid(gdf.iloc[:0])
    with refused(PopulationError, match="lacks the GHSL classes"):
        build_population_grid(gdf, share_columns={"urban_centre": "ghsl_urban_centre_share"})


def test_bad_segments_raise() -> None:
    gdf = good_regions()
    with refused(PopulationError, match="y1"):
        build_population_grid(gdf, segments=([0.0, 1.0], [0.0, 1.0], [1.0, 2.0], [1.0]))
    with refused(PopulationError, match="must be finite"):
        build_population_grid(gdf, segments=([0.0], [np.nan], [1.0], [1.0]))
    with refused(PopulationError, match="segment_weight"):
        build_population_grid(gdf, segments=([0.0], [0.0], [1.0], [1.0]), segment_weight=-1.0)
    with refused(PopulationError, match="real_area"):
        build_population_grid(
            gdf,
            segments=([0.0], [0.0], [1.0], [1.0]),
            real_area=shapely.LineString([(0, 0), (1, 1)]),
        )


# --- real Hunan counties ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def census(data_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(data_dir / "hunan" / "hunan_county_population_2020.csv")
    df["has_polygon"] = df["has_polygon"].str.strip()
    return df


def same_city_hosts(census: pd.DataFrame) -> dict[int, int]:
    """Every zone into its city's first county with a polygon (keeps city totals; the real
    hosts are the caller's data), 祁阳县 into its renamed polygon 祁阳市 (data README)."""
    with_polygon = census[census["has_polygon"] == "yes"]
    first = with_polygon.groupby("city_adcode")["adcode"].min()
    zones = census[census["has_polygon"] == "no"]
    hosts = dict(zip(zones["adcode"], zones["city_adcode"].map(first), strict=True))
    hosts[431121] = 431181
    # the data README: 永州经开区 lives in 冷水滩区 (official 583,136 = 536,025 + 47,111)
    hosts[431171] = 431103
    return hosts


def county_census(census: pd.DataFrame) -> pd.DataFrame:
    """One row per county polygon: each zone's residents added to its host, the host's shares."""
    hosts = same_city_hosts(census)
    code = census["adcode"].map(lambda c: hosts.get(c, c))
    # the host's own row leads its group; a renamed unit (no own row) keeps its zone row
    rows = census.assign(code=code, is_zone=census["adcode"] != code)
    kept = rows.sort_values("is_zone", kind="stable").drop_duplicates("code").set_index("code")
    kept["population_2020"] = rows.groupby("code")["population_2020"].sum()
    kept["adcode"] = kept.index
    return kept.reset_index(drop=True).drop(columns=["is_zone"])


def test_every_real_county_sums_exactly_to_its_census_total(
    census: pd.DataFrame, data_dir: Path
) -> None:
    merged = county_census(census)
    assert len(merged) == 122
    assert merged["population_2020"].sum() == census["population_2020"].sum()
    counties = gpd.read_file(data_dir / "hunan" / "hunan_counties.geojson").to_crs(UTM49N)
    counties["code"] = counties["adcode"].astype(int)
    gdf = counties.merge(merged, left_on="code", right_on="adcode", suffixes=("", "_census"))
    assert len(gdf) == 122

    # synthetic roads: 40,000 segments of up to 3 km, half of them clustered on county seats
    rng = np.random.default_rng(2020)
    n = 40_000
    seats = gdf.geometry.representative_point()
    pick = rng.integers(0, len(gdf), n)
    xmin, ymin, xmax, ymax = gdf.total_bounds
    near = rng.random(n) < 0.5
    x0 = np.where(
        near, seats.x.to_numpy()[pick] + rng.normal(0, 4000, n), rng.uniform(xmin, xmax, n)
    )
    y0 = np.where(
        near, seats.y.to_numpy()[pick] + rng.normal(0, 4000, n), rng.uniform(ymin, ymax, n)
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    length_m = rng.uniform(50, 3000, n)
    roads = (x0, y0, x0 + length_m * np.cos(angle), y0 + length_m * np.sin(angle))

    grid = build_population_grid(
        gdf,
        cell_size_m=5000.0,
        segments=roads,
        region_column="code",
        population_column="population_2020",
    )

    totals = grid.groupby("region_adcode")["population"].sum()
    expected = gdf.set_index("code")["population_2020"]
    assert totals.reindex(expected.index).tolist() == expected.tolist()
    assert grid["population"].min() >= 0
    assert grid["population"].sum() == census["population_2020"].sum()
    # the pieces tile the counties
    area_km2 = grid.groupby("region_adcode")["area_km2"].sum().reindex(expected.index)
    assert area_km2.to_numpy() == pytest.approx(gdf.geometry.area.to_numpy() / 1e6, rel=1e-9)
    assert grid.groupby(["cell_id", "region_adcode"]).ngroups == len(grid)
    assert set(grid["settlement_class"]) == {"urban_centre", "urban_cluster", "rural"}


# --- a real population grid read as points: Porto Alegre ------------------------------------


def test_porto_alegre_grid_is_read_as_it_is(data_dir: Path) -> None:
    path = data_dir / "porto_alegre" / "poa_hexgrid.csv"
    raw = pd.read_csv(path)
    points = read_points(path, weight_column="population")

    assert len(points) == len(raw)
    assert points.crs == "EPSG:4326"
    assert points["population"].sum() == raw["population"].sum()
    assert points.geometry.x.tolist() == raw["lon"].tolist()
    assert points.geometry.y.tolist() == raw["lat"].tolist()
    # every other column is kept: the benchmark picks the cells with health care
    pd.testing.assert_series_equal(points["healthcare"], raw["healthcare"])
    assert points["id"].tolist() == raw["id"].tolist()


def test_bad_points_name_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("lon,lat,population\n-51.2,-30.0,5\n-51.3,-30.1,-1\n")
    with refused(PopulationError, match=r"people.csv line 3: population must be >= 0, got -1"):
        read_points(path, weight_column="population")
    # unweighted points (facilities) need no population column
    assert read_points(path)["population"].tolist() == [5, -1]
    path.write_text("lon,population\n-51.2,5\n")
    with refused(PopulationError, match=r"people.csv: no column 'lat' \(lat_column\)"):
        read_points(path, weight_column="population")
    path.write_text("lon,lat,population\n-51.2,-30.0,5\n-51.3,95.0,1\n")
    with refused(PopulationError, match=r"people.csv line 3: \(-51.3, 95.0\) is not a WGS84"):
        read_points(path, weight_column="population")
    path.write_text("lon,lat,population\n-51.2,south,5\n")
    with refused(PopulationError, match=r"people.csv line 2: lat must be a number, got 'south'"):
        read_points(path, weight_column="population")
    with refused(PopulationError, match="cannot read absent.csv: not a readable CSV"):
        read_points(tmp_path / "absent.csv")
