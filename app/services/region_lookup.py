"""Points in regions: the county-level unit covering a point; input datums and ranges checked;
the region analysed as a city."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Region
from app.errors import InvalidInputError, NotFoundError, Worded
from app.services import city_rules
from geo.datum import to_wgs84

# the county-level units a facility belongs to (zones have no polygon)
COUNTY_LEVELS = city_rules.COUNTY_LEVELS


def get_city(session: Session, city_adcode: str) -> Region:
    """Return the region analysed as a city: a prefecture or a county-level unit."""
    region = session.get(Region, city_adcode)
    if region is None or region.level not in ("prefecture", *COUNTY_LEVELS):
        key = "error.city.unknown" if region is None else "error.city.not_a_city"
        raise NotFoundError.worded(key, field="city", city=city_adcode)
    return region


@dataclass(frozen=True)
class Located:
    lon: float
    lat: float
    region_adcode: str
    city_adcode: str | None


def _point(lon: float, lat: float):  # type: ignore[no-untyped-def]
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def find_county(session: Session, lon: float, lat: float) -> Region | None:
    """Return the county-level region whose polygon covers the WGS84 point, if any."""
    stmt = (
        select(Region)
        .where(Region.level.in_(COUNTY_LEVELS), func.ST_Covers(Region.geom, _point(lon, lat)))
        .order_by(func.ST_Area(Region.geom))
        .limit(1)
    )
    return session.scalars(stmt).first()


def range_error(lon: float, lat: float, *, field: str) -> Worded | None:
    """Why (lon, lat) in degrees cannot be a point on Earth, or None when it can."""
    if -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0:
        return None
    swapped = abs(lon) <= 90.0 < abs(lat) <= 180.0
    key = "error.point.range_swapped" if swapped else "error.point.range"
    return Worded(key, field=field, point=f"({lon}, {lat})")


def locate_point(
    session: Session, lon: float, lat: float, *, crs: str, field: str = "geometry.coordinates"
) -> Located:
    """Validate an input point, convert it to WGS84 and find its county.

    Raises :class:`InvalidInputError` naming ``field`` for out-of-range or swapped coordinates
    and for a point outside every region.
    """
    why = range_error(lon, lat, field=field)
    if why is not None:
        raise InvalidInputError.worded(why.key, field=field, point=why.fields["point"])
    wgs_lon, wgs_lat = (float(v) for v in to_wgs84(lon, lat, crs=crs))
    region = find_county(session, wgs_lon, wgs_lat)
    if region is None:
        swapped = False
        if abs(lon) <= 90.0:
            swapped_lon, swapped_lat = to_wgs84(lat, lon, crs=crs)
            swapped = find_county(session, float(swapped_lon), float(swapped_lat)) is not None
        key = "error.point.outside_swapped" if swapped else "error.point.outside"
        raise InvalidInputError.worded(key, field=field, point=f"({lon}, {lat}) [{crs}]")
    return Located(wgs_lon, wgs_lat, region.adcode, region.city_adcode)
