"""Covered areas of a spatial norm, as GeoJSON: where its qualifying facilities reach.

One feature per county-level unit and threshold of the rule (urban and rural apart when they
differ), WGS84, simplified for the map.
"""

from typing import Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import BaseModel, Field


class CoverageAreaProperties(BaseModel):
    """The area of one county-level unit a rule's facilities reach within one threshold."""

    rule_id: str
    kind: str = Field(description="travel_time_coverage, radius_coverage or ems_response")
    region_adcode: str
    region_name: str
    settlement: Literal["urban", "rural", "all"] = Field(
        description="the residents the threshold holds for"
    )
    threshold: float = Field(description="in threshold_unit")
    threshold_unit: Literal["minutes", "km"]
    measure: Literal["travel_time", "network_distance", "straight_distance"]
    mode: str | None = Field(description="walk, drive or ems; null for a straight-line radius")
    direction: str | None = Field(description="to_facility or from_facility")
    facilities: int = Field(description="facilities of the city that qualify for the rule")
    residents_counted: int = Field(
        description="residents of the unit held to this threshold (the rule's evaluation)"
    )
    residents_covered: int = Field(description="of them within reach, as the evaluation counts")
    area_km2: float = Field(description="area of the polygon, km² (measured in UTM)")
    scenario_id: int | None = Field(description="the scenario drawn; null for the baseline")
    synthetic: bool = Field(description="true when the network or facilities are synthetic")


CoverageAreaFeature = Feature[Polygon | MultiPolygon, CoverageAreaProperties]
CoverageAreaCollection = FeatureCollection[CoverageAreaFeature]
