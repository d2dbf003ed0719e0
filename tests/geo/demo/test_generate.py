"""Demo facilities: the cited inventory table and the synthetic generator.

The generator runs on a tiny hand-built city of two county-level units with exact expected counts,
and once on Changsha's real polygons and census with its real hospitals as existing facilities.
"""

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.datum import gcj02_to_wgs84
from geo.demo.generate import OUTPUT_COLUMNS, generate_demo_facilities
from geo.demo.inventory import (
    AMBULANCE_COMPLIANCE,
    DEFAULT_INVENTORY_DIR,
    INVENTORY_KEYS,
    CityInventory,
    InventoryFigure,
    get_inventory,
    load_inventories,
    load_inventory,
    load_per_unit_hospitals,
    parse_inventory,
)
from geo.demo.placement import apportion, weighted_kmeans_sites
from geo.errors import DemoInputError, GeoError, InputError, InventoryError
from geo.norms.citations import Citation
from tests._refusals import refused

CRS = "EPSG:32649"
INVENTORIES = load_inventories()
PER_UNIT_HOSPITALS = load_per_unit_hospitals()
HOSPITALS = (
    "general_hospital",
    "tcm_hospital",
    "maternal_child_hospital",
    "specialty_hospital",
    "psychiatric_hospital",
)
URBAN_TYPES = ("community_health_center", "community_health_station", "ems_center", *HOSPITALS)
RURAL_TYPES = ("township_health_center", "village_clinic")
STAFF = ("beds", "physicians", "nurses", "general_practitioners", "pharmacists")


# ---- tiny city: 甲区 (a fully urban district, 4 x 4 km) beside 乙县 (a county, 6 x 6 km)


def tiny_cells(*, points: bool = False) -> gpd.GeoDataFrame:
    rows = []
    for i in range(4):
        for j in range(4):
            rows.append(("990101", i, j, 1000 * (1 + i + j), True))
    for i in range(6):
        for j in range(6):
            urban = i in (2, 3) and j in (2, 3)
            pop = 20_000 if urban else 2_000 + 100 * (6 * i + j)
            rows.append(("990121", 5 + i, j, pop, urban))
    x0, y0 = 500_000.0, 3_000_000.0
    xs = np.array([x0 + 1000 * r[1] for r in rows])
    ys = np.array([y0 + 1000 * r[2] for r in rows])
    geometry = (
        shapely.points(xs + 500, ys + 500) if points else shapely.box(xs, ys, xs + 1000, ys + 1000)
    )
    return gpd.GeoDataFrame(
        {
            "region_adcode": [r[0] for r in rows],
            "population": [r[3] for r in rows],
            "urban": [r[4] for r in rows],
            "settlement_class": [30 if r[4] else 11 for r in rows],
        },
        geometry=geometry,
        crs=CRS,
    )


def tiny_regions() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "adcode": ["990101", "990121"],
            "name": ["甲区", "乙县"],
            "level": ["district", "county"],
            "population": [500_000, 400_000],
        },
        geometry=[
            shapely.box(500_000, 3_000_000, 504_000, 3_004_000),
            shapely.box(505_000, 3_000_000, 511_000, 3_006_000),
        ],
        crs=CRS,
    )


TINY_COUNTS = {
    "hospitals": 9,
    "public_hospitals": 7,
    "tertiary_hospitals": 1,
    "township_health_centers": 4,
    "community_health_centers": 3,
    "community_health_stations": 5,
    "village_clinics": 10,
    "beds": 2000,
    "physicians": 800,
    "nurses": 1000,
    "general_practitioners": 60,
    "pharmacists": 50,
    "ems_centers": 3,
    "ems_stations": 4,
    "ambulances": 20,
    "critical_maternal_centres": 1,
    "critical_neonatal_centres": 1,
}


def tiny_inventory(**changes: int) -> CityInventory:
    return CityInventory.from_counts(
        adcode="990100", name="测试市", counts={**TINY_COUNTS, **changes}, rule="test city"
    )


