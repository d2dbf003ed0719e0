"""The controlled vocabulary shared by the norm catalogue, the evaluators and their inputs.

The facility types, grades, ownerships, capacity fields, service flags and region levels mirror the
facility register and the region table of the service, so a catalogue rule can only name things the
data can hold.
"""

from enum import StrEnum

# the register's vocabulary lives in geo.terms; the catalogue names it through this module
from geo.terms import (
    GRADE_RANK,
    CapacityField,
    Direction,
    FacilityType,
    Grade,
    Ownership,
    RegionLevel,
    ServiceFlag,
    TravelMode,
)

__all__ = [
    "GRADE_RANK",
    "Binding",
    "CapacityField",
    "Direction",
    "FacilityType",
    "Grade",
    "Ownership",
    "RegionLevel",
    "ServiceFlag",
    "TravelMode",
]


class RuleKind(StrEnum):
    """What a norm measures, and so which evaluator checks it."""

    TRAVEL_TIME_COVERAGE = "travel_time_coverage"
    RADIUS_COVERAGE = "radius_coverage"
    EMS_RESPONSE = "ems_response"
    FLEET_RATIO = "fleet_ratio"
    RESOURCE_RATIO = "resource_ratio"
    FACILITY_PER_POPULATION = "facility_per_population"
    PRESENCE = "presence"
    STAFFING = "staffing"
    CITY_TOTAL = "city_total"


# these need the road network and the population surface; the others need counts only
SPATIAL_KINDS = frozenset(
    {RuleKind.TRAVEL_TIME_COVERAGE, RuleKind.RADIUS_COVERAGE, RuleKind.EMS_RESPONSE}
)


class Scope(StrEnum):
    """Where a rule applies: the plan's city, county-level units, settlement types, sub-units.

    ``city`` is the unit the plan governs (a prefecture, or Jishou, a county-level city);
    ``district`` … ``zone`` are the county-level units inside it; ``urban`` and ``rural`` select
    population cells for the spatial rules; ``township`` and ``subdistrict`` (街道) name the
    sub-county units a per-unit rule counts.
    """

    CITY = "city"
    DISTRICT = "district"
    COUNTY = "county"
    COUNTY_CITY = "county_city"
    ZONE = "zone"
    URBAN = "urban"
    RURAL = "rural"
    TOWNSHIP = "township"
    SUBDISTRICT = "subdistrict"


# the scopes that produce one result row per region of that level
REGION_SCOPES = frozenset({Scope.CITY, Scope.DISTRICT, Scope.COUNTY, Scope.COUNTY_CITY, Scope.ZONE})
SETTLEMENT_SCOPES = frozenset({Scope.URBAN, Scope.RURAL})


class DistanceKind(StrEnum):
    """How a radius is measured: straight line, or along the road network."""

    STRAIGHT = "straight"
    NETWORK = "network"


class PopulationBasis(StrEnum):
    """Which residents of a region a per-population rule counts."""

    TOTAL = "total"
    URBAN = "urban"
    RURAL = "rural"


class Binding(StrEnum):
    """The plan's label for a target: 约束性 (binding) or 预期性 (expected)."""

    BINDING = "binding"
    EXPECTED = "expected"


class TargetScope(StrEnum):
    """Whether a target holds for the city as a whole or in every unit.

    ``city``: a city-wide indicator (全市每千常住人口…): pass/fail on the city row only, the
    county-level rows are information. ``unit``: every unit row is judged.
    """

    CITY = "city"
    UNIT = "unit"


class Status(StrEnum):
    """The outcome of one rule in one region.

    ``info``: a value shown for a unit against a city-wide target, not judged;
    ``not_applicable``: the rule cannot apply to the region (a zone with no host unit, no
    ambulances to take a share of).
    """

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    UNKNOWN = "unknown"
    INFO = "info"
    NOT_APPLICABLE = "not_applicable"
