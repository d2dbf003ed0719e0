"""Region I/O: administrative units with their 2020 census and GHSL settlement shares, as GeoJSON.

Regions are reference data loaded by ``fplan load hunan``; the API only reads them, so the ladder
stops at ``RegionPublic``.
"""

from typing import Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon
from pydantic import BaseModel, Field

RegionLevel = Literal["province", "prefecture", "district", "county", "county_city", "zone"]


class RegionPublic(BaseModel):
    """Properties of one region; shares are fractions of the residents (0..1)."""

    adcode: str = Field(pattern=r"^[0-9]{6}$", description="6-digit administrative code")
    name: str
    level: RegionLevel
    parent_adcode: str | None = Field(description="the enclosing unit (host county for a zone)")
    city_adcode: str | None = Field(description="the prefecture-level city it belongs to")
    population: int | None = Field(description="residents at the 2020 census (2020-11-01)")
    urban_share: float | None = Field(description="census urban share of the residents")
    ghsl_population: int | None = Field(description="GHS-POP R2023A residents (2020)")
    ghsl_urban_centre_share: float | None
    ghsl_dense_cluster_share: float | None
    ghsl_semi_dense_share: float | None
    ghsl_suburban_share: float | None
    ghsl_rural_cluster_share: float | None
    ghsl_low_density_rural_share: float | None
    ghsl_very_low_density_rural_share: float | None
    has_polygon: bool = Field(description="false for development zones, which have no boundary")


# geometry is null for zones (Feature allows a null geometry)
RegionFeature = Feature[MultiPolygon, RegionPublic]
RegionCollection = FeatureCollection[RegionFeature]


class RegionQuery(BaseModel):
    """Filters of ``GET /regions``."""

    city: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    level: RegionLevel | None = None
    # minlon, minlat, maxlon, maxlat in WGS84 degrees
    bbox: tuple[float, float, float, float] | None = None
