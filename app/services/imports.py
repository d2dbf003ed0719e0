"""Facility imports: a CSV or GeoJSON register checked whole, then written in one transaction.

Every row is checked before anything is written, and one bad row rejects the file: the 422 lists
every bad row (CSV: ``row`` counts data rows from 1, ``line`` is the file line; GeoJSON:
``feature`` indexes the features from 0) with the field and the reason. Checks: known columns or
properties, a non-empty ``id`` unique in the file and not already imported from a file of the same
name (``source`` = file name, ``external_id`` = id), a known type, grade and ownership, whole
non-negative capacities (ICU beds within beds, negative-pressure ambulances within the fleet,
TCM physicians within physicians), yes/no flags (an empty cell is "no" for the four original flags
and unknown for the plans' further ones), a known ``primary_care_standard`` and ``admin_level``
when given, coordinates in range and not swapped, inside a county-level region, and inside
``city`` when one is given.

Coordinates are in the datum ``crs`` (``wgs84``, ``gcj02`` or ``bd09``) and stored as WGS84. The
region of every point is found by one query for the whole file.

CSV: UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030/GBK (the Chinese Excel default,
with or without its BOM); Big5 and undecodable bytes are refused naming the line. Comma
separated, a header row with the columns ``id,name,type,lon,lat`` and any of
:data:`OPTIONAL_COLUMNS`. GeoJSON: a FeatureCollection of Point features whose properties are
the same names; the id is the feature's ``id`` or its ``id`` property.
"""

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError
from sqlalchemy import Float, Integer, String, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import FACILITY_GRADES, FACILITY_OWNERSHIPS, FACILITY_TYPES, Facility
from app.db.models.facility import (
    ADMIN_LEVELS,
    CAPACITY_FIELDS,
    PRIMARY_CARE_STANDARDS,
    SERVICE_FLAGS,
)
from app.errors import Choices, ConflictError, InvalidInputError, Worded
from app.schemas.facility import FacilityCreate
from app.schemas.imports import FacilityImportResult, ImportFormat
from app.services import citydata
from app.services._encodings import decode_text as _decode
from app.services._tx import transaction
from app.services.region_lookup import COUNTY_LEVELS, range_error
from geo.datum import to_wgs84
from geo.messages.pydantic import PydanticProblem
from geo.terms import CAPACITY_WITHIN, PLAN_CHOICE_FIELDS, RECORDED_FLAGS, UNRECORDED_FLAGS

REQUIRED_COLUMNS = ("id", "name", "type", "lon", "lat")
OPTIONAL_COLUMNS = ("grade", "ownership", *CAPACITY_FIELDS, *SERVICE_FLAGS, *PLAN_CHOICE_FIELDS)
# GeoJSON: the same names as properties, coordinates in the geometry
PROPERTIES = ("id", "name", "type", *OPTIONAL_COLUMNS)
# an empty flag cell means "no", as an unticked box
_TRUE = frozenset({"true", "t", "yes", "y", "1", "是"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "否", ""})
# a file name as source: word characters (any script), space ( ) - in dot-separated parts, so
# no path separator, no "..", nothing a shell or SQL would read as syntax
FILE_NAME_RE = re.compile(r"^[\w()\- ]+(\.[\w()\- ]+)*$")
# 'real' and 'synthetic' mean something else as a source (app.db.models.facility)
RESERVED_SOURCES = frozenset({"real", "synthetic"})
MAX_NAME_LENGTH = 200
MAX_ID_LENGTH = 100


@dataclass
class _Row:
    """One candidate facility, with where it stands in the file."""

    where: dict[str, int]
    # None where that part is bad (a problem is recorded); the other parts are still checked
    external_id: str | None
    props: dict[str, Any] | None
    point: tuple[float, float] | None


@dataclass
class _Problems:
    """Every problem found, each a detail of the 422."""

    details: list[dict[str, Any]] = field(default_factory=list)
    rows: set[tuple[tuple[str, int], ...]] = field(default_factory=set)

    def add(self, where: Mapping[str, int], field_name: str, msg: str) -> None:
        # msg: a Worded sentence (or a pydantic problem), said in the reader's language later
        self.details.append({**where, "field": field_name, "msg": msg})
        self.rows.add(tuple(where.items()))

    def __bool__(self) -> bool:
        return bool(self.details)


