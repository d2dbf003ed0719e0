"""Hunan reference data: administrative units with their 2020 census, and Changsha's hospitals.

``load_hunan`` reads the shared data directory (``hunan/`` and ``changsha/``, described in its
README), checks it, and upserts it in one transaction:

- one province row ``430000`` (the union of the prefectures), the 14 prefectures, the 122
  county-level polygons and the 15 census zones without a polygon, each with its census
  population and urban share and its GHSL population and settlement-class shares;
- the 51 rows of ``changsha_hospitals_gcj02.csv``, converted from GCJ-02 to WGS84 and assigned to
  the Changsha county whose polygon covers them.

The data is refused, and nothing written, when a census row has no polygon and is not a zone, a
polygon has no census row, or a city's census rows do not add up to its official 2020 total.
A second load updates rows in place (regions by adcode, hospitals by ``(source, external_id)``)
and, with unchanged files, changes nothing.
"""

import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import bindparam, func, literal_column, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, FLOAT, INTEGER, insert
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.errors import ConfigurationError, ConflictError, InvalidInputError
from app.services._tx import transaction
from app.services.geometry import COUNTY_LEVELS
from geo.datum import gcj02_to_wgs84

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


@dataclass
class LoadSummary:
    """What ``load_hunan`` did, for the command line and the tests."""

    skipped: bool = False
    regions_by_level: dict[str, int] = field(default_factory=dict)
    regions_inserted: int = 0
    regions_updated: int = 0
    regions_unchanged: int = 0
    facilities_inserted: int = 0
    facilities_updated: int = 0
    facilities_unchanged: int = 0
    hospitals_by_county: dict[str, int] = field(default_factory=dict)
    population_checked: dict[str, int] = field(default_factory=dict)


