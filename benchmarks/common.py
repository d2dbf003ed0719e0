"""What every benchmark case shares: options, the record's fields, constants, memory and timing.

No database is used; the cases read the shared data folder (``../shared/data``).
"""

import gc
import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

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
    """A named benchmark case; ``heavy`` cases are left out by ``--quick``; ``e2e`` cases (they
    need the database) run only when asked for (``--e2e``, or by name); ``opt_in`` cases only
    by name."""

    name: str
    run: Callable[[BenchOptions], Record]
    description: str
    heavy: bool = False
    e2e: bool = False
    opt_in: bool = False


CASES: list[BenchCase] = []


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextmanager
def gc_paused() -> Iterator[None]:
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


def synthetic_facilities(net: "Network", count: int, *, seed: int = 0) -> "NDArray[np.int64]":
    """Pick ``count`` distinct drivable nodes, urban ones more likely; deterministic per seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(net.mode_nodes("drive"))
    weight = np.where(net.urban[candidates], _URBAN_FACILITY_WEIGHT, 1.0)
    pick = rng.choice(candidates.shape[0], size=count, replace=False, p=weight / weight.sum())
    return np.sort(candidates[pick]).astype(np.int64)
