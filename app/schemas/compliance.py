"""Compliance I/O: rule × region results of a run, coverage statistics, and gap zones (GeoJSON).

The result object is the same in the API and in ``fplan check --format json``.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import BaseModel, Field

from app.schemas.norms import BaselinePublic, CitationPublic

ReportFormat = Literal["json", "csv", "xlsx", "geojson", "gpkg"]
CoverageMode = Literal["walk", "drive", "ems"]
ResultStatus = Literal["pass", "fail", "unknown", "info", "not_applicable"]


if TYPE_CHECKING:
    from geo.messages import Lang


class ComplianceResult(BaseModel):
    """One rule checked in one region, with what the verdict rests on."""

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
    status: ResultStatus = Field(
        description=(
            "pass, fail, unknown (the data cannot tell), info (a unit's value beside a city-wide "
            "target, not judged) or not_applicable (a zone, whose residents count in its host)"
        )
    )
    shortfall_text_zh: str | None = Field(description="the outcome in Chinese, where worded")
    unknown_facilities: int = Field(
        description="facilities whose counted capacity is unknown; value is then the known part"
    )
    title_zh: str
    title_en: str
    binding: Literal["binding", "expected"] | None = Field(
        description="the plan's label: binding (约束性) or expected (预期性); null when none"
    )
    year: int | None = Field(description="the year the target is for")
    baseline: BaselinePublic | None = Field(
        description="the plan's own figure in its base year, in unit (so a gap reads as progress)"
    )
    target_scope: Literal["city", "unit"] = Field(
        description="city: a city-wide target judged on the city row only; unit: every unit"
    )
    interpretation: str | None = Field(
        description="how the catalogue reads the plan here, in the reader's language (lang)"
    )
    interpretation_zh: str | None = Field(default=None, description="the reading in Chinese")
    interpretation_en: str | None = Field(default=None, description="the reading in English")
    message: str | None = Field(
        default=None,
        description="the outcome sentence (verdict, value against target, shortfall) in the "
        "reader's language (lang or Accept-Language; Chinese by default)",
    )

    def reading(self, lang: "Lang") -> str | None:
        """The interpretation in ``lang`` (None when the catalogue gives none)."""
        return self.interpretation_en if lang == "en" else self.interpretation_zh

    def outcome(self, lang: "Lang") -> str:
        """The outcome sentence in ``lang`` (exports, the report and ``fplan check``)."""
        from geo import messages

        return messages.outcome(
            self.status,
            shortfall=self.shortfall,
            shortfall_unit=self.shortfall_unit,
            text_en=self.shortfall_text,
            text_zh=self.shortfall_text_zh,
            lang=lang,
            value=self.value,
            target=self.target,
            unit=self.unit,
        )


class PlanPublic(BaseModel):
    """The plan a city's norms come from."""

    document: str = Field(description="seed plan text")
    plan_title_zh: str
    plan_title_en: str
    document_number: str | None = Field(description="the plan's 文号; null when none printed")
    issuer_zh: str = Field(description="the issuing body (发文机关)")


class DataGapPublic(BaseModel):
    """A norm of the plan the facility register cannot evaluate, listed once for the city."""

    rule_id: str
    kind: str
    title_zh: str
    title_en: str
    data_gap: str = Field(description="why it cannot be evaluated, in the reader's language")
    data_gap_zh: str = Field(description="why, in Chinese")
    data_gap_en: str = Field(description="why, in English")
    needs: list[str] = Field(description="ids of the register fields or data sets it needs")
    needs_labels: list[str] = Field(
        description="what it needs, worded in the reader's language (e.g. 床位数 / beds)"
    )
    applies_to: list[str]
    binding: Literal["binding", "expected"] | None
    year: int | None
    interpretation: str | None = Field(description="the reading, in the reader's language")
    interpretation_zh: str | None = None
    interpretation_en: str | None = None
    citation: CitationPublic
    citations: list[CitationPublic]

    def why(self, lang: "Lang") -> str:
        """Why the rule cannot be evaluated, in ``lang``."""
        return self.data_gap_en if lang == "en" else self.data_gap_zh

    def needs_in(self, lang: "Lang") -> list[str]:
        """What the rule needs, as labels in ``lang`` (never the field ids)."""
        from geo import messages

        return [messages.need_label(need, lang) for need in self.needs]

    def for_reader(self, lang: "Lang") -> "DataGapPublic":
        """A copy whose reader fields (``data_gap``, ``needs_labels``, …) are in ``lang``."""
        reading = self.interpretation_en if lang == "en" else self.interpretation_zh
        return self.model_copy(
            update={
                "data_gap": self.why(lang),
                "needs_labels": self.needs_in(lang),
                "interpretation": reading,
            }
        )


