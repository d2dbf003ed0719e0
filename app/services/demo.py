"""Prepare a city for analysis: reference data, a network, the population surface, demo facilities.

Every step is skipped when its result is already there, so ``fplan demo`` (and ``make run``) is
idempotent. Real data is used where it exists: regions and census, the Changsha hospitals, a real
OSM network; a city's real road layer in the data folder (central Changsha:
``changsha/changsha_roads_osm2019.gpkg``, :data:`REAL_ROAD_FILES`), joined to a synthetic network
outside its area; and under every synthetic network the real Hunan trunk roads
(``hunan/hunan_trunk_roads_osm.geojson``) when the data folder holds them. The rest is generated
and stored with ``source = 'synthetic'``; :class:`DemoSummary` says which is which.

Progress and the steps done are message keys of :mod:`geo.messages` (worded in the reader's
language by the caller).
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.db.models import Facility, PopulationCell, Region, RoadEdge, RoadNetwork
from app.services import citydata, networks, reference, road_files
from app.services._tx import transaction
from app.services.warm import start_search_warm_up
from app.settings import CHANGSHA_ROADS_FILE, TRUNK_ROADS_FILE, Settings
from geo.demo.generate import generate_demo_facilities
from geo.demo.inventory import INVENTORY_KEYS, CityInventory, shipped_inventories
from geo.network import SYNTHETIC_SOURCE

# a step of the preparation, reported by its message key (geo.messages words it)
Progress = Callable[[str], None]
STEP_REFERENCE = "prepare.step.reference"
STEP_NETWORK = "prepare.step.network"
STEP_REAL_ROADS = "prepare.step.real_roads"
STEP_POPULATION = "prepare.step.population"
STEP_FACILITIES = "prepare.step.facilities"
# a step done: a message key of geo.messages and its fields
Step = tuple[str, dict[str, object]]

# a city's real road layer in the data folder, imported by the demo (the rest synthetic)
REAL_ROAD_FILES: dict[str, tuple[str, ...]] = {"430100": CHANGSHA_ROADS_FILE}


@dataclass(frozen=True)
class DemoSummary:
    """What the city is analysed on, and which of it is real.

    Attributes
    ----------
    real_roads
        The real road file the network rests on (in part, when joined to a synthetic network),
        None when it has no real roads but the trunk roads.
    trunk_roads
        The real trunk-road file the synthetic part hangs on; None when its arterials are
        invented (or the network is real throughout).
    synthetic_roads
        Whether some of the network's edges are generated.
    real_road_share
        Share of the residents analysed on real roads (0–1), None without a population surface.
    """

    city_adcode: str
    network_id: int
    network_synthetic: bool
    population_cells: int
    population: int
    real_facilities: int
    synthetic_facilities: int
    steps: tuple[Step, ...]
    real_roads: str | None = None
    trunk_roads: str | None = None
    synthetic_roads: bool = True
    real_road_share: float | None = None


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


@dataclass(frozen=True)
class _FacilityBasis:
    """What demo facilities are drawn from besides the cells: read from the database first."""

    units: gpd.GeoDataFrame
    existing: gpd.GeoDataFrame
    inventory: CityInventory


def _facility_basis(session: Session, city: str) -> _FacilityBasis:
    units = citydata.city_units(session, city)
    existing = _existing_frame(_city_facilities(session, city, synthetic=False), units.crs)
    return _FacilityBasis(units, existing, city_inventory(session, city))


def _draw_facilities(
    cells: gpd.GeoDataFrame, basis: _FacilityBasis, *, seed: int
) -> gpd.GeoDataFrame:
    """The demo facilities (WGS84) for ``cells``: pure computation, no database."""
    return generate_demo_facilities(
        cells, basis.units, basis.inventory, existing=basis.existing, seed=seed
    ).to_crs("EPSG:4326")


def _surface_cells(surface: citydata.PopulationSurface, crs: str) -> gpd.GeoDataFrame:
    """The cells of ``surface`` as :func:`_cells_frame` reads them back once stored.

    The same columns, order (the rows are stored in this order) and geometries (the WGS84
    MultiPolygons whose EWKB is stored), projected the same way: equal to the value.
    """
    cells = surface.cells
    return gpd.GeoDataFrame(
        {
            "region_adcode": [str(code) for code in cells["region_adcode"]],
            "population": cells["population"].to_numpy(dtype=np.int64),
            "urban": cells["urban"].to_numpy(dtype=bool),
            "settlement_class": [str(kind) for kind in cells["settlement_class"]],
        },
        geometry=surface.polygons,
        crs="EPSG:4326",
    ).to_crs(crs)


def generate_facilities(session: Session, city: str, *, seed: int = 0) -> int:
    """Replace the city's synthetic facilities by a new demo set; returns how many."""
    basis = _facility_basis(session, city)
    cells = _cells_frame(session, city, basis.units.crs)
    return _store_facilities(session, city, _draw_facilities(cells, basis, seed=seed))