def check_file_name(filename: str | None) -> str:
    """The upload's file name, refused (422 naming ``file``) unless a plain name."""
    name = (filename or "").strip()
    why = None
    if not name:
        why = "error.import.no_name"
    elif len(name) > MAX_NAME_LENGTH:
        why = "error.import.long_name"
    elif not FILE_NAME_RE.fullmatch(name):
        why = "error.import.plain_name"
    elif name.lower() in RESERVED_SOURCES:
        why = "error.import.reserved_name"
    if why is not None:
        raise InvalidInputError.worded(why, field="file", name=name, n=MAX_NAME_LENGTH)
    return name


def detect_format(filename: str, content: bytes) -> ImportFormat:
    """``geojson`` for .geojson/.json files or a body starting with ``{``, else ``csv``."""
    lower = filename.lower()
    if lower.endswith((".geojson", ".json")):
        return "geojson"
    if lower.endswith((".csv", ".txt")):
        return "csv"
    return "geojson" if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


# ---- values


def _number(value: object) -> float | None:
    """A finite or infinite float from a cell or a JSON number; None if not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _count(value: object) -> tuple[int | None, str | None]:
    """A capacity: (count, None), (None, None) when unknown, or (None, why) when bad."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    number = _number(value)
    if number is None or not math.isfinite(number):
        return None, Worded("error.import.not_number", value=value)
    if number != int(number):
        return None, Worded("error.import.not_whole", value=value)
    if number < 0:
        return None, Worded("error.import.negative", value=value)
    return int(number), None


def _flag(value: object) -> tuple[bool, str | None]:
    if value is None or isinstance(value, bool):
        return bool(value), None
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE, None
    if isinstance(value, int) and value in (0, 1):
        return bool(value), None
    return False, Worded("error.import.not_flag", value=value)


def _maybe_flag(value: object) -> tuple[bool | None, str | None]:
    """A flag the plans added: an empty cell is unknown (None), not "no"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    return _flag(value)


# the catalogue's labels of a column's codes
_VOCABULARIES = {"type": "facility_type", "grade": "grade"}


def _choice(value: object, allowed: Sequence[str], what: str) -> tuple[str | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, str) and value.strip() in allowed:
        return value.strip(), None
    # listed with the labels a Chinese reader knows the codes by (三级, 乡镇卫生院)
    allowed_shown = Choices(allowed, vocabulary=_VOCABULARIES.get(what))
    return None, Worded(
        "error.import.unknown_choice", what=what, value=value, allowed=allowed_shown
    )


def _identifier(value: object) -> tuple[str | None, str | None]:
    if isinstance(value, bool) or value is None:
        return None, Worded("error.import.id_missing")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None, Worded("error.import.id_kind", value=value)
    value = value.strip()
    if not value:
        return None, Worded("error.import.id_empty")
    if len(value) > MAX_ID_LENGTH:
        return None, Worded("error.import.id_long", n=MAX_ID_LENGTH)
    if "\x00" in value:
        return None, Worded("error.text.nul")
    return value, None


def _name(value: object) -> tuple[str | None, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, Worded("error.import.name_missing")
    if len(value.strip()) > MAX_NAME_LENGTH:
        return None, Worded("error.import.name_long", n=MAX_NAME_LENGTH)
    return value.strip(), None


def _type(value: object) -> tuple[str | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, Worded("error.import.type_missing")
    return _choice(value, FACILITY_TYPES, "type")


# property → its check, returning (value, None) or (None, why)
_PARSERS: dict[str, Callable[[object], tuple[Any, str | None]]] = {
    "name": _name,
    "type": _type,
    "grade": lambda v: _choice(v, FACILITY_GRADES, "grade"),
    "ownership": lambda v: _choice(v, FACILITY_OWNERSHIPS, "ownership"),
    **dict.fromkeys(CAPACITY_FIELDS, _count),
    **dict.fromkeys(RECORDED_FLAGS, _flag),
    **dict.fromkeys(UNRECORDED_FLAGS, _maybe_flag),
    "primary_care_standard": lambda v: _choice(v, PRIMARY_CARE_STANDARDS, "primary_care_standard"),
    "admin_level": lambda v: _choice(v, ADMIN_LEVELS, "admin_level"),
}


def _properties(
    raw: Mapping[str, object], where: dict[str, int], problems: _Problems, prefix: str
) -> dict[str, Any] | None:
    """Check one facility's properties; the FacilityCreate fields, or None after a problem."""
    before = len(problems.details)
    props: dict[str, Any] = {}
    for column, parse in _PARSERS.items():
        props[column], why = parse(raw.get(column))
        if why:
            problems.add(where, f"{prefix}{column}", why)
    for part, whole in CAPACITY_WITHIN:
        known = props[part] is not None and props[whole] is not None
        if known and props[part] > props[whole]:
            msg = Worded(
                "error.capacity.exceeds", part=part, low=props[part], whole=whole, high=props[whole]
            )
            problems.add(where, f"{prefix}{part}", msg)
    if len(problems.details) > before:
        return None
    # the API's own schema has the last word, so an import accepts what POST accepts
    try:
        FacilityCreate.model_validate(props)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problems.add(where, f"{prefix}{loc}", PydanticProblem(err))
        return None
    return props


