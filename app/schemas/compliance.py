"""Compliance I/O: rule × region results of a run, coverage statistics, and gap zones (GeoJSON).

The result object is the same in the API and in ``fplan check --format json``.
"""

from datetime import datetime
from typing import Any, Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import BaseModel, Field

from app.schemas.norms import CitationPublic

ReportFormat = Literal["json", "csv"]
CoverageMode = Literal["walk", "drive", "ems"]


class ComplianceResult(BaseModel):
    """One rule checked in one region."""

    region_adcode: str
    region_name: str
    rule_id: str
    kind: str
    value: float | None = Field(description="what was measured, in unit; null when unknown")
    target: float | None = Field(description="what the rule requires, in unit")
    passed: bool | None = Field(description="null when the data cannot tell")
    shortfall: float | None = Field(description="how much is missing, in shortfall_unit")
    shortfall_unit: str = Field(description="ambulances, beds, residents, GPs …")
    shortfall_text: str = Field(description='e.g. "needs 14 more ambulances"')
    unit: str = Field(description="unit of value and target")
    citation: CitationPublic
    citations: list[CitationPublic]


class ComplianceReport(BaseModel):
    """Every norm of a city's plan checked in every region it applies to."""

    city: str = Field(description="adcode of the city the plan governs")
    city_name: str
    scenario_id: int | None = Field(
        default=None, description="the scenario evaluated; null for the baseline register"
    )
    run_id: int
    created_at: datetime
    reused: bool = Field(description="true when a stored run with the same inputs was returned")
    synthetic: bool = Field(description="true when the network or facilities are synthetic")
    network_id: int
    timings: dict[str, Any] = Field(description="seconds per step of the run that computed it")
    results: list[ComplianceResult]


class CoverageRegion(BaseModel):
    """Residents of one region within reach of the chosen facilities (persons)."""

    region_adcode: str
    region_name: str
    population: int
    covered: int
    covered_share: float | None
    urban_population: int
    urban_covered: int
    rural_population: int
    rural_covered: int
    off_network: int = Field(description="residents farther than the snap limit from any road")


class CoverageReport(BaseModel):
    city: str
    facility_types: list[str]
    mode: CoverageMode
    direction: str
    minutes: float
    facilities: int = Field(description="facilities of the chosen types in the city")
    network_id: int
    synthetic: bool
    regions: list[CoverageRegion] = Field(description="the city first, then its units")


class GapProperties(BaseModel):
    """An underserved zone: connected population cells a spatial rule finds beyond reach."""

    rule_id: str
    rule_title_en: str
    kind: str
    region_adcode: str
    region_name: str
    residents: int = Field(description="residents of the zone beyond the rule's reach")
    cells: int = Field(description="population cells dissolved into the zone")
    region_passed: bool | None = Field(description="the rule's verdict for the whole region")
    region_shortfall_text: str
    run_id: int
    synthetic: bool
    citation: CitationPublic


GapFeature = Feature[Polygon | MultiPolygon, GapProperties]
GapCollection = FeatureCollection[GapFeature]