def _store_facilities(session: Session, city: str, demo: gpd.GeoDataFrame) -> int:
    """Replace the city's synthetic facilities by ``demo`` (WGS84); returns how many."""
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
    steps: list[Step] = []
    if not reference.regions_exist(session):
        say(STEP_REFERENCE)
        reference.load_hunan(session, settings.reference_data_dir())
        session.commit()
        steps.append(("demo.step_reference", {}))
    citydata.get_city(session, city)
    network = networks.find_network(session, city)
    population = None
    trunk = settings.data_file(*TRUNK_ROADS_FILE)
    real_file = real_road_file(settings, city)
    importing = real_file is not None and not _has_network_from(session, city, real_file.name)
    # the facilities step's question, asked first: the network and population steps leave
    # the facilities as they are
    synthetic = _synthetic_count(session, city)
    drawn = None
    # a synthetic network made before the trunk-road file was at hand is made again on it
    if network is None or (trunk is not None and _lacks_trunk_roads(session, network)):
        say(STEP_NETWORK)
        network, population, drawn = _synthetic_network(
            session,
            settings,
            city,
            trunk=trunk,
            with_population=not importing,
            facilities_seed=seed if refresh_facilities or not synthetic else None,
            target_nodes=target_nodes,
            seed=seed,
            cell_size_m=cell_size_m,
            say=say,
        )
        steps.append(("demo.step_network", {"id": network.id, "nodes": network.n_nodes}))
        if population is not None:
            steps.append(("demo.step_population", {"cells": population.cells}))
    if importing and real_file is not None:
        say(STEP_REAL_ROADS)
        done = road_files.import_edges(session, settings, real_file, city_adcode=city)
        session.commit()
        network = networks.find_network(session, city) or done.network
        steps.append(("demo.step_real_roads", {"file": real_file.name, "id": network.id}))
    population = population or citydata.population_summary(session, city)
    if population is None or population.network_id != network.id:
        say(STEP_POPULATION)
        net = networks.load_network(session, settings, network.id)
        population = citydata.build_population(
            session, city, net, network.id, cell_size_m=cell_size_m
        )
        session.commit()
        steps.append(("demo.step_population", {"cells": population.cells}))
    if refresh_facilities or not synthetic:
        say(STEP_FACILITIES)
        if drawn is not None:
            # drawn from the cells just stored, while the network was stored
            synthetic = _store_facilities(session, city, drawn)
        else:
            synthetic = generate_facilities(session, city, seed=seed)
        session.commit()
        steps.append(("demo.step_facilities", {"count": synthetic}))
    real = len(_city_facilities(session, city, synthetic=False))
    real_roads, trunk_roads, synthetic_roads = _road_sources(session, network.id)
    share = road_files.real_road_share(session, city)
    return DemoSummary(
        city_adcode=city,
        network_id=network.id,
        network_synthetic=network.synthetic,
        population_cells=population.cells,
        population=population.population,
        real_facilities=real,
        synthetic_facilities=int(synthetic or 0),
        steps=tuple(steps),
        real_roads=real_roads,
        trunk_roads=trunk_roads,
        synthetic_roads=synthetic_roads,
        real_road_share=share[0] if share is not None else None,
    )


