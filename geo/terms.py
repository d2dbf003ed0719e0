"""The register's vocabulary: facility types, grades, ownerships, capacities, services, levels.

One source of truth. The database's CHECK constraints, the API schemas, the importer, the demo
generator and the norm catalogue all derive their lists from these enums
(``tests/migrations/test_vocabulary.py`` pins the migrations' frozen copies to them).
"""

from enum import StrEnum
from typing import Final


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


# capacities that stay within another (part, whole): the register's CHECK constraints
CAPACITY_WITHIN: tuple[tuple[CapacityField, CapacityField], ...] = (
    (CapacityField.ICU_BEDS, CapacityField.BEDS),
    (CapacityField.NEGATIVE_PRESSURE_AMBULANCES, CapacityField.AMBULANCES),
)


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


class TravelMode(StrEnum):
    """How people (or ambulances) travel on the road network."""

    WALK = "walk"
    DRIVE = "drive"


class Direction(StrEnum):
    """Which way a trip runs: residents to the facility, or a vehicle from it to residents."""

    TO_FACILITY = "to_facility"
    FROM_FACILITY = "from_facility"


HOSPITAL_TYPES: Final = (
    FacilityType.GENERAL_HOSPITAL,
    FacilityType.TCM_HOSPITAL,
    FacilityType.MATERNAL_CHILD_HOSPITAL,
    FacilityType.SPECIALTY_HOSPITAL,
    FacilityType.PSYCHIATRIC_HOSPITAL,
)

# the same lists as plain strings, for SQL CHECK constraints, CSV columns and messages
FACILITY_TYPES: Final = tuple(t.value for t in FacilityType)
FACILITY_GRADES: Final = tuple(g.value for g in Grade)
FACILITY_OWNERSHIPS: Final = tuple(o.value for o in Ownership)
CAPACITY_FIELDS: Final = tuple(c.value for c in CapacityField)
SERVICE_FLAGS: Final = tuple(f.value for f in ServiceFlag)
REGION_LEVELS: Final = tuple(r.value for r in RegionLevel)
