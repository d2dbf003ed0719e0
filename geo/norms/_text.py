"""Wording of results: numbers, plurals, facility descriptions and the catalogue's sentences.

Every verdict sentence is a keyed message of the catalogue (``geo/messages/{zh,en}.po``,
``verdict.*`` keys); :func:`worded` fills one in both languages from named values. The noun
tables here are the evaluators' English vocabulary (their units name catalogue keys too).
"""

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from geo import messages
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


class Words(NamedTuple):
    """One sentence (or part of one) in English and in Chinese."""

    en: str
    zh: str


def worded(key: str, **values: object) -> Words:
    """Return the catalogue's message ``key`` in both languages, its fields filled from ``values``.

    A value given as :class:`Words` fills each language with its own wording; any other value
    fills both (numbers take the message's format, e.g. ``{known:,}`` for thousands).
    """
    en = {name: value.en if isinstance(value, Words) else value for name, value in values.items()}
    zh = {name: value.zh if isinstance(value, Words) else value for name, value in values.items()}
    return Words(messages.text(key, "en", **en), messages.text(key, "zh", **zh))


def joined(*parts: Words) -> Words:
    """Return sentence parts run together (a verdict and its note), each language on its own."""
    return Words("".join(part.en for part in parts), "".join(part.zh for part in parts))


NO_WORDS = Words("", "")


def capacity_nouns(field: CapacityField) -> tuple[str, str]:
    """Return the singular and plural English noun of a capacity (its name when unlisted)."""
    fallback = field.value.replace("_", " ")
    return CAPACITY_NOUNS.get(field, (fallback, fallback))


def capacity_noun_zh(field: CapacityField) -> str:
    """Return the Chinese noun of a capacity, from the catalogue's units (``beds`` → 床位)."""
    return messages.unit_label(capacity_nouns(field)[1], "zh")


def plural_noun(number: float, field: CapacityField) -> str:
    """Return the English noun of a capacity for ``number`` of it (``1 bed``, ``2 beds``)."""
    singular, plural = capacity_nouns(field)
    return singular if number == 1 else plural


def count_zh(number: float, plural: str) -> str:
    """Return a count with its measure word, as the plans write it (``1,234张床位``)."""
    return messages.amount_text(number, plural, "zh").replace(" ", "")


def counted(number: int, field: CapacityField, *, more: bool = False) -> Words:
    """Return a count of a capacity in both languages (``3 more beds`` / ``3张床位``).

    Parameters
    ----------
    number
        How many, in the capacity's unit (beds, ambulances, staff).
    field
        The capacity counted.
    more
        Word it as what is missing (``3 more beds``); Chinese says that in the sentence (尚缺).
    """
    noun = plural_noun(number, field)
    if more:
        noun = messages.text("verdict.more_noun", "en", noun=noun)
    return Words(f"{number:,} {noun}", count_zh(number, capacity_nouns(field)[1]))


def figure(number: int, field: CapacityField) -> Words:
    """Return a bare count in English, with its measure word in Chinese (``12`` / ``12张床位``)."""
    return Words(f"{number:,}", count_zh(number, capacity_nouns(field)[1]))


def noun_words(number: float, field: CapacityField) -> Words:
    """Return the noun of a capacity in both languages (``ambulance(s)`` / ``救护车``)."""
    return Words(plural_noun(number, field), capacity_noun_zh(field))


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
