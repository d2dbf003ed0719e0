"""The working record of one synthetic facility, and the vocabulary the generator writes."""

from dataclasses import dataclass

from geo import terms
from geo.terms import HOSPITAL_TYPES as _HOSPITAL_TYPES

# the register's vocabulary as plain strings (geo.terms is the one source)
HOSPITAL_TYPES: tuple[str, ...] = tuple(t.value for t in _HOSPITAL_TYPES)
FACILITY_TYPES = terms.FACILITY_TYPES
GRADES = terms.FACILITY_GRADES
GRADE_RANK: dict[str, int] = {str(g): rank for g, rank in terms.GRADE_RANK.items()}
REGION_LEVELS: tuple[str, ...] = tuple(
    level for level in terms.REGION_LEVELS if level not in ("province", "prefecture")
)
# the plans' further fields (terms.PLAN_CAPACITY_FIELDS, UNRECORDED_FLAGS) stay NULL: unknown
CAPACITY_FIELDS = tuple(f for f in terms.CAPACITY_FIELDS if f not in terms.PLAN_CAPACITY_FIELDS)
FLAG_FIELDS = terms.RECORDED_FLAGS


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
