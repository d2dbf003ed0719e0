"""Evaluators of the per-population ratio rules: the ambulance fleet and resource ratios.

Arithmetic on the plans' decimal figures (3.93 per 10,000, 300%) is exact (fractions), so a
region exactly at its target passes and the required counts do not drift with float rounding.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from geo.norms import _text
from geo.norms._regions import COUNTY_LEVEL_UNITS, RegionIndex
from geo.norms.catalogue import Rule
from geo.norms.inputs import FacilityInput, RegionInput
from geo.norms.parameters import FleetRatioParameters, ResourceRatioParameters
from geo.norms.results import RuleResult, Verdict, make_result
from geo.norms.terms import CapacityField

_AMBULANCES = "ambulances"
_NEGATIVE = "negative-pressure ambulances"


@dataclass(frozen=True, slots=True)
class _Tally:
    """A capacity summed over facilities: the known part, and how many are unknown."""

    known: int
    unknown: int
    facilities: int


def _tally(facilities: Sequence[FacilityInput], field: CapacityField) -> _Tally:
    values = [facility.capacity(field) for facility in facilities]
    known = sum(v for v in values if v is not None)
    return _Tally(known=known, unknown=sum(v is None for v in values), facilities=len(values))


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

    Returns
    -------
    RuleResult
        ``value`` is the ambulances present (negative-pressure ones for the share rule) and
        ``target`` the number required; the shortfall is in ambulances.
    """
    fleet = index.facilities_in(region, facilities, params.facilities)
    if params.measure == "negative_pressure_share":
        verdict = _negative_pressure(params, fleet)
        return make_result(rule, region, verdict, unit=_NEGATIVE, shortfall_unit=_NEGATIVE)
    tally = _tally(fleet, CapacityField.AMBULANCES)
    verdict = _fleet_size(params, region, index, tally)
    return make_result(rule, region, verdict, unit=_AMBULANCES, shortfall_unit=_AMBULANCES)


def _fleet_units(region: RegionInput, index: RegionIndex) -> list[RegionInput] | None:
    """Return the units whose requirements add up to the region's; None when they are missing.

    A county-level unit is its own unit. The city sums its county-level units, because each has
    its own base (300% in counties, 100% in districts) and rounds up on its own.
    """
    units = index.units_of(region)
    if region.level in COUNTY_LEVEL_UNITS and not (index.is_city(region) and units):
        return [region]
    return units or None


def _fleet_size(
    params: FleetRatioParameters, region: RegionInput, index: RegionIndex, tally: _Tally
) -> Verdict:
    present = None if tally.unknown else float(tally.known)
    units = _fleet_units(region, index)
    if units is None:
        text = "needs the populations of its county-level units to apply the county base"
        return Verdict(present, None, None, None, text)
    needs = [required_ambulances(unit, params) for unit in units]
    if any(need is None for need in needs):
        return Verdict(present, None, None, None, "population unknown")
    required = sum(need for need in needs if need is not None)

    # unknown fleets can only add ambulances: a known count already enough is a pass
    if tally.unknown:
        unknown = f"ambulances unknown at {tally.unknown} of {tally.facilities} EMS facilities"
        if tally.known >= required:
            text = f"{unknown}; the known {tally.known:,} already meet the {required:,} required"
            return Verdict(None, float(required), True, 0.0, text)
        text = f"{unknown}; {tally.known:,} known of {required:,} required"
        return Verdict(None, float(required), None, None, text)
    if tally.known >= required:
        text = f"has {_text.count(tally.known, 'ambulance', 'ambulances')}; {required:,} required"
        return Verdict(present, float(required), True, 0.0, text)
    missing = required - tally.known
    text = (
        f"needs {_text.count(missing, 'more ambulance', 'more ambulances')} "
        f"(has {tally.known:,} of {required:,} required)"
    )
    return Verdict(present, float(required), False, float(missing), text)


def _negative_pressure(params: FleetRatioParameters, fleet: Sequence[FacilityInput]) -> Verdict:
    # the share needs both counts wherever there are ambulances
    unknown = [
        f
        for f in fleet
        if f.ambulances is None or (f.ambulances > 0 and f.negative_pressure_ambulances is None)
    ]
    if unknown:
        text = (
            f"fleet or negative-pressure count unknown at {len(unknown)} of {len(fleet)} "
            "EMS facilities"
        )
        return Verdict(None, None, None, None, text)
    total = sum(f.ambulances or 0 for f in fleet)
    negative = sum(f.negative_pressure_ambulances or 0 for f in fleet if f.ambulances)
    if total == 0:
        return Verdict(0.0, 0.0, None, None, "no ambulances recorded; the share is undefined")

    min_share = _exact(params.min_share or 0)
    required = math.ceil(min_share * total)
    missing = max(0, required - negative)
    share = f"{negative:,} of {total:,} ambulances are negative-pressure"
    if missing == 0:
        text = f"{share} ({_text.percent(negative / total)})"
        return Verdict(float(negative), float(required), True, 0.0, text)
    more = _text.count(missing, "more negative-pressure ambulance", f"more {_NEGATIVE}")
    text = f"needs {more}: {share}, {_text.percent(float(min_share))} required"
    return Verdict(float(negative), float(required), False, float(missing), text)


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
    plural = _text.CAPACITY_NOUNS[params.resource][1]
    counted = index.facilities_in(region, facilities, params.facilities)
    verdict = _resource_ratio(rule, params, region, _tally(counted, params.resource))
    unit = f"{plural} per {params.per_population:,} residents"
    return make_result(rule, region, verdict, unit=unit, shortfall_unit=plural)


def _resource_ratio(
    rule: Rule, params: ResourceRatioParameters, region: RegionInput, tally: _Tally
) -> Verdict:
    singular, plural = _text.CAPACITY_NOUNS[params.resource]
    per = params.per_population
    target = rule.target.value
    if target is None or region.population is None:
        return Verdict(None, target, None, None, "population unknown")
    if region.population == 0:
        return Verdict(None, target, None, None, "no residents")

    # the count the target implies; unknown capacities can only add to the known part
    required = math.ceil(_exact(target) * region.population / per)
    if tally.unknown:
        unknown = f"{plural} unknown at {tally.unknown} of {tally.facilities} facilities"
        if tally.known >= required:
            text = f"{unknown}; the known {tally.known:,} already reach the {required:,} required"
            return Verdict(None, target, True, 0.0, text)
        text = f"{unknown}; {tally.known:,} known of {required:,} required"
        return Verdict(None, target, None, None, text)
    ratio = tally.known * per / region.population
    measured = f"{_text.number(ratio)} per {per:,} residents against {_text.number(target)}"
    if tally.known >= required:
        text = f"{_text.count(tally.known, singular, plural)}: {measured}"
        return Verdict(ratio, target, True, 0.0, text)
    missing = required - tally.known
    text = f"needs {_text.count(missing, f'more {singular}', f'more {plural}')}: {measured}"
    return Verdict(ratio, target, False, float(missing), text)
