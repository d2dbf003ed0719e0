"""The working record of one synthetic facility, and the vocabulary the generator writes."""

from dataclasses import dataclass

HOSPITAL_TYPES: tuple[str, ...] = (
    "general_hospital",
    "tcm_hospital",
    "maternal_child_hospital",
    "specialty_hospital",
    "psychiatric_hospital",
)
FACILITY_TYPES: tuple[str, ...] = (
    *HOSPITAL_TYPES,
    "township_health_center",
    "community_health_center",
    "community_health_station",
    "village_clinic",
    "ems_center",
    "ems_station",
)
GRADES: tuple[str, ...] = ("tertiary", "secondary", "primary", "none")
GRADE_RANK = {"none": 0, "primary": 1, "secondary": 2, "tertiary": 3}
REGION_LEVELS: tuple[str, ...] = ("district", "county", "county_city", "zone")
CAPACITY_FIELDS: tuple[str, ...] = (
    "beds",
    "icu_beds",
    "physicians",
    "nurses",
    "general_practitioners",
    "pharmacists",
    "ambulances",
    "negative_pressure_ambulances",
)
FLAG_FIELDS: tuple[str, ...] = (
    "psychiatric_ward",
    "critical_maternal_centre",
    "critical_neonatal_centre",
    "ems_station_hosted",
)


@dataclass(slots=True, eq=False)
class Row:
    """One synthetic facility while it is being built.

    ``role`` says why it exists: ``county`` (the general, TCM or MCH hospital every county-level
    unit has), ``extra`` (the other hospitals), ``city`` / ``sub`` (the city 120 centre and the
    county sub-centres), ``central`` (a township health centre hosting an EMS station) or empty.
    ``tier`` orders hospitals for grading (lower is more prominent); ``catchment`` is the
    residents of a primary-care facility's cluster; ``ems_weight`` is the share of the fleet an
    EMS site takes (0: not an EMS site).
    """

    type: str
    region: str
    cell: int
    ownership: str = "public"
    grade: str = "none"
    role: str = ""
    tier: int = 99
    catchment: float = 0.0
    ems_weight: int = 0
    beds: int = 0
    icu_beds: int = 0
    physicians: int = 0
    nurses: int = 0
    general_practitioners: int = 0
    pharmacists: int = 0
    ambulances: int = 0
    negative_pressure_ambulances: int = 0
    psychiatric_ward: bool = False
    critical_maternal_centre: bool = False
    critical_neonatal_centre: bool = False
    ems_station_hosted: bool = False

    @property
    def is_hospital(self) -> bool:
        """True for the five hospital types."""
        return self.type in HOSPITAL_TYPES