class PopulationSourcePublic(BaseModel):
    """Where the residents of a population surface come from."""

    kind: Literal["census_spread", "raster", "points"] = Field(
        description="census_spread: the 2020 census spread by street length; raster or points: "
        "an imported file"
    )
    file: str | None = Field(default=None, description="the imported file's name")
    file_date: str | None = Field(
        default=None, description="the file's modification day (ISO 8601)"
    )
    imported_at: str | None = Field(default=None, description="the import's day (ISO 8601)")
    calibrate: Literal["census", "none"] | None = Field(
        default=None, description="census: each county sums to its 2020 census total"
    )


class RegionBasisPublic(BaseModel):
    """What a region's figures rest on: residents on real roads, real facilities."""

    region_adcode: str
    region_name: str
    residents: int = Field(description="residents of the population surface, persons")
    residents_on_real_roads: int = Field(description="of them, analysed on real roads")
    real_road_share: float | None = Field(description="residents on real roads / residents")
    facilities_real: int = Field(description="facilities from a real source (a register …)")
    facilities_synthetic: int = Field(description="generated facilities (labelled synthetic)")
    real_facility_share: float | None = Field(description="real / all facilities")


class DataBasisPublic(BaseModel):
    """What a city's results rest on: its network, its population source, real shares."""

    network_id: int
    network_source: str = Field(description="the network's source (a file name, or synthetic)")
    network_synthetic: bool
    population: PopulationSourcePublic | None = Field(
        description="the population surface's source; null when the city has none"
    )
    regions: list[RegionBasisPublic] = Field(description="the city first, then its units")


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
    real_road_share: float | None = Field(
        default=None,
        description="share (0–1) of the residents analysed on real roads (the real part of "
        "their population cell's street length); null without a population surface",
    )
    timings: dict[str, Any] = Field(description="seconds per step of the run that computed it")
    plan: PlanPublic
    counts: dict[ResultStatus, int] = Field(description="result rows per status")
    results: list[ComplianceResult]
    data_gaps: list[DataGapPublic] = Field(
        description="norms the register cannot evaluate, once each (never per-region rows)"
    )
    basis: DataBasisPublic | None = Field(
        default=None,
        description="what the figures rest on: residents on real roads, the population "
        "source, real vs synthetic facilities, for the city and each unit",
    )

    def for_reader(self, lang: "Lang") -> "ComplianceReport":
        """A copy whose sentences for the reader (interpretations, data gaps) are in ``lang``."""
        results = [
            r.model_copy(update={"interpretation": r.reading(lang), "message": r.outcome(lang)})
            for r in self.results
        ]
        gaps = [gap.for_reader(lang) for gap in self.data_gaps]
        return self.model_copy(update={"results": results, "data_gaps": gaps})


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
    area_km2: float = Field(description="the zone's area (km², equal-area projection)")
    residents_per_km2: float | None = Field(
        description="residents beyond reach per km² of the zone; null for a zone of no area"
    )
    region_passed: bool | None = Field(description="the rule's verdict for the whole region")
    region_shortfall_text: str
    run_id: int
    synthetic: bool
    citation: CitationPublic


GapFeature = Feature[Polygon | MultiPolygon, GapProperties]
GapCollection = FeatureCollection[GapFeature]
