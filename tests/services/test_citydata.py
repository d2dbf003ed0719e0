"""City data in PostGIS: synthetic and real networks, the population surface, demo facilities."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.cli.demo import summary_lines
from app.db.models import Facility, PopulationCell, Region, RoadEdge, RoadNetwork
from app.services import citydata, networks, road_files
from app.services.demo import generate_facilities, prepare_city
from app.services.reference import load_hunan
from app.settings import TRUNK_ROADS_FILE, Settings
from geo.demo.inventory import get_inventory
from geo.network import SYNTHETIC_SOURCE


@pytest.fixture(scope="module")
def hunan(engine: Engine, data_dir: Path) -> Iterator[Session]:
    """The real reference data, loaded once for the module and rolled back at its end."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint", autoflush=False) as s:
            load_hunan(s, data_dir)
            yield s
        outer.rollback()


def _census(session: Session, adcodes: list[str]) -> dict[str, int]:
    """County census plus the zones hosted by each county (the loader's parent links)."""
    rows = session.execute(
        select(Region.adcode, Region.population, Region.parent_adcode, Region.level)
    ).all()
    totals = {a: p for a, p, _, level in rows if a in adcodes}
    for _, people, parent, level in rows:
        if level == "zone" and parent in totals:
            totals[parent] += people
    return totals


def _cell_sums(session: Session, city: str) -> dict[str, int]:
    rows = session.execute(
        select(PopulationCell.region_adcode, func.sum(PopulationCell.population))
        .where(PopulationCell.city_adcode == city)
        .group_by(PopulationCell.region_adcode)
    ).all()
    return {a: int(p) for a, p in rows}


def test_synthetic_jishou_is_labelled_and_population_exact(
    hunan: Session, settings: Settings
) -> None:
    summary = citydata.synthesize_network(hunan, "433101", target_nodes=4_000)
    assert summary.synthetic
    assert summary.source == "synthetic"
    assert 3_600 <= summary.n_nodes <= 4_400
    row = hunan.get(RoadNetwork, summary.id)
    assert row is not None
    assert row.synthetic
    assert row.params["target_nodes"] == 4_000
    # no trunk-road file given: the arterials are invented, and the network says so
    assert row.params["trunk_roads"] is None

    net = networks.load_network(hunan, settings, summary.id)
    assert net.synthetic
    assert net.n_nodes == summary.n_nodes
    assert net.sources == (SYNTHETIC_SOURCE,)
    population = citydata.build_population(hunan, "433101", net, summary.id, cell_size_m=1_000)
    assert population.population == 408_812
    assert population.synthetic is True
    assert _cell_sums(hunan, "433101") == {"433101": 408_812}
    assert road_files.real_road_share(hunan, "433101") == (0.0, "synthetic")


def test_synthetic_jishou_hangs_on_the_real_trunk_roads(hunan: Session, settings: Settings) -> None:
    trunk = settings.data_file(*TRUNK_ROADS_FILE)
    assert trunk is not None
    summary = citydata.synthesize_network(hunan, "433101", target_nodes=4_000, trunk_roads=trunk)
    row = hunan.get(RoadNetwork, summary.id)
    assert row is not None
    assert row.params["trunk_roads"] == trunk.name
    edges = dict(
        hunan.execute(
            select(RoadEdge.source, func.count())
            .where(RoadEdge.network_id == summary.id)
            .group_by(RoadEdge.source)
        ).all()
    )
    assert set(edges) == {trunk.name, SYNTHETIC_SOURCE}
    assert edges[trunk.name] == row.params["real_trunk_edges"] > 0
    classes = dict(
        hunan.execute(
            select(RoadEdge.highway, func.count())
            .where(RoadEdge.network_id == summary.id, RoadEdge.source == trunk.name)
            .group_by(RoadEdge.highway)
        ).all()
    )
    # the real roads are the trunk roads; no motorway is invented beside them
    assert set(classes) == {"trunk"}
    motorways = hunan.scalar(
        select(func.count()).where(
            RoadEdge.network_id == summary.id, RoadEdge.highway == "motorway"
        )
    )
    assert motorways == 0

    net = networks.load_network(hunan, settings, summary.id)
    population = citydata.build_population(hunan, "433101", net, summary.id, cell_size_m=1_000)
    assert population.population == 408_812
    share = road_files.network_real_road_share(hunan, "433101", summary.id)
    assert share is not None
    # some residents live along the real trunk roads, most on the synthetic streets
    assert 0.0 < share < 0.5


def test_yongzhou_counties_sum_to_census_with_zones(hunan: Session, settings: Settings) -> None:
    summary = citydata.synthesize_network(hunan, "431100", target_nodes=12_000)
    net = networks.load_network(hunan, settings, summary.id)
    # 2 km cells keep the test quick; the sums are exact at any cell size
    citydata.build_population(hunan, "431100", net, summary.id, cell_size_m=2_000)
    sums = _cell_sums(hunan, "431100")
    assert sum(sums.values()) == 5_289_824
    census = _census(hunan, list(sums))
    # the economic development zone's people live in 冷水滩区 (data README: 583,136)
    assert census["431103"] == 583_136
    # 金洞 and 回龙圩 management zones (no host in the data) are spread over the two districts
    districts = {"431102", "431103"}
    assert sums["431102"] + sums["431103"] == 563_556 + 583_136 + 40_874 + 10_077
    # zones without a known host are spread over the districts; counties keep their census
    for adcode, total in sums.items():
        if adcode not in districts:
            assert total == census[adcode], adcode
    # the compute arrays come back from PostGIS when the cache is gone
    networks.cache_path(settings, summary).unlink()
    again = networks.load_network(hunan, settings, summary.id)
    np.testing.assert_array_equal(again.edge_u, net.edge_u)
    np.testing.assert_array_equal(again.length_m, net.length_m)


