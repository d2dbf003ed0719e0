"""Prepare a city for analysis: reference data, a network, the population surface, demo facilities.

Every step is skipped when its result is already there, so ``fplan demo`` (and ``make run``) is
idempotent. Real data is used where it exists (regions and census, the Changsha hospitals, a real
OSM network); the rest is generated and stored with ``source = 'synthetic'``.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.db.models import Facility, PopulationCell, Region
from app.services import citydata, networks, reference
from app.services._tx import transaction
from app.settings import Settings
from geo.demo.generate import generate_demo_facilities
from geo.demo.inventory import INVENTORY_KEYS, CityInventory, shipped_inventories

# a step of the preparation, reported by its message key (geo.messages words it)
Progress = Callable[[str], None]
STEP_REFERENCE = "prepare.step.reference"
STEP_NETWORK = "prepare.step.network"
STEP_POPULATION = "prepare.step.population"
STEP_FACILITIES = "prepare.step.facilities"


@dataclass(frozen=True)
class DemoSummary:
    city_adcode: str
    network_id: int
    network_synthetic: bool
    population_cells: int
    population: int
    real_facilities: int
    synthetic_facilities: int
    steps: tuple[str, ...]


def _city_facilities(session: Session, city: str, *, synthetic: bool) -> list[Facility]:
    source = Facility.source == "synthetic"
    return list(
        session.scalars(
            select(Facility)
            .join(Region, Region.adcode == Facility.region_adcode)
            .where(
                (Region.city_adcode == city) | (Region.adcode == city),
                source if synthetic else ~source,
            )
            .order_by(Facility.id)
        )
    )


def _cells_frame(session: Session, city: str, crs: str) -> gpd.GeoDataFrame:
    rows = session.execute(
        select(
            PopulationCell.region_adcode,
            PopulationCell.population,
            PopulationCell.urban,
            PopulationCell.settlement_class,
            func.ST_AsBinary(PopulationCell.geom),
        )
        .where(PopulationCell.city_adcode == city)
        .order_by(PopulationCell.id)
    ).all()
    region, population, urban, settlement, wkb = zip(*rows, strict=True) if rows else ((),) * 5
    return gpd.GeoDataFrame(
        {
            "region_adcode": list(region),
            "population": np.array(population, dtype=np.int64),
            "urban": np.array(urban, dtype=bool),
            "settlement_class": list(settlement),
        },
        # parsed at once, not row by row: a city has ~100k cells
        geometry=shapely.from_wkb(np.array(wkb, dtype=object)),
        crs="EPSG:4326",
    ).to_crs(crs)


def _existing_frame(facilities: list[Facility], crs: str) -> gpd.GeoDataFrame:
    # a hospital listed twice in its source (e.g. as fever clinic and as designated hospital)
    # is one place: count it once toward the plan's inventory
    seen: dict[tuple[str, bytes], Facility] = {}
    for f in facilities:
        seen.setdefault((f.name, bytes(f.geom.data)), f)
    unique = list(seen.values())
    return gpd.GeoDataFrame(
        {"type": [f.type for f in unique], "region_adcode": [f.region_adcode for f in unique]},
        geometry=[to_shape(f.geom) for f in unique],
        crs="EPSG:4326",
    ).to_crs(crs)


def city_inventory(session: Session, city: str) -> CityInventory:
    """The plan's inventory of ``city``; for a city without one, an estimate from the five.

    A city none of the shipped inventories covers (株洲 430200, any Hunan county) gets every
    figure estimated: the median over the five cities of the figure per resident, times the
    city's 2020 census population; each figure says so in its rule.
    """
    inventories = shipped_inventories()
    if city in inventories:
        return inventories[city]
    region = citydata.get_city(session, city)
    population = int(region.population or 0)
    known = [
        (inventory, _city_population(session, code)) for code, inventory in inventories.items()
    ]
    counts = {
        key: round(
            float(np.median([inv.value(key) / people for inv, people in known if people]))
            * population
        )
        for key in INVENTORY_KEYS
    }
    rule = (
        "estimated: median per-resident figure of the five plans' inventories (Changsha, "
        "Hengyang, Yueyang, Yongzhou, Jishou) × this city's 2020 census residents "
        "估算：五市清单的人均中位数 × 本市2020年普查常住人口"
    )
    return CityInventory.from_counts(adcode=city, name=region.name, counts=counts, rule=rule)


def _city_population(session: Session, adcode: str) -> int:
    region = session.get(Region, adcode)
    return int(region.population or 0) if region is not None else 0


def generate_facilities(session: Session, city: str, *, seed: int = 0) -> int:
    """Replace the city's synthetic facilities by a new demo set; returns how many."""
    units = citydata.city_units(session, city)
    cells = _cells_frame(session, city, units.crs)
    existing = _existing_frame(_city_facilities(session, city, synthetic=False), units.crs)
    demo = generate_demo_facilities(
        cells, units, city_inventory(session, city), existing=existing, seed=seed
    ).to_crs("EPSG:4326")
    # column by column: Python values without boxing every cell (thousands of rows, ~40 fields)
    fields = demo.drop(columns="geometry")
    records = [
        dict(zip(fields.columns, values, strict=True))
        for values in zip(*(fields[name].tolist() for name in fields.columns), strict=True)
    ]
    with transaction(session):
        ids = (
            select(Facility.id)
            .join(Region, Region.adcode == Facility.region_adcode)
            .where(
                (Region.city_adcode == city) | (Region.adcode == city),
                Facility.source == "synthetic",
            )
        )
        session.execute(delete(Facility).where(Facility.id.in_(ids)))
        # one multi-row INSERT, not an ORM object per facility (a city has thousands)
        rows = [
            {
                **{k: (v.item() if isinstance(v, np.generic) else v) for k, v in record.items()},
                "geom": f"SRID=4326;POINT({point.x!r} {point.y!r})",
            }
            for record, point in zip(records, demo.geometry, strict=True)
        ]
        if rows:
            session.execute(insert(Facility), rows)
    return len(records)


