"""Benchmark cases of ``fplan bench``: our coverage engine against networkx on the same graphs.

A case is a function ``(BenchOptions) -> record`` registered in :data:`CASES` (in run order);
later issues append theirs with :func:`register_case`. A record is a flat dict with at least
:data:`RECORD_FIELDS`:

``case``, ``nodes``, ``edges`` (directed), ``facilities``
    What was measured.
``ours_s``
    Best of ``repeats`` runs of :func:`geo.coverage.nearest_facility` (drive, 15-minute limit),
    seconds; the drive CSR matrices are built beforehand (in ``build_s``), as the service caches
    them per network.
``networkx_s``
    One run of ``networkx.multi_source_dijkstra_path_length(G, sources, cutoff=900)`` on an
    ``nx.DiGraph`` built from the same CSR travel times (building it is not timed), seconds.
    Both timings run with the garbage collector paused, as ``timeit`` does.
``ratio``
    ``networkx_s / ours_s``.
``max_abs_diff_s``
    Largest travel-time difference over the nodes reached by either, seconds; ``inf`` when one
    reaches a node the other does not (counted in ``reachable_mismatch``).
``build_s``
    From reading (or generating) the network to its drive CSR matrices, facilities snapped,
    seconds.
``peak_rss_mb``
    Peak resident memory of the process after the build and our runs, before networkx is
    touched (``resource.getrusage`` max RSS), MiB; ``peak_rss_total_mb`` includes networkx.

:func:`run_cases` runs each case in a fresh process by default, so each peak is the case's own.
No database is used.
"""

import gc
import math
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.errors import ConfigurationError, InvalidInputError
from app.services.bench_optimize import incremental_add_site, mclp_vs_spopt
from geo.network import Network

Record = dict[str, Any]

RECORD_FIELDS: tuple[str, ...] = (
    "case",
    "nodes",
    "edges",
    "facilities",
    "ours_s",
    "networkx_s",
    "ratio",
    "max_abs_diff_s",
    "build_s",
    "peak_rss_mb",
)

# the 15-minute care circle of the plans (../shared/plans/NORMS.md), in seconds
COVERAGE_LIMIT_S = 15 * 60.0
# UTM zone 49N covers Hunan (108.8°E–114.3°E)
HUNAN_CRS = "EPSG:32649"
# the census calls 祁阳 by its county code; the polygons by its 2021 city code
# (../shared/data/README.md, join notes)
_CENSUS_ALIASES = {"431181": "431121"}
# synthetic facilities: an urban node is this many times as likely to hold one as a rural node,
# since hospitals cluster in towns (modelling choice)
_URBAN_FACILITY_WEIGHT = 4.0


@dataclass(frozen=True)
class BenchOptions:
    """What every case needs: the shared data folder and how often to repeat our search."""

    data_dir: Path
    repeats: int = 3


@dataclass(frozen=True)
class BenchCase:
    """A named benchmark case; ``heavy`` cases are left out by ``--quick``."""

    name: str
    run: Callable[[BenchOptions], Record]
    description: str
    heavy: bool = False


CASES: list[BenchCase] = []


def register_case(case: BenchCase) -> BenchCase:
    """Append ``case`` to :data:`CASES`; names are unique."""
    if any(c.name == case.name for c in CASES):
        msg = f"benchmark case {case.name!r} is already registered"
        raise ValueError(msg)
    CASES.append(case)
    return case


def select_cases(names: Sequence[str] = (), *, quick: bool = False) -> list[BenchCase]:
    """Return the named cases in registry order, or all (without heavy ones when ``quick``)."""
    known = {c.name for c in CASES}
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"unknown benchmark case(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        raise InvalidInputError(msg, details=[{"field": "case", "msg": msg}])
    if names:
        return [c for c in CASES if c.name in set(names)]
    return [c for c in CASES if not (quick and c.heavy)]


