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
from geo.norms.results import RuleResult, Verdict, make_result, said_verdict
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


def _nouns(selectors: Sequence[FacilitySelector]) -> _text.Nouns:
    return _text.facility_noun([t for selector in selectors for t in selector.facility_types])


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


# the way of counting per resident, by the residents counted
_PER_RESIDENTS = {
    PopulationBasis.TOTAL: "verdict.count.per_residents",
    PopulationBasis.URBAN: "verdict.count.per_urban_residents",
    PopulationBasis.RURAL: "verdict.count.per_rural_residents",
}


def _requirements(
    params: FacilityPerPopulationParameters, region: RegionInput
) -> list[tuple[_text.Words, int | None]]:
    """Return each way of counting the rule allows, with the facilities it requires."""
    requirements: list[tuple[_text.Words, int | None]] = []
    if params.residents_per_facility_max is not None:
        residents = basis_population(region, params.population_basis)
        way = _text.worded(
            _PER_RESIDENTS[params.population_basis], n=params.residents_per_facility_max
        )
        need = (
            None if residents is None else math.ceil(residents / params.residents_per_facility_max)
        )
        requirements.append((way, need))
    if params.per_admin_unit == "township":
        requirements.append((_text.worded("verdict.count.per_township"), region.township_count))
    elif params.per_admin_unit == "subdistrict":
        way = _text.worded("verdict.count.per_subdistrict")
        requirements.append((way, region.subdistrict_count))
    return requirements


def _unknown_figures(params: FacilityPerPopulationParameters, region: RegionInput) -> _text.Words:
    """Name the figures a count rule lacks (population, urban share, township count …)."""
    missing: list[_text.Words] = []
    if params.residents_per_facility_max is not None:
        if region.population is None:
            missing.append(_text.worded("figure.population"))
        elif params.population_basis != PopulationBasis.TOTAL and region.urban_share is None:
            missing.append(_text.worded("figure.urban_share"))
    if params.per_admin_unit == "township" and region.township_count is None:
        missing.append(_text.worded("figure.township_count"))
    if params.per_admin_unit == "subdistrict" and region.subdistrict_count is None:
        missing.append(_text.worded("figure.subdistrict_count"))
    if not missing:
        return _text.worded("figure.any")
    return _text.listed(missing, "noun.and")


def _count(params: FacilityPerPopulationParameters, region: RegionInput, present: int) -> Verdict:
    nouns = _nouns(params.facilities)
    requirements = _requirements(params, region)
    known = [(way, need) for way, need in requirements if need is not None]
    unknown = _text.listed([way for way, need in requirements if need is None], "noun.or")
    if not known:
        lacking = _unknown_figures(params, region)
        said = _text.worded("verdict.count.uncountable", ways=unknown, lacking=lacking)
        return said_verdict(float(present), None, None, None, said)

    # meeting any one way of counting satisfies the rule; the easiest is the target
    way, target = min(known, key=lambda item: item[1])
    missing = max(0, target - present)
    if missing == 0:
        count = _text.tally(present, nouns)
        said = _text.worded("verdict.count.met", count=count, target=target, way=way)
        return said_verdict(float(present), float(target), True, 0.0, said)
    more = _text.tally(missing, nouns, more=True)
    if unknown.en:
        said = _text.worded("verdict.count.short_undecided", more=more, way=way, ways=unknown)
        return said_verdict(float(present), float(target), None, None, said)
    said = _text.worded("verdict.count.short", more=more, way=way, present=present)
    return said_verdict(float(present), float(target), False, float(missing), said)


def _below(
    below: Sequence[FacilityInput],
    large: Sequence[FacilityInput],
    notes: Sequence[_text.Words],
    what: dict[str, object],
) -> Verdict:
    """The verdict when some large-catchment facilities fall short: a fail, naming them."""
    said = _text.worded(
        "verdict.catchment.below",
        below=len(below),
        large=len(large),
        names=_text.names([f.name for f in below]),
        **what,
    )
    if notes:
        said = _text.listed([said, *notes], "verdict.sep")
        return said_verdict(None, None, False, float(len(below)), said)
    return said_verdict(
        float(len(large) - len(below)), float(len(large)), False, float(len(below)), said
    )


_STANDARD_RANK = {"basic": 1, "recommended": 2}
_STANDARD_WORDS = {
    "basic": "verdict.catchment.standard.basic",
    "recommended": "verdict.catchment.standard.recommended",
}


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


def _short_of(params: FacilityPerPopulationParameters) -> _text.Words:
    """Say what the failing facilities lack: "are below grade II", "are not at the … standard"."""
    if params.required_standard is None and params.required_grade is not None:
        grade = _text.grade_words(params.required_grade)
        return _text.worded("verdict.catchment.below_grade", grade=grade)
    return _text.worded("verdict.catchment.not_meeting", requirement=_requirement_words(params))


