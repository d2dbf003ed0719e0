"""Evaluators of the per-population ratio rules: the ambulance fleet and resource ratios.

Arithmetic on the plans' decimal figures (3.93 per 10,000, 300%) is exact (fractions), so a
region exactly at its target passes and the required counts do not drift with float rounding.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from geo.norms import _text
from geo.norms._regions import HOST_LEVELS, RegionIndex
from geo.norms.catalogue import Rule
from geo.norms.inputs import FacilityInput, RegionInput
from geo.norms.parameters import FleetRatioParameters, ResourceRatioParameters
from geo.norms.results import RuleResult, Verdict, make_result
from geo.norms.terms import CapacityField, FacilityType, Status

_AMBULANCES = "ambulances"
_NEGATIVE = "negative-pressure ambulances"


@dataclass(frozen=True, slots=True)
class _Tally:
    """A capacity summed over facilities: the known part, how many are unknown, and a bound.

    ``most`` is the largest the sum could be: each unknown facility at the largest value any
    facility of its type has in the register (of any type, when none of its type is known);
    None when the register knows no value at all.
    """

    known: int
    unknown: int
    facilities: int
    most: int | None

    def decides(self, required: int) -> bool | None:
        """True when the known part already reaches ``required``; False when even ``most``
        cannot; None when the unknown capacities decide."""
        if self.known >= required:
            return True
        if self.most is not None and self.most < required:
            return False
        return None


def _tally(
    facilities: Sequence[FacilityInput],
    field: CapacityField,
    register: Sequence[FacilityInput] = (),
    *,
    index: RegionIndex | None = None,
) -> _Tally:
    values = [facility.capacity(field) for facility in facilities]
    known = sum(v for v in values if v is not None)
    unknown = [f for f, v in zip(facilities, values, strict=True) if v is None]
    # the largest known value per facility type, over the whole register given (once per
    # register and field for the index: every region of the rule asks again)
    if index is None:
        largest = _largest(register, field)
    else:
        largest = index.memo(
            ("largest", id(register), field), (register,), lambda: _largest(register, field)
        )
    largest = _largest(facilities, field, largest)
    # a type with no known value is bounded by the largest value of any type
    anything = max(largest.values(), default=None)
    most: int | None = known
    for facility in unknown:
        bound = largest.get(facility.type, anything)
        if bound is None or most is None:
            most = None
            break
        most += bound
    return _Tally(known=known, unknown=len(unknown), facilities=len(values), most=most)


def _largest(
    facilities: Sequence[FacilityInput],
    field: CapacityField,
    start: Mapping[FacilityType, int] | None = None,
) -> dict[FacilityType, int]:
    """The largest known ``field`` per facility type over ``facilities`` (and ``start``)."""
    largest = dict(start or {})
    for facility in facilities:
        value = facility.capacity(field)
        if value is not None:
            largest[facility.type] = max(value, largest.get(facility.type, 0))
    return largest


def _exact(value: float) -> Fraction:
    # the decimal as written in the plan (3.93, not its nearest binary float)
    return Fraction(str(value))


def fleet_base(region: RegionInput, params: FleetRatioParameters) -> Fraction | None:
    """Return the population base of the ambulance rule for one county-level unit, in persons.

    Residents × ``base_multiplier_county`` in the county levels (the 300% 县域 rule), ×
    ``base_multiplier_other`` elsewhere; None when the population is unknown.
    """
    if region.population is None or params.base_multiplier_county is None:
        return None
    county = region.level in params.county_levels
    multiplier = params.base_multiplier_county if county else params.base_multiplier_other
    return Fraction(region.population) * _exact(multiplier)


def required_ambulances(region: RegionInput, params: FleetRatioParameters) -> int | None:
    """Return the ambulances a county-level unit needs: ceil(base / per_population)."""
    base = fleet_base(region, params)
    if base is None or params.per_population is None:
        return None
    return math.ceil(base / params.per_population)


def evaluate_fleet_ratio(
    rule: Rule,
    params: FleetRatioParameters,
    region: RegionInput,
    *,
    index: RegionIndex,
    facilities: Sequence[FacilityInput],
) -> RuleResult:
    """Check the ambulance fleet (or its negative-pressure share) of one region.

    A county-level unit is held to its own base (300% of residents in 县 and 县级市, 100% in
    districts). The prefecture's row is the city at 100%: ceil(residents / ``per_population``),
    with how many units are short and their gross shortfall beside it, so a district's surplus
    never hides a county without ambulances (D9). A county-level city governed on its own is one
    unit at its own base.

    Returns
    -------
    RuleResult
        ``value`` is the ambulances present (negative-pressure ones for the share rule; the known
        part when some are unknown) and ``target`` the number required; the shortfall is in
        ambulances.
    """
    fleet = index.facilities_in(region, facilities, params.facilities)
    if params.measure == "negative_pressure_share":
        verdict = _negative_pressure(params, fleet)
        return make_result(rule, region, verdict, unit=_NEGATIVE, shortfall_unit=_NEGATIVE)
    tally = _tally(fleet, CapacityField.AMBULANCES, facilities, index=index)
    units = [u for u in index.units_of(region) if u.level in HOST_LEVELS]
    if index.is_city(region) and units:
        verdict = _city_fleet(
            params, region, tally, index=index, units=units, facilities=facilities
        )
    else:
        verdict = _fleet_size(params, region, tally)
    return make_result(rule, region, verdict, unit=_AMBULANCES, shortfall_unit=_AMBULANCES)


def _fleet_size(params: FleetRatioParameters, region: RegionInput, tally: _Tally) -> Verdict:
    required = required_ambulances(region, params)
    if required is None:
        said = _text.worded("verdict.fleet.population_unknown")
        return Verdict(float(tally.known), None, None, None, said.en, text_zh=said.zh)
    return _fleet_verdict(tally, required)


def _fleet_verdict(tally: _Tally, required: int, *, note: _text.Words = _text.NO_WORDS) -> Verdict:
    has = float(tally.known)
    decided = tally.decides(required)
    known, unknown = tally.known, tally.unknown
    if unknown:
        part = _text.worded("verdict.fleet.unknown", unknown=unknown, facilities=tally.facilities)
        if decided is True:
            said = _text.worded(
                "verdict.fleet.unknown_met", unknown_part=part, known=known, required=required
            )
            said = _text.joined(said, note)
            return Verdict(has, float(required), True, 0.0, said.en, None, said.zh, unknown)
        if decided is False:
            # at least this many are missing whatever the unknown fleets hold
            least = required - (tally.most or 0)
            said = _text.worded(
                "verdict.fleet.unknown_short",
                unknown_part=part,
                least=least,
                noun=_text.noun_words(least, CapacityField.AMBULANCES),
                most=tally.most,
                required=required,
            )
            said = _text.joined(said, note)
            return Verdict(
                has, float(required), False, float(least), said.en, None, said.zh, unknown
            )
        said = _text.worded(
            "verdict.fleet.unknown_undecided", unknown_part=part, known=known, required=required
        )
        said = _text.joined(said, note)
        return Verdict(has, float(required), None, None, said.en, None, said.zh, unknown)
    if known >= required:
        said = _text.worded(
            "verdict.fleet.met",
            known=known,
            noun=_text.noun_words(known, CapacityField.AMBULANCES),
            required=required,
        )
        said = _text.joined(said, note)
        return Verdict(has, float(required), True, 0.0, said.en, None, said.zh)
    missing = required - known
    said = _text.worded(
        "verdict.fleet.short",
        missing=missing,
        noun=_text.noun_words(missing, CapacityField.AMBULANCES),
        known=known,
        required=required,
    )
    said = _text.joined(said, note)
    return Verdict(has, float(required), False, float(missing), said.en, None, said.zh)


def _city_fleet(
    params: FleetRatioParameters,
    city: RegionInput,
    tally: _Tally,
    *,
    index: RegionIndex,
    units: Sequence[RegionInput],
    facilities: Sequence[FacilityInput],
) -> Verdict:
    if city.population is None or params.per_population is None:
        said = _text.worded("verdict.fleet.population_unknown")
        return Verdict(float(tally.known), None, None, None, said.en, text_zh=said.zh)
    # the 地市 unit at 100% (国卫医发〔2020〕19号's two units: 地市 100%, 县域 300%)
    base = Fraction(city.population) * _exact(params.base_multiplier_other)
    required = math.ceil(base / params.per_population)

    # each county-level unit against its own base, so no surplus hides a deficit
    short, gross, undecided = 0, 0, 0
    for unit in units:
        need = required_ambulances(unit, params)
        unit_tally = _tally(
            index.facilities_in(unit, facilities, params.facilities),
            CapacityField.AMBULANCES,
            facilities,
            index=index,
        )
        decided = None if need is None else unit_tally.decides(need)
        if decided is False and need is not None:
            short += 1
            gross += need - unit_tally.known
        elif decided is None:
            undecided += 1
    note = _text.worded(
        "verdict.fleet.units_short",
        short=short,
        units=_text.worded("noun.county_unit" if short == 1 else "noun.county_units"),
        gross=_text.counted(gross, CapacityField.AMBULANCES),
    )
    if undecided:
        note = _text.joined(note, _text.worded("verdict.fleet.units_undecided", n=undecided))
    return _fleet_verdict(tally, required, note=note)


def _negative_pressure(params: FleetRatioParameters, fleet: Sequence[FacilityInput]) -> Verdict:
    # the share needs both counts wherever there are ambulances
    unknown = [
        f
        for f in fleet
        if f.ambulances is None or (f.ambulances > 0 and f.negative_pressure_ambulances is None)
    ]
    if unknown:
        said = _text.worded("verdict.negative.unknown", unknown=len(unknown), facilities=len(fleet))
        return Verdict(None, None, None, None, said.en, text_zh=said.zh, unknown=len(unknown))
    total = sum(f.ambulances or 0 for f in fleet)
    negative = sum(f.negative_pressure_ambulances or 0 for f in fleet if f.ambulances)
    if total == 0:
        said = _text.worded("verdict.negative.no_fleet")
        return Verdict(0.0, 0.0, None, None, said.en, Status.NOT_APPLICABLE, said.zh)

    min_share = _exact(params.min_share or 0)
    required = math.ceil(min_share * total)
    replace = max(0, required - negative)
    share = _text.worded("verdict.negative.share", negative=negative, total=total)
    if replace == 0:
        said = _text.worded(
            "verdict.negative.met",
            negative=negative,
            total=total,
            percent=_text.percent(negative / total),
        )
        return Verdict(float(negative), float(required), True, 0.0, said.en, text_zh=said.zh)
    # added vehicles enlarge the fleet: (negative + k) / (total + k) >= min_share
    add = math.ceil((min_share * total - negative) / (1 - min_share)) if min_share < 1 else None
    added = _text.NO_WORDS if add is None else _text.worded("verdict.negative.or_add", add=add)
    said = _text.worded(
        "verdict.negative.short",
        replace=replace,
        noun=_text.noun_words(replace, CapacityField.AMBULANCES),
        added=added,
        share_part=share,
        percent=_text.percent(float(min_share)),
    )
    return Verdict(
        float(negative), float(required), False, float(replace), said.en, text_zh=said.zh
    )


def evaluate_resource_ratio(
    rule: Rule,
    params: ResourceRatioParameters,
    region: RegionInput,
    *,
    index: RegionIndex,
    facilities: Sequence[FacilityInput],
) -> RuleResult:
    """Check beds or staff per 1,000 (or 10,000) residents of one region.

    Returns
    -------
    RuleResult
        ``value`` is the measured ratio and ``target`` the plan's, per ``per_population``
        residents; the shortfall is in beds or staff.
    """
    plural = _text.capacity_nouns(params.resource)[1]
    counted = index.facilities_in(region, facilities, params.facilities)
    # the register given (the city's facilities) bounds what unknown capacities can be
    selected = index.matching(facilities, params.facilities)
    tally = _tally(counted, params.resource, selected, index=index)
    verdict = _resource_ratio(rule, params, region, tally)
    unit = f"{plural} per {params.per_population:,} residents"
    return make_result(rule, region, verdict, unit=unit, shortfall_unit=plural)


def _resource_ratio(
    rule: Rule, params: ResourceRatioParameters, region: RegionInput, tally: _Tally
) -> Verdict:
    per = params.per_population
    target = rule.target.value
    if target is None or region.population is None:
        said = _text.worded("verdict.ratio.population_unknown")
        return Verdict(None, target, None, None, said.en, text_zh=said.zh)
    if region.population == 0:
        said = _text.worded("verdict.ratio.no_residents")
        return Verdict(None, target, None, None, said.en, text_zh=said.zh)

    # the count the target implies; unknown capacities can only add to the known part
    required = math.ceil(_exact(target) * region.population / per)
    ratio = tally.known * per / region.population
    measured = _text.worded(
        "verdict.ratio.measured", ratio=_text.number(ratio), per=per, target=_text.number(target)
    )
    if tally.unknown:
        return _ratio_with_unknowns(
            params, tally, required=required, ratio=ratio, target=target, measured=measured
        )
    if tally.known >= required:
        said = _text.worded(
            "verdict.ratio.met",
            count=_text.counted(tally.known, params.resource),
            measured=measured,
        )
        return Verdict(ratio, target, True, 0.0, said.en, text_zh=said.zh)
    missing = required - tally.known
    said = _text.worded(
        "verdict.ratio.short",
        count=_text.counted(missing, params.resource, more=True),
        measured=measured,
    )
    return Verdict(ratio, target, False, float(missing), said.en, text_zh=said.zh)


def _ratio_with_unknowns(
    params: ResourceRatioParameters,
    tally: _Tally,
    *,
    required: int,
    ratio: float,
    target: float,
    measured: _text.Words,
) -> Verdict:
    """Decide a ratio from its known part where that settles it (item 4: unknowns)."""
    resource = params.resource
    part = _text.worded(
        "verdict.ratio.unknown",
        noun=_text.Words(_text.capacity_nouns(resource)[1], _text.capacity_noun_zh(resource)),
        unknown=tally.unknown,
        facilities=tally.facilities,
    )
    counts = {
        "unknown_part": part,
        "known": _text.figure(tally.known, resource),
        "required": _text.figure(required, resource),
        "measured": measured,
    }
    decided = tally.decides(required)
    if decided is True:
        said = _text.worded("verdict.ratio.unknown_met", **counts)
        return Verdict(ratio, target, True, 0.0, said.en, None, said.zh, tally.unknown)
    if decided is False:
        # at least this many are missing whatever the unknown facilities hold
        least = required - (tally.most or 0)
        said = _text.worded(
            "verdict.ratio.unknown_short",
            least=_text.counted(least, resource, more=True),
            most=_text.figure(tally.most or 0, resource),
            **counts,
        )
        return Verdict(ratio, target, False, float(least), said.en, None, said.zh, tally.unknown)
    said = _text.worded("verdict.ratio.unknown_undecided", **counts)
    return Verdict(ratio, target, None, None, said.en, None, said.zh, tally.unknown)
