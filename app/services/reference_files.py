"""Hunan reference files: read and checked, nothing written.

The shared data directory's ``hunan/`` (county and city polygons, the 2020 census per county) and
``changsha/`` (the hospitals, GCJ-02) become region records and hospital rows ready to upsert
(:mod:`app.services.reference`). Every problem is collected, so one refusal lists them all: a census
row with no polygon that is not a zone, a polygon without a census row, a city's census rows not
adding up to its official 2020 total, a bad number or coordinate.
"""

import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from app.errors import ConfigurationError, InvalidInputError, Listed, Worded
from geo.datum import gcj02_to_wgs84
from geo.messages.pydantic import WordedValueError

COUNTIES_FILE: Final = Path("hunan") / "hunan_counties.geojson"

CITIES_FILE: Final = Path("hunan") / "hunan_cities.geojson"
CENSUS_FILE: Final = Path("hunan") / "hunan_county_population_2020.csv"
HOSPITALS_FILE: Final = Path("changsha") / "changsha_hospitals_gcj02.csv"

PROVINCE_ADCODE: Final = "430000"
PROVINCE_NAME: Final = "湖南省"
CHANGSHA_ADCODE: Final = "430100"
HOSPITAL_SOURCE: Final = "real"

# official resident population at the 7th census (2020-11-01). Cities and Jishou: data
# README "City totals (2020)" (NBS county tabulation); Hunan: Hunan Provincial Bureau of
# Statistics, 7th census bulletin no. 1 (2021-05-19), 66,444,864 residents
OFFICIAL_POPULATION_2020: Final[Mapping[str, int]] = {
    "430000": 66_444_864,
    "430100": 10_047_914,
    "430400": 6_645_243,
    "430600": 5_051_922,
    "431100": 5_289_824,
    "433100": 2_488_105,
    "433101": 408_812,
}
# data README join notes: 祁阳县 was renamed 祁阳市 in 2021; the census keeps the old code
CENSUS_RENAMES: Final[Mapping[str, str]] = {"431121": "431181"}
# data README join notes: 永州经济技术开发区 lies inside 冷水滩区 (583,136 = 536,025 + 47,111)
ZONE_HOSTS: Final[Mapping[str, str]] = {"431171": "431103"}

GHSL_SHARES: Final = (
    "ghsl_urban_centre_share",
    "ghsl_dense_cluster_share",
    "ghsl_semi_dense_share",
    "ghsl_suburban_share",
    "ghsl_rural_cluster_share",
    "ghsl_low_density_rural_share",
    "ghsl_very_low_density_rural_share",
)
CENSUS_COLUMNS: Final = (
    "adcode",
    "name",
    "city_adcode",
    "population_2020",
    "urban_share_census",
    "ghsl_pop",
    *GHSL_SHARES,
    "has_polygon",
)
HOSPITAL_COLUMNS: Final = ("category", "name", "lon_gcj02", "lat_gcj02")
REGION_VALUE_COLUMNS: Final = (
    "name",
    "level",
    "parent_adcode",
    "city_adcode",
    "population",
    "urban_share",
    "ghsl_population",
    *GHSL_SHARES,
    "geom",
)

# facility type by name, first match wins (checked in this order):
# 精神 psychiatric; 妇幼 maternal and child health; 中医 / 中西医 traditional Chinese medicine;
# 社区卫生服务中心 community health centre; 卫生院 township health centre; 传染 or 公共卫生救治
# (infectious disease, e.g. 长沙市公共卫生救治医院), 儿童 (children's) and 脑科 (brain) are
# specialty hospitals; everything else, including the designated 人民医院 rows, is general
HOSPITAL_TYPE_RULES: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (("精神",), "psychiatric_hospital"),
    (("妇幼",), "maternal_child_hospital"),
    (("中医", "中西医"), "tcm_hospital"),
    (("社区卫生服务中心",), "community_health_center"),
    (("卫生院",), "township_health_center"),
    (("传染", "公共卫生救治", "儿童", "脑科"), "specialty_hospital"),
)
# grade only where the name makes it certain: the Xiangya hospitals of Central South University
# and Hunan Provincial People's Hospital are Grade III-A (tertiary); every other row is unknown
# (NULL), as is ownership: the source publishes neither
TERTIARY_NAME_MARKERS: Final = ("湘雅", "湖南省人民医院")

