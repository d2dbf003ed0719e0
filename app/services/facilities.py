"""Facility register use cases: list, read, create, update, delete."""

from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import Point as ShapelyPoint
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.errors import InvalidInputError, NotFoundError
from app.schemas.facility import (
    FacilityCollection,
    FacilityCreateFeature,
    FacilityFeature,
    FacilityPublic,
    FacilityQuery,
    FacilityUpdateFeature,
)
from app.services._locking import apply_changes, check_version, etag, lost_race
from app.services._tx import transaction
from app.services.region_lookup import locate_point
from geo.terms import CAPACITY_WITHIN


def check_capacities(values: dict[str, Any], *, prefix: str = "properties.") -> None:
    """422 naming ``<prefix><part>`` when a known part exceeds its known whole.

    The facilities table's CHECK constraints, checked first so the answer names the field.
    """
    for part, whole in CAPACITY_WITHIN:
        low, high = values.get(part), values.get(whole)
        if low is not None and high is not None and low > high:
            raise InvalidInputError.worded(
                "error.capacity.exceeds",
                field=f"{prefix}{part}",
                part=part,
                low=low,
                whole=whole,
                high=high,
            )


def _to_feature(facility: Facility, city_adcode: str | None) -> FacilityFeature:
    point = to_shape(facility.geom)
    assert isinstance(point, ShapelyPoint)
    props = FacilityPublic.model_validate(
        {
            **{
                name: getattr(facility, name)
                for name in FacilityPublic.model_fields
                if hasattr(facility, name)
            },
            "city_adcode": city_adcode,
        }
    )
    return FacilityFeature(
        type="Feature",
        id=facility.id,
        geometry={"type": "Point", "coordinates": (point.x, point.y)},
        properties=props,
    )


def _with_city() -> Select[Facility, str | None]:
    return select(Facility, Region.city_adcode).outerjoin(
        Region, Region.adcode == Facility.region_adcode
    )


def list_facilities(session: Session, query: FacilityQuery) -> FacilityCollection:
    stmt = _with_city()
    if query.city:
        stmt = stmt.where(
            or_(Region.city_adcode == query.city, Facility.region_adcode == query.city)
        )
    if query.region:
        stmt = stmt.where(Facility.region_adcode == query.region)
    if query.type:
        stmt = stmt.where(Facility.type.in_(query.type))
    if query.source:
        stmt = stmt.where(Facility.source == query.source)
    if query.synthetic is not None:
        is_synthetic = Facility.source == "synthetic"
        stmt = stmt.where(is_synthetic if query.synthetic else ~is_synthetic)
    if query.bbox:
        stmt = stmt.where(
            func.ST_Intersects(Facility.geom, func.ST_MakeEnvelope(*query.bbox, 4326))
        )
    stmt = stmt.order_by(Facility.id).limit(query.limit).offset(query.offset)
    with transaction(session):
        rows = session.execute(stmt).all()
        features = [_to_feature(facility, city) for facility, city in rows]
    return FacilityCollection(type="FeatureCollection", features=features)


def _get(session: Session, facility_id: int, *, lock: bool = False) -> tuple[Facility, str | None]:
    """The facility and its city; ``lock`` holds its row until the transaction ends."""
    stmt = _with_city().where(Facility.id == facility_id)
    if lock:
        # writers take turns: the second of two deletes finds nothing (404), not a stale row
        stmt = stmt.with_for_update(of=Facility).execution_options(populate_existing=True)
    row = session.execute(stmt).first()
    if row is None:
        raise NotFoundError.worded("error.facility.not_found", id=facility_id)
    facility, city = row
    return facility, city


def get_facility(session: Session, facility_id: int) -> tuple[FacilityFeature, str]:
    with transaction(session):
        facility, city = _get(session, facility_id)
        return _to_feature(facility, city), etag(facility)


def create_facility(
    session: Session, feature: FacilityCreateFeature, *, crs: str
) -> tuple[FacilityFeature, str]:
    """Validate and insert one facility; nothing is written when any check fails."""
    if feature.geometry is None or feature.properties is None:
        missing = "geometry" if feature.geometry is None else "properties"
        raise InvalidInputError.worded("error.facility.incomplete", field=missing)
    check_capacities(feature.properties.model_dump())
    lon, lat = feature.geometry.coordinates[0], feature.geometry.coordinates[1]
    with transaction(session):
        located = locate_point(session, lon, lat, crs=crs)
        facility = Facility(
            **feature.properties.model_dump(),
            region_adcode=located.region_adcode,
            geom=f"SRID=4326;POINT({located.lon!r} {located.lat!r})",
        )
        session.add(facility)
        session.flush()
        session.refresh(facility)
        return _to_feature(facility, located.city_adcode), etag(facility)


def update_facility(
    session: Session,
    facility_id: int,
    feature: FacilityUpdateFeature,
    *,
    crs: str,
    if_match: str | None = None,
) -> tuple[FacilityFeature, str]:
    """Apply a partial update; optimistic locking by If-Match or the ``version`` property."""
    changes: dict[str, Any] = (
        feature.properties.model_dump(exclude_unset=True) if feature.properties else {}
    )
    version = changes.pop("version", None)
    with lost_race("facility", facility_id), transaction(session):
        facility, city = _get(session, facility_id, lock=True)
        check_version(facility, "facility", if_match=if_match, version=version, required=True)
        # the capacities as stored, then the ones this update sets
        stored = {name: getattr(facility, name) for pair in CAPACITY_WITHIN for name in pair}
        check_capacities(stored | changes)
        # locate before changing anything: one flush, one version step
        if feature.geometry is not None:
            lon, lat = feature.geometry.coordinates[0], feature.geometry.coordinates[1]
            located = locate_point(session, lon, lat, crs=crs)
            facility.geom = f"SRID=4326;POINT({located.lon!r} {located.lat!r})"  # type: ignore[assignment]
            facility.region_adcode = located.region_adcode
            city = located.city_adcode
        apply_changes(session, facility, changes)
        return _to_feature(facility, city), etag(facility)


def delete_facility(session: Session, facility_id: int, *, if_match: str | None = None) -> None:
    """Delete a facility; scenarios that change it keep those changes, flagged (migration 0009)."""
    with lost_race("facility", facility_id), transaction(session):
        facility, _ = _get(session, facility_id, lock=True)
        check_version(facility, "facility", if_match=if_match, version=None)
        session.delete(facility)
