"""Site optimisation I/O: where to put new facilities (LSCP, MCLP, p-median) and what it gains.

The norm is a plan rule (``rule_id``: its facilities, thresholds and urban/rural split) or a bare
threshold (``minutes`` with a ``mode``, or a straight ``radius_km``); exactly one is given.
Candidates are points or existing facilities (``facility_id``), ``"gaps"`` (network nodes where
residents are beyond the norm, thinned to one per ``spacing_m`` square) or
``"upgrade:<type>,<type>"`` (existing facilities of those types, e.g. township health centres that
could host an EMS station).
"""

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from app.schemas.facility import FacilityType, InputCrs
from app.schemas.scenario import MAX_CHANGES
from geo import terms
from geo.messages.pydantic import WordedValueError

OptimizeModel = Literal["lscp", "mclp", "pmedian", "ems"]
OptimizeMode = Literal["walk", "drive", "ems"]
FACILITY_TYPES = frozenset(terms.FACILITY_TYPES)
# candidate points a request may list: a planner's shortlist, not a grid; the solver's own cap
# (app.services.optimize.MAX_CANDIDATES), checked here so a longer list costs no work
MAX_CANDIDATE_POINTS = 3000
# "gaps" candidates one request weighs at most: the squares are widened until they fit (a
# prefecture's EMS radius, Yongzhou, solves in seconds at this size)
MAX_GAP_CANDIDATES = 2500


class CandidatePoint(BaseModel):
    """A candidate site: a point (``lon``, ``lat`` in ``crs``) or a facility to upgrade."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    lon: float | None = None
    lat: float | None = None
    facility_id: int | None = Field(default=None, ge=1, description="upgrade this facility")
    name: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_form(self) -> "CandidatePoint":
        point = self.lon is not None and self.lat is not None
        if point == (self.facility_id is not None) or (self.lon is None) != (self.lat is None):
            raise WordedValueError("error.optimize.candidate_form")
        return self


def parse_candidate_spec(value: str) -> tuple[str, tuple[str, ...]]:
    """``"gaps"`` → ("gaps", ()); ``"upgrade:a,b"`` → ("upgrade", (a, b)); else ValueError."""
    if value == "gaps":
        return "gaps", ()
    kind, _, rest = value.partition(":")
    types = tuple(t.strip() for t in rest.split(",") if t.strip())
    if kind != "upgrade" or not types:
        raise WordedValueError("error.optimize.candidate_spec")
    unknown = [t for t in types if t not in FACILITY_TYPES]
    if unknown:
        known = ", ".join(sorted(FACILITY_TYPES))
        raise WordedValueError(
            "error.optimize.unknown_types", types=", ".join(unknown), known=known
        )
    return kind, types


def _candidate_form(value: Any) -> str:
    return "spec" if isinstance(value, str) else "points"


# a tagged union, so that an error names candidates.points.<i> rather than pydantic's inner types
Candidates = Annotated[
    Annotated[list[CandidatePoint], Tag("points")] | Annotated[str, Tag("spec")],
    Discriminator(_candidate_form),
]


class OptimizeRequest(BaseModel):
    """Where to open new sites so more residents meet a norm."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    city: Annotated[str, Field(pattern=r"^[0-9]{6}$", description="6-digit adcode")]
    model: OptimizeModel = Field(
        description="lscp: fewest sites covering everyone; mclp: k sites covering the most "
        "residents; pmedian: k sites minimising total travel; ems: EMS stations (at most k new) "
        "and the plan's ambulance fleet together, maximising expected coverage (MEXCLP)"
    )
    rule_id: str | None = Field(default=None, min_length=1, max_length=100)
    minutes: float | None = Field(default=None, gt=0, le=240)
    radius_km: float | None = Field(default=None, gt=0, le=200)
    mode: OptimizeMode | None = Field(
        default=None, description="with minutes: walk, drive (default) or ems (from the site)"
    )
    k: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="sites to open (mclp, pmedian); ems: most new stations (default: as many as "
        "the fleet allows)",
    )
    calls_per_1000_per_year: float | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="ems: EMS calls per 1,000 residents a year (assumption, default 30)",
    )
    minutes_per_call: float | None = Field(
        default=None,
        gt=0,
        le=600,
        description="ems: minutes an ambulance is taken by one call (assumption, default 60)",
    )
    facility_type: FacilityType | None = Field(
        default=None, description="type of the new sites; default: the rule's first type"
    )
    candidates: Candidates = Field(
        default="gaps", description='points, "gaps" or "upgrade:<type>[,<type>…]"'
    )
    spacing_m: float | None = Field(
        default=None,
        ge=50,
        le=50_000,
        description='"gaps": one candidate per square of this side, metres, where the limit is '
        "smallest (wider in proportion where it is longer, e.g. rural); default: a fifth of a "
        "radius, 1 km for a travel time. Widened by doubling until the candidates fit "
        f"{MAX_GAP_CANDIDATES}",
    )
    crs: InputCrs = Field(default="wgs84", description="datum of candidate points")
    time_limit_s: float = Field(default=60.0, gt=0, le=600, description="solver time limit")
    save_as_scenario: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=(
            "store the sites as a scenario (ems: the new stations with their ambulances, and "
            "the register stations' new fleet)"
        ),
    )
    scenario_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="choose on top of this scenario of the city: its changes are applied first",
    )

    @field_validator("candidates")
    @classmethod
    def _candidates(cls, value: list[CandidatePoint] | str) -> list[CandidatePoint] | str:
        if isinstance(value, str):
            parse_candidate_spec(value)
        elif not value:
            raise WordedValueError("error.optimize.no_points")
        elif len(value) > MAX_CANDIDATE_POINTS:
            raise WordedValueError("error.optimize.many_points", n=MAX_CANDIDATE_POINTS)
        return value

    @model_validator(mode="after")
    def _savable(self) -> "OptimizeRequest":
        # a scenario holds at most MAX_CHANGES changes: refuse before solving, not after
        if self.save_as_scenario is not None and self.k is not None and self.k > MAX_CHANGES:
            raise WordedValueError("error.optimize.k_savable", n=MAX_CHANGES)
        return self


