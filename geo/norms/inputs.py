"""Plain inputs of the norm evaluators: regions and facilities, as the service reads them.

No database types here: the service maps its rows onto these dataclasses. A capacity of ``None``
means unknown (real registers often publish no bed or staff counts) and is never read as zero.
"""

from dataclasses import dataclass, field

from geo.norms.terms import (
    CapacityField,
    FacilityType,
    Grade,
    Ownership,
    RegionLevel,
    ServiceFlag,
)
from geo.terms import AdminLevel, PrimaryCareStandard

# the vocabularies' field names, listed once: a city's register builds thousands of facilities
_CAPACITY_NAMES = tuple(name.value for name in CapacityField)
_FLAG_NAMES = tuple((flag, flag.value) for flag in ServiceFlag)


@dataclass(frozen=True, slots=True)
class RegionInput:
    """An administrative unit with its resident population.

    Attributes
    ----------
    adcode
        Six-digit administrative code.
    name
        Name as it should appear in results (e.g. ``"衡山县"``).
    level
        Administrative level; counties (县) and county-level cities (县级市) count 300% of their
        residents for the ambulance fleet.
    population
        Resident population (常住人口, persons); None when unknown.
    urban_share
        Share of residents living in urban areas, 0–1; None when unknown.
    parent_adcode
        The unit this one belongs to (a county's prefecture); links facilities to the city row.
    township_count, subdistrict_count
        Numbers of townships (乡镇) and sub-districts (街道) inside the unit; None when unknown.
    """

    adcode: str
    name: str
    level: RegionLevel
    population: int | None
    urban_share: float | None = None
    parent_adcode: str | None = None
    township_count: int | None = None
    subdistrict_count: int | None = None

    def __post_init__(self) -> None:
        if self.population is not None and self.population < 0:
            msg = f"region {self.adcode}: population must not be negative"
            raise ValueError(msg)
        if self.urban_share is not None and not 0 <= self.urban_share <= 1:
            msg = f"region {self.adcode}: urban_share must lie between 0 and 1"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class FacilityInput:
    """A health facility with its capacities and services.

    Attributes
    ----------
    id
        Identifier, unique among the facilities given.
    name
        Name as it should appear in results.
    type, grade, ownership
        What the facility is.
    region_adcode
        The county-level unit the facility lies in; None when unknown (then it counts nowhere).
    beds … negative_pressure_ambulances, tcm_physicians … childcare_places
        Capacities (counts); None when unknown.
    psychiatric_ward … ems_station_hosted
        Services hosted; False when not recorded.
    geriatrics_dept … central_township
        The plans' further services and the 中心乡镇卫生院 role; None when not recorded (only a
        recorded True puts the flag in ``flags``).
    primary_care_standard, admin_level
        The 优质服务基层行 standard reached and the government level running the facility; None
        when unknown.
    """

    id: int | str
    name: str
    type: FacilityType
    region_adcode: str | None
    grade: Grade = Grade.NONE
    ownership: Ownership = Ownership.PUBLIC
    beds: int | None = None
    icu_beds: int | None = None
    physicians: int | None = None
    nurses: int | None = None
    general_practitioners: int | None = None
    pharmacists: int | None = None
    ambulances: int | None = None
    negative_pressure_ambulances: int | None = None
    tcm_physicians: int | None = None
    public_health_staff: int | None = None
    infectious_beds: int | None = None
    childcare_places: int | None = None
    psychiatric_ward: bool = False
    critical_maternal_centre: bool = False
    critical_neonatal_centre: bool = False
    ems_station_hosted: bool = False
    geriatrics_dept: bool | None = None
    ophthalmology_dept: bool | None = None
    psychology_clinic: bool | None = None
    rehabilitation_dept: bool | None = None
    hospice_care: bool | None = None
    tcm_hall: bool | None = None
    tcm_preventive_care: bool | None = None
    infectious_ward: bool | None = None
    central_township: bool | None = None
    primary_care_standard: PrimaryCareStandard | None = None
    admin_level: AdminLevel | None = None
    flags: frozenset[ServiceFlag] = field(init=False)

    def __post_init__(self) -> None:
        # the vocabulary may name fields this input does not carry yet: they read as unknown
        for name in _CAPACITY_NAMES:
            number = getattr(self, name, None)
            if number is not None and number < 0:
                msg = f"facility {self.id}: {name} must not be negative"
                raise ValueError(msg)
        flags = frozenset(flag for flag, name in _FLAG_NAMES if getattr(self, name, False))
        # frozen dataclass: derived fields are set through object.__setattr__
        object.__setattr__(self, "flags", flags)

    def capacity(self, name: CapacityField) -> int | None:
        """Return one capacity by name; None when unknown."""
        # the member's value as a plain attribute: Enum.value is a property, and the evaluators
        # ask for tens of thousands of capacities per city
        number: int | None = getattr(self, name._value_, None)
        return number