def _synthetic_count(session: Session, city: str) -> int:
    """How many synthetic facilities the city has."""
    found = session.scalar(
        select(func.count())
        .select_from(Facility)
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(
            (Region.city_adcode == city) | (Region.adcode == city), Facility.source == "synthetic"
        )
    )
    return int(found or 0)


def _synthetic_network(
    session: Session,
    settings: Settings,
    city: str,
    *,
    trunk: Path | None,
    with_population: bool,
    facilities_seed: int | None,
    target_nodes: int | None,
    seed: int,
    cell_size_m: float,
    say: Progress,
) -> tuple[networks.NetworkSummary, citydata.PopulationSummary | None, gpd.GeoDataFrame | None]:
    """Generate and store the city's synthetic network, and its population surface when asked.

    With ``facilities_seed`` (and the population surface), the demo facilities are drawn too,
    from the surface's cells, and returned to be stored (WGS84); else the third item is None.
    """
    net, params = citydata.generate_network(
        session, city, target_nodes=target_nodes, seed=seed, trunk_roads=trunk
    )
    if not with_population:
        # joined to the real roads next: no population surface on it alone
        network = citydata.store_synthetic(session, city, net, params, settings=settings)
        session.commit()
        return network, None, None
    units = citydata.city_units(session, city)
    basis = _facility_basis(session, city) if facilities_seed is not None else None

    def draw(
        surface: "Future[citydata.PopulationSurface]", basis: _FacilityBasis | None
    ) -> gpd.GeoDataFrame | None:
        drawn = None
        if basis is not None and facilities_seed is not None:
            cells = _surface_cells(surface.result(), basis.units.crs)
            drawn = _draw_facilities(cells, basis, seed=facilities_seed)
        # the city is evaluated next: its compiled search loads meanwhile
        start_search_warm_up()
        return drawn

    with ThreadPoolExecutor(max_workers=1) as pool:
        # on the second core while PostGIS stores the network and then the cells (the main
        # thread mostly waits for the server): the population surface, which needs only the
        # arrays (as they load back from the store), then the facilities drawn on its cells
        surface = pool.submit(
            citydata.population_surface, units, networks.as_stored(net), cell_size_m=cell_size_m
        )
        drawn = pool.submit(draw, surface, basis)
        network = citydata.store_synthetic(session, city, net, params, settings=settings)
        session.commit()
        say(STEP_POPULATION)
        population = citydata.store_population(session, city, surface.result(), network.id)
        session.commit()
    return network, population, drawn.result()


def real_road_file(settings: Settings, city: str) -> Path | None:
    """The city's real road layer in the data folder, or None."""
    parts = REAL_ROAD_FILES.get(city)
    return settings.data_file(*parts) if parts is not None else None


def _lacks_trunk_roads(session: Session, network: networks.NetworkSummary) -> bool:
    """Whether ``network`` is synthetic and was generated without the real trunk roads."""
    row = session.get(RoadNetwork, network.id)
    return row is not None and row.synthetic and not (row.params or {}).get("trunk_roads")


def _has_network_from(session: Session, city: str, file_name: str) -> bool:
    """Whether the city already has a network read from ``file_name``."""
    found = session.scalar(
        select(func.count())
        .select_from(RoadNetwork)
        .where(RoadNetwork.city_adcode == city, RoadNetwork.source == file_name)
    )
    return bool(found)


def _road_sources(session: Session, network_id: int) -> tuple[str | None, str | None, bool]:
    """The real road file and trunk-road file(s) a network rests on (or None); any generated?"""
    row = session.get(RoadNetwork, network_id)
    if row is None:
        return None, None, True
    sources = set(
        session.scalars(select(RoadEdge.source).where(RoadEdge.network_id == network_id).distinct())
    )
    real = row.source if not row.synthetic and row.source in sources else None
    trunk = sorted(sources - {SYNTHETIC_SOURCE, real})
    return real, (", ".join(trunk) or None), SYNTHETIC_SOURCE in sources