def _requirement_words(params: FacilityPerPopulationParameters) -> _text.Words:
    words = []
    if params.required_grade is not None:
        grade = _text.grade_words(params.required_grade)
        words.append(_text.worded("verdict.catchment.grade", grade=grade))
    if params.required_standard is not None:
        words.append(_text.worded(_STANDARD_WORDS[params.required_standard]))
    return _text.listed(words, "verdict.catchment.and")


def _catchment(
    params: FacilityPerPopulationParameters,
    present: Sequence[FacilityInput],
    catchments: Mapping[int | str, int] | None,
) -> Verdict:
    nouns = _nouns(params.facilities)
    threshold = params.catchment_min_residents or 0
    if catchments is None:
        return said_verdict(None, None, None, None, _text.worded("verdict.catchment.not_given"))
    requirement = _requirement_words(params)

    unknown = [f for f in present if catchments.get(f.id) is None]
    large = [f for f in present if catchments.get(f.id, -1) >= threshold]
    verdicts = [(f, _meets(params, f)) for f in large]
    below = [f for f, ok in verdicts if ok is False]
    undecided = [f for f, ok in verdicts if ok is None]
    unknown_note = _text.worded(
        "verdict.catchment.unknown", unknown=len(unknown), present=len(present), nouns=nouns.plural
    )
    if below:
        notes = [unknown_note] if unknown else []
        if undecided:
            notes.append(_text.worded("verdict.catchment.unrecorded", n=len(undecided)))
        what = {"nouns": nouns.plural, "threshold": threshold, "short_of": _short_of(params)}
        return _below(below, large, notes, what)
    if undecided:
        said = _text.worded(
            "verdict.catchment.undecided",
            undecided=len(undecided),
            large=len(large),
            nouns=nouns.plural,
            threshold=threshold,
            requirement=requirement,
        )
        good = float(len(large) - len(undecided))
        return said_verdict(good, float(len(large)), None, None, said, unknown=len(undecided))
    if unknown:
        return said_verdict(None, None, None, None, unknown_note)
    if not large:
        said = _text.worded(
            "verdict.catchment.none_large", noun=nouns.singular, threshold=threshold
        )
        return said_verdict(0.0, 0.0, True, 0.0, said)
    said = _text.worded(
        "verdict.catchment.met_one" if len(large) == 1 else "verdict.catchment.met_all",
        noun=nouns.singular,
        nouns=nouns.plural,
        n=len(large),
        requirement=requirement,
        threshold=threshold,
    )
    return said_verdict(float(len(large)), float(len(large)), True, 0.0, said)


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
    nouns = _text.describe_selectors(params.facilities)
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
            said = _text.worded(
                "verdict.presence.exempt_at_least"
                if params.applies_at_threshold
                else "verdict.presence.exempt_more_than",
                population=population,
                threshold=threshold,
            )
            return said_verdict(float(present), 0.0, True, 0.0, said)

    if present >= need:
        said = _text.worded("verdict.presence.has", count=_text.tally(present, nouns))
        return said_verdict(float(present), float(need), True, 0.0, said)
    missing = need - present
    more = _text.tally(missing, nouns, more=True)
    if applies is None:
        said = _text.worded("verdict.presence.short_if", more=more, threshold=threshold)
        return said_verdict(float(present), float(need), None, None, said)
    said = _text.worded("verdict.presence.short", more=more)
    return said_verdict(float(present), float(need), False, float(missing), said)


def _every_subject(
    params: PresenceParameters,
    subject: Sequence[FacilitySelector],
    subjects: Sequence[FacilityInput],
) -> Verdict:
    nouns = _text.describe_selectors(subject)
    requirement = _text.describe_selectors(params.facilities).singular
    failing = [f for f in subjects if not selects(params.facilities, f)]
    total, good = len(subjects), len(subjects) - len(failing)
    if not subjects:
        said = _text.worded("verdict.none_in_region", nouns=nouns.plural)
        return said_verdict(0.0, 0.0, True, 0.0, said)
    if params.share_of_subjects is not None:
        return _share_of_subjects(params.share_of_subjects, good, total, nouns)
    if not failing:
        said = _text.worded(
            "verdict.subjects.met_one" if total == 1 else "verdict.subjects.met_all",
            noun=nouns.singular,
            nouns=nouns.plural,
            n=total,
            requirement=requirement,
        )
        return said_verdict(float(good), float(total), True, 0.0, said)
    said = _text.worded(
        "verdict.subjects.short",
        failing=len(failing),
        total=total,
        nouns=nouns.plural,
        requirement=requirement,
        names=_text.names([f.name for f in failing]),
    )
    return said_verdict(float(good), float(total), False, float(len(failing)), said)


