"""A city's population surface from a raster or a point grid, calibrated to the census.

``fplan population import --raster FILE.tif`` (or ``--points FILE`` with a population column)
puts the source's people on the city's analysis cells (the cells of its population surface, on
the network it is analysed on: :mod:`geo.population.raster`). By default (``calibrate="census"``)
each county-level unit's cells are scaled to sum exactly to its 2020 census total, the raster
giving only the distribution; ``calibrate="none"`` keeps the source's own counts. The surface
remembers its source (the network's ``params["population_source"]``) and :func:`population_source`
says it to every output.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
from geoalchemy2.shape import to_shape
from sqlalchemy import Float, Integer, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.db.models import PopulationCell, RoadNetwork
from app.errors import InvalidInputError, NotFoundError
from app.services._tx import transaction
from geo import messages
from geo.errors import PopulationError
from geo.messages import Lang

Calibration = Literal["census", "none"]
# how a surface built by `fplan demo` / `network import` distributes the census


@dataclass
class PopulationImport:
    """What an import did."""

    source: str
    calibrate: str
    cells: int
    population: int
    source_population: float
    by_unit: dict[str, int] = field(default_factory=dict)
    # units where the source holds nobody: their census total is spread evenly
    empty_units: list[str] = field(default_factory=list)


_UPDATE = text(
    """
    UPDATE population_cells AS c
    SET population = u.people,
        density_per_km2 = CASE WHEN c.area_km2 > 0 THEN u.people / c.area_km2 ELSE 0 END
    FROM unnest(:ids, :people) AS u(id, people)
    WHERE c.id = u.id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(Integer)),
    bindparam("people", type_=ARRAY(Float)),
)


def _cells(session: Session, city_adcode: str) -> tuple[Any, int]:
    import geopandas as gpd

    rows = session.execute(
        select(
            PopulationCell.id,
            PopulationCell.region_adcode,
            PopulationCell.population,
            PopulationCell.network_id,
            PopulationCell.geom,
        )
        .where(PopulationCell.city_adcode == city_adcode)
        .order_by(PopulationCell.id)
    ).all()
    if not rows:
        raise NotFoundError.worded("error.population.none", field="city", city=city_adcode)
    frame = gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "region_adcode": [r[1] for r in rows],
            "census": [r[2] for r in rows],
        },
        geometry=[to_shape(r[4]) for r in rows],
        crs="EPSG:4326",
    )
    network_id = rows[0][3]
    return frame, -1 if network_id is None else int(network_id)


def import_population(
    session: Session,
    city_adcode: str,
    *,
    raster: Path | None = None,
    points: Path | None = None,
    column: str = "population",
    calibrate: Calibration = "census",
    progress: Callable[[str, int, int], None] | None = None,
) -> PopulationImport:
    """Replace the people of the city's cells by those of a raster or a point grid.

    ``progress(step, done, total)`` follows the steps ``read_file`` (raster rows read) and
    ``store_population``. The network's ``params["population_source"]`` remembers the kind,
    the file's name and date (its modification day) and the import's day.

    Raises
    ------
    InvalidInputError
        Not exactly one source given, or it holds no one on the city's cells.
    PopulationError
        The source cannot be read, has no CRS, lies outside the city or lacks the column
        (worded by the catalogue).
    NotFoundError
        The city has no population surface yet.
    """
    from geo.population.raster import calibrate_to_totals, point_cell_sums, raster_cell_sums

    if (raster is None) == (points is None):
        raise InvalidInputError.worded("error.population.one_source", field="source")
    cells, network_id = _cells(session, city_adcode)
    path = raster if raster is not None else points
    assert path is not None
    # a refusal of the file (unreadable, no CRS, outside the city, a column missing) is worded
    # by geo, in the reader's language where it is shown
    if progress is not None:
        progress("read_file", 0, 1)
    if raster is not None:
        sums = raster_cell_sums(
            raster,
            cells,
            progress=None if progress is None else partial(progress, "read_file"),
        )
    else:
        sums = point_cell_sums(*_read_points(path, column, cells.crs), cells)
    if sums.sum() <= 0:
        raise InvalidInputError.worded(
            "error.population.nobody", field="source", name=path.name, city=city_adcode
        )

    units = cells["region_adcode"].to_numpy().astype(str)
    empty: list[str] = []
    if calibrate == "census":
        # the surface already holds each unit's census total (zones merged into their hosts)
        totals = {str(u): int(n) for u, n in cells.groupby("region_adcode")["census"].sum().items()}
        counts, empty = calibrate_to_totals(sums, units, totals)
        people = counts.astype(np.float64)
    else:
        people = np.round(sums)
    if progress is not None:
        progress("store_population", 0, 1)
    with transaction(session):
        session.execute(_UPDATE, {"ids": cells["id"].tolist(), "people": people.tolist()})
        row = session.get(RoadNetwork, network_id)
        if row is not None:
            row.params = {
                **(row.params or {}),
                "population_source": {
                    "kind": "raster" if raster is not None else "points",
                    "file": path.name,
                    "file_date": _file_date(path),
                    "imported_at": datetime.now(UTC).date().isoformat(),
                    "calibrate": calibrate,
                },
            }
    by_unit = {u: int(people[units == u].sum()) for u in sorted(set(units))}
    return PopulationImport(
        source=path.name,
        calibrate=calibrate,
        cells=len(cells),
        population=int(people.sum()),
        source_population=float(sums.sum()),
        by_unit=by_unit,
        empty_units=empty,
    )


