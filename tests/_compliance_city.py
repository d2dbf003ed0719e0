"""A tiny prepared city for the compliance tests: network, population cells, facilities, plan.

On ``tiny_city`` (prefecture 439900: district 439901 east of 113.0°E, county 439902 west of it,
28.0–28.1°N) a straight residential street runs along 28.05°N from 112.90°E to 113.10°E with a
node every 0.01° (about 982 m in UTM 49N). Population cells sit on nodes (no access leg):

=====  =======  =========  =====  ====================================================
cell   lon      residents  urban  unit
=====  =======  =========  =====  ====================================================
A      113.03   1,000      yes    east: 1 node from the community centre, 2 from the station
B      113.09   2,000      yes    east: 7 nodes from the centre (≈ 6.9 km: 20.6 min by car)
C      113.08   3,000      no     east: 6 nodes from the centre (≈ 5.9 km: 17.7 min by car)
D      112.91   4,000      no     west: 4 nodes from the township centre, 14 from the station
E      112.99     500      yes    west: 4 nodes from the township centre, 6 from the station
=====  =======  =========  =====  ====================================================

Facilities: a community health centre at 113.02 and an EMS station with 2 ambulances at 113.05
(east), a township health centre at 112.95 (west). By car (urban residential 20 km/h) 15 minutes
are 5 km; an ambulance (24 km/h, after a 3-minute dispatch) drives 4.8 km in 15 minutes.

The plan ``tiny`` has four rules; its seed text ``tiny_plan.txt`` holds their quotes.
"""

from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from app.db.models import Facility, PopulationCell
from app.services import networks
from app.services.norms import NormCatalogues
from geo.network import network_from_arrays
from geo.network.snap import project_lonlat
from geo.norms import load_catalogues

CITY, EAST, WEST = "439900", "439901", "439902"
LAT = 28.05
STEP = 0.01
NODE_LONS = [round(112.90 + STEP * i, 2) for i in range(21)]
# (name, lon, residents, urban, unit)
CELLS = [
    ("A", 113.03, 1000, True, EAST),
    ("B", 113.09, 2000, True, EAST),
    ("C", 113.08, 3000, False, EAST),
    ("D", 112.91, 4000, False, WEST),
    ("E", 112.99, 500, True, WEST),
]

SEED = """小城卫生健康规划
城市15分钟、农村30分钟医疗服务圈。
急救站服务半径城市不超过5公里，农村不超过20公里。
院前急救8公里15分钟。
每3万人配置1辆救护车，县域按服务人口的300%计算。
"""

CATALOGUE = """
city: tiny
city_adcode: "439900"
city_name_zh: 小城
city_name_en: Tiny City
city_level: prefecture
document: tiny_plan.txt
rules:
  - id: tiny.care_circle
    title_zh: 城市15分钟、农村30分钟医疗服务圈
    title_en: Care within 15 minutes (urban) / 30 minutes (rural)
    kind: travel_time_coverage
    applies_to: [city, district, county, urban, rural]
    parameters:
      facilities:
        - facility_types: [township_health_center, community_health_center]
      mode: drive
      minutes_urban: 15
      minutes_rural: 30
    target: {min: 15, max: 30, unit: minutes}
    citation: {document: tiny_plan.txt, lines: L2, quote: 城市15分钟、农村30分钟医疗服务圈}
  - id: tiny.ems_radius
    title_zh: 急救站服务半径
    title_en: EMS station radius
    kind: radius_coverage
    applies_to: [city, district, county, urban, rural]
    parameters:
      facilities:
        - facility_types: [ems_station]
      distance: straight
      radius_km_urban: 5
      radius_km_rural: 20
    target: {min: 5, max: 20, unit: km}
    citation: {document: tiny_plan.txt, lines: L3, quote: 急救站服务半径城市不超过5公里}
  - id: tiny.ems_8km_15min
    title_zh: 院前急救8公里15分钟
    title_en: Pre-hospital EMS within 8 km and 15 minutes
    kind: ems_response
    applies_to: [city, district, county]
    parameters:
      facilities:
        - facility_types: [ems_station]
      direction: from_facility
      radius_km: 8
      minutes: 15
    target: {value: 15, unit: minutes}
    citation: {document: tiny_plan.txt, lines: L4, quote: 院前急救8公里15分钟}
  - id: tiny.ambulance_fleet
    title_zh: 每3万人配置1辆救护车
    title_en: One ambulance per 30,000 residents
    kind: fleet_ratio
    applies_to: [city, district, county]
    parameters:
      measure: fleet_size
      facilities:
        - facility_types: [ems_station]
      per_population: 30000
      base_multiplier_county: 3.0
    target: {value: 30000, unit: residents_per_ambulance}
    citation: {document: tiny_plan.txt, lines: L5, quote: 县域按服务人口的300%计算}
"""


