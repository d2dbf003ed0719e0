"""Evaluators of the facility-count rules: per population, presence, and per-facility staffing."""

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

from geo import messages
from geo.norms import _text
from geo.norms._regions import RegionIndex, selects
from geo.norms.catalogue import Rule
from geo.norms.inputs import FacilityInput, RegionInput
from geo.norms.parameters import (
    CityTotalParameters,
    FacilityPerPopulationParameters,
    FacilitySelector,
    PresenceParameters,
    StaffingParameters,
)
from geo.norms.results import RuleResult, Verdict, make_result
from geo.norms.terms import GRADE_RANK, PopulationBasis, Status

_FACILITIES = "facilities"


def basis_population(region: RegionInput, basis: PopulationBasis) -> int | None:
    """Return the residents a per-population rule counts: all, urban or rural (persons).

    Urban residents are ``population × urban_share`` rounded to whole persons; None when a
    needed figure is unknown.
    """
    if region.population is None:
        return None
    if basis == PopulationBasis.TOTAL:
        return region.population
    if region.urban_share is None:
        return None
    urban = round(region.population * region.urban_share)
    return urban if basis == PopulationBasis.URBAN else region.population - urban


def _nouns(selectors: Sequence[FacilitySelector]) -> tuple[str, str]:
    types = [t for selector in selectors for t in selector.facility_types]
    return _text.facility_noun(types, plural=False), _text.facility_noun(types)


def _more(number: int, singular: str, plural: str) -> str:
    return _text.count(number, f"more {singular}", f"more {plural}")


def _all_of(total: int, nouns: tuple[str, str], verbs: tuple[str, str]) -> str:
    """Return ``"the one centre has"`` or ``"all 3 centres have"``."""
    if total == 1:
        return f"the one {nouns[0]} {verbs[0]}"
    return f"all {total:,} {nouns[1]} {verbs[1]}"


def evaluate_facility_per_population(
    rule: Rule,
    params: FacilityPerPopulationParameters,
    region: RegionInput,
    *,
    index: RegionIndex,
    facilities: Sequence[FacilityInput],
    catchments: Mapping[int | str, int] | None = None,
) -> RuleResult:
    """Check that a region has enough facilities for its people (or that large ones are graded).

    Parameters
    ----------
    catchments
        For ``method: catchment``: residents served by each facility (persons), keyed by
        facility id, from the network engine. Facilities missing from it are unknown.

    Returns
    -------
    RuleResult
        ``count``: ``value`` facilities present, ``target`` facilities required, shortfall in
        facilities. ``catchment``: ``value`` large-catchment facilities at the required grade,
        ``target`` all large-catchment facilities, shortfall the ones below that grade.
    """
    present = index.facilities_in(region, facilities, params.facilities)
    if params.method == "catchment":
        verdict = _catchment(params, present, catchments)
    else:
        verdict = _count(params, region, len(present))
    return make_result(rule, region, verdict, unit=_FACILITIES, shortfall_unit=_FACILITIES)


def _requirements(
    params: FacilityPerPopulationParameters, region: RegionInput
) -> dict[str, int | None]:
    """Return each way of counting the rule allows, with the facilities it requires."""
    requirements: dict[str, int | None] = {}
    if params.residents_per_facility_max is not None:
        residents = basis_population(region, params.population_basis)
        basis = (
            ""
            if params.population_basis == PopulationBasis.TOTAL
            else f" {params.population_basis.value}"
        )
        way = f"one per {params.residents_per_facility_max:,}{basis} residents"
        need = (
            None if residents is None else math.ceil(residents / params.residents_per_facility_max)
        )
        requirements[way] = need
    if params.per_admin_unit == "township":
        requirements["one per township"] = region.township_count
    elif params.per_admin_unit == "subdistrict":
        requirements["one per sub-district"] = region.subdistrict_count
    return requirements


