"""Wording of results: numbers, plurals and facility descriptions (English; Chinese nouns)."""

from collections.abc import Iterable, Sequence

from geo.norms.parameters import FacilitySelector
from geo.norms.terms import CapacityField, FacilityType, Grade, ServiceFlag

FACILITY_NOUNS: dict[FacilityType, tuple[str, str]] = {
    FacilityType.GENERAL_HOSPITAL: ("general hospital", "general hospitals"),
    FacilityType.TCM_HOSPITAL: ("TCM hospital", "TCM hospitals"),
    FacilityType.MATERNAL_CHILD_HOSPITAL: (
        "maternal and child health institution",
        "maternal and child health institutions",
    ),
    FacilityType.SPECIALTY_HOSPITAL: ("specialty hospital", "specialty hospitals"),
    FacilityType.PSYCHIATRIC_HOSPITAL: ("psychiatric hospital", "psychiatric hospitals"),
    FacilityType.TOWNSHIP_HEALTH_CENTER: ("township health centre", "township health centres"),
    FacilityType.COMMUNITY_HEALTH_CENTER: (
        "community health centre",
        "community health centres",
    ),
    FacilityType.COMMUNITY_HEALTH_STATION: (
        "community health station",
        "community health stations",
    ),
    FacilityType.VILLAGE_CLINIC: ("village clinic", "village clinics"),
    FacilityType.EMS_CENTER: ("EMS centre", "EMS centres"),
    FacilityType.EMS_STATION: ("EMS station", "EMS stations"),
    FacilityType.CHILDCARE_INSTITUTION: ("childcare institution", "childcare institutions"),
    FacilityType.MENTAL_REHAB_INSTITUTION: (
        "community mental-rehabilitation institution",
        "community mental-rehabilitation institutions",
    ),
    FacilityType.BLOOD_COLLECTION_POINT: ("blood-collection point", "blood-collection points"),
}

CAPACITY_NOUNS: dict[CapacityField, tuple[str, str]] = {
    CapacityField.BEDS: ("bed", "beds"),
    CapacityField.ICU_BEDS: ("ICU bed", "ICU beds"),
    CapacityField.PHYSICIANS: ("licensed physician", "licensed physicians"),
    CapacityField.NURSES: ("registered nurse", "registered nurses"),
    CapacityField.GENERAL_PRACTITIONERS: ("GP", "GPs"),
    CapacityField.PHARMACISTS: ("pharmacist", "pharmacists"),
    CapacityField.AMBULANCES: ("ambulance", "ambulances"),
    CapacityField.NEGATIVE_PRESSURE_AMBULANCES: (
        "negative-pressure ambulance",
        "negative-pressure ambulances",
    ),
    CapacityField.TCM_PHYSICIANS: ("TCM physician", "TCM physicians"),
    CapacityField.PUBLIC_HEALTH_STAFF: ("public-health worker", "public-health staff"),
    CapacityField.INFECTIOUS_BEDS: ("infectious-disease bed", "infectious-disease beds"),
    CapacityField.CHILDCARE_PLACES: ("childcare place", "childcare places"),
}

# the Chinese names of the capacities, as the plans write them
CAPACITY_NOUNS_ZH: dict[CapacityField, str] = {
    CapacityField.BEDS: "床位",
    CapacityField.ICU_BEDS: "重症监护床位",
    CapacityField.PHYSICIANS: "执业（助理）医师",
    CapacityField.NURSES: "注册护士",
    CapacityField.GENERAL_PRACTITIONERS: "全科医生",
    CapacityField.PHARMACISTS: "药师（士）",
    CapacityField.AMBULANCES: "救护车",
    CapacityField.NEGATIVE_PRESSURE_AMBULANCES: "负压救护车",
}


def capacity_nouns(field: CapacityField) -> tuple[str, str]:
    """Return the singular and plural English noun of a capacity (its name when unlisted)."""
    fallback = field.value.replace("_", " ")
    return CAPACITY_NOUNS.get(field, (fallback, fallback))


def capacity_noun_zh(field: CapacityField) -> str:
    """Return the Chinese noun of a capacity (its field name when unlisted)."""
    return CAPACITY_NOUNS_ZH.get(field, field.value)