def tiny_norms(folder: Path) -> NormCatalogues:
    """The ``tiny`` plan, written to ``folder`` and loaded with its citations checked."""
    (folder / "seeds").mkdir(parents=True, exist_ok=True)
    (folder / "seeds" / "tiny_plan.txt").write_text(SEED, encoding="utf-8")
    (folder / "catalogue").mkdir(exist_ok=True)
    (folder / "catalogue" / "tiny.yaml").write_text(CATALOGUE, encoding="utf-8")
    return norms_in(folder)


def norms_in(folder: Path) -> NormCatalogues:
    """The catalogues of ``folder / "catalogue"``, checked against ``folder / "seeds"``."""
    return NormCatalogues(tuple(load_catalogues(folder / "catalogue", seeds_dir=folder / "seeds")))


def square(lon: float, lat: float, half: float = STEP / 2) -> str:
    x0, x1, y0, y1 = lon - half, lon + half, lat - half, lat + half
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def add_network(session: Session) -> int:
    """Store the street along 28.05°N for the city; return the network id."""
    x, y = project_lonlat(NODE_LONS, [LAT] * len(NODE_LONS), "EPSG:32649")
    n = len(NODE_LONS)
    net = network_from_arrays(
        x, y, np.arange(n - 1), np.arange(1, n), ["residential"] * (n - 1), crs="EPSG:32649"
    )
    summary = networks.store_network(
        session, net, name="tiny street", source="tiny.osm", city_adcode=CITY
    )
    return summary.id


def add_cells(session: Session, network_id: int | None) -> None:
    session.add_all(
        PopulationCell(
            city_adcode=CITY,
            region_adcode=unit,
            network_id=network_id,
            population=people,
            area_km2=1.0,
            density_per_km2=float(people),
            settlement_class="urban_centre" if urban else "rural",
            urban=urban,
            road_length_m=982.0,
            synthetic=False,
            geom=square(lon, LAT),
            centroid=f"SRID=4326;POINT({lon} {LAT})",
        )
        for _, lon, people, urban, unit in CELLS
    )
    session.flush()


def add_facilities(session: Session) -> dict[str, Facility]:
    rows = {
        "centre": Facility(
            name="东区社区卫生服务中心",
            type="community_health_center",
            region_adcode=EAST,
            source="real",
            geom=f"SRID=4326;POINT(113.02 {LAT})",
        ),
        "station": Facility(
            name="东区急救站",
            type="ems_station",
            ambulances=2,
            negative_pressure_ambulances=1,
            region_adcode=EAST,
            source="real",
            geom=f"SRID=4326;POINT(113.05 {LAT})",
        ),
        "township": Facility(
            name="西县乡镇卫生院",
            type="township_health_center",
            region_adcode=WEST,
            source="real",
            geom=f"SRID=4326;POINT(112.95 {LAT})",
        ),
    }
    session.add_all(rows.values())
    session.flush()
    return rows


def prepare(session: Session) -> dict[str, Facility]:
    """Network, cells and facilities of the tiny city (its regions come from ``tiny_city``)."""
    network_id = add_network(session)
    add_cells(session, network_id)
    return add_facilities(session)