def prepare_city(
    session: Session,
    settings: Settings,
    city: str,
    *,
    seed: int = 0,
    target_nodes: int | None = None,
    cell_size_m: float = 500.0,
    refresh_facilities: bool = False,
    progress: Progress | None = None,
) -> DemoSummary:
    """Bring ``city`` to a state where every norm can be checked; skip what is already done.

    ``progress`` is told the message key of each step as it starts (``STEP_*``).
    """
    say = progress or (lambda _: None)
    steps: list[str] = []
    if not reference.regions_exist(session):
        say(STEP_REFERENCE)
        reference.load_hunan(session, settings.reference_data_dir())
        session.commit()
        steps.append("loaded reference data")
    citydata.get_city(session, city)
    network = networks.find_network(session, city)
    population = None
    if network is None:
        say(STEP_NETWORK)
        net, params = citydata.generate_network(session, city, target_nodes=target_nodes, seed=seed)
        units = citydata.city_units(session, city)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # the population surface needs only the arrays (as they will load back from the
            # store): it is computed on the second core while PostGIS stores the network
            surface = pool.submit(
                citydata.population_surface,
                units,
                networks.as_stored(net),
                cell_size_m=cell_size_m,
            )
            network = citydata.store_synthetic(session, city, net, params, settings=settings)
            session.commit()
            steps.append(f"synthetic network {network.id} ({network.n_nodes:,} nodes)")
            say(STEP_POPULATION)
            population = citydata.store_population(session, city, surface.result(), network.id)
        session.commit()
        steps.append(f"population surface ({population.cells:,} cells)")
    population = population or citydata.population_summary(session, city)
    if population is None or population.network_id != network.id:
        say(STEP_POPULATION)
        net = networks.load_network(session, settings, network.id)
        population = citydata.build_population(
            session, city, net, network.id, cell_size_m=cell_size_m
        )
        session.commit()
        steps.append(f"population surface ({population.cells:,} cells)")
    synthetic = session.scalar(
        select(func.count())
        .select_from(Facility)
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(
            (Region.city_adcode == city) | (Region.adcode == city), Facility.source == "synthetic"
        )
    )
    if refresh_facilities or not synthetic:
        say(STEP_FACILITIES)
        synthetic = generate_facilities(session, city, seed=seed)
        session.commit()
        steps.append(f"{synthetic:,} synthetic facilities")
    real = len(_city_facilities(session, city, synthetic=False))
    return DemoSummary(
        city_adcode=city,
        network_id=network.id,
        network_synthetic=network.synthetic,
        population_cells=population.cells,
        population=population.population,
        real_facilities=real,
        synthetic_facilities=int(synthetic or 0),
        steps=tuple(steps),
    )
