"""The real central-Changsha road layer (no attributes) joined to Changsha's synthetic network."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import PopulationCell, RoadEdge, RoadNetwork
from app.services import citydata, networks, road_files
from app.services.reference import load_hunan
from app.settings import Settings
from geo.network.merge import MAX_CONNECTOR_M

CHANGSHA = "430100"


def test_central_changsha_layer_joined_to_the_synthetic_rest(
    db_session: Session, settings: Settings, data_dir: Path
) -> None:
    load_hunan(db_session, None)
    gpkg = data_dir / "changsha" / "changsha_roads_osm2019.gpkg"

    done = road_files.import_edges(db_session, settings, gpkg, city_adcode=CHANGSHA)

    # 74,546 two-point segments; 19 are shorter than the 0.5 m snap and vanish
    assert done.segments == 74_527
    assert done.real_segments == 74_527
    assert done.synthetic_segments > 0
    assert done.connectors > 0
    assert (done.classes_assumed, done.speeds_assumed, done.oneway_assumed) == (True,) * 3
    # the layer spans central Changsha only: not 浏阳 or 宁乡
    assert done.city_cover_share is not None
    assert 0.10 < done.city_cover_share < 0.25
    # the joined network is the one Changsha is analysed on, and it says what it rests on
    chosen = networks.find_network(db_session, CHANGSHA)
    assert chosen is not None
    assert chosen.id == done.network.id
    row = db_session.get(RoadNetwork, done.network.id)
    assert row is not None
    assert row.params["speeds_assumed"] is True
    assert row.params["real_segments"] == 74_527
    # the land within a kilometre of the layer's roads: the centre and the corridors it maps
    assert row.params["real_area_wgs84"].startswith("MULTIPOLYGON")
    # the networks meet where they are near: no connector crosses kilometres of unmapped land
    assert done.long_connectors == 0
    assert 0 < row.params["connector_max_m"] < MAX_CONNECTOR_M
    synthetic = db_session.scalars(
        select(RoadNetwork).where(RoadNetwork.city_adcode == CHANGSHA, RoadNetwork.synthetic)
    ).all()
    assert len(synthetic) == 1

    net = networks.load_network(db_session, settings, done.network.id)
    population = citydata.build_population(db_session, CHANGSHA, net, done.network.id)
    assert population.population == 10_047_914
    share = road_files.real_road_share(db_session, CHANGSHA)
    assert share is not None
    real_share, source = share
    assert source == gpkg.name
    # 浏阳 and 宁乡 (2,692,716 of 10,047,914 residents) lie wholly outside the layer: only their
    # residents along the real trunk roads count; the urban residents of the other units sit on
    # the layer's streets, and their rural residents outside it share them by area. About 69 %
    # in all (DATA.md)
    assert real_share == pytest.approx(0.69, abs=0.02)
    by_unit = dict(
        db_session.execute(
            select(
                PopulationCell.region_adcode,
                func.sum(
                    PopulationCell.population
                    * PopulationCell.real_road_length_m
                    / func.nullif(PopulationCell.road_length_m, 0)
                )
                / func.sum(PopulationCell.population),
            )
            .where(PopulationCell.city_adcode == CHANGSHA)
            .group_by(PopulationCell.region_adcode)
        ).all()
    )
    assert by_unit["430102"] == pytest.approx(1.0)  # 芙蓉区: wholly inside the layer
    # 开福区 lies inside it too, save patches over a kilometre from the layer's roads, where
    # the synthetic streets stay
    assert by_unit["430105"] == pytest.approx(0.99, abs=0.01)
    # 雨花区's town is surveyed: the urban residents its built-up streets cannot hold go to its
    # other surveyed streets, not to the synthetic town grid drawn beyond the layer
    assert by_unit["430111"] > 0.95
    assert 0 < by_unit["430181"] < 0.1  # 浏阳市: the trunk roads alone
    assert 0 < by_unit["430182"] < 0.1  # 宁乡市
    trunk = "hunan_trunk_roads_osm.geojson"
    assert done.segments_by_source[trunk] > 0
    assert set(done.segments_by_source) == {gpkg.name, trunk, "synthetic"}
    edges = dict(
        db_session.execute(
            select(RoadEdge.source, func.count())
            .where(RoadEdge.network_id == done.network.id)
            .group_by(RoadEdge.source)
        ).all()
    )
    # every real segment is stored in both directions, with the file as its source
    assert edges[gpkg.name] == 2 * 74_527
    assert edges["synthetic"] == 2 * (done.synthetic_segments)