# the bounding box of Hunan in degrees, with a margin: catches swapped or zeroed coordinates
HUNAN_BBOX: Final = (108.0, 24.0, 115.0, 31.0)


@dataclass(frozen=True)
class CensusRow:
    """One row of the census file, checked and typed."""

    row: int
    adcode: str
    name: str
    city_adcode: str
    population: int
    urban_share: float
    ghsl_population: int
    ghsl_shares: tuple[float, ...]
    has_polygon: bool


@dataclass(frozen=True)
class HospitalRow:
    """One hospital, its coordinates converted to WGS84 (degrees)."""

    row: int
    external_id: str
    name: str
    type: str
    grade: str | None
    lon: float
    lat: float


@dataclass(frozen=True)
class HunanRegions:
    """Region rows ready to upsert, and the census totals checked against official figures."""

    records: list[dict[str, Any]]
    # residents per checked adcode (province, cities, Jishou), summed from the census rows
    population: dict[str, int]


class FileProblems:
    """Collects every problem in the input, so one refusal lists them all."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, file: Path, message: str, **where: Any) -> None:
        # file is relative to the data directory, so messages read the same on every machine;
        # message is a Worded sentence, said in the reader's language
        self.items.append({"field": str(file), "msg": message, **where})

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = Listed(
            [
                Worded("error.reference.problem", file=p["field"], problem=p["msg"])
                for p in self.items[:5]
            ]
        )
        more = len(self.items) - 5
        key = "error.reference.refused_more" if more > 0 else "error.reference.refused"
        raise InvalidInputError.worded(key, details=self.items, shown=shown, more=more)


def _require_file(data_dir: Path, relative: Path) -> Path:
    path = data_dir / relative
    if not path.is_file():
        raise ConfigurationError.worded(
            "error.data.missing", name=str(relative), folder=str(data_dir)
        )
    return path


def _read_csv(
    data_dir: Path, relative: Path, columns: tuple[str, ...], problems: FileProblems
) -> list[dict[str, str]]:
    path = _require_file(data_dir, relative)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            problems.add(relative, Worded("error.reference.columns", columns=", ".join(missing)))
            return []
        return list(reader)


def _share(value: str) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise WordedValueError("error.reference.share", value=value)
    return share


def _count(value: str) -> int:
    count = int(value)
    if count < 0:
        raise WordedValueError("error.reference.negative", value=value)
    return count


def read_census(data_dir: Path, problems: FileProblems) -> list[CensusRow]:
    """Read and check the census file; row 1 is the first line after the header."""
    raw_rows = _read_csv(data_dir, CENSUS_FILE, CENSUS_COLUMNS, problems)
    return census_rows(raw_rows, CENSUS_FILE, problems)


def census_rows(
    raw_rows: list[dict[str, str]], label: Path, problems: FileProblems
) -> list[CensusRow]:
    """Check and type census rows given under the columns of :data:`CENSUS_COLUMNS`."""
    rows: list[CensusRow] = []
    for number, raw in enumerate(raw_rows, start=1):
        adcode = (raw.get("adcode") or "").strip()
        where = {"row": number, "adcode": adcode}
        try:
            if not (len(adcode) == 6 and adcode.isdigit()):
                raise WordedValueError("error.reference.adcode", adcode=adcode)
            has_polygon = raw["has_polygon"].strip()
            if has_polygon not in ("yes", "no"):
                raise WordedValueError(
                    "error.reference.has_polygon", column="has_polygon", value=has_polygon
                )
            rows.append(
                CensusRow(
                    row=number,
                    adcode=adcode,
                    name=raw["name"].strip(),
                    city_adcode=raw["city_adcode"].strip(),
                    population=_count(raw["population_2020"]),
                    urban_share=_share(raw["urban_share_census"]),
                    ghsl_population=_count(raw["ghsl_pop"]),
                    ghsl_shares=tuple(_share(raw[c]) for c in GHSL_SHARES),
                    has_polygon=has_polygon == "yes",
                )
            )
        except (ValueError, TypeError, AttributeError) as exc:
            msg = Worded("error.reference.row", row=number, adcode=adcode, reason=exc)
            problems.add(label, msg, **where)
    duplicated = [a for a, n in Counter(r.adcode for r in rows).items() if n > 1]
    for adcode in duplicated:
        problems.add(label, Worded("error.reference.twice", adcode=adcode), adcode=adcode)
    return rows


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Return a valid MultiPolygon: repaired if invalid, polygon parts only."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", [geom]):
        if isinstance(part, Polygon) and not part.is_empty:
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
    return MultiPolygon(parts)


def read_polygons(
    data_dir: Path, relative: Path, problems: FileProblems
) -> dict[str, tuple[str, MultiPolygon]]:
    """Read a GeoJSON FeatureCollection of ``adcode``/``name`` polygons, keyed by adcode."""
    path = _require_file(data_dir, relative)
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
        features = collection["features"]
    except (ValueError, KeyError, TypeError) as exc:
        problems.add(relative, Worded("error.reference.not_collection", reason=str(exc)))
        return {}
    return polygons_from_features(features, relative, problems)


def polygons_from_features(
    features: Iterable[Mapping[str, Any]], relative: Path, problems: FileProblems
) -> dict[str, tuple[str, MultiPolygon]]:
    """Check GeoJSON features with ``adcode`` and ``name`` properties; keyed by adcode."""
    polygons: dict[str, tuple[str, MultiPolygon]] = {}
    for index, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        adcode = str(props.get("adcode", ""))
        try:
            if not (len(adcode) == 6 and adcode.isdigit()):
                raise WordedValueError("error.reference.adcode", adcode=adcode)
            if adcode in polygons:
                raise WordedValueError("error.reference.twice", adcode=adcode)
            geom = _as_multipolygon(shape(feature["geometry"]))
            if geom.is_empty:
                raise WordedValueError("error.reference.no_polygon")
            polygons[adcode] = (str(props.get("name", "")), geom)
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            shapely.errors.ShapelyError,
        ) as exc:
            msg = Worded("error.reference.feature", index=index, adcode=adcode, reason=exc)
            problems.add(relative, msg, adcode=adcode)
    return polygons


def _county_level(name: str) -> str:
    # 区 district; 县 and 自治县 county; 市 county-level city (data README, hunan/)
    if name.endswith("区"):
        return "district"
    if name.endswith("县"):
        return "county"
    if name.endswith("市"):
        return "county_city"
    raise WordedValueError("error.reference.level", name=name)


def _census_values(row: CensusRow) -> dict[str, Any]:
    return {
        "population": row.population,
        "urban_share": row.urban_share,
        "ghsl_population": row.ghsl_population,
        **dict(zip(GHSL_SHARES, row.ghsl_shares, strict=True)),
    }


def _aggregate(rows: Iterable[CensusRow]) -> dict[str, Any]:
    """Sum populations; weight the census share by population and GHSL shares by GHSL people."""
    rows = list(rows)
    population = sum(r.population for r in rows)
    ghsl_population = sum(r.ghsl_population for r in rows)
    urban = sum(r.population * r.urban_share for r in rows)
    shares = [
        sum(r.ghsl_population * r.ghsl_shares[i] for r in rows) for i in range(len(GHSL_SHARES))
    ]
    return {
        "population": population,
        "urban_share": round(urban / population, 4) if population else None,
        "ghsl_population": ghsl_population,
        **{
            name: (round(value / ghsl_population, 4) if ghsl_population else None)
            for name, value in zip(GHSL_SHARES, shares, strict=True)
        },
    }


def _join_census(
    census: list[CensusRow],
    counties: Mapping[str, tuple[str, MultiPolygon]],
    cities: Mapping[str, tuple[str, MultiPolygon]],
    problems: FileProblems,
) -> tuple[dict[str, CensusRow], list[CensusRow]]:
    """Match census rows to county polygons; return rows by polygon adcode, and the zones."""
    # by adcode, or through a rename; a row without polygon and without rename is a zone
    polygon_row: dict[str, CensusRow] = {}
    zones: list[CensusRow] = []
    for row in census:
        target = CENSUS_RENAMES.get(row.adcode, row.adcode)
        label = {"row": row.row, "adcode": row.adcode, "name": row.name, "column": "has_polygon"}
        if row.city_adcode not in cities:
            msg = Worded(
                "error.reference.city_polygon", **label, city=row.city_adcode, file=CITIES_FILE.name
            )
            problems.add(CENSUS_FILE, msg, row=row.row, adcode=row.adcode)
        elif target in counties:
            if not row.has_polygon and row.adcode not in CENSUS_RENAMES:
                msg = Worded("error.reference.polygon_no", **label, file=COUNTIES_FILE.name)
                problems.add(CENSUS_FILE, msg, row=row.row, adcode=row.adcode)
            polygon_row[target] = row
        elif row.has_polygon:
            msg = Worded("error.reference.polygon_yes", **label, file=COUNTIES_FILE.name)
            problems.add(CENSUS_FILE, msg, row=row.row, adcode=row.adcode)
        else:
            zones.append(row)

    for adcode, (name, _) in counties.items():
        if adcode not in polygon_row:
            msg = Worded(
                "error.reference.no_census_row", adcode=adcode, name=name, file=CENSUS_FILE.name
            )
            problems.add(COUNTIES_FILE, msg, adcode=adcode)
        elif f"{adcode[:4]}00" not in cities:
            msg = Worded(
                "error.reference.no_prefecture", adcode=adcode, name=name, city=f"{adcode[:4]}00"
            )
            problems.add(COUNTIES_FILE, msg, adcode=adcode)
    for zone, host in ZONE_HOSTS.items():
        if host not in counties:
            msg = Worded("error.reference.zone_host", zone=zone, host=host)
            problems.add(COUNTIES_FILE, msg, adcode=host)
    return polygon_row, zones


def _check_totals(census: list[CensusRow], problems: FileProblems) -> dict[str, int]:
    """Sum the census rows of every officially known total and report any mismatch."""
    counted_population = {
        adcode: sum(
            r.population
            for r in census
            if adcode in (PROVINCE_ADCODE, r.city_adcode, CENSUS_RENAMES.get(r.adcode, r.adcode))
        )
        for adcode in OFFICIAL_POPULATION_2020
    }
    for adcode, official in OFFICIAL_POPULATION_2020.items():
        counted = counted_population[adcode]
        if counted != official:
            msg = Worded("error.reference.total", adcode=adcode, counted=counted, official=official)
            problems.add(CENSUS_FILE, msg, adcode=adcode)
    return counted_population


def _region_records(
    census: list[CensusRow],
    *,
    counties: Mapping[str, tuple[str, MultiPolygon]],
    cities: Mapping[str, tuple[str, MultiPolygon]],
    polygon_row: Mapping[str, CensusRow],
    zones: list[CensusRow],
    problems: FileProblems,
) -> list[dict[str, Any]]:
    """Return the region rows: province, prefectures, counties, zones (parents first)."""
    province_geom = _as_multipolygon(shapely.union_all([g for _, g in cities.values()]))
    records: list[dict[str, Any]] = [
        {
            "adcode": PROVINCE_ADCODE,
            "name": PROVINCE_NAME,
            "level": "province",
            "parent_adcode": None,
            "city_adcode": None,
            **_aggregate(census),
            "geom": province_geom,
        }
    ]
    records.extend(
        {
            "adcode": adcode,
            "name": name,
            "level": "prefecture",
            "parent_adcode": PROVINCE_ADCODE,
            "city_adcode": adcode,
            **_aggregate(r for r in census if r.city_adcode == adcode),
            "geom": geom,
        }
        for adcode, (name, geom) in sorted(cities.items())
    )
    for adcode, (name, geom) in sorted(counties.items()):
        if adcode not in polygon_row:
            continue
        try:
            level = _county_level(name)
        except ValueError as exc:
            msg = Worded("error.reference.polygon", adcode=adcode, reason=exc)
            problems.add(COUNTIES_FILE, msg, adcode=adcode)
            continue
        records.append(
            {
                "adcode": adcode,
                "name": name,
                "level": level,
                "parent_adcode": f"{adcode[:4]}00",
                "city_adcode": f"{adcode[:4]}00",
                **_census_values(polygon_row[adcode]),
                "geom": geom,
            }
        )
    records.extend(
        {
            "adcode": row.adcode,
            "name": row.name,
            "level": "zone",
            # the host county where the data README names one, else the prefecture
            "parent_adcode": ZONE_HOSTS.get(row.adcode, row.city_adcode),
            "city_adcode": row.city_adcode,
            **_census_values(row),
            "geom": None,
        }
        for row in sorted(zones, key=lambda r: r.adcode)
    )
    return records


def build_regions(data_dir: Path) -> HunanRegions:
    """Read, join and check the Hunan files; return region rows, parents before children.

    Raises
    ------
    InvalidInputError
        Listing every problem: rows without polygon that are not zones, polygons without census
        row, unknown prefectures, and totals that differ from the official 2020 figures.
    ConfigurationError
        When a file is missing.
    """
    problems = FileProblems()
    census = read_census(data_dir, problems)
    counties = read_polygons(data_dir, COUNTIES_FILE, problems)
    cities = read_polygons(data_dir, CITIES_FILE, problems)
    return assemble_regions(census, counties, cities, problems)


def assemble_regions(
    census: list[CensusRow],
    counties: Mapping[str, tuple[str, MultiPolygon]],
    cities: Mapping[str, tuple[str, MultiPolygon]],
    problems: FileProblems,
) -> HunanRegions:
    """Join census rows to polygons and check the totals (see :func:`build_regions`)."""
    problems.raise_if_any()

    polygon_row, zones = _join_census(census, counties, cities, problems)
    population = _check_totals(census, problems)
    records = _region_records(
        census,
        counties=counties,
        cities=cities,
        polygon_row=polygon_row,
        zones=zones,
        problems=problems,
    )
    problems.raise_if_any()
    return HunanRegions(records=records, population=population)


def _hospital_type(name: str) -> str:
    for markers, facility_type in HOSPITAL_TYPE_RULES:
        if any(marker in name for marker in markers):
            return facility_type
    return "general_hospital"


def _hospital_grade(name: str) -> str | None:
    return "tertiary" if any(marker in name for marker in TERTIARY_NAME_MARKERS) else None


def read_hospitals(data_dir: Path) -> list[HospitalRow]:
    """Read the Changsha hospitals (GCJ-02) and convert them to WGS84.

    Row 1 is the first line after the header; ``external_id`` is ``<file name>:<row>``.
    """
    problems = FileProblems()
    parsed: list[tuple[int, str, float, float]] = []
    raw_rows = _read_csv(data_dir, HOSPITALS_FILE, HOSPITAL_COLUMNS, problems)
    for number, raw in enumerate(raw_rows, start=1):
        name = (raw.get("name") or "").strip()
        try:
            lon, lat = float(raw["lon_gcj02"]), float(raw["lat_gcj02"])
            if not name:
                raise WordedValueError("error.reference.no_name")
            min_lon, min_lat, max_lon, max_lat = HUNAN_BBOX
            if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
                raise WordedValueError(
                    "error.reference.outside_hunan", point=f"({lon}, {lat})", box=str(HUNAN_BBOX)
                )
        except (ValueError, TypeError) as exc:
            msg = Worded("error.reference.hospital", row=number, name=name, reason=exc)
            problems.add(HOSPITALS_FILE, msg, row=number)
            continue
        parsed.append((number, name, lon, lat))
    problems.raise_if_any()

    lon_wgs, lat_wgs = gcj02_to_wgs84([p[2] for p in parsed], [p[3] for p in parsed])
    return [
        hospital_row(number, name, float(lon), float(lat))
        for (number, name, _, _), lon, lat in zip(parsed, lon_wgs, lat_wgs, strict=True)
    ]


def hospital_row(number: int, name: str, lon: float, lat: float) -> HospitalRow:
    """The hospital of row ``number`` of the hospitals file at WGS84 ``(lon, lat)``, typed by name.

    The id is ``<file name>:<row>`` whichever copy (the data folder or the shipped table) it
    came from, so both load the same facility.
    """
    return HospitalRow(
        row=number,
        external_id=f"{HOSPITALS_FILE.name}:{number}",
        name=name,
        type=_hospital_type(name),
        grade=_hospital_grade(name),
        lon=lon,
        lat=lat,
    )