FLAG_PHRASES: dict[ServiceFlag, str] = {
    ServiceFlag.PSYCHIATRIC_WARD: "with a psychiatric ward",
    ServiceFlag.CRITICAL_MATERNAL_CENTRE: "with a critical maternal care centre",
    ServiceFlag.CRITICAL_NEONATAL_CENTRE: "with a critical neonatal care centre",
    ServiceFlag.EMS_STATION_HOSTED: "hosting an EMS station",
    ServiceFlag.GERIATRICS_DEPT: "with a geriatrics department",
    ServiceFlag.OPHTHALMOLOGY_DEPT: "with an ophthalmology department",
    ServiceFlag.PSYCHOLOGY_CLINIC: "with a psychology clinic",
    ServiceFlag.REHABILITATION_DEPT: "with a rehabilitation department",
    ServiceFlag.HOSPICE_CARE: "providing hospice care",
    ServiceFlag.TCM_HALL: "with a TCM hall (中医馆)",
    ServiceFlag.TCM_PREVENTIVE_CARE: "offering preventive TCM (治未病)",
    ServiceFlag.INFECTIOUS_WARD: "with an infectious-disease ward",
    ServiceFlag.CENTRAL_TOWNSHIP: "designated central (中心乡镇卫生院)",
}

GRADE_WORDS = {
    Grade.TERTIARY: "grade III",
    Grade.SECONDARY: "grade II",
    Grade.PRIMARY: "grade I",
    Grade.NONE: "ungraded",
}

HOSPITAL_TYPES = frozenset(
    {
        FacilityType.GENERAL_HOSPITAL,
        FacilityType.TCM_HOSPITAL,
        FacilityType.MATERNAL_CHILD_HOSPITAL,
        FacilityType.SPECIALTY_HOSPITAL,
        FacilityType.PSYCHIATRIC_HOSPITAL,
    }
)
CENTRE_TYPES = frozenset(
    {FacilityType.TOWNSHIP_HEALTH_CENTER, FacilityType.COMMUNITY_HEALTH_CENTER}
)


def count(number: int, singular: str, plural: str) -> str:
    """Return ``"1 bed"`` / ``"12,400 beds"``."""
    return f"{number:,} {singular if number == 1 else plural}"


def number(value: float) -> str:
    """Return a ratio with at most two decimals and no trailing zeros (``"3.9"``, ``"8"``)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def percent(share: float) -> str:
    """Return a share 0–1 as a percentage (``"40%"``, ``"97.5%"``)."""
    return f"{number(share * 100)}%"


def _facility_nouns(kind: FacilityType) -> tuple[str, str]:
    # a type added to the vocabulary reads by its name until it is worded here
    name = kind.value.replace("_", " ")
    return FACILITY_NOUNS.get(kind, (name, f"{name}s"))


def facility_noun(types: Iterable[FacilityType], *, plural: bool = True) -> str:
    """Name a set of facility types with one noun: "hospitals", "centres", or the type's name."""
    kinds = frozenset(types)
    if len(kinds) == 1:
        (only,) = kinds
        return _facility_nouns(only)[1 if plural else 0]
    if kinds <= HOSPITAL_TYPES:
        return "hospitals" if plural else "hospital"
    if kinds <= CENTRE_TYPES:
        return "centres" if plural else "centre"
    if len(kinds) <= 3:
        # keep the declaration order of the types so the wording is stable
        ordered = [t for t in FacilityType if t in kinds]
        return " or ".join(_facility_nouns(t)[1 if plural else 0] for t in ordered)
    return "health facilities" if plural else "health facility"


def describe_selector(selector: FacilitySelector, *, plural: bool = False) -> str:
    """Describe one selector, e.g. ``"public hospital with a psychiatric ward"``."""
    words: list[str] = []
    if selector.ownership is not None:
        words.append(selector.ownership.value)
    words.append(facility_noun(selector.facility_types, plural=plural))
    if selector.min_grade is not None:
        words.append(f"of {GRADE_WORDS[selector.min_grade]} or above")
    words.extend(
        FLAG_PHRASES.get(flag, f"with {flag.value.replace('_', ' ')}") for flag in selector.flags
    )
    return " ".join(words)


def describe_selectors(selectors: Sequence[FacilitySelector], *, plural: bool = False) -> str:
    """Describe any-of selectors, joined with "or"."""
    return " or ".join(describe_selector(selector, plural=plural) for selector in selectors)


def names(items: Sequence[str], *, limit: int = 3) -> str:
    """List a few names, then how many more (``"A, B, C and 4 more"``)."""
    shown = ", ".join(items[:limit])
    rest = len(items) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