class _Problems:
    """Collects every problem in the input, so one refusal lists them all."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, file: Path, message: str, **where: Any) -> None:
        # file is relative to the data directory, so messages read the same on every machine
        self.items.append({"field": str(file), "msg": message, **where})

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = "; ".join(f"{p['field']}: {p['msg']}" for p in self.items[:5])
        more = f" (and {len(self.items) - 5} more)" if len(self.items) > 5 else ""
        msg = f"refusing to load the Hunan reference data: {shown}{more}"
        raise InvalidInputError(msg, details=self.items)


def _require_file(data_dir: Path, relative: Path) -> Path:
    path = data_dir / relative
    if not path.is_file():
        msg = f"missing {relative} in the data directory {data_dir}"
        raise ConfigurationError(msg)
    return path


def _read_csv(
    data_dir: Path, relative: Path, columns: tuple[str, ...], problems: _Problems
) -> list[dict[str, str]]:
    path = _require_file(data_dir, relative)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            problems.add(relative, f"missing columns {', '.join(missing)}")
            return []
        return list(reader)


def _share(value: str) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        msg = f"share {value} is outside 0..1"
        raise ValueError(msg)
    return share


def _count(value: str) -> int:
    count = int(value)
    if count < 0:
        msg = f"count {value} is negative"
        raise ValueError(msg)
    return count


def read_census(data_dir: Path, problems: _Problems) -> list[CensusRow]:
    """Read and check the census file; row 1 is the first line after the header."""
    rows: list[CensusRow] = []
    raw_rows = _read_csv(data_dir, CENSUS_FILE, CENSUS_COLUMNS, problems)
    for number, raw in enumerate(raw_rows, start=1):
        adcode = (raw.get("adcode") or "").strip()
        where = {"row": number, "adcode": adcode}
        try:
            if not (len(adcode) == 6 and adcode.isdigit()):
                msg = f"adcode {adcode!r} is not 6 digits"
                raise ValueError(msg)
            has_polygon = raw["has_polygon"].strip()
            if has_polygon not in ("yes", "no"):
                msg = f"has_polygon is {has_polygon!r}, expected yes or no"
                raise ValueError(msg)
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
            problems.add(CENSUS_FILE, f"row {number} ({adcode}): {exc}", **where)
    duplicated = [a for a, n in Counter(r.adcode for r in rows).items() if n > 1]
    for adcode in duplicated:
        problems.add(CENSUS_FILE, f"adcode {adcode} appears more than once", adcode=adcode)
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
    data_dir: Path, relative: Path, problems: _Problems
) -> dict[str, tuple[str, MultiPolygon]]:
    """Read a GeoJSON FeatureCollection of ``adcode``/``name`` polygons, keyed by adcode."""
    path = _require_file(data_dir, relative)
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
        features = collection["features"]
    except (ValueError, KeyError, TypeError) as exc:
        problems.add(relative, f"not a GeoJSON FeatureCollection: {exc}")
        return {}
    polygons: dict[str, tuple[str, MultiPolygon]] = {}
    for index, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        adcode = str(props.get("adcode", ""))
        try:
            if not (len(adcode) == 6 and adcode.isdigit()):
                msg = f"adcode {adcode!r} is not 6 digits"
                raise ValueError(msg)
            if adcode in polygons:
                msg = f"adcode {adcode} appears more than once"
                raise ValueError(msg)
            geom = _as_multipolygon(shape(feature["geometry"]))
            if geom.is_empty:
                msg = "the geometry has no polygon"
                raise ValueError(msg)
            polygons[adcode] = (str(props.get("name", "")), geom)
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            shapely.errors.ShapelyError,
        ) as exc:
            problems.add(relative, f"feature {index} ({adcode}): {exc}", adcode=adcode)
    return polygons


def _county_level(name: str) -> str:
    # 区 district; 县 and 自治县 county; 市 county-level city (data README, hunan/)
    if name.endswith("区"):
        return "district"
    if name.endswith("县"):
        return "county"
    if name.endswith("市"):
        return "county_city"
    msg = f"cannot tell the level of {name!r} from its name (expected …区, …县 or …市)"
    raise ValueError(msg)


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
    problems: _Problems,
) -> tuple[dict[str, CensusRow], list[CensusRow]]:
    """Match census rows to county polygons; return rows by polygon adcode, and the zones."""
    # by adcode, or through a rename; a row without polygon and without rename is a zone
    polygon_row: dict[str, CensusRow] = {}
    zones: list[CensusRow] = []
    for row in census:
        target = CENSUS_RENAMES.get(row.adcode, row.adcode)
        label = f"row {row.row} ({row.adcode} {row.name})"
        if row.city_adcode not in cities:
            msg = f"{label}: city {row.city_adcode} has no polygon in {CITIES_FILE.name}"
            problems.add(CENSUS_FILE, msg, row=row.row, adcode=row.adcode)
        elif target in counties:
            if not row.has_polygon and row.adcode not in CENSUS_RENAMES:
                msg = f"{label}: has_polygon = no, but {COUNTIES_FILE.name} has its polygon"
                problems.add(CENSUS_FILE, msg, row=row.row, adcode=row.adcode)
            polygon_row[target] = row
        elif row.has_polygon:
            msg = f"{label}: has_polygon = yes, but there is no polygon in {COUNTIES_FILE.name}"
            problems.add(CENSUS_FILE, msg, row=row.row, adcode=row.adcode)
        else:
            zones.append(row)

    for adcode, (name, _) in counties.items():
        if adcode not in polygon_row:
            msg = f"polygon {adcode} {name} has no census row in {CENSUS_FILE.name}"
            problems.add(COUNTIES_FILE, msg, adcode=adcode)
        elif f"{adcode[:4]}00" not in cities:
            msg = f"polygon {adcode} {name}: prefecture {adcode[:4]}00 has no polygon"
            problems.add(COUNTIES_FILE, msg, adcode=adcode)
    for zone, host in ZONE_HOSTS.items():
        if host not in counties:
            msg = f"zone {zone} should lie in county {host}, which has no polygon"
            problems.add(COUNTIES_FILE, msg, adcode=host)
    return polygon_row, zones


def _check_totals(census: list[CensusRow], problems: _Problems) -> dict[str, int]:
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
            msg = (
                f"the census rows of {adcode} sum to {counted:,} residents, "
                f"not the official 2020 total of {official:,}"
            )
            problems.add(CENSUS_FILE, msg, adcode=adcode)
    return counted_population


def _region_records(
    census: list[CensusRow],
    *,
    counties: Mapping[str, tuple[str, MultiPolygon]],
    cities: Mapping[str, tuple[str, MultiPolygon]],
    polygon_row: Mapping[str, CensusRow],
    zones: list[CensusRow],
    problems: _Problems,
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
            problems.add(COUNTIES_FILE, f"polygon {adcode}: {exc}", adcode=adcode)
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
    problems = _Problems()
    census = read_census(data_dir, problems)
    counties = read_polygons(data_dir, COUNTIES_FILE, problems)
    cities = read_polygons(data_dir, CITIES_FILE, problems)
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
    problems = _Problems()
    parsed: list[tuple[int, str, float, float]] = []
    raw_rows = _read_csv(data_dir, HOSPITALS_FILE, HOSPITAL_COLUMNS, problems)
    for number, raw in enumerate(raw_rows, start=1):
        name = (raw.get("name") or "").strip()
        try:
            lon, lat = float(raw["lon_gcj02"]), float(raw["lat_gcj02"])
            if not name:
                msg = "the name is empty"
                raise ValueError(msg)
            min_lon, min_lat, max_lon, max_lat = HUNAN_BBOX
            if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
                msg = f"({lon}, {lat}) is outside Hunan's box {HUNAN_BBOX}"
                raise ValueError(msg)
        except (ValueError, TypeError) as exc:
            problems.add(HOSPITALS_FILE, f"row {number} ({name}): {exc}", row=number)
            continue
        parsed.append((number, name, lon, lat))
    problems.raise_if_any()

    lon_wgs, lat_wgs = gcj02_to_wgs84([p[2] for p in parsed], [p[3] for p in parsed])
    return [
        HospitalRow(
            row=number,
            external_id=f"{HOSPITALS_FILE.name}:{number}",
            name=name,
            type=_hospital_type(name),
            grade=_hospital_grade(name),
            lon=float(lon),
            lat=float(lat),
        )
        for (number, name, _, _), lon, lat in zip(parsed, lon_wgs, lat_wgs, strict=True)
    ]


def _upsert_regions(session: Session, records: list[dict[str, Any]]) -> tuple[int, int]:
    """Insert or update regions by adcode, touching only rows whose values differ.

    Returns the numbers of rows inserted and updated.
    """
    columns = Region.__table__.c
    inserted = updated = 0
    # one statement per level, in order, so every parent exists before its children
    levels = list(dict.fromkeys(r["level"] for r in records))
    for level in levels:
        rows = [
            {**r, "geom": None if r["geom"] is None else from_shape(r["geom"], srid=4326)}
            for r in records
            if r["level"] == level
        ]
        stmt = insert(Region).values(rows)
        changed = tuple_(*(columns[c] for c in REGION_VALUE_COLUMNS)).is_distinct_from(
            tuple_(*(stmt.excluded[c] for c in REGION_VALUE_COLUMNS))
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[columns.adcode],
            set_={c: stmt.excluded[c] for c in REGION_VALUE_COLUMNS},
            where=changed,
            # xmax = 0 marks a freshly inserted row (PostgreSQL MVCC), else an updated one
        ).returning(columns.adcode, literal_column("(xmax = 0)").label("inserted"))
        for _, was_inserted in session.execute(upsert):
            inserted += int(was_inserted)
            updated += int(not was_inserted)
    return inserted, updated


_COUNTY_OF_POINTS = text(
    """
    SELECT DISTINCT ON (p.i) p.i, r.adcode
    FROM unnest(:ids, :lons, :lats) AS p(i, lon, lat)
    LEFT JOIN regions AS r
      ON r.city_adcode = :city
     AND r.level IN :levels
     AND ST_Covers(r.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    ORDER BY p.i, r.adcode
    """
).bindparams(
    bindparam("ids", type_=ARRAY(INTEGER)),
    bindparam("lons", type_=ARRAY(FLOAT)),
    bindparam("lats", type_=ARRAY(FLOAT)),
    bindparam("levels", expanding=True),
)


def _assign_counties(session: Session, hospitals: list[HospitalRow]) -> dict[int, str]:
    """Return the Changsha county covering each hospital, by row; refuse any outside Changsha."""
    result = session.execute(
        _COUNTY_OF_POINTS,
        {
            "ids": [h.row for h in hospitals],
            "lons": [h.lon for h in hospitals],
            "lats": [h.lat for h in hospitals],
            "city": CHANGSHA_ADCODE,
            "levels": list(COUNTY_LEVELS),
        },
    )
    county_of = {int(row): adcode for row, adcode in result}
    outside = [h for h in hospitals if county_of.get(h.row) is None]
    if outside:
        problems = _Problems()
        for h in outside:
            where = f"row {h.row} ({h.name}) at WGS84 ({h.lon:.6f}, {h.lat:.6f})"
            problems.add(
                HOSPITALS_FILE, f"{where} lies outside every county of Changsha", row=h.row
            )
        problems.raise_if_any()
    return county_of


def _upsert_hospitals(
    session: Session, hospitals: list[HospitalRow], county_of: Mapping[int, str]
) -> tuple[int, int]:
    """Insert or update the hospitals by ``(source, external_id)``; returns inserted, updated."""
    existing: dict[str, Facility] = {}
    stmt = select(Facility).where(
        Facility.source == HOSPITAL_SOURCE,
        Facility.external_id.in_([h.external_id for h in hospitals]),
    )
    for facility in session.scalars(stmt):
        if facility.external_id in existing:
            msg = f"two facilities share source {HOSPITAL_SOURCE!r} and id {facility.external_id!r}"
            raise ConflictError(msg)
        existing[facility.external_id or ""] = facility

    inserted = updated = 0
    for hospital in hospitals:
        values = {
            "name": hospital.name,
            "type": hospital.type,
            "grade": hospital.grade,
            "ownership": None,
            "region_adcode": county_of[hospital.row],
        }
        current = existing.get(hospital.external_id)
        if current is None:
            session.add(
                Facility(
                    external_id=hospital.external_id,
                    source=HOSPITAL_SOURCE,
                    geom=from_shape(Point(hospital.lon, hospital.lat), srid=4326),
                    **values,
                )
            )
            inserted += 1
            continue
        point = to_shape(current.geom)
        # exact comparison: the stored doubles round-trip through WKB unchanged
        moved = not (
            isinstance(point, Point) and point.x == hospital.lon and point.y == hospital.lat
        )
        differs = {k: v for k, v in values.items() if getattr(current, k) != v}
        if moved or differs:
            for key, value in differs.items():
                setattr(current, key, value)
            if moved:
                current.geom = from_shape(Point(hospital.lon, hospital.lat), srid=4326)
            current.updated_at = func.now()
            updated += 1
    session.flush()
    return inserted, updated


def regions_exist(session: Session) -> bool:
    """True when the regions table holds at least one row."""
    with transaction(session):
        return session.execute(select(Region.adcode).limit(1)).first() is not None


def load_hunan(session: Session, data_dir: Path, *, if_empty: bool = False) -> LoadSummary:
    """Load or refresh the Hunan regions and the Changsha hospitals, in one transaction.

    Parameters
    ----------
    session
        The database session; the load runs in its own transaction (a savepoint if one is open).
    data_dir
        The shared data directory holding ``hunan/`` and ``changsha/``.
    if_empty
        Do nothing (``summary.skipped``) when regions already exist.

    Returns
    -------
    LoadSummary
        Counts of rows inserted, updated and left unchanged, and the checked populations.

    Raises
    ------
    InvalidInputError
        When the files break a join or total rule, or a hospital lies outside Changsha;
        nothing is written.
    ConfigurationError
        When a file is missing.
    """
    if if_empty and regions_exist(session):
        return LoadSummary(skipped=True)
    regions = build_regions(data_dir)
    records = regions.records
    hospitals = read_hospitals(data_dir)

    with transaction(session):
        regions_inserted, regions_updated = _upsert_regions(session, records)
        county_of = _assign_counties(session, hospitals)
        facilities_inserted, facilities_updated = _upsert_hospitals(session, hospitals, county_of)

    return LoadSummary(
        regions_by_level=dict(Counter(r["level"] for r in records)),
        regions_inserted=regions_inserted,
        regions_updated=regions_updated,
        regions_unchanged=len(records) - regions_inserted - regions_updated,
        facilities_inserted=facilities_inserted,
        facilities_updated=facilities_updated,
        facilities_unchanged=len(hospitals) - facilities_inserted - facilities_updated,
        hospitals_by_county=dict(sorted(Counter(county_of.values()).items())),
        population_checked=regions.population,
    )
