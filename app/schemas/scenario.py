"""Scenario I/O: the ladder Base / Create / Update / Public, changes, quick diffs and diffs.

A change is one of four kinds, told apart by ``kind``: ``add`` a facility (a Point and the
facility's properties, as ``POST /facilities`` takes them), ``close`` one, ``move`` one (a new
Point), or ``update`` its capacities, fleet, grade or services. Points are longitude, latitude in
``crs`` (default WGS84) and are stored in WGS84.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Point, Polygon
from pydantic import BaseModel, ConfigDict, Field

from app.schemas._text import PlainText
from app.schemas.facility import FacilityChanges, FacilityCreate, InputCrs

CityCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="6-digit adcode")]
# a scenario is a planner's sketch, not a register: a few hundred changes at most
MAX_CHANGES = 500


class ScenarioBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)
    description: PlainText = Field(default="", max_length=10_000)
    shared: bool = Field(default=False, description="visible to every planner of the city")


# ---- changes


class AddChange(BaseModel):
    """Add a proposed facility at a point."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["add"]
    geometry: Point
    properties: FacilityCreate
    crs: InputCrs = Field(default="wgs84", description="datum of the coordinates")


class CloseChange(BaseModel):
    """Close a facility of the register (in the scenario only)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["close"]
    facility_id: int = Field(ge=1)


class MoveChange(BaseModel):
    """Move a facility of the register to another point."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["move"]
    facility_id: int = Field(ge=1)
    geometry: Point
    crs: InputCrs = Field(default="wgs84", description="datum of the coordinates")


class UpdateChange(BaseModel):
    """Change a facility's capacities, fleet, grade or services."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["update"]
    facility_id: int = Field(ge=1)
    properties: FacilityChanges


ChangeIn = Annotated[
    AddChange | CloseChange | MoveChange | UpdateChange, Field(discriminator="kind")
]


class ChangePublic(BaseModel):
    id: int
    seq: int = Field(description="order of application within the scenario")
    kind: Literal["add", "close", "move", "update"]
    facility_id: int | None = Field(description="the register's facility; null for an add")
    facility_name: str | None = Field(description="its name (an add: the new facility's)")
    properties: dict[str, Any] = Field(description="add: all properties; update: those changed")
    geometry: Point | None = Field(description="add / move: the point, WGS84")
    region_adcode: str | None = Field(description="add / move: the county-level unit of the point")
    facility_missing: bool = Field(
        default=False,
        description="the facility has left the register since: the change no longer applies",
    )
    created_at: datetime


# ---- scenarios


class ScenarioCreate(ScenarioBase):
    """A new scenario; its author is the holder of the API token that creates it."""

    city: CityCode
    changes: list[ChangeIn] = Field(default_factory=list, max_length=MAX_CHANGES)


class ScenarioUpdate(BaseModel):
    """Partial update of the scenario's own fields; changes are added with ``/changes``."""

    model_config = ConfigDict(extra="forbid")

    name: PlainText | None = Field(default=None, min_length=1, max_length=200)
    description: PlainText | None = Field(default=None, max_length=10_000)
    shared: bool | None = None
    # optimistic locking: the version the client last read (alternative to If-Match)
    version: int | None = Field(default=None, ge=1)


class ScenarioSummary(ScenarioBase):
    id: int
    city: str
    author: str = Field(description="the API token holder who created it")
    version: int
    n_changes: int
    created_at: datetime
    updated_at: datetime


class ScenarioPublic(ScenarioSummary):
    changes: list[ChangePublic]


class ScenarioList(BaseModel):
    scenarios: list[ScenarioSummary]


# ---- quick diff of one added site


class RegionQuickDiff(BaseModel):
    """One spatial rule in one region, before and after the change."""

    region_adcode: str
    region_name: str
    value_before: float | None = Field(description="share of counted residents covered")
    value_after: float | None
    passed_before: bool | None
    passed_after: bool | None
    shortfall_before: float | None = Field(description="residents to bring within reach")
    shortfall_after: float | None
    residents_gained: int = Field(description="residents newly within the rule's reach")


class RuleQuickDiff(BaseModel):
    rule_id: str
    kind: str
    method: Literal["incremental", "full"] = Field(
        description="incremental: one bounded search from the new site merged with the "
        "scenario's previous times; full: the rule's searches were run again"
    )
    regions: list[RegionQuickDiff]


class QuickDiff(BaseModel):
    """What one added site changes in the spatial rules, against the scenario's previous state."""

    ms: float = Field(description="time to evaluate the change once the inputs are loaded, ms")
    setup_ms: float = Field(description="time to load the inputs and previous times, ms")
    previous_in_memory: bool = Field(
        description="the previous state's travel times were kept from an earlier change"
    )
    off_network: bool = Field(description="the new site is farther than the snap limit from roads")
    rules: list[RuleQuickDiff] = Field(description="the spatial rules the new facility counts for")


class ChangeResult(BaseModel):
    scenario: ScenarioPublic
    change: ChangePublic
    quick_diff: QuickDiff | None = Field(
        description="for an add: the spatial rules re-checked incrementally (null when the "
        "city has no plan or is not prepared); the full report is at "
        "GET /compliance?city=…&scenario=…"
    )


# ---- diff against the baseline

Flip = Literal["fail_to_pass", "pass_to_fail", "to_unknown", "from_unknown"]


class RuleRegionDiff(BaseModel):
    """One rule in one region: the baseline against the scenario."""

    rule_id: str
    kind: str
    region_adcode: str
    region_name: str
    unit: str
    shortfall_unit: str
    value_before: float | None
    value_after: float | None
    passed_before: bool | None
    passed_after: bool | None
    flip: Flip | None = Field(description="how the verdict changed; null when it did not")
    shortfall_before: float | None
    shortfall_after: float | None
    residents_gained: int | None = Field(
        description="spatial rules: residents the scenario brings within reach (null otherwise)"
    )
    residents_lost: int | None = Field(description="spatial rules: residents it leaves beyond")


class GapChangeProperties(BaseModel):
    """A gap zone that appears or vanishes under the scenario."""

    rule_id: str
    region_adcode: str
    region_name: str
    change: Literal["appeared", "vanished"]
    residents: int = Field(description="residents of the zone's cells")
    cells: int


GapChangeFeature = Feature[Polygon | MultiPolygon, GapChangeProperties]
GapChangeCollection = FeatureCollection[GapChangeFeature]


class StillMissing(BaseModel):
    """A capacity the plan requires that the scenario still lacks (ambulances, beds …)."""

    rule_id: str
    region_adcode: str
    region_name: str
    shortfall_unit: str
    before: float | None
    after: float
    text: str


class DiffSummary(BaseModel):
    fail_to_pass: int
    pass_to_fail: int
    residents_gained: dict[str, int] = Field(description="per spatial rule, city-wide")
    residents_lost: dict[str, int]


class ScenarioDiff(BaseModel):
    scenario_id: int
    city: str
    baseline_run_id: int
    scenario_run_id: int
    synthetic: bool
    summary: DiffSummary
    rules: list[RuleRegionDiff] = Field(description="every rule × region, in report order")
    gaps: GapChangeCollection = Field(description="gap zones that appear or vanish (WGS84)")
    still_missing: list[StillMissing]