def tiny_existing() -> gpd.GeoDataFrame:
    """A THC in 乙县, a tertiary general hospital, a 120 centre and a CHC in 甲区 (no adcodes)."""
    return gpd.GeoDataFrame(
        {
            "type": [
                "township_health_center",
                "general_hospital",
                "ems_center",
                "community_health_center",
            ],
            "grade": ["primary", "tertiary", "none", "primary"],
            "beds": [None, 500, None, None],
            "ambulances": [None, None, 5, None],
        },
        geometry=shapely.points(
            [(505_200, 3_000_300), (502_500, 3_002_500), (502_400, 3_002_600), (500_300, 3_000_300)]
        ),
        crs=CRS,
    )


@pytest.fixture(scope="module")
def tiny() -> gpd.GeoDataFrame:
    return generate_demo_facilities(tiny_cells(), tiny_regions(), tiny_inventory(), seed=7)


@pytest.fixture(scope="module")
def tiny_with_existing() -> gpd.GeoDataFrame:
    return generate_demo_facilities(
        tiny_cells(), tiny_regions(), tiny_inventory(), existing=tiny_existing(), seed=7
    )


def type_counts(frame: gpd.GeoDataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in frame["type"].value_counts().items()}


def test_counts_per_type_equal_the_inventory(tiny: gpd.GeoDataFrame) -> None:
    counts = type_counts(tiny)
    assert {k: counts.pop(k) for k in RURAL_TYPES + URBAN_TYPES[:3]} == {
        "township_health_center": 4,
        "village_clinic": 10,
        "community_health_center": 3,
        "community_health_station": 5,
        "ems_center": 3,
    }
    assert sum(counts.pop(t, 0) for t in HOSPITALS) == 9
    # the 4 stations all have hosts (2 county general hospitals, 2 central THCs): no standalone
    assert counts == {}
    assert int(tiny["ems_station_hosted"].sum()) == 4
    hosts = tiny[tiny["ems_station_hosted"]]
    assert sorted(hosts["type"]) == ["general_hospital"] * 2 + ["township_health_center"] * 2
    assert sorted(hosts.loc[hosts["type"] == "township_health_center", "name"]) == [
        "乙县中心卫生院 1",
        "乙县中心卫生院 2",
    ]


def test_existing_facilities_reduce_the_synthetic_counts(
    tiny_with_existing: gpd.GeoDataFrame,
) -> None:
    out = tiny_with_existing
    counts = type_counts(out)
    assert counts["township_health_center"] == 3
    assert counts["community_health_center"] == 2
    assert counts["ems_center"] == 2
    assert sum(counts.get(t, 0) for t in HOSPITALS) == 8
    # 甲区 has a real general hospital, so no synthetic county general hospital there
    county_general = out[
        (out["name"].str.endswith("人民医院")) & (out["type"] == "general_hospital")
    ]
    assert county_general["region_adcode"].tolist() == ["990121"]
    # the existing tertiary hospital fills the one tertiary place; its 500 beds count
    assert (out["grade"] == "tertiary").sum() == 0
    assert int(out["beds"].sum()) == 2000 - 500
    assert int(out["ambulances"].sum()) == 20 - 5
    # the existing centre is the city's: no synthetic one is named after the city
    assert not out["name"].eq("测试市120急救中心").any()


def test_hospitals_public_private_and_tertiary_split(tiny: gpd.GeoDataFrame) -> None:
    hospitals = tiny[tiny["type"].isin(HOSPITALS)]
    assert (hospitals["ownership"] == "public").sum() == 7
    assert (hospitals["ownership"] == "private").sum() == 2
    assert (hospitals["grade"] == "tertiary").sum() == 1
    for code in ("990101", "990121"):
        here = hospitals[
            (hospitals["region_adcode"] == code) & (hospitals["ownership"] == "public")
        ]
        assert {"general_hospital", "tcm_hospital", "maternal_child_hospital"} <= set(here["type"])
    assert set(tiny["grade"]) <= {"tertiary", "secondary", "primary", "none"}
    assert set(tiny["ownership"]) <= {"public", "private"}


def test_every_row_is_synthetic_with_the_output_columns(tiny: gpd.GeoDataFrame) -> None:
    assert tuple(tiny.columns) == OUTPUT_COLUMNS
    assert (tiny["source"] == "synthetic").all()
    assert tiny.crs == tiny_cells().crs
    assert (tiny.geometry.geom_type == "Point").all()
    assert tiny["name"].is_unique
    assert tiny.loc[tiny["type"] == "ems_center", "name"].tolist()[0] == "测试市120急救中心"