def run_cases(
    cases: Sequence[BenchCase],
    options: BenchOptions,
    *,
    isolate: bool = True,
    on_start: Callable[[BenchCase], None] | None = None,
) -> list[Record]:
    """Run ``cases`` in order and return their records.

    Parameters
    ----------
    cases
        The cases, e.g. from :func:`select_cases`.
    options
        Data folder and repeat count.
    isolate
        Run each case in a fresh (spawned) process, so its ``peak_rss_mb`` is its own; otherwise
        in this process, where the peak only ever grows from case to case.
    on_start
        Called with each case before it runs (progress output).
    """
    records = []
    for case in cases:
        if on_start is not None:
            on_start(case)
        if isolate:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                records.append(pool.submit(case.run, options).result())
        else:
            records.append(case.run(options))
    return records


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, as ``timeit`` does, while timing."""
    # a collection pass over the other side's millions of objects must not land in a timing
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compare_coverage(
    net: Network,
    sources: NDArray[np.int64],
    *,
    case: str,
    build_s: float,
    repeats: int,
    limit_s: float = COVERAGE_LIMIT_S,
) -> Record:
    """Time our drive coverage and networkx's on the same CSR graph, and compare the times.

    Parameters
    ----------
    net
        The network, its drive graph already built (so ``build_s`` holds that cost).
    sources
        Facility node indices.
    case
        Record name.
    build_s
        Seconds the caller spent building the network.
    repeats
        Runs of our search; the best is reported.
    limit_s
        Coverage limit, seconds.

    Returns
    -------
    Record
        The fields of :data:`RECORD_FIELDS` plus ``synthetic``, ``reached_nodes``,
        ``reachable_mismatch``, ``ours_runs``, ``networkx_runs`` and ``peak_rss_total_mb``.
    """
    import networkx as nx

    from geo.access.coverage import nearest_facility

    # ours: best of a few runs on the cached CSR matrices
    ours_times = []
    with _gc_paused():
        for _ in range(max(1, repeats)):
            start = time.perf_counter()
            ours = nearest_facility(net, sources, mode="drive", limit_s=limit_s)
            ours_times.append(time.perf_counter() - start)
    ours_s = min(ours_times)
    rss_mb = peak_rss_mb()

    # networkx on the same weights; patients travel *to* the facility, so nodes are reached from
    # the facilities over the transposed graph, as nearest_facility does by default
    matrix = net.mode_graph("drive").backward
    delay_s = net.default_model("drive").dispatch_delay_s
    tail = np.repeat(np.arange(net.n_nodes), np.diff(matrix.indptr))
    G = nx.DiGraph()
    G.add_nodes_from(range(net.n_nodes))
    G.add_weighted_edges_from(
        zip(tail.tolist(), matrix.indices.tolist(), matrix.data.tolist(), strict=True),
        weight="travel_time_s",
    )
    source_set = set(np.unique(sources).tolist())
    with _gc_paused():
        start = time.perf_counter()
        lengths = nx.multi_source_dijkstra_path_length(
            G, source_set, cutoff=limit_s - delay_s, weight="travel_time_s"
        )
        networkx_s = time.perf_counter() - start
    del G

    theirs = np.full(net.n_nodes, np.inf)
    theirs[np.fromiter(lengths.keys(), dtype=np.int64, count=len(lengths))] = np.fromiter(
        lengths.values(), dtype=np.float64, count=len(lengths)
    )
    theirs += delay_s
    ours_reached = np.isfinite(ours.travel_time_s)
    mismatch = int((ours_reached != np.isfinite(theirs)).sum())
    both = ours_reached & np.isfinite(theirs)
    diff = np.abs(ours.travel_time_s[both] - theirs[both])
    max_abs_diff_s = math.inf if mismatch else float(diff.max(initial=0.0))
    return {
        "case": case,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "facilities": int(np.asarray(sources).shape[0]),
        "ours_s": ours_s,
        "networkx_s": networkx_s,
        "ratio": networkx_s / ours_s if ours_s > 0 else math.inf,
        "max_abs_diff_s": max_abs_diff_s,
        "build_s": build_s,
        "peak_rss_mb": rss_mb,
        "synthetic": net.synthetic,
        "reached_nodes": int(ours_reached.sum()),
        "reachable_mismatch": mismatch,
        "ours_runs": len(ours_times),
        "networkx_runs": 1,
        "peak_rss_total_mb": peak_rss_mb(),
    }


def porto_alegre_drive_15min(options: BenchOptions) -> Record:
    """Real OSM (Porto Alegre), facilities = H3 cells with health care, snapped to the drive net."""
    from geo.network.readers import read_network
    from geo.network.snap import snap_points
    from geo.population.points import read_points

    folder = options.data_dir / "porto_alegre"
    start = time.perf_counter()
    net = read_network(folder / "poa_osm.pbf", mode="drive")
    cells = read_points(folder / "poa_hexgrid.csv", weight_column="population")
    health = cells[cells["healthcare"] > 0]
    snapped = snap_points(net, health["lon"].to_numpy(), health["lat"].to_numpy(), mode="drive")
    net.mode_graph("drive")
    build_s = time.perf_counter() - start
    return compare_coverage(
        net,
        snapped.node[snapped.on_network],
        case="porto_alegre_drive_15min",
        build_s=build_s,
        repeats=options.repeats,
    )


def hunan_province_and_seats(
    data_dir: Path,
) -> tuple[Any, list[tuple[float, float, float]]]:
    """Hunan's outline and its 122 county seats weighted by 2020 census population (EPSG:32649).

    Seats are the counties' representative points. Census rows without a polygon (development
    zones, about 2 % of the people) are left out of the weights; their people live inside a
    county whose seat is already there.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    hunan = data_dir / "hunan"
    gdf_cities = gpd.read_file(hunan / "hunan_cities.geojson").to_crs(HUNAN_CRS)
    boundary = shapely.make_valid(shapely.union_all(gdf_cities.geometry.to_numpy()))
    gdf_counties = gpd.read_file(hunan / "hunan_counties.geojson").to_crs(HUNAN_CRS)
    census = pd.read_csv(hunan / "hunan_county_population_2020.csv", dtype={"adcode": str})
    people = census.set_index("adcode")["population_2020"]
    codes = gdf_counties["adcode"].astype(str).map(lambda c: _CENSUS_ALIASES.get(c, c))
    missing = sorted(set(codes) - set(people.index))
    if missing:
        msg = f"no 2020 census population for counties {', '.join(missing)}"
        raise ConfigurationError(msg)
    points = gdf_counties.geometry.representative_point()
    seats = [(float(p.x), float(p.y), float(people[c])) for p, c in zip(points, codes, strict=True)]
    return boundary, seats