def test_partial_real_extract_does_not_replace_the_city_network(
    hunan: Session, data_dir: Path
) -> None:
    synthetic = citydata.synthesize_network(hunan, "430100", target_nodes=3_000)
    campus = citydata.import_network(
        hunan, data_dir / "changsha" / "hnu_campus.osm", city_adcode="430100"
    )
    assert campus.synthetic is False
    assert campus.source == "hnu_campus.osm"
    cover = hunan.get(RoadNetwork, campus.id).params["city_cover_share"]  # type: ignore[union-attr]
    assert 0 < cover < 0.001
    assert networks.find_network(hunan, "430100") == synthetic


def test_real_porto_alegre_network_is_stored(
    hunan: Session, settings: Settings, data_dir: Path
) -> None:
    summary = citydata.import_network(hunan, data_dir / "porto_alegre" / "poa_osm.pbf")
    assert summary.synthetic is False
    assert summary.city_adcode is None
    assert summary.n_nodes > 10_000
    net = networks.load_network(hunan, settings, summary.id)
    assert net.crs == "EPSG:32722"  # UTM 22S, chosen from the data


def test_demo_changsha_keeps_real_hospitals_and_fills_the_inventory(
    hunan: Session, settings: Settings
) -> None:
    summary = prepare_city(hunan, settings, "430100", target_nodes=6_000, cell_size_m=2_000)
    assert summary.real_facilities == 51
    # real roads wherever the data folder has them: the central network, the trunk roads
    assert summary.real_roads == "changsha_roads_osm2019.gpkg"
    assert summary.trunk_roads == "hunan_trunk_roads_osm.geojson"
    assert summary.synthetic_roads
    assert summary.real_road_share is not None
    # the central layer's units hold 73 % of the residents; the trunk roads add a little
    assert 0.5 < summary.real_road_share < 0.8
    zh = " ".join(summary_lines(summary, "zh"))
    assert "真实路网（changsha_roads_osm2019.gpkg）覆盖的范围以外为模拟路网" in zh
    assert "真实干线公路上（hunan_trunk_roads_osm.geojson）" in zh
    assert "设施：真实 51 处" in zh
    en = " ".join(summary_lines(summary, "en"))
    assert "roads: real where changsha_roads_osm2019.gpkg has them" in en
    assert "facilities: 51 real" in en
    rows = hunan.execute(
        select(Facility.type, Facility.source, func.count())
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(Region.city_adcode == "430100")
        .group_by(Facility.type, Facility.source)
    ).all()
    counts: dict[str, int] = {}
    for type_, source, n in rows:
        assert source in ("synthetic", "changsha_hospitals_gcj02.csv", "real")
        counts[type_] = counts.get(type_, 0) + n
    inventory = get_inventory("430100")
    # the plan's stated inventory (003 L27): 98 township centres, 84 community centres, …
    assert counts["township_health_center"] >= inventory.value("township_health_centers")
    assert counts["community_health_center"] >= 84
    assert counts["village_clinic"] == 1_280
    assert counts["community_health_station"] == 226
    # a second run does nothing
    again = prepare_city(hunan, settings, "430100")
    assert again.steps == ()
    assert again.synthetic_facilities == summary.synthetic_facilities


def _stored_cells(session: Session, city: str) -> list[tuple[object, ...]]:
    return [
        tuple(row)
        for row in session.execute(
            select(
                PopulationCell.region_adcode,
                PopulationCell.population,
                PopulationCell.urban,
                PopulationCell.density_per_km2,
                PopulationCell.road_length_m,
                func.ST_AsEWKB(PopulationCell.geom),
                func.ST_AsEWKB(PopulationCell.centroid),
            )
            .where(PopulationCell.city_adcode == city)
            .order_by(PopulationCell.id)
        )
    ]


def _synthetic_facilities(session: Session, city: str) -> list[dict[str, object]]:
    """The city's synthetic facilities, every column but the id and the write times, in order."""
    skip = {"id", "created_at", "updated_at", "geom"}
    columns = [c for c in Facility.__table__.c if c.name not in skip]
    rows = session.execute(
        select(*columns, func.ST_AsEWKB(Facility.geom).label("ewkb"))
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(
            (Region.city_adcode == city) | (Region.adcode == city),
            Facility.source == "synthetic",
        )
        .order_by(Facility.id)
    ).all()
    return [{**row._asdict(), "ewkb": bytes(row.ewkb)} for row in rows]


def test_demo_surface_built_beside_the_store_is_the_one_built_after_it(
    hunan: Session, settings: Settings
) -> None:
    # Yueyang has no network yet: the demo generates one and computes the population surface
    # while storing it, from the arrays as they will load back
    summary = prepare_city(hunan, settings, "430600", target_nodes=3_000, cell_size_m=2_000)
    assert [key for key, _ in summary.steps[:3]] == [
        "demo.step_network",
        "demo.step_population",
        "demo.step_facilities",
    ]
    beside = _stored_cells(hunan, "430600")
    assert len(beside) == summary.population_cells
    # the facilities were drawn on the surface's cells while the network was stored: the same
    # as drawn on the cells read back from PostGIS afterwards
    drawn = _synthetic_facilities(hunan, "430600")
    assert len(drawn) == summary.synthetic_facilities > 0
    generate_facilities(hunan, "430600", seed=0)
    assert _synthetic_facilities(hunan, "430600") == drawn
    # the surface built afterwards from the network as PostGIS gives it back: the same cells
    net = networks._rebuild(hunan, networks.get_summary(hunan, summary.network_id))
    citydata.build_population(hunan, "430600", net, summary.network_id, cell_size_m=2_000)
    assert _stored_cells(hunan, "430600") == beside