def test_same_seed_same_result_other_seed_other_layout() -> None:
    cells, regions, inventory = tiny_cells(), tiny_regions(), tiny_inventory()
    first = generate_demo_facilities(cells, regions, inventory, seed=3)
    again = generate_demo_facilities(cells, regions, inventory, seed=3)
    other = generate_demo_facilities(cells, regions, inventory, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not first.geometry.geom_equals(other.geometry).all()
    assert type_counts(first) == type_counts(other)


def test_each_point_lies_in_a_cell_of_its_region(tiny: gpd.GeoDataFrame) -> None:
    cells = tiny_cells()
    for code, group in tiny.groupby("region_adcode"):
        area = shapely.union_all(cells.loc[cells["region_adcode"] == code, "geometry"].to_numpy())
        assert shapely.contains_xy(area, group.geometry.x, group.geometry.y).all(), code


def test_point_cells_give_facilities_on_the_cell_points() -> None:
    cells = tiny_cells(points=True)
    out = generate_demo_facilities(cells, tiny_regions(), tiny_inventory(), seed=1)
    on_cell = out.geometry.apply(lambda p: bool(cells.geometry.geom_equals(p).any()))
    assert on_cell.all()
    joined = gpd.sjoin(out, cells[["region_adcode", "geometry"]], predicate="intersects")
    assert (joined["region_adcode_left"] == joined["region_adcode_right"]).all()


def test_capacities_are_valid_counts(tiny: gpd.GeoDataFrame) -> None:
    for name in OUTPUT_COLUMNS[4:12]:
        assert tiny[name].dtype == np.int64, name
        assert (tiny[name] >= 0).all(), name
    assert (tiny["negative_pressure_ambulances"] <= tiny["ambulances"]).all()
    assert (tiny["icu_beds"] <= tiny["beds"]).all()
    # the demo's fleet stays under the 40 % negative-pressure norm
    assert tiny["negative_pressure_ambulances"].sum() < 0.4 * tiny["ambulances"].sum()
    no_beds = tiny[tiny["type"].isin(["community_health_station", "village_clinic", "ems_center"])]
    assert (no_beds["beds"] == 0).all()


def test_city_totals_match_the_inventory(tiny: gpd.GeoDataFrame) -> None:
    totals = {name: int(tiny[name].sum()) for name in (*STAFF, "ambulances")}
    assert totals == {name: TINY_COUNTS[name] for name in (*STAFF, "ambulances")}
    ems = tiny[tiny["type"].eq("ems_center") | tiny["ems_station_hosted"]]
    assert int(ems["ambulances"].sum()) == 20
    assert (tiny.loc[~tiny.index.isin(ems.index), "ambulances"] == 0).all()


def test_urban_types_in_urban_cells_rural_types_in_rural_cells(tiny: gpd.GeoDataFrame) -> None:
    cells = tiny_cells()
    joined = gpd.sjoin(tiny, cells[["urban", "geometry"]], predicate="within")
    assert len(joined) == len(tiny)
    assert joined.loc[joined["type"].isin(URBAN_TYPES), "urban"].all()
    assert not joined.loc[joined["type"].isin(RURAL_TYPES), "urban"].any()
    # community centres and stations are spread out: no two of a type share a cell
    for kind in ("community_health_center", "community_health_station", "village_clinic"):
        rows = joined[joined["type"] == kind]
        assert rows["index_right"].is_unique, kind


def test_presence_flags_give_passes_and_fails(tiny: gpd.GeoDataFrame) -> None:
    county_general = tiny[tiny["name"].isin(["甲区人民医院", "乙县人民医院"])]
    # both units exceed 300,000 residents: one county hospital has a psychiatric ward, one not
    assert sorted(county_general["psychiatric_ward"].tolist()) == [False, True]
    assert int(tiny["critical_maternal_centre"].sum()) == 1
    assert int(tiny["critical_neonatal_centre"].sum()) == 1


def test_primary_care_beds_and_staff_follow_the_standards(tiny: gpd.GeoDataFrame) -> None:
    thc = tiny[tiny["type"] == "township_health_center"]
    assert thc["beds"].between(10, 99).all()
    assert thc["general_practitioners"].between(1, 6).all()
    chc = tiny[tiny["type"] == "community_health_center"]
    assert chc["beds"].between(0, 50).all()


def test_inputs_are_checked() -> None:
    cells, regions, inventory = tiny_cells(), tiny_regions(), tiny_inventory()
    with refused(DemoInputError, match="projected"):
        generate_demo_facilities(cells.to_crs(4326), regions, inventory)
    with refused(DemoInputError, match="urban"):
        generate_demo_facilities(cells.drop(columns="urban"), regions, inventory)
    bad = cells.copy()
    bad.loc[0, "region_adcode"] = "990199"
    with refused(DemoInputError, match="990199"):
        generate_demo_facilities(bad, regions, inventory)
    with refused(DemoInputError, match="level"):
        generate_demo_facilities(cells, regions.assign(level=["district", "prefecture"]), inventory)
    with refused(DemoInputError, match="finite and >= 0"):
        generate_demo_facilities(cells.assign(population=-1), regions, inventory)
    existing = tiny_existing().assign(type="clinic")
    with refused(DemoInputError, match="clinic"):
        generate_demo_facilities(cells, regions, inventory, existing=existing)


# ---- placement helpers


def test_apportion_is_exact_and_deterministic() -> None:
    assert apportion(10, np.array([1.0, 1.0, 1.0])).tolist() == [4, 3, 3]
    assert apportion(7, np.array([0.0, 3.0, 1.0])).tolist() == [0, 5, 2]
    assert apportion(5, np.array([0.0, 0.0])).tolist() == [3, 2]
    assert apportion(0, np.array([1.0])).tolist() == [0]


def test_weighted_kmeans_puts_one_site_in_each_cluster_at_its_most_populous_cell() -> None:
    # two groups of three cells 10 km apart; the heaviest cell of each is the site
    xy = np.array([[0, 0], [100, 0], [0, 100], [10_000, 0], [10_100, 0], [10_000, 100]], float)
    weight = np.array([1.0, 5.0, 1.0, 2.0, 1.0, 9.0])
    rng = np.random.default_rng(0)
    sites, served = weighted_kmeans_sites(xy, weight, 2, fixed_xy=np.zeros((0, 2)), rng=rng)
    assert sorted(sites.tolist()) == [1, 5]
    assert sorted(served.tolist()) == [7.0, 12.0]
    # an existing facility in the first group leaves the one new site to the second group
    fixed = np.array([[50.0, 50.0]])
    sites, served = weighted_kmeans_sites(xy, weight, 1, fixed_xy=fixed, rng=rng)
    assert sites.tolist() == [5]
    assert served.tolist() == [12.0]


# ---- the inventory table


def seed_lines(shared_dir: Path, document: str) -> list[str]:
    return (shared_dir / "plans" / "seeds" / document).read_text(encoding="utf-8").split("\n")


def all_figures() -> list[tuple[str, str, InventoryFigure]]:
    return [
        (inv.adcode, key, fig) for inv in INVENTORIES.values() for key, fig in inv.figures.items()
    ]


def test_every_quote_is_in_its_seed_lines(shared_dir: Path) -> None:
    citations = [(f"{a} {k}", c) for a, k, f in all_figures() for c in f.citations]
    citations += [(t, c) for t, cs in PER_UNIT_HOSPITALS.items() for c in cs]
    checked = 0
    for what, citation in citations:
        lines = seed_lines(shared_dir, citation.document)
        first, last = citation.lines
        assert last <= len(lines), what
        # seed 004 breaks lines mid-sentence: quotes match the lines joined without breaks
        text = "".join(lines[first - 1 : last])
        assert citation.quote in text, (what, citation.quote)
        checked += 1
    assert checked >= 65
    # the loader's own check against the seeds (as for the norm catalogues) agrees
    seeds_dir = shared_dir / "plans" / "seeds"
    assert load_inventories(seeds_dir=seeds_dir) == INVENTORIES
    assert load_per_unit_hospitals(seeds_dir=seeds_dir) == PER_UNIT_HOSPITALS


def test_stated_figures_are_printed_and_estimates_carry_rules() -> None:
    for adcode, key, fig in all_figures():
        if fig.estimated:
            assert fig.rule, (adcode, key)
        else:
            assert fig.citations, (adcode, key)
            assert str(fig.value) in fig.printed, (adcode, key)
    assert set(INVENTORIES) == {"430100", "430400", "430600", "431100", "433101"}
    changsha = get_inventory("430100")
    assert [changsha.value(k) for k in INVENTORY_KEYS[3:8]] == [98, 84, 226, 1280, 83180]
    assert not changsha.figures["beds"].estimated
    assert changsha.figures["ambulances"].estimated


def _round(x: float) -> int:
    return int(x + 0.5)


def _census(data_dir: Path) -> dict[str, dict[str, float]]:
    """Per city: residents, urban, rural, county-level units, rural units, fleet base."""
    df = pd.read_csv(
        data_dir / "hunan" / "hunan_county_population_2020.csv",
        dtype={"adcode": str, "city_adcode": str},
    )
    out = {}
    for city in INVENTORIES:
        rows = df[df["adcode"] == city] if city == "433101" else df[df["city_adcode"] == city]
        zone = rows["adcode"].str[4:].astype(int).between(70, 79)
        county = ~zone & rows["name"].str[-1].isin(["县", "市"])
        pop = rows["population_2020"]
        urban = float((pop * rows["urban_share_census"]).sum())
        out[city] = {
            "pop": float(pop.sum()),
            "urban": urban,
            "rural": float(pop.sum()) - urban,
            "units": float((~zone).sum()),
            "rural_units": float(county.sum()),
            "fleet_base": float(pop[~county].sum() + 3 * pop[county].sum()),
        }
    return out


def _printed_number(fig: InventoryFigure) -> float:
    assert fig.citations
    return float(re.findall(r"\d+(?:\.\d+)?", fig.printed)[-1])


def test_every_estimate_follows_its_rule(data_dir: Path, shared_dir: Path) -> None:
    census = _census(data_dir)
    cs, yy, yz = (census[c] for c in ("430100", "430600", "431100"))
    per_tertiary = 9 / census["430400"]["pop"]
    per_hospital = (241 + 125 + 34 + 106) / (cs["pop"] + yy["pop"] + yz["pop"])
    rural_per_clinic = (cs["rural"] + yy["rural"] + yz["rural"]) / (1280 + 1431 + 2960)
    line_281 = seed_lines(shared_dir, "002_8fac2466e21989cb.txt")[280]
    expected: dict[tuple[str, str], int] = {
        ("430100", "public_hospitals"): 241 - 204,
        ("431100", "hospitals"): 34 + 106,
        ("430400", "public_hospitals"): 28 + 35,
        ("430400", "critical_maternal_centres"): 4 + 9,
        ("430400", "critical_neonatal_centres"): 5 + 11,
        ("430400", "ems_centers"): 1 + int(census["430400"]["units"]),
        ("433101", "township_health_centers"): 16 - 5,
        ("433101", "community_health_centers"): line_281.count("街道卫生服务中心"),
        ("430600", "community_health_centers"): _round(yy["urban"] / 100_000),
    }
    for city, c in census.items():
        inv = INVENTORIES[city]
        expected.setdefault((city, "tertiary_hospitals"), _round(per_tertiary * c["pop"]))
        expected[(city, "ambulances")] = _round(AMBULANCE_COMPLIANCE * c["fleet_base"] / 30_000)
        expected[(city, "community_health_stations")] = _round(
            inv.value("community_health_centers") * 226 / 84
        )
        expected.setdefault((city, "ems_centers"), 1 + int(c["units"]) if c["units"] > 1 else 1)
        expected[(city, "ems_stations")] = int(c["units"] + 2 * c["rural_units"])
        for key in ("critical_maternal_centres", "critical_neonatal_centres"):
            expected.setdefault((city, key), _round(0.7 * c["units"]))
        for key in ("hospitals", "public_hospitals", "village_clinics"):
            rule = {
                "hospitals": per_hospital * c["pop"],
                "public_hospitals": 3 * c["units"],
                "village_clinics": c["rural"] / rural_per_clinic,
            }
            expected.setdefault((city, key), _round(rule[key]))
        for key in ("physicians", "nurses", "general_practitioners", "pharmacists"):
            fig = inv.figures[key]
            per = 10_000 if "每万" in fig.printed else 1000
            if fig.estimated:
                expected[(city, key)] = _round(_printed_number(fig) * c["pop"] / per)
    estimated = {(city, key): fig.value for city, key, fig in all_figures() if fig.estimated}
    assert estimated == {k: v for k, v in expected.items() if k in estimated}
    assert set(estimated) <= set(expected)


def test_inventory_guards_against_pretended_statements() -> None:
    # the inventories ship with the package: their defects are the author's (a GeoError, not an
    # InputError); a city asked for without an inventory is the caller's, worded
    quote = Citation(document="003_49c39440a1a62ee3.txt", lines=(27, 27), quote="其中医院241个")
    stated = {"value": 240, "estimated": False, "citation": quote.model_dump()}
    with refused(GeoError, match=r"x\.yaml: figures\.hospitals: .*not printed") as caught:
        parse_inventory(
            {"adcode": "1", "name": "x", "figures": {"hospitals": stated}}, source="x.yaml"
        )
    assert not isinstance(caught.value, InputError)
    with refused(GeoError, match="rule"):
        parse_inventory(
            {"adcode": "1", "name": "x", "figures": {"beds": {"value": 240, "estimated": True}}},
            source="x.yaml",
        )
    with refused(GeoError, match="missing keys"):
        CityInventory.from_counts(adcode="1", name="x", counts={"beds": 1})
    with refused(InventoryError, match="no inventory"):
        get_inventory("110000")


def test_inventory_files_are_checked_on_load(tmp_path: Path, shared_dir: Path) -> None:
    text = (DEFAULT_INVENTORY_DIR / "changsha.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "changsha.yaml"
    # a stated figure that its quote does not print
    bad.write_text(text.replace("value: 83180", "value: 83181"), encoding="utf-8")
    with refused(GeoError, match=r"changsha\.yaml: figures\.beds: .*83181"):
        load_inventory(bad)
    # a quote cited at the wrong line: only the check against the seed text finds it
    beds = "quote: 全市共有病床83180张"
    moved = text.replace(f"lines: L27\n      {beds}", f"lines: L28\n      {beds}")
    assert moved != text
    bad.write_text(moved, encoding="utf-8")
    assert load_inventory(bad).value("beds") == 83180
    with refused(GeoError, match=r"changsha\.yaml: beds: quote found at L27, not at"):
        load_inventory(bad, seeds_dir=shared_dir / "plans" / "seeds")
    # the per-unit hospitals: hospital types only, in the order the generator places them
    assert tuple(PER_UNIT_HOSPITALS) == (
        "general_hospital",
        "maternal_child_hospital",
        "tcm_hospital",
    )
    per_unit = (DEFAULT_INVENTORY_DIR / "_per_unit_hospitals.yaml").read_text(encoding="utf-8")
    (tmp_path / "_per_unit_hospitals.yaml").write_text(
        per_unit.replace("tcm_hospital:", "village_clinic:"), encoding="utf-8"
    )
    with refused(InventoryError, match="'village_clinic' is not a hospital type"):
        load_per_unit_hospitals(tmp_path)


# ---- real data: Changsha's polygons and census, its real hospitals as existing facilities


def changsha(data_dir: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    census = pd.read_csv(
        data_dir / "hunan" / "hunan_county_population_2020.csv",
        dtype={"adcode": str, "city_adcode": str},
    )
    census = census[census["city_adcode"] == "430100"]
    polys = gpd.read_file(data_dir / "hunan" / "hunan_counties.geojson")
    polys["adcode"] = polys["adcode"].astype(str)
    regions = polys.merge(census, on=["adcode"], suffixes=("", "_census")).to_crs(CRS)
    regions["population"] = regions["population_2020"]
    regions["level"] = [
        "district" if n.endswith("区") else "county" if n.endswith("县") else "county_city"
        for n in regions["name"]
    ]
    # 3 km cells whose centres lie in a unit; residents fall off from its representative point
    parts = []
    for r in regions.itertuples():
        x0, y0, x1, y1 = r.geometry.bounds
        gx, gy = (a.ravel() for a in np.meshgrid(np.arange(x0, x1, 3000), np.arange(y0, y1, 3000)))
        keep = shapely.contains_xy(r.geometry, gx + 1500, gy + 1500)
        boxes = shapely.box(gx[keep], gy[keep], gx[keep] + 3000, gy[keep] + 3000)
        centre = shapely.get_coordinates(r.geometry.representative_point())[0]
        dist = np.hypot(gx[keep] + 1500 - centre[0], gy[keep] + 1500 - centre[1])
        weight = np.exp(-dist / 8000)
        pop = np.floor(r.population * weight / weight.sum()).astype(np.int64)
        order = np.argsort(-pop, kind="stable")
        urban = np.zeros(pop.size, dtype=bool)
        urban[order[np.cumsum(pop[order]) <= r.urban_share_census * pop.sum()]] = True
        urban[order[0]] = True
        parts.append(
            gpd.GeoDataFrame(
                {"region_adcode": r.adcode, "population": pop, "urban": urban},
                geometry=boxes,
                crs=CRS,
            )
        )
    cells = pd.concat(parts, ignore_index=True)
    real = pd.read_csv(data_dir / "changsha" / "changsha_hospitals_gcj02.csv")
    real = real.drop_duplicates("name")
    lon, lat = gcj02_to_wgs84(real["lon_gcj02"].to_numpy(), real["lat_gcj02"].to_numpy())

    def kind(name: str) -> str:
        for word, ftype in (
            ("卫生院", "township_health_center"),
            ("妇幼", "maternal_child_hospital"),
            ("儿童", "maternal_child_hospital"),
            ("中医", "tcm_hospital"),
            ("精神", "psychiatric_hospital"),
        ):
            if word in name:
                return ftype
        return "general_hospital"

    existing = gpd.GeoDataFrame(
        {"name": real["name"], "type": [kind(n) for n in real["name"]], "beds": None},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    return cells, regions, existing


def test_changsha_real_hospitals_count_toward_its_inventory(data_dir: Path) -> None:
    cells, regions, existing = changsha(data_dir)
    assert len(existing) == 47
    inventory = get_inventory("430100")
    out = generate_demo_facilities(cells, regions, inventory, existing=existing, seed=0)
    real = existing["type"].value_counts()
    counts = out["type"].value_counts()
    for key, ftype in (
        ("township_health_centers", "township_health_center"),
        ("community_health_centers", "community_health_center"),
        ("community_health_stations", "community_health_station"),
        ("village_clinics", "village_clinic"),
    ):
        assert counts[ftype] + real.get(ftype, 0) == inventory.value(key), ftype
    n_real = int(real[real.index.isin(HOSPITALS)].sum())
    assert int(counts[counts.index.isin(HOSPITALS)].sum()) + n_real == 241
    assert counts["ems_center"] == 10
    # real capacities are unknown, so the synthetic rows carry the whole city total
    assert int(out["beds"].sum()) == 83180
    assert int(out["ambulances"].sum()) == inventory.value("ambulances")
    # every unit has its three public hospitals, real or synthetic
    joined = gpd.sjoin(existing.to_crs(CRS), regions[["adcode", "geometry"]], predicate="within")
    for code in regions["adcode"]:
        present = set(out.loc[out["region_adcode"] == code, "type"]) | set(
            joined.loc[joined["adcode"] == code, "type"]
        )
        assert {"general_hospital", "tcm_hospital", "maternal_child_hospital"} <= present, code


def test_changsha_sized_grid_gets_the_whole_inventory() -> None:
    # 50,000 one-km cells in nine 25 x 222 km strips, residents decaying from each strip's centre
    gx, gy = np.meshgrid(np.arange(225), np.arange(222))
    gx, gy = gx.ravel(), gy.ravel()
    codes = np.array([f"99{i:02d}01" for i in range(9)])[gx // 25]
    dist = np.hypot(gx % 25 - 12, gy - 111)
    pop = np.floor(20_000 * np.exp(-dist / 10)).astype(np.int64)
    cells = gpd.GeoDataFrame(
        {"region_adcode": codes, "population": pop, "urban": pop > 2_000},
        geometry=shapely.box(gx * 1000.0, gy * 1000.0, gx * 1000.0 + 1000, gy * 1000.0 + 1000),
        crs=CRS,
    )
    regions = gpd.GeoDataFrame(
        {
            "adcode": [f"99{i:02d}01" for i in range(9)],
            "name": [f"第{i}区" for i in range(9)],
            "level": ["district"] * 6 + ["county"] * 3,
            "population": [1_000_000] * 9,
        }
    )
    out = generate_demo_facilities(cells, regions, get_inventory("430100"), seed=0)
    assert len(cells) == 49_950
    assert len(out) == 241 + 98 + 84 + 226 + 1280 + 10
