"""Read-side caches of a city's compute arrays on disk: population points, locations and snaps.

A compliance run (and every analysis reading a city through :mod:`app.services.inputs`) needs the
city's population points projected to the network CRS and, per mode, the node each point and each
facility snaps to. Reading 10⁵ cells from PostGIS, projecting them and building a KD-tree over
the network's nodes costs a cold ``fplan check`` about a second, for arrays that change only when
the cells or the network do. They are kept under ``settings.cache_dir``:

* ``points/``: the cells of a city (ids, units, residents, urban flags, projected x and y), keyed
  by :func:`cells_stamp` (the cells' ids and row versions, so any committed insert, update or
  delete of the city's cells gives another key) and the CRS; not used by a transaction that holds
  uncommitted data changes;
* ``locations/``: WGS84 locations (a register's facilities) projected to a CRS, keyed by a digest
  of the coordinates and the CRS;
* ``snaps/``: a snap (:func:`geo.network.snap.snap_xy`) keyed by the network's cached arrays
  (:func:`app.services.networks.cache_path`), the mode family, the snap limit and a digest of the
  coordinates, so the same points on the same network are snapped once.

Each file holds a checksum of its arrays; a file that is missing, damaged or of another format is
ignored (and written again), so the caches never change an answer, only its cost. The snaps of
facility sets that change (edits, scenarios) would pile up: each folder keeps its
:data:`MAX_FILES` most recently written files.
"""

import hashlib
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.network import Network, mode_bit, snap
from geo.network.snap import SnapResult, snap_xy

_log = logging.getLogger(__name__)

# files kept per folder: a few cities' cells, their register's and recent scenarios' snaps
MAX_FILES = 64
# bump when the arrays written change meaning, so files of the old layout are never read
_LAYOUT = 1

# the city's cells as a run reads them: each row's id and version (xmin: a committed insert or
# update gives the row its transaction's id), hashed per row and summed; none while this
# transaction holds data changes not yet committed (their rows carry its own id throughout)
_CELLS_STAMP = text(
    """
    SELECT count(*), coalesce(sum(hashtextextended(id::text || ':' || xmin::text, 0)), 0)
    FROM population_cells
    WHERE city_adcode = :city
    HAVING current_setting('fplan.data_changed', true) IS DISTINCT FROM 'yes'
    """
)