def _share_of_subjects(share: float, good: int, total: int, nouns: _text.Nouns) -> Verdict:
    # exact: 50% of 7 county hospitals is 4 (ceil 3.5), not 3
    need = math.ceil(Fraction(str(share)) * total)
    meet = _text.worded(
        "verdict.subjects.share",
        good=good,
        total=total,
        nouns=nouns.plural,
        percent=_text.percent(share),
    )
    if good >= need:
        return said_verdict(float(good), float(need), True, 0.0, meet)
    missing = need - good
    said = _text.worded("verdict.subjects.share_short", meet=meet, missing=missing)
    return said_verdict(float(good), float(need), False, float(missing), said)


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
    has = _text.worded(
        "verdict.city_total.has",
        known=_text.amount(known, unit),
        need=_text.Words(f"{need:,}", _text.count_zh(need, unit)),
    )
    if known >= need:
        verdict = said_verdict(float(known), float(need), True, 0.0, has)
    elif unknown:
        said = _text.worded(
            "verdict.city_total.unknown",
            has=has,
            unit=_text.Words(unit, messages.unit_label(unit, "zh")),
            unknown=unknown,
            selected=len(selected),
        )
        verdict = said_verdict(float(known), float(need), None, None, said)
    else:
        more = _text.amount(need - known, unit, more=True)
        said = _text.worded("verdict.city_total.short", more=more, has=has)
        verdict = said_verdict(float(known), float(need), False, float(need - known), said)
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
    staff = _text.plural_words(params.attribute)
    nouns = _nouns(params.facilities)
    total = len(subjects)
    staffed = [(f, f.capacity(params.attribute)) for f in subjects]
    unknown = [f for f, have in staffed if have is None]
    gaps = [minimum - have for _, have in staffed if have is not None and have < minimum]
    good = total - len(unknown) - len(gaps)
    unknown_note = _text.worded(
        "verdict.staffing.unknown",
        staff=staff,
        unknown=len(unknown),
        total=total,
        nouns=nouns.plural,
    )
    if gaps:
        missing = sum(gaps)
        said = _text.worded(
            "verdict.staffing.short",
            more=_text.counted(missing, params.attribute, more=True),
            short=len(gaps),
            total=total,
            nouns=nouns.plural,
        )
        if unknown:
            said = _text.listed([said, unknown_note], "verdict.sep")
        return said_verdict(float(good), float(total), False, float(missing), said)
    if unknown:
        return said_verdict(float(good), float(total), None, None, unknown_note)
    if not subjects:
        said = _text.worded("verdict.none_in_region", nouns=nouns.plural)
        return said_verdict(0.0, 0.0, True, 0.0, said)
    # a minimum is worded in the plural, as the rule states it ("at least 4 GPs")
    at_least = _text.Words(
        f"{minimum} {staff.en}", _text.count_zh(minimum, _text.capacity_nouns(params.attribute)[1])
    )
    said = _text.worded(
        "verdict.staffing.met_one" if total == 1 else "verdict.staffing.met_all",
        noun=nouns.singular,
        nouns=nouns.plural,
        n=total,
        minimum=at_least,
    )
    return said_verdict(float(total), float(total), True, 0.0, said)


def _share_of_beds(params: StaffingParameters, subjects: Sequence[FacilityInput]) -> Verdict:
    staff = _text.plural_words(params.attribute)
    nouns = _nouns(params.facilities)
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

    parts: list[_text.Words] = []
    if under:
        said = _text.worded(
            "verdict.staffing.short",
            more=_text.counted(sum(under), params.attribute, more=True),
            short=len(under),
            total=total,
            nouns=nouns.plural,
        )
        parts.append(said)
    if over:
        said = _text.worded(
            "verdict.staff_band.over",
            over=len(over),
            total=total,
            noun=nouns.plural,
            percent=_text.percent(float(high or 0)),
        )
        parts.append(said)
    if unknown:
        said = _text.worded(
            "verdict.staff_band.unknown",
            staff=staff,
            unknown=len(unknown),
            total=total,
            nouns=nouns.plural,
        )
        parts.append(said)
    if under:
        said = _text.listed(parts, "verdict.sep")
        return said_verdict(float(good), float(total), False, float(sum(under)), said)
    if over:
        # above the band is information: the plan asks to expand ICU beds, not to cap them (D11)
        said = _text.worded(
            "verdict.staff_band.over_info", parts=_text.listed(parts, "verdict.sep")
        )
        return said_verdict(
            float(good + len(over)), float(total), None, None, said, status=Status.INFO
        )
    if unknown:
        return said_verdict(float(good), float(total), None, None, parts[0])
    if not counted:
        said = _text.worded("verdict.staff_band.no_beds", nouns=nouns.plural)
        return said_verdict(0.0, 0.0, True, 0.0, said)
    band = _text.percent(float(low)) + ("" if high is None else f"–{_text.percent(float(high))}")
    said = _text.worded(
        "verdict.staff_band.met_one" if total == 1 else "verdict.staff_band.met_all",
        noun=nouns.singular,
        nouns=nouns.plural,
        n=total,
        staff=staff,
        band=band,
    )
    return said_verdict(float(total), float(total), True, 0.0, said)
