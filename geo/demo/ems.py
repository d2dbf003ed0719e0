"""EMS sites of the demo: the city 120 centre, county sub-centres and the stations.

A sub-centre sits with its unit's general hospital (000 L216); stations are hosted by grade-II+
hospitals and central township health centres (004 L1138–1140, ``ems_station_hosted``), and
stand alone only when there are too few hosts.
"""

import numpy as np

from geo.demo.city import City, Existing, Region, candidates
from geo.demo.inventory import CityInventory
from geo.demo.placement import weighted_kmeans_sites
from geo.demo.rows import GRADE_RANK, Row

# ambulance shares of the EMS sites of one unit: city centre, county sub-centre, station
EMS_WEIGHTS = {"city": 3, "sub": 2, "station": 1}


def place_ems(
    city: City,
    inventory: CityInventory,
    have: Existing,
    rows: list[Row],
    rng: np.random.Generator,
) -> list[Row]:
    new: list[Row] = []
    n_centres = max(0, inventory.value("ems_centers") - have.types["ems_center"])
    if n_centres and have.types["ems_center"] == 0:
        new.append(_centre(city, city.regions[0], rows, role="city"))
        n_centres -= 1
    # units without a centre first, then every unit again (most populous first)
    homes = [r for r in city.regions if r.adcode not in have.centre_regions] + list(city.regions)
    new += [_centre(city, homes[i % len(homes)], rows, role="sub") for i in range(n_centres)]
    wanted = max(0, inventory.value("ems_stations") - have.stations)
    hosts = _station_hosts(city, rows)
    for host in hosts[:wanted]:
        host.ems_station_hosted = True
        host.ems_weight = EMS_WEIGHTS["station"]
        if host.type == "township_health_center":
            host.role = "central"
    left = wanted - min(wanted, len(hosts))
    if left:
        new += _standalone_stations(city, left, rng)
    return new


def _centre(city: City, region: Region, rows: list[Row], *, role: str) -> Row:
    # a sub-centre sits with the unit's general hospital when it has one (000 L216)
    cell = next(
        (
            h.cell
            for h in rows
            if h.region == region.adcode and h.role == "county" and h.type == "general_hospital"
        ),
        -1,
    )
    if cell < 0:
        cand, weight = candidates(city, region, "urban")
        cell = int(cand[np.lexsort((np.arange(cand.size), -weight, -city.density[cand]))[0]])
    return Row("ems_center", region.adcode, cell, role=role, ems_weight=EMS_WEIGHTS[role])


def _station_hosts(city: City, rows: list[Row]) -> list[Row]:
    """Facilities that host an EMS station, in the order they are chosen."""
    order = {r.adcode: i for i, r in enumerate(city.regions)}
    rural = {r.adcode for r in city.regions if r.level in ("county", "county_city")}
    graded = [h for h in rows if h.is_hospital and GRADE_RANK[h.grade] >= GRADE_RANK["secondary"]]
    county = [h for h in graded if h.role == "county" and h.type == "general_hospital"]
    county.sort(key=lambda h: order[h.region])
    thcs = [h for h in rows if h.type == "township_health_center"]
    thcs.sort(key=lambda h: (-h.catchment, order[h.region]))
    central: list[Row] = []
    for rank in range(2):
        for region in city.regions:
            here = [h for h in thcs if h.region == region.adcode and region.adcode in rural]
            if len(here) > rank:
                central.append(here[rank])
    others = [h for h in graded if h not in county]
    others.sort(key=lambda h: (h.ownership != "public", h.tier, order[h.region]))
    rest = [h for h in thcs if h not in central]
    return county + central + others + rest


def _standalone_stations(city: City, k: int, rng: np.random.Generator) -> list[Row]:
    cand = np.flatnonzero(city.population > 0)
    if cand.size == 0:
        cand = np.arange(city.population.size)
    weight = np.maximum(city.population[cand], 1e-9)
    sites, _ = weighted_kmeans_sites(city.xy[cand], weight, k, fixed_xy=np.zeros((0, 2)), rng=rng)
    region_of = np.empty(city.population.size, dtype=object)
    for region in city.regions:
        region_of[region.cells] = region.adcode
    return [
        Row(
            "ems_station",
            str(region_of[cand[s]]),
            int(cand[s]),
            role="station",
            ems_weight=EMS_WEIGHTS["station"],
            ems_station_hosted=False,
        )
        for s in sites
    ]