class ChosenSite(BaseModel):
    rank: int = Field(description="1 = brings the most; sites are listed in this order")
    lon: float = Field(description="WGS84")
    lat: float
    type: str = Field(description="type of the new facility (or the upgrade)")
    name: str
    facility_id: int | None = Field(description="upgrade: the existing facility")
    residents: float = Field(
        description="mclp, lscp: residents it newly covers; pmedian: residents it serves"
    )
    marginal: float = Field(
        description="what it adds given the sites ranked before it: residents newly covered "
        "(mclp, lscp) or travel saved (pmedian, resident-seconds or resident-metres)"
    )
    ambulances: int | None = Field(default=None, description="ems: ambulances it gets")
    county_adcode: str | None = Field(description="county-level unit it lies in")
    county_name: str | None
    road: str | None = Field(description="class of the nearest drivable road (OSM highway)")
    road_m: float | None = Field(description="straight distance to that road's node, metres")


class EmsCounty(BaseModel):
    adcode: str
    name: str
    residents: float
    stations_before: int
    stations_after: int
    fleet_required: int = Field(description="ambulances the plan's fleet rule requires")
    fleet_before: int
    fleet_after: int
    covered_before: float = Field(description="residents within reach of a station's ambulance")
    covered_after: float
    expected_before: float = Field(description="expected residents served, ambulances busy")
    expected_after: float


class EmsStation(BaseModel):
    facility_id: int | None = Field(description="the register's facility (None: not stored)")
    ref: str = Field(description="its id in the evaluation (add-<n> for a proposed one)")
    name: str
    ambulances_before: int
    ambulances_after: int


class EmsSummary(BaseModel):
    busy_fraction: float = Field(description="share of time an ambulance is busy (MEXCLP q)")
    calls_per_1000_per_year: float = Field(description="assumption behind busy_fraction")
    minutes_per_call: float = Field(description="assumption behind busy_fraction")
    fleet_required: int
    fleet_before: int
    fleet_after: int
    stations_before: int
    stations_after: int
    new_stations: int
    stations_without_ambulance: int = Field(description="after the plan: always 0")
    covered_before: float
    covered_after: float
    expected_before: float
    expected_after: float
    counties: list[EmsCounty]
    stations: list[EmsStation] = Field(description="existing stations and their fleet")


class OptimizeResult(BaseModel):
    city: str
    model: OptimizeModel
    k: int | None
    rule_id: str | None
    norm: str = Field(description="the threshold used, in words")
    chosen: list[ChosenSite]
    objective: float = Field(
        description="lscp: sites; mclp: residents newly covered; pmedian: resident-seconds "
        "(or resident-metres for a radius) of travel, existing facilities included"
    )
    population_total: float = Field(description="residents the norm counts")
    population_baseline: float = Field(description="of them covered by the existing facilities")
    population_covered: float = Field(description="covered once the chosen sites open")
    gain: float | None = Field(
        description="mclp, lscp: residents newly covered; pmedian: travel saved; null: infinite"
    )
    uncovered_residents: float = Field(
        description="mclp, lscp: residents still beyond the norm after the chosen sites open; "
        "pmedian: residents neither an existing facility nor a chosen site reaches"
    )
    unreachable_residents: float = Field(
        description="of them, residents no candidate reaches: no choice of sites covers them"
    )
    exact: bool
    bound: float | None = Field(description="proven bound on the optimum")
    gap: float = Field(description="relative gap between objective and bound; 0: proven optimal")
    bound_source: str = Field(description="milp, lp, lagrangian, greedy or trivial")
    gap_zh: str = Field(description="the gap to the bound in plain words, Chinese")
    gap_en: str = Field(description="the same in English")
    summary_zh: str = Field(description="what the result means, Chinese")
    summary_en: str = Field(description="the same in English")
    solver: str
    solve_s: float
    status: str
    candidates: int
    candidate_spacing_m: float | None = Field(
        description='"gaps": the square side used where the limit is smallest, metres'
    )
    candidates_s: float = Field(description="time to generate the candidates, seconds")
    demand_cells: int
    matrix_s: float = Field(description="time to build the cost matrix, seconds")
    synthetic: bool
    scenario_id: int | None = Field(description="the scenario the sites were saved as")
    notes: list[str]
    notes_zh: list[str] = Field(description="the notes in Chinese")
    ems: EmsSummary | None = Field(default=None, description="model ems: stations and fleet")