def _unknown_figures(params: FacilityPerPopulationParameters, region: RegionInput) -> str:
    """Name the figures a count rule lacks (population, urban share, township count …)."""
    missing: list[str] = []
    if params.residents_per_facility_max is not None:
        if region.population is None:
            missing.append("population")
        elif params.population_basis != PopulationBasis.TOTAL and region.urban_share is None:
            missing.append("urban share")
    if params.per_admin_unit == "township" and region.township_count is None:
        missing.append("township count")
    if params.per_admin_unit == "subdistrict" and region.subdistrict_count is None:
        missing.append(messages.text("figure.subdistrict_count", "en"))
    return " and ".join(missing) or "a figure"


def _count(params: FacilityPerPopulationParameters, region: RegionInput, present: int) -> Verdict:
    singular, plural = _nouns(params.facilities)
    requirements = _requirements(params, region)
    known = {way: need for way, need in requirements.items() if need is not None}
    unknown = [way for way, need in requirements.items() if need is None]
    if not known:
        lacking = _unknown_figures(params, region)
        text = f"cannot count {' or '.join(unknown)}: {lacking} unknown"
        return Verdict(float(present), None, None, None, text)

    # meeting any one way of counting satisfies the rule; the easiest is the target
    way, target = min(known.items(), key=lambda item: item[1])
    missing = max(0, target - present)
    if missing == 0:
        text = f"has {_text.count(present, singular, plural)}; {target:,} needed ({way})"
        return Verdict(float(present), float(target), True, 0.0, text)
    more = _more(missing, singular, plural)
    if unknown:
        text = f"needs {more} by {way}; {' or '.join(unknown)} cannot be counted (data unknown)"
        return Verdict(float(present), float(target), None, None, text)
    text = f"needs {more} ({way}; has {present:,})"
    return Verdict(float(present), float(target), False, float(missing), text)


def _below(
    below: Sequence[FacilityInput],
    large: Sequence[FacilityInput],
    unknown_note: str,
    undecided: int,
    what: str,
) -> Verdict:
    """The verdict when some large-catchment facilities fall short: a fail, naming them."""
    text = f"{len(below)} of {len(large)} {what}: {_text.names([f.name for f in below])}"
    if unknown_note or undecided:
        note = unknown_note + (f"; standard not recorded for {undecided}" if undecided else "")
        return Verdict(None, None, False, float(len(below)), text + note)
    return Verdict(
        float(len(large) - len(below)), float(len(large)), False, float(len(below)), text
    )


_STANDARD_RANK = {"basic": 1, "recommended": 2}
_STANDARD_WORDS = {"basic": "the basic standard", "recommended": "the recommended standard"}


def _meets(params: FacilityPerPopulationParameters, facility: FacilityInput) -> bool | None:
    """Tell whether a large-catchment facility meets the grade and standard; None: unknown."""
    grade, standard = params.required_grade, params.required_standard
    if grade is not None and GRADE_RANK[facility.grade] < GRADE_RANK[grade]:
        return False
    if standard is None:
        return True
    if facility.primary_care_standard is None:
        return None
    return _STANDARD_RANK.get(facility.primary_care_standard, 0) >= _STANDARD_RANK[standard]


def _short_of(params: FacilityPerPopulationParameters) -> str:
    """Say what the failing facilities lack: "are below grade II", "are not at the … standard"."""
    if params.required_standard is None and params.required_grade is not None:
        return f"are below {_text.GRADE_WORDS[params.required_grade]}"
    return f"are not {_requirement_words(params)}"


def _requirement_words(params: FacilityPerPopulationParameters) -> str:
    words = []
    if params.required_grade is not None:
        words.append(f"{_text.GRADE_WORDS[params.required_grade]} or above")
    if params.required_standard is not None:
        words.append(f"at {_STANDARD_WORDS[params.required_standard]}")
    return " and ".join(words)


