"""Wording of results: numbers, plurals, facility descriptions and the catalogue's sentences.

Every verdict sentence is a keyed message of the catalogue (``geo/messages/{zh,en}.po``,
``verdict.*`` keys); :func:`worded` fills one in both languages from named values. Facility
nouns (``noun.facility.*``), grades, service flags and the selector descriptions built from them
come from the catalogue too; the capacity nouns here are the evaluators' English units, which
name the catalogue's ``unit.*`` and ``count.*`` keys.
"""

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from geo import messages
from geo.norms.parameters import FacilitySelector
from geo.norms.terms import CapacityField, FacilityType, Grade

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


def plural_words(field: CapacityField) -> Words:
    """Return the plural noun of a capacity in both languages (``GPs`` / ``全科医生``)."""
    return Words(capacity_nouns(field)[1], capacity_noun_zh(field))


def noun_words(number: float, field: CapacityField) -> Words:
    """Return the noun of a capacity in both languages (``ambulance(s)`` / ``救护车``)."""
    return Words(plural_noun(number, field), capacity_noun_zh(field))


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


def number(value: float) -> str:
    """Return a ratio with at most two decimals and no trailing zeros (``"3.9"``, ``"8"``)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def percent(share: float) -> str:
    """Return a share 0–1 as a percentage (``"40%"``, ``"97.5%"``)."""
    return f"{number(share * 100)}%"


def listed(parts: Sequence[Words], joiner: str) -> Words:
    """Return parts joined by the catalogue's joiner ``joiner`` (``noun.or``: " or " / 或)."""
    between = worded(joiner)
    return Words(
        between.en.join(part.en for part in parts), between.zh.join(part.zh for part in parts)
    )


class Nouns(NamedTuple):
    """A noun for facilities: English singular and plural, and the one Chinese noun."""

    one: str
    many: str
    zh: str

    @property
    def singular(self) -> Words:
        """The singular noun in both languages."""
        return Words(self.one, self.zh)

    @property
    def plural(self) -> Words:
        """The plural noun in both languages."""
        return Words(self.many, self.zh)

    def of(self, number: int) -> Words:
        """The noun for ``number`` of them (``1 centre``, ``2 centres``)."""
        return self.singular if number == 1 else self.plural


def catalogue_nouns(key: str) -> Nouns:
    """Return the nouns the catalogue gives under ``key`` (singular) and ``key.many``."""
    one, many = worded(key), worded(f"{key}.many")
    return Nouns(one.en, many.en, one.zh)


def tally(number: int, nouns: Nouns, *, more: bool = False) -> Words:
    """Return a count of facilities in both languages (``3 more centres`` / ``3个卫生院``).

    ``more`` words it as what is missing in English; Chinese says that in the sentence (尚缺).
    """
    noun = nouns.of(number)
    if more:
        noun = Words(messages.text("verdict.more_noun", "en", noun=noun.en), noun.zh)
    return worded("count.facility", n=f"{number:,}", noun=noun)


def amount(number: int, unit: str, *, more: bool = False) -> Words:
    """Return a count in an evaluator's unit (``12 ICU beds`` / ``12张重症监护床位``)."""
    noun = messages.text("verdict.more_noun", "en", noun=unit) if more else unit
    return Words(f"{number:,} {noun}", count_zh(number, unit))


def _facility_nouns(kind: FacilityType) -> Nouns:
    key = f"noun.facility.{kind.value}"
    if messages.has(key, "en"):
        return catalogue_nouns(key)
    # a type added to the vocabulary reads by its label until its nouns are worded
    name = kind.value.replace("_", " ")
    return Nouns(name, f"{name}s", messages.label("facility_type", kind.value, "zh"))


def facility_noun(types: Iterable[FacilityType]) -> Nouns:
    """Name a set of facility types with one noun: "hospitals", "centres", or the type's name."""
    kinds = frozenset(types)
    if len(kinds) == 1:
        (only,) = kinds
        return _facility_nouns(only)
    if kinds <= HOSPITAL_TYPES:
        return catalogue_nouns("noun.facility.hospitals")
    if kinds <= CENTRE_TYPES:
        return catalogue_nouns("noun.facility.centres")
    if len(kinds) <= 3:
        # keep the declaration order of the types so the wording is stable
        each = [_facility_nouns(t) for t in FacilityType if t in kinds]
        one = listed([nouns.singular for nouns in each], "noun.or")
        many = listed([nouns.plural for nouns in each], "noun.or")
        return Nouns(one.en, many.en, one.zh)
    return catalogue_nouns("noun.facility.health_facilities")


def _flag_words(flag: str) -> Words:
    key = f"flag.{flag}"
    if messages.has(key, "en"):
        return worded("selector.flag", flag=worded(key))
    # a flag added to the vocabulary reads by its name until it is worded
    name = flag.replace("_", " ")
    return worded("selector.flag", flag=Words(f"with {name}", name))


def describe_selector(selector: FacilitySelector) -> Nouns:
    """Describe one selector, e.g. ``"public hospital with a psychiatric ward"``.

    Returns the English singular and plural and the Chinese noun (设精神科的公立医院).
    """
    nouns = facility_noun(selector.facility_types)
    ownership = (
        NO_WORDS
        if selector.ownership is None
        else worded(f"selector.ownership.{selector.ownership.value}")
    )
    grade = (
        NO_WORDS
        if selector.min_grade is None
        else worded("selector.min_grade", grade=worded(f"grade.{selector.min_grade.value}"))
    )
    flags = joined(*(_flag_words(flag) for flag in selector.flags))
    one, many = (
        worded("selector.described", ownership=ownership, noun=noun, grade=grade, flags=flags)
        for noun in (nouns.singular, nouns.plural)
    )
    return Nouns(one.en, many.en, one.zh)


def describe_selectors(selectors: Sequence[FacilitySelector]) -> Nouns:
    """Describe any-of selectors, joined with "or" (或)."""
    each = [describe_selector(selector) for selector in selectors]
    one = listed([nouns.singular for nouns in each], "noun.or")
    many = listed([nouns.plural for nouns in each], "noun.or")
    return Nouns(one.en, many.en, one.zh)


def grade_words(grade: Grade) -> Words:
    """Return a grade as the plans name it (``grade II`` / 二级)."""
    return worded(f"grade.{grade.value}")


def names(items: Sequence[str], *, limit: int = 3) -> Words:
    """List a few names, then how many more (``A, B, C and 4 more`` / ``A、B、C等（另有4个）``)."""
    shown = listed([Words(item, item) for item in items[:limit]], "names.separator")
    rest = len(items) - limit
    return worded("names.more", shown=shown, rest=rest) if rest > 0 else shown
