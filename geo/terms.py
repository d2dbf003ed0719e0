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
    # the plans' further facilities: 托育机构, 社区精神康复机构, 采血点 (献血屋)
    CHILDCARE_INSTITUTION = "childcare_institution"
    MENTAL_REHAB_INSTITUTION = "mental_rehab_institution"
    BLOOD_COLLECTION_POINT = "blood_collection_point"


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
    # 中医类别执业（助理）医师, 专业公共卫生人员, 可开放传染病床位, 托位 (places for under-3s)
    TCM_PHYSICIANS = "tcm_physicians"
    PUBLIC_HEALTH_STAFF = "public_health_staff"
    INFECTIOUS_BEDS = "infectious_beds"
    CHILDCARE_PLACES = "childcare_places"


# capacities that stay within another (part, whole): the register's CHECK constraints
CAPACITY_WITHIN: tuple[tuple[CapacityField, CapacityField], ...] = (
    (CapacityField.ICU_BEDS, CapacityField.BEDS),
    (CapacityField.NEGATIVE_PRESSURE_AMBULANCES, CapacityField.AMBULANCES),
    (CapacityField.TCM_PHYSICIANS, CapacityField.PHYSICIANS),
)


class ServiceFlag(StrEnum):
    """Services a facility hosts, and roles it holds.

    The first four are always known (false when not recorded). The plans' further flags, from
    ``geriatrics_dept`` on, are unknown (NULL) until a source records them: see
    :data:`UNRECORDED_FLAGS`.
    """

    PSYCHIATRIC_WARD = "psychiatric_ward"
    CRITICAL_MATERNAL_CENTRE = "critical_maternal_centre"
    CRITICAL_NEONATAL_CENTRE = "critical_neonatal_centre"
    EMS_STATION_HOSTED = "ems_station_hosted"
    # 老年医学科, 眼科, 心理门诊, 康复科, 安宁疗护
    GERIATRICS_DEPT = "geriatrics_dept"
    OPHTHALMOLOGY_DEPT = "ophthalmology_dept"
    PSYCHOLOGY_CLINIC = "psychology_clinic"
    REHABILITATION_DEPT = "rehabilitation_dept"
    HOSPICE_CARE = "hospice_care"
    # 中医馆 (a TCM unit in a primary centre), 治未病 (preventive TCM) service
    TCM_HALL = "tcm_hall"
    TCM_PREVENTIVE_CARE = "tcm_preventive_care"
    # 传染病楼 / 独立传染病区 (or 感染病区)
    INFECTIOUS_WARD = "infectious_ward"
    # 中心乡镇卫生院: a role of a township health centre, not a service
    CENTRAL_TOWNSHIP = "central_township"


class PrimaryCareStandard(StrEnum):
    """The 优质服务基层行 level a township or community health centre has reached.

    ``recommended`` is 推荐标准 (the national recommended standard), ``basic`` 基本标准; a centre
    at neither, or not assessed, is NULL (unknown) in the register.
    """

    BASIC = "basic"
    RECOMMENDED = "recommended"


class AdminLevel(StrEnum):
    """Which government level runs a facility.

    ``prefecture`` is 市属 (州属 in Xiangxi), ``county`` 县属 and ``district`` 区属. For Jishou,
    a county-level city, ``prefecture`` means 州属 (湘西州) and ``county`` 市属 (Jishou's own).
    """

    PREFECTURE = "prefecture"
    COUNTY = "county"
    DISTRICT = "district"


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
PRIMARY_CARE_STANDARDS: Final = tuple(s.value for s in PrimaryCareStandard)
ADMIN_LEVELS: Final = tuple(a.value for a in AdminLevel)

# the fields the plans need that the original register did not hold (migration 0008): no source
# records them yet, so they stay NULL (unknown), never 0 or false, until a source fills them;
# the demo generator leaves them out
PLAN_CAPACITY_FIELDS: Final = (
    CapacityField.TCM_PHYSICIANS.value,
    CapacityField.PUBLIC_HEALTH_STAFF.value,
    CapacityField.INFECTIOUS_BEDS.value,
    CapacityField.CHILDCARE_PLACES.value,
)
# the four flags every source has always recorded (NOT NULL, false when absent)
RECORDED_FLAGS: Final = (
    ServiceFlag.PSYCHIATRIC_WARD.value,
    ServiceFlag.CRITICAL_MATERNAL_CENTRE.value,
    ServiceFlag.CRITICAL_NEONATAL_CENTRE.value,
    ServiceFlag.EMS_STATION_HOSTED.value,
)
UNRECORDED_FLAGS: Final = tuple(f for f in SERVICE_FLAGS if f not in RECORDED_FLAGS)
# the plans' attributes that are neither a count nor a flag: a choice, or NULL when unknown
PLAN_CHOICE_FIELDS: Final = ("primary_care_standard", "admin_level")
REGION_LEVELS: Final = tuple(r.value for r in RegionLevel)