def _catchment(
    params: FacilityPerPopulationParameters,
    present: Sequence[FacilityInput],
    catchments: Mapping[int | str, int] | None,
) -> Verdict:
    singular, plural = _nouns(params.facilities)
    threshold = params.catchment_min_residents or 0
    if catchments is None:
        return Verdict(None, None, None, None, "catchment populations not given")
    requirement = _requirement_words(params)

    unknown = [f for f in present if catchments.get(f.id) is None]
    large = [f for f in present if catchments.get(f.id, -1) >= threshold]
    verdicts = [(f, _meets(params, f)) for f in large]
    below = [f for f, ok in verdicts if ok is False]
    undecided = [f for f, ok in verdicts if ok is None]
    serving = f"serving {threshold:,} or more residents"
    unknown_note = f"; catchment unknown for {len(unknown)} of {len(present)} {plural}"
    if below:
        return _below(
            below,
            large,
            unknown_note if unknown else "",
            len(undecided),
            f"{plural} {serving} {_short_of(params)}",
        )
    if undecided:
        text = (
            f"standard not recorded for {len(undecided)} of {len(large)} {plural} {serving} "
            f"(each must be {requirement})"
        )
        good = float(len(large) - len(undecided))
        return Verdict(good, float(len(large)), None, None, text, unknown=len(undecided))
    if unknown:
        return Verdict(None, None, None, None, unknown_note.removeprefix("; "))
    if not large:
        text = f"no {singular} serves {threshold:,} or more residents"
        return Verdict(0.0, 0.0, True, 0.0, text)
    text = f"{_all_of(len(large), (singular, plural), ('is', 'are'))} {requirement}"
    text = f"{text} ({serving})"
    return Verdict(float(len(large)), float(len(large)), True, 0.0, text)


def evaluate_presence(
    rule: Rule,
    params: PresenceParameters,
    region: RegionInput,
    *,
    index: RegionIndex,
    facilities: Sequence[FacilityInput],
) -> RuleResult:
    """Check that a region has what the plan requires.

    Returns
    -------
    RuleResult
        Without ``subject``: ``value`` qualifying facilities present, ``target`` the minimum
        (0 where a population threshold exempts the region). With ``subject``: ``value`` the
        subject facilities that comply, ``target`` all subject facilities. Shortfalls in
        facilities.
    """
    if params.subject is not None:
        subjects = index.facilities_in(region, facilities, params.subject)
        verdict = _every_subject(params, params.subject, subjects)
    else:
        present = index.facilities_in(region, facilities, params.facilities)
        verdict = _presence_count(params, region, len(present))
    return make_result(rule, region, verdict, unit=_FACILITIES, shortfall_unit=_FACILITIES)


def _presence_count(params: PresenceParameters, region: RegionInput, present: int) -> Verdict:
    singular = _text.describe_selectors(params.facilities)
    plural = _text.describe_selectors(params.facilities, plural=True)
    need = params.min_count

    # a population threshold can exempt the region
    threshold = params.applies_above_residents
    applies: bool | None = True
    if threshold is not None:
        population = region.population
        if population is None:
            applies = None
        else:
            applies = population > threshold or (
                params.applies_at_threshold and population == threshold
            )
        if applies is False:
            limit = "at least" if params.applies_at_threshold else "more than"
            text = (
                f"not required: {population:,} residents, the rule applies to {limit} {threshold:,}"
            )
            return Verdict(float(present), 0.0, True, 0.0, text)

    has = f"has {_text.count(present, singular, plural)}"
    if present >= need:
        return Verdict(float(present), float(need), True, 0.0, has)
    missing = need - present
    text = f"needs {_more(missing, singular, plural)}"
    if applies is None:
        return Verdict(
            float(present),
            float(need),
            None,
            None,
            f"{text} if the population exceeds {threshold:,}; population unknown",
        )
    return Verdict(float(present), float(need), False, float(missing), text)