def _digest(arrays: Mapping[str, NDArray[np.generic]]) -> str:
    digest = hashlib.sha256(str(_LAYOUT).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _read(path: Path, names: tuple[str, ...]) -> dict[str, NDArray[np.generic]] | None:
    """The arrays of ``path`` when it holds them all and its checksum matches; else None."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in names}
            stored = str(data["checksum"])
    except Exception:
        # unreadable for whatever reason: the caller computes the arrays again
        _log.warning("array cache %s cannot be read: computing again", path.name, exc_info=True)
        return None
    if stored != _digest(arrays):
        _log.warning("array cache %s does not match its checksum: computing again", path.name)
        return None
    return arrays


def _write(path: Path, arrays: Mapping[str, NDArray[np.generic]]) -> None:
    """Write ``arrays`` with their checksum (whole or not at all), then prune the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of this writer's own: concurrent writers each write a whole file, the last wins
    tmp = path.with_name(f"{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp.npz")
    try:
        payload: dict[str, Any] = {"checksum": np.asarray(_digest(arrays)), **arrays}
        np.savez(tmp, **payload)
        tmp.replace(path)
    except OSError:
        # a read-only or full disk: the answer stands, only the next one costs more
        _log.warning("array cache %s cannot be written", path.name, exc_info=True)
        tmp.unlink(missing_ok=True)
        return
    _prune(path.parent)


def _prune(folder: Path) -> None:
    # other writers' files come and go meanwhile: their temporary files are theirs to rename,
    # and a file gone between the listing and its stat is simply no longer there
    dated = []
    for file in folder.glob("*.npz"):
        if file.name.endswith(".tmp.npz"):
            continue
        try:
            dated.append((file.stat().st_mtime_ns, file))
        except FileNotFoundError:
            continue
    dated.sort(key=lambda pair: pair[0], reverse=True)
    for _, old in dated[MAX_FILES:]:
        old.unlink(missing_ok=True)


# ---- population points


@dataclass(frozen=True)
class CellArrays:
    """A city's population cells with residents, as a run reads them, ordered by id.

    Attributes
    ----------
    cell_id
        The cells' ids.
    region_adcode
        The county-level unit of each cell.
    population
        Residents, persons.
    urban
        Urban flag.
    x, y
        Cell centroids in the network CRS, metres.
    """

    cell_id: NDArray[np.int64]
    region_adcode: NDArray[np.str_]
    population: NDArray[np.int64]
    urban: NDArray[np.bool_]
    x: NDArray[np.float64]
    y: NDArray[np.float64]


_CELL_FIELDS = ("cell_id", "region_adcode", "population", "urban", "x", "y")


def cells_stamp(session: Session, city_adcode: str) -> str | None:
    """A key that changes whenever a population cell of the city is written and committed (hex);
    None while this transaction holds uncommitted data changes (then read the cells afresh)."""
    row = session.execute(_CELLS_STAMP, {"city": city_adcode}).first()
    if row is None:
        return None
    count, versions = row
    return hashlib.sha256(f"{city_adcode}:{count}:{versions}".encode()).hexdigest()[:32]


def _cells_path(cache_dir: Path, city_adcode: str, stamp: str, crs: str) -> Path:
    crs_key = hashlib.sha256(crs.encode()).hexdigest()[:8]
    return cache_dir / "points" / f"cells-{city_adcode}-{stamp}-{crs_key}.npz"


def read_cells(cache_dir: Path, city_adcode: str, stamp: str, crs: str) -> CellArrays | None:
    """The cached cells of ``stamp`` projected to ``crs``, or None."""
    arrays = _read(_cells_path(cache_dir, city_adcode, stamp, crs), _CELL_FIELDS)
    if arrays is None:
        return None
    return CellArrays(
        cell_id=arrays["cell_id"].astype(np.int64, copy=False),
        region_adcode=arrays["region_adcode"].astype(np.str_, copy=False),
        population=arrays["population"].astype(np.int64, copy=False),
        urban=arrays["urban"].astype(np.bool_, copy=False),
        x=arrays["x"].astype(np.float64, copy=False),
        y=arrays["y"].astype(np.float64, copy=False),
    )


def write_cells(cache_dir: Path, city_adcode: str, stamp: str, crs: str, cells: CellArrays) -> None:
    """Keep ``cells`` for the next read of the same stamp and CRS."""
    arrays = {name: np.asarray(getattr(cells, name)) for name in _CELL_FIELDS}
    _write(_cells_path(cache_dir, city_adcode, stamp, crs), arrays)


# ---- projected locations


def project_lonlat(
    cache_dir: Path, lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`geo.network.snap.project_lonlat` (x, y in ``crs``, metres), kept on disk.

    Keyed by the coordinates themselves and the CRS: a register read again with its facilities
    where they were projects nothing (and loads no pyproj).
    """
    lons = np.ascontiguousarray(lon, dtype=np.float64).reshape(-1)
    lats = np.ascontiguousarray(lat, dtype=np.float64).reshape(-1)
    if lons.shape != lats.shape:
        # the projection names the defect
        return snap.project_lonlat(lons, lats, crs)
    digest = hashlib.sha256(lons.tobytes())
    digest.update(lats.tobytes())
    digest.update(crs.encode())
    path = cache_dir / "locations" / f"lonlat-{digest.hexdigest()[:32]}.npz"
    arrays = _read(path, ("x", "y"))
    if arrays is not None and arrays["x"].shape == lons.shape:
        return arrays["x"].astype(np.float64, copy=False), arrays["y"].astype(
            np.float64, copy=False
        )
    x, y = snap.project_lonlat(lons, lats, crs)
    _write(path, {"x": x, "y": y})
    return x, y


# ---- snaps


class CachedSnapper:
    """:func:`geo.network.snap.snap_xy` for one network, its answers kept on disk.

    Pass it as an :class:`~geo.access.context.AccessContext`'s ``snapper``.

    Parameters
    ----------
    cache_dir
        The service's cache folder.
    network_key
        What identifies the network's arrays (the stem of its array cache file).
    """

    def __init__(self, cache_dir: Path, network_key: str) -> None:
        self.folder = cache_dir / "snaps"
        self.network_key = network_key

    def _path(
        self, xs: NDArray[np.float64], ys: NDArray[np.float64], mode: str, limit: str
    ) -> Path:
        digest = hashlib.sha256(xs.tobytes())
        digest.update(ys.tobytes())
        digest.update(f"{mode_bit(mode)}:{limit}".encode())
        return self.folder / f"snap-{self.network_key}-{digest.hexdigest()[:32]}.npz"

    def __call__(
        self,
        net: Network,
        x: ArrayLike,
        y: ArrayLike,
        *,
        mode: str,
        max_snap_m: float | None,
    ) -> SnapResult:
        xs = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
        ys = np.ascontiguousarray(y, dtype=np.float64).reshape(-1)
        if xs.shape != ys.shape:
            # snap_xy names the defect
            return snap_xy(net, xs, ys, mode=mode, max_snap_m=max_snap_m)
        path = self._path(xs, ys, mode, repr(max_snap_m))
        arrays = _read(path, ("node", "distance_m"))
        if arrays is not None and arrays["node"].shape == xs.shape:
            return SnapResult(
                node=arrays["node"].astype(np.int64, copy=False),
                distance_m=arrays["distance_m"].astype(np.float64, copy=False),
                x=xs,
                y=ys,
                max_snap_m=max_snap_m,
            )
        snap = snap_xy(net, xs, ys, mode=mode, max_snap_m=max_snap_m)
        _write(path, {"node": snap.node, "distance_m": snap.distance_m})
        return snap