def _coordinates(
    lon: object, lat: object, where: dict[str, int], problems: _Problems, fields: tuple[str, str]
) -> tuple[float, float] | None:
    x, y = _number(lon), _number(lat)
    if x is None or y is None:
        bad = fields[0] if x is None else fields[1]
        problems.add(
            where, bad, Worded("error.import.not_degrees", value=lon if x is None else lat)
        )
        return None
    why = range_error(x, y, field=f"{fields[0]},{fields[1]}")
    if why is not None:
        problems.add(where, f"{fields[0]},{fields[1]}", why)
        return None
    return x, y


# ---- readers


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(data row number, cells) of every row; a row the csv module cannot read is a 422."""
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            msg = Worded("error.import.csv_line", line=line, reason=str(exc))
            raise InvalidInputError.worded(
                "error.import.csv_line",
                details=[{"row": number + 1, "line": line, "field": "row", "msg": msg}],
                line=line,
                reason=str(exc),
            ) from None
        number += 1
        yield number, cells


def _read_csv(content: bytes, problems: _Problems) -> list[_Row]:
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    header_row = next(_csv_rows(reader), (0, None))[1]
    if header_row is None:
        raise InvalidInputError.worded(
            "error.import.empty", field="file", columns=",".join(REQUIRED_COLUMNS)
        )
    header = [h.strip().lower() for h in header_row]
    header_problems = _Problems()
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for column in header:
        if column not in known:
            msg = Worded(
                "error.import.unknown_column", column=column, known=", ".join(sorted(known))
            )
            header_problems.add({"row": 0, "line": 1}, column, msg)
    for column in sorted({c for c in header if header.count(c) > 1}):
        msg = Worded("error.import.column_twice", column=column)
        header_problems.add({"row": 0, "line": 1}, column, msg)
    for column in REQUIRED_COLUMNS:
        if column not in header:
            msg = Worded("error.import.column_missing", column=column)
            header_problems.add({"row": 0, "line": 1}, column, msg)
    if header_problems:
        raise InvalidInputError.worded("error.import.bad_header", details=header_problems.details)

    rows: list[_Row] = []
    for number, cells in _csv_rows(reader):
        if not any(c.strip() for c in cells):
            continue
        where = {"row": number, "line": reader.line_num}
        nul = next((k for k, cell in enumerate(cells) if "\x00" in cell), None)
        if nul is not None:
            column = header[nul] if nul < len(header) else "row"
            problems.add(where, column, Worded("error.text.nul"))
            continue
        if len(cells) != len(header):
            msg = Worded("error.import.cell_count", n=len(cells), columns=len(header))
            problems.add(where, "row", msg)
            continue
        raw = dict(zip(header, cells, strict=True))
        identifier, why = _identifier(raw["id"])
        if why:
            problems.add(where, "id", why)
        props = _properties(raw, where, problems, prefix="")
        point = _coordinates(raw["lon"], raw["lat"], where, problems, ("lon", "lat"))
        rows.append(_Row(where, identifier, props, point))
    return rows


def _read_geojson(content: bytes, problems: _Problems) -> list[_Row]:
    try:
        document = json.loads(_decode(content))
    except json.JSONDecodeError as exc:
        raise InvalidInputError.worded(
            "error.import.json", field="file", line=exc.lineno, column=exc.colno
        ) from None
    except RecursionError:
        # arrays or objects nested thousands deep: no GeoJSON feature collection is
        raise InvalidInputError.worded("error.import.too_deep", field="file") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InvalidInputError.worded("error.import.not_collection", field="file")
    features = document.get("features")
    if not isinstance(features, list):
        raise InvalidInputError.worded("error.import.no_features", field="features")

    return [_feature_row(index, feature, problems) for index, feature in enumerate(features)]


def _feature_row(index: int, feature: object, problems: _Problems) -> _Row:
    where = {"feature": index}
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.add(where, "type", Worded("error.import.not_feature"))
        return _Row(where, None, None, None)
    raw = feature.get("properties")
    if not isinstance(raw, dict):
        problems.add(where, "properties", Worded("error.import.no_properties"))
        return _Row(where, None, None, None)
    for key in raw:
        if key not in PROPERTIES:
            msg = Worded("error.import.unknown_property", key=key, known=", ".join(PROPERTIES))
            problems.add(where, f"properties.{key}", msg)
    if "id" in feature and "id" in raw and str(feature["id"]) != str(raw["id"]):
        problems.add(where, "id", Worded("error.import.ids_differ", id=feature["id"]))
    identifier, why = _identifier(feature.get("id", raw.get("id")))
    if why:
        problems.add(where, "id", why)
    props = _properties(raw, where, problems, prefix="properties.")
    geometry = feature.get("geometry")
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    point = None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        problems.add(where, "geometry", Worded("error.import.not_point"))
    elif not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
        problems.add(where, "geometry.coordinates", Worded("error.import.coordinates"))
    else:
        fields = ("geometry.coordinates[0]", "geometry.coordinates[1]")
        point = _coordinates(coordinates[0], coordinates[1], where, problems, fields)
    return _Row(where, identifier, props, point)


# ---- checks against the database

_LOCATE = text(
    """
    SELECT p.i, r.adcode, r.city_adcode
    FROM unnest(:i, :lon, :lat) AS p(i, lon, lat)
    CROSS JOIN LATERAL (
        SELECT adcode, city_adcode FROM regions
        WHERE level = ANY(:levels)
          AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
        ORDER BY ST_Area(geom)
        LIMIT 1
    ) AS r
    """
).bindparams(
    bindparam("i", type_=ARRAY(Integer)),
    bindparam("lon", type_=ARRAY(Float)),
    bindparam("lat", type_=ARRAY(Float)),
    bindparam("levels", type_=ARRAY(String)),
)


def _counties(
    session: Session, lon: np.ndarray, lat: np.ndarray
) -> dict[int, tuple[str, str | None]]:
    """(adcode, city adcode) of the county-level region covering each WGS84 point, by index."""
    if lon.size == 0:
        return {}
    found = session.execute(
        _LOCATE,
        {
            "i": list(range(lon.size)),
            "lon": [float(v) for v in lon],
            "lat": [float(v) for v in lat],
            "levels": list(COUNTY_LEVELS),
        },
    ).all()
    return {int(i): (adcode, city) for i, adcode, city in found}


def _locate(
    session: Session, rows: list[_Row], *, crs: str, city_adcode: str | None, problems: _Problems
) -> dict[int, tuple[str, float, float]]:
    """(county, WGS84 lon, lat) of every row with a point, by row index; a problem per outsider."""
    points = [(k, row.point) for k, row in enumerate(rows) if row.point is not None]
    placed = [k for k, _ in points]
    lon = np.asarray([p[0] for _, p in points], dtype=np.float64)
    lat = np.asarray([p[1] for _, p in points], dtype=np.float64)
    wgs_lon, wgs_lat = to_wgs84(lon, lat, crs=crs)
    found = _counties(session, wgs_lon, wgs_lat)
    # the points outside: would they fall inside with latitude and longitude exchanged?
    outside = [j for j in range(len(placed)) if j not in found and abs(lon[j]) <= 90.0]
    swapped: set[int] = set()
    if outside:
        s_lon, s_lat = to_wgs84(lat[outside], lon[outside], crs=crs)
        swapped = {outside[m] for m in _counties(session, s_lon, s_lat)}
    located: dict[int, tuple[str, float, float]] = {}
    for j, k in enumerate(placed):
        where = rows[k].where
        given = f"({float(lon[j])!r}, {float(lat[j])!r}) [{crs}]"
        if j not in found:
            key = "error.point.outside_swapped" if j in swapped else "error.point.outside"
            problems.add(where, "lon,lat", Worded(key, point=given))
            continue
        adcode, city = found[j]
        if city_adcode is not None and city_adcode not in (city, adcode):
            msg = Worded(
                "error.point.other_city", point=given, county=adcode, city=city, wanted=city_adcode
            )
            problems.add(where, "lon,lat", msg)
            continue
        located[k] = (adcode, float(wgs_lon[j]), float(wgs_lat[j]))
    return located


def _check_duplicates(session: Session, rows: list[_Row], source: str, problems: _Problems) -> None:
    first: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.external_id is None:
            continue
        seen = first.setdefault(row.external_id, row.where)
        if seen is not row.where:
            place = ", ".join(f"{k} {v}" for k, v in seen.items() if k != "line")
            msg = Worded("error.import.duplicate", id=row.external_id, place=place)
            problems.add(row.where, "id", msg)
    # one array parameter, not one bound parameter per id (the protocol allows 65,535)
    ids = bindparam("ids", list(first), type_=ARRAY(String))
    existing = session.execute(
        select(Facility.external_id, Facility.id).where(
            Facility.source == source, Facility.external_id == func.any(ids)
        )
    ).all()
    taken: dict[str | None, int] = {row[0]: row[1] for row in existing}
    for row in rows:
        if row.external_id in taken:
            msg = Worded(
                "error.import.taken",
                id=row.external_id,
                source=source,
                facility=taken[row.external_id],
            )
            problems.add(row.where, "id", msg)


def import_facilities(
    session: Session,
    content: bytes,
    *,
    filename: str,
    crs: str,
    city_adcode: str | None = None,
    file_format: ImportFormat | None = None,
) -> FacilityImportResult:
    """Check every row of a CSV or GeoJSON register, then write all of it or nothing.

    Parameters
    ----------
    session
        A database session; the service opens its own transaction.
    content
        The file's bytes.
    filename
        The upload's name, stored as each facility's ``source`` (checked: a plain name).
    crs
        Datum of the file's coordinates: ``wgs84``, ``gcj02`` or ``bd09``.
    city_adcode
        When given, every point must fall in this city (a prefecture or county-level unit).
    file_format
        ``csv`` or ``geojson``; guessed from the name and content when omitted.

    Returns
    -------
    FacilityImportResult
        The source, the count and the new ids in file order.

    Raises
    ------
    InvalidInputError
        Listing every bad row (or the bad header / file); nothing is written.
    NotFoundError
        ``city_adcode`` is not a city of the register.
    ConflictError
        Another import of the same ids won the race; nothing is written.
    """
    source = check_file_name(filename)
    chosen = file_format or detect_format(source, content)
    problems = _Problems()
    rows = _read_csv(content, problems) if chosen == "csv" else _read_geojson(content, problems)
    if not rows and not problems:
        raise InvalidInputError.worded("error.import.no_facility", field="file")

    try:
        with transaction(session):
            if city_adcode is not None:
                citydata.get_city(session, city_adcode)
            located = _locate(session, rows, crs=crs, city_adcode=city_adcode, problems=problems)
            _check_duplicates(session, rows, source, problems)
            if problems:
                n_bad = len(problems.rows)
                unit = "feature" if chosen == "geojson" else "row"
                details = sorted(problems.details, key=lambda d: d.get("row", d.get("feature", 0)))
                key = f"error.import.invalid_{unit}{'s' if n_bad != 1 else ''}"
                raise InvalidInputError.worded(key, details=details, n=n_bad, source=source)
            values = []
            for k, row in enumerate(rows):
                adcode, lon, lat = located[k]
                values.append(
                    {
                        **(row.props or {}),
                        "external_id": row.external_id,
                        "source": source,
                        "region_adcode": adcode,
                        "geom": f"SRID=4326;POINT({lon!r} {lat!r})",
                    }
                )
            ids = list(
                session.scalars(
                    insert(Facility).returning(Facility.id, sort_by_parameter_order=True),
                    values,
                )
            )
    except IntegrityError as exc:
        raise ConflictError.worded("error.import.race", source=source) from exc
    return FacilityImportResult(
        source=source, format=chosen, crs=crs, city=city_adcode, imported=len(ids), ids=ids
    )