def _file_date(path: Path) -> str:
    # the day the source file was last written (ISO), as the file system tells it
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()


def _read_points(path: Path, column: str, crs: Any) -> tuple[Any, Any, Any]:
    """x, y (in ``crs``) and people of a point grid: CSV with lon/lat (WGS84) or a GIS file."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    from geo.population.points import read_points

    if path.suffix.lower() == ".csv":
        # geo's reader names the file, the line and the column of a bad value
        frame = read_points(path, weight_column=column)
    else:
        try:
            frame = gpd.read_file(path)
        except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise PopulationError.worded(
                "input.population.unreadable_grid", field="points", name=path.name
            ) from exc
        if column not in frame.columns:
            raise PopulationError.worded(
                "input.common.no_column_in",
                field="column",
                name=path.name,
                column=column,
                have=" / ".join(map(str, frame.columns)),
            )
        # polygons (a grid of squares or hexagons) count at their centres
        frame = frame.set_geometry(frame.geometry.representative_point())
    frame = frame.to_crs(crs)
    people = pd.to_numeric(frame[column], errors="coerce").fillna(0.0).clip(lower=0.0)
    return frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), people.to_numpy(float)


def population_source_record(session: Session, city_adcode: str) -> dict[str, Any] | None:
    """Where the city's population surface came from; None when the city has none.

    ``kind`` is ``census_spread`` (the census spread by street length, no file), ``raster``
    or ``points``; an imported file adds ``file``, ``file_date`` (the file's modification
    day), ``imported_at`` (the import's day) and ``calibrate`` (``census`` or ``none``).
    """
    network_id = session.scalar(
        select(PopulationCell.network_id).where(PopulationCell.city_adcode == city_adcode).limit(1)
    )
    if network_id is None:
        return None
    row = session.get(RoadNetwork, network_id)
    source = (row.params or {}).get("population_source") if row is not None else None
    return dict(source) if source else {"kind": "census_spread"}


def population_source(
    session: Session, city_adcode: str, lang: Lang = messages.DEFAULT_LANG
) -> str | None:
    """Which source the city's population surface came from, in ``lang``'s words; None
    without one."""
    source = population_source_record(session, city_adcode)
    if source is None:
        return None
    kind = messages.label("population_kind", str(source["kind"]), lang)
    if source["kind"] == "census_spread":
        return kind
    calibrated = "census" if source.get("calibrate") == "census" else "none"
    return messages.text(
        "population.source_file",
        lang,
        kind=kind,
        file=source.get("file"),
        calibrated=messages.text(f"cli.population.calibrated.{calibrated}", lang),
    )