def _every_subject(
    params: PresenceParameters,
    subject: Sequence[FacilitySelector],
    subjects: Sequence[FacilityInput],
) -> Verdict:
    singular = _text.describe_selectors(subject)
    plural = _text.describe_selectors(subject, plural=True)
    requirement = _text.describe_selectors(params.facilities)
    failing = [f for f in subjects if not selects(params.facilities, f)]
    total, good = len(subjects), len(subjects) - len(failing)
    if not subjects:
        return Verdict(0.0, 0.0, True, 0.0, f"no {plural} in the region")
    if params.share_of_subjects is not None:
        return _share_of_subjects(params.share_of_subjects, good, total, (singular, plural))
    if not failing:
        every = _all_of(total, (singular, plural), ("meets", "meet"))
        text = f"{every} the rule (each a {requirement})"
        return Verdict(float(good), float(total), True, 0.0, text)
    names = _text.names([f.name for f in failing])
    text = (
        f"{len(failing)} of {total:,} {plural} fall short (each must be a {requirement}): {names}"
    )
    return Verdict(float(good), float(total), False, float(len(failing)), text)


def _share_of_subjects(share: float, good: int, total: int, nouns: tuple[str, str]) -> Verdict:
    # exact: 50% of 7 county hospitals is 4 (ceil 3.5), not 3
    need = math.ceil(Fraction(str(share)) * total)
    meet = f"{good:,} of {total:,} {nouns[1]} meet the rule ({_text.percent(share)} required)"
    if good >= need:
        return Verdict(float(good), float(need), True, 0.0, meet)
    missing = need - good
    return Verdict(
        float(good), float(need), False, float(missing), f"{meet}; {missing:,} more needed"
    )


def evaluate_city_total(
    rule: Rule,
    params: CityTotalParameters,
    region: RegionInput,
    *,
    index: RegionIndex,
    facilities: Sequence[FacilityInput],
) -> RuleResult:
    """Check a city total: the sum of a capacity over the selected facilities, or their count.

    Returns
    -------
    RuleResult
        ``value`` the total (the known part when some capacities are unknown), ``target`` the
        plan's minimum, in the field's unit (ICU beds …) or in facilities; the shortfall in the
        same unit. Unknown capacities decide nothing unless the known part already reaches the
        minimum (pass).
    """
    selected = index.facilities_in(region, facilities, params.facilities)
    need = math.ceil(params.min)
    if params.field is None:
        unit = _FACILITIES
        known, unknown = len(selected), 0
    else:
        unit = _text.capacity_nouns(params.field)[1]
        values = [f.capacity(params.field) for f in selected]
        known = sum(v for v in values if v is not None)
        unknown = sum(v is None for v in values)
    has = f"{known:,} {unit}; {need:,} required"
    if known >= need:
        verdict = Verdict(float(known), float(need), True, 0.0, has)
    elif unknown:
        text = f"{has}; {unit} unknown at {unknown} of {len(selected):,} facilities"
        verdict = Verdict(float(known), float(need), None, None, text)
    else:
        text = f"needs {need - known:,} more {unit} ({has})"
        verdict = Verdict(float(known), float(need), False, float(need - known), text)
    return make_result(rule, region, verdict, unit=unit, shortfall_unit=unit)


def evaluate_staffing(
    rule: Rule,
    params: StaffingParameters,
    region: RegionInput,
    *,
    index: RegionIndex,
    facilities: Sequence[FacilityInput],
) -> RuleResult:
    """Check a per-facility minimum (e.g. 4 GPs) or bed share (ICU 2–5%) in one region.

    Returns
    -------
    RuleResult
        ``value`` the facilities that comply, ``target`` the facilities the rule covers; the
        shortfall is in the attribute's units (GPs, ICU beds) summed over the facilities short.
    """
    subjects = index.facilities_in(region, facilities, params.facilities)
    if params.min_per_facility is not None:
        verdict = _minimum_each(params, params.min_per_facility, subjects)
    else:
        verdict = _share_of_beds(params, subjects)
    return make_result(
        rule,
        region,
        verdict,
        unit=_FACILITIES,
        shortfall_unit=_text.capacity_nouns(params.attribute)[1],
    )


