"""The controlled vocabulary shared by the norm catalogue, the evaluators and their inputs.

The facility types, grades, ownerships, capacity fields, service flags and region levels mirror the
facility register and the region table of the service, so a catalogue rule can only name things the
data can hold.
"""

from enum import StrEnum


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


# these need the road network and the population surface; the others need counts only
SPATIAL_KINDS = frozenset(
    {RuleKind.TRAVEL_TIME_COVERAGE, RuleKind.RADIUS_COVERAGE, RuleKind.EMS_RESPONSE}
)


class FacilityType(StrEnum):
    """Kinds of health facility in the register."""

    GENERAL_HOSPITAL = "general_hospital"
    TCM_HOSPITAL = "tcm_hospital"
    MATERNAL_CHILD_HOSPITAL = "maternal_child_hospital"
    SPECIALTY_HOSPITAL = "specialty_hospital"
    PSYCHIATRIC_HOSPITAL = "psychiatric_hospital"
    TOWNSHIP_HEALTH_CENTER = "township_health_center"
    COMMUNITY_HEALTH_CENTER = "community_health_center"
    COMMUNITY_HEALTH_STATION = "community_health_station"
    VILLAGE_CLINIC = "village_clinic"
    EMS_CENTER = "ems_center"
    EMS_STATION = "ems_station"


class Grade(StrEnum):
    """Hospital grade (三级 / 二级 / 一级 / ungraded)."""

    TERTIARY = "tertiary"
    SECONDARY = "secondary"
    PRIMARY = "primary"
    NONE = "none"


# rank used to compare grades: a higher number is a higher grade
GRADE_RANK = {Grade.NONE: 0, Grade.PRIMARY: 1, Grade.SECONDARY: 2, Grade.TERTIARY: 3}


class Ownership(StrEnum):
    """Who runs a facility: government (公立) or private / social (民营, 社会办)."""

    PUBLIC = "public"
    PRIVATE = "private"


class CapacityField(StrEnum):
    """Countable capacities of a facility; each may be unknown in the data."""

    BEDS = "beds"
    ICU_BEDS = "icu_beds"
    PHYSICIANS = "physicians"
    NURSES = "nurses"
    GENERAL_PRACTITIONERS = "general_practitioners"
    PHARMACISTS = "pharmacists"
    AMBULANCES = "ambulances"
    NEGATIVE_PRESSURE_AMBULANCES = "negative_pressure_ambulances"


class ServiceFlag(StrEnum):
    """Services a facility hosts (always known: false when not recorded)."""

    PSYCHIATRIC_WARD = "psychiatric_ward"
    CRITICAL_MATERNAL_CENTRE = "critical_maternal_centre"
    CRITICAL_NEONATAL_CENTRE = "critical_neonatal_centre"
    EMS_STATION_HOSTED = "ems_station_hosted"


class RegionLevel(StrEnum):
    """Administrative level of a region (zones are development areas without a polygon)."""

    PROVINCE = "province"
    PREFECTURE = "prefecture"
    DISTRICT = "district"
    COUNTY = "county"
    COUNTY_CITY = "county_city"
    ZONE = "zone"


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


class TravelMode(StrEnum):
    """How people (or ambulances) travel on the road network."""

    WALK = "walk"
    DRIVE = "drive"


class Direction(StrEnum):
    """Which way a trip runs: residents to the facility, or a vehicle from it to residents."""

    TO_FACILITY = "to_facility"
    FROM_FACILITY = "from_facility"


class DistanceKind(StrEnum):
    """How a radius is measured: straight line, or along the road network."""

    STRAIGHT = "straight"
    NETWORK = "network"


class PopulationBasis(StrEnum):
    """Which residents of a region a per-population rule counts."""

    TOTAL = "total"
    URBAN = "urban"
    RURAL = "rural"