def jishou_county(data_dir: Path) -> Any:
    """Jishou (吉首市, 433101), one of the five plan cities, as a polygon in EPSG:32649."""
    import geopandas as gpd

    gdf = gpd.read_file(data_dir / "hunan" / "hunan_counties.geojson")
    return gdf[gdf["adcode"].astype(str) == "433101"].to_crs(HUNAN_CRS).geometry.iloc[0]


def synthetic_facilities(net: Network, count: int, *, seed: int = 0) -> NDArray[np.int64]:
    """Pick ``count`` distinct drivable nodes, urban ones more likely; deterministic per seed."""
    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(net.mode_nodes("drive"))
    weight = np.where(net.urban[candidates], _URBAN_FACILITY_WEIGHT, 1.0)
    pick = rng.choice(candidates.shape[0], size=count, replace=False, p=weight / weight.sum())
    return np.sort(candidates[pick]).astype(np.int64)


def synthetic_case(
    options: BenchOptions,
    *,
    case: str,
    target_nodes: int,
    facilities: int,
    area: str,
) -> Record:
    """Coverage on a labelled synthetic network of about ``target_nodes`` nodes.

    ``area="hunan"`` fills the province around its 122 county seats weighted by census people;
    ``area="jishou"`` fills Jishou county around the generator's default seats.
    """
    from geo.synthetic import build_synthetic_network

    if area == "hunan":
        boundary, seats = hunan_province_and_seats(options.data_dir)
    elif area == "jishou":
        boundary, seats = jishou_county(options.data_dir), None
    else:
        msg = f"unknown synthetic area {area!r}; expected 'hunan' or 'jishou'"
        raise ValueError(msg)
    start = time.perf_counter()
    net = build_synthetic_network(
        boundary, crs=HUNAN_CRS, target_nodes=target_nodes, seats=seats, seed=0
    )
    sources = synthetic_facilities(net, facilities)
    net.mode_graph("drive")
    build_s = time.perf_counter() - start
    return compare_coverage(net, sources, case=case, build_s=build_s, repeats=options.repeats)


register_case(
    BenchCase(
        "porto_alegre_drive_15min",
        porto_alegre_drive_15min,
        "real OSM, Porto Alegre: facilities = H3 cells with health care",
    )
)
register_case(
    BenchCase(
        "synthetic_jishou_20k_drive_15min",
        partial(
            synthetic_case,
            case="synthetic_jishou_20k_drive_15min",
            target_nodes=20_000,
            facilities=100,
            area="jishou",
        ),
        "synthetic, Jishou county (~20k nodes), 100 facilities",
    )
)
register_case(
    BenchCase(
        "synthetic_250k_drive_15min",
        partial(
            synthetic_case,
            case="synthetic_250k_drive_15min",
            target_nodes=250_000,
            facilities=2_000,
            area="hunan",
        ),
        "synthetic, Hunan with 122 county seats (~250k nodes), 2,000 facilities",
    )
)
register_case(
    BenchCase(
        "synthetic_1m_drive_15min",
        partial(
            synthetic_case,
            case="synthetic_1m_drive_15min",
            target_nodes=1_000_000,
            facilities=2_000,
            area="hunan",
        ),
        "synthetic, Hunan with 122 county seats (~1M nodes), 2,000 facilities",
        heavy=True,
    )
)
register_case(
    BenchCase(
        "incremental_add_site",
        incremental_add_site,
        "synthetic ~250k nodes, 2,000 facilities: one new site merged incrementally (issue 6)",
    )
)
register_case(
    BenchCase(
        "mclp_vs_spopt",
        mclp_vs_spopt,
        "real OSM, Porto Alegre walk 15 min: MCLP ours (HiGHS) vs spopt (CBC), same matrix",
    )
)