def _minimum_each(
    params: StaffingParameters, minimum: int, subjects: Sequence[FacilityInput]
) -> Verdict:
    staff_singular, staff_plural = _text.capacity_nouns(params.attribute)
    nouns = _nouns(params.facilities)
    noun = nouns[1]
    total = len(subjects)
    staffed = [(f, f.capacity(params.attribute)) for f in subjects]
    unknown = [f for f, have in staffed if have is None]
    gaps = [minimum - have for _, have in staffed if have is not None and have < minimum]
    good = total - len(unknown) - len(gaps)
    unknown_note = f"{staff_plural} unknown at {len(unknown)} of {total:,} {noun}"
    if gaps:
        missing = sum(gaps)
        more = _more(missing, staff_singular, staff_plural)
        text = f"needs {more} at {len(gaps)} of {total:,} {noun}"
        if unknown:
            text = f"{text}; {unknown_note}"
        return Verdict(float(good), float(total), False, float(missing), text)
    if unknown:
        return Verdict(float(good), float(total), None, None, unknown_note)
    if not subjects:
        return Verdict(0.0, 0.0, True, 0.0, f"no {noun} in the region")
    text = f"{_all_of(total, nouns, ('has', 'have'))} at least {minimum} {staff_plural}"
    return Verdict(float(total), float(total), True, 0.0, text)


def _share_of_beds(params: StaffingParameters, subjects: Sequence[FacilityInput]) -> Verdict:
    staff_singular, staff_plural = _text.capacity_nouns(params.attribute)
    nouns = _nouns(params.facilities)
    noun = nouns[1]
    low = Fraction(str(params.min_share_of_beds or 0))
    high = None if params.max_share_of_beds is None else Fraction(str(params.max_share_of_beds))

    # hospitals without beds have nothing to share
    counted = [f for f in subjects if f.beds != 0]
    unknown = [f for f in counted if f.beds is None or f.capacity(params.attribute) is None]
    under: list[int] = []
    over: list[FacilityInput] = []
    for f in counted:
        beds, share = f.beds, f.capacity(params.attribute)
        if beds is None or share is None:
            continue
        if share < math.ceil(low * beds):
            under.append(math.ceil(low * beds) - share)
        elif high is not None and share > math.floor(high * beds):
            over.append(f)
    total = len(counted)
    good = total - len(unknown) - len(under) - len(over)

    parts: list[str] = []
    if under:
        missing = sum(under)
        more = _more(missing, staff_singular, staff_plural)
        parts.append(f"needs {more} at {len(under)} of {total:,} {noun}")
    above = _text.worded(
        "verdict.staff_band.over",
        over=len(over),
        total=total,
        noun=_text.Words(noun, _text.capacity_noun_zh(params.attribute)),
        percent=_text.percent(float(high or 0)),
    )
    if over:
        parts.append(above.en)
    if unknown:
        parts.append(f"beds or {staff_plural} unknown at {len(unknown)} of {total:,} {noun}")
    if under:
        return Verdict(float(good), float(total), False, float(sum(under)), "; ".join(parts))
    if over:
        # above the band is information: the plan asks to expand ICU beds, not to cap them (D11)
        said = _text.worded(
            "verdict.staff_band.over_info", parts=_text.Words("; ".join(parts), above.zh)
        )
        return Verdict(
            float(good + len(over)), float(total), None, None, said.en, Status.INFO, said.zh
        )
    if unknown:
        return Verdict(float(good), float(total), None, None, parts[0])
    if not counted:
        return Verdict(0.0, 0.0, True, 0.0, f"no {noun} with beds in the region")
    band = _text.percent(float(low)) + ("" if high is None else f"–{_text.percent(float(high))}")
    text = f"{_all_of(total, nouns, ('has', 'have'))} {staff_plural} at {band} of beds"
    return Verdict(float(total), float(total), True, 0.0, text)
