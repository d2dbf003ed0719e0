"""Evaluators of the per-population ratio rules: the ambulance fleet and resource ratios.

Arithmetic on the plans' decimal figures (3.93 per 10,000, 300%) is exact (fractions), so a
region exactly at its target passes and the required counts do not drift with float rounding.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from geo import messages
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
        text = "population unknown: cannot size the fleet"
        return Verdict(float(tally.known), None, None, None, text, text_zh="常住人口未知，无法测算")
    return _fleet_verdict(tally, required)


def _fleet_verdict(tally: _Tally, required: int, *, note: str = "", note_zh: str = "") -> Verdict:
    has = float(tally.known)
    decided = tally.decides(required)
    if tally.unknown:
        unknown = f"ambulances unknown at {tally.unknown} of {tally.facilities} EMS facilities"
        unknown_zh = f"{tally.facilities}个急救单位中{tally.unknown}个救护车数未知"
        if decided is True:
            text = f"{unknown}; the known {tally.known:,} already meet the {required:,} required"
            text_zh = f"{unknown_zh}；已知{tally.known:,}辆已达到所需{required:,}辆"
            return Verdict(
                has, float(required), True, 0.0, text + note, None, text_zh + note_zh, tally.unknown
            )
        if decided is False:
            # at least this many are missing whatever the unknown fleets hold
            least = required - (tally.most or 0)
            more = _text.count(least, "more ambulance", "more ambulances")
            text = (
                f"needs at least {more}: {unknown}, and even at the largest fleet of their "
                f"type they would total {tally.most:,} of {required:,} required"
            )
            text_zh = (
                f"至少尚缺{least:,}辆救护车：{unknown_zh}，即使按同类最大配置也只有"
                f"{tally.most:,}辆，所需{required:,}辆"
            )
            return Verdict(
                has,
                float(required),
                False,
                float(least),
                text + note,
                None,
                text_zh + note_zh,
                tally.unknown,
            )
        text = f"{unknown}; {tally.known:,} known of {required:,} required"
        text_zh = f"{unknown_zh}；已知{tally.known:,}辆，所需{required:,}辆"
        return Verdict(
            has, float(required), None, None, text + note, None, text_zh + note_zh, tally.unknown
        )
    if tally.known >= required:
        text = f"has {_text.count(tally.known, 'ambulance', 'ambulances')}; {required:,} required"
        text_zh = f"现有救护车{tally.known:,}辆，所需{required:,}辆"
        return Verdict(has, float(required), True, 0.0, text + note, None, text_zh + note_zh)
    missing = required - tally.known
    text = (
        f"needs {_text.count(missing, 'more ambulance', 'more ambulances')} "
        f"(has {tally.known:,} of {required:,} required)"
    )
    text_zh = f"尚缺{missing:,}辆救护车（现有{tally.known:,}辆，所需{required:,}辆）"
    return Verdict(
        has, float(required), False, float(missing), text + note, None, text_zh + note_zh
    )


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
        text = "population unknown: cannot size the fleet"
        return Verdict(float(tally.known), None, None, None, text, text_zh="常住人口未知，无法测算")
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
    note = (
        f"; {_text.count(short, 'county-level unit', 'county-level units')} short "
        f"of its own base, gross shortfall {_text.count(gross, 'ambulance', 'ambulances')}"
    )
    note_zh = f"；{short}个县市区未达本单位标准，缺口合计{gross:,}辆"
    if undecided:
        note += f" ({undecided} undecided: fleet or population unknown)"
        note_zh += f"（另{undecided}个因车辆或人口未知无法判定）"
    return _fleet_verdict(tally, required, note=note, note_zh=note_zh)


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
        text_zh = f"{len(fleet)}个急救单位中{len(unknown)}个救护车或负压车数未知"
        return Verdict(None, None, None, None, text, text_zh=text_zh, unknown=len(unknown))
    total = sum(f.ambulances or 0 for f in fleet)
    negative = sum(f.negative_pressure_ambulances or 0 for f in fleet if f.ambulances)
    if total == 0:
        text = "not applicable: no ambulances recorded, so there is no fleet to take a share of"
        text_zh = "不适用：无救护车记录，无从计算负压车占比"
        return Verdict(0.0, 0.0, None, None, text, Status.NOT_APPLICABLE, text_zh)

    min_share = _exact(params.min_share or 0)
    required = math.ceil(min_share * total)
    replace = max(0, required - negative)
    share = f"{negative:,} of {total:,} ambulances are negative-pressure"
    if replace == 0:
        text = f"{share} ({_text.percent(negative / total)})"
        text_zh = f"救护车{total:,}辆中负压车{negative:,}辆（{_text.percent(negative / total)}）"
        return Verdict(float(negative), float(required), True, 0.0, text, text_zh=text_zh)
    # added vehicles enlarge the fleet: (negative + k) / (total + k) >= min_share
    add = math.ceil((min_share * total - negative) / (1 - min_share)) if min_share < 1 else None
    added = "" if add is None else f", or add {add:,} new ones to the fleet"
    added_zh = "" if add is None else f"，或新增负压救护车{add:,}辆"
    text = (
        f"replace or upgrade {_text.count(replace, 'ambulance', 'ambulances')} to "
        f"negative-pressure{added}: {share}, {_text.percent(float(min_share))} required"
    )
    text_zh = (
        f"需将{replace:,}辆现有救护车替换或改造为负压车{added_zh}："
        f"现有{total:,}辆中负压车{negative:,}辆，要求{_text.percent(float(min_share))}"
    )
    return Verdict(float(negative), float(required), False, float(replace), text, text_zh=text_zh)


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
    singular, plural = _text.capacity_nouns(params.resource)
    per = params.per_population
    target = rule.target.value
    if target is None or region.population is None:
        return Verdict(None, target, None, None, "population unknown", text_zh="常住人口未知")
    if region.population == 0:
        return Verdict(None, target, None, None, "no residents", text_zh="无常住人口")

    # the count the target implies; unknown capacities can only add to the known part
    required = math.ceil(_exact(target) * region.population / per)
    ratio = tally.known * per / region.population
    measured = f"{_text.number(ratio)} per {per:,} residents against {_text.number(target)}"
    measured_zh = f"每{per:,}人{_text.number(ratio)}，目标{_text.number(target)}"
    if tally.unknown:
        return _ratio_with_unknowns(
            params,
            tally,
            required=required,
            ratio=ratio,
            target=target,
            measured=(measured, measured_zh),
        )
    if tally.known >= required:
        text = f"{_text.count(tally.known, singular, plural)}: {measured}"
        text_zh = f"现有{_count_zh(tally.known, plural)}（{measured_zh}）"
        return Verdict(ratio, target, True, 0.0, text, text_zh=text_zh)
    missing = required - tally.known
    text = f"needs {_text.count(missing, f'more {singular}', f'more {plural}')}: {measured}"
    text_zh = f"尚缺{_count_zh(missing, plural)}（{measured_zh}）"
    return Verdict(ratio, target, False, float(missing), text, text_zh=text_zh)


def _ratio_with_unknowns(
    params: ResourceRatioParameters,
    tally: _Tally,
    *,
    required: int,
    ratio: float,
    target: float,
    measured: tuple[str, str],
) -> Verdict:
    """Decide a ratio from its known part where that settles it (item 4: unknowns)."""
    plural = _text.capacity_nouns(params.resource)[1]
    noun_zh = _text.capacity_noun_zh(params.resource)
    measured_en, measured_zh = measured
    unknown = f"{plural} unknown at {tally.unknown} of {tally.facilities} facilities"
    unknown_zh = f"{tally.facilities}个机构中{tally.unknown}个{noun_zh}数未知"
    decided = tally.decides(required)
    if decided is True:
        text = (
            f"{unknown}; the known {tally.known:,} already reach the {required:,} required "
            f"({measured_en})"
        )
        text_zh = (
            f"{unknown_zh}；已知的{_count_zh(tally.known, plural)}已达到所需的"
            f"{_count_zh(required, plural)}（{measured_zh}）"
        )
        return Verdict(ratio, target, True, 0.0, text, None, text_zh, tally.unknown)
    if decided is False:
        # at least this many are missing whatever the unknown facilities hold
        least = required - (tally.most or 0)
        text = (
            f"needs at least {least:,} more {plural}: {unknown}, and even at the largest value "
            f"of their type in the register they would total {tally.most:,} of {required:,} "
            f"required (known part: {measured_en})"
        )
        text_zh = (
            f"至少尚缺{_count_zh(least, plural)}：{unknown_zh}，即使按登记中同类机构的最大值"
            f"也只有{_count_zh(tally.most or 0, plural)}，所需{_count_zh(required, plural)}"
            f"（已知部分：{measured_zh}）"
        )
        return Verdict(ratio, target, False, float(least), text, None, text_zh, tally.unknown)
    text = f"{unknown}; {tally.known:,} known of {required:,} required (known part: {measured_en})"
    text_zh = (
        f"{unknown_zh}；已知{_count_zh(tally.known, plural)}，所需{_count_zh(required, plural)}"
        f"（已知部分：{measured_zh}）"
    )
    return Verdict(ratio, target, None, None, text, None, text_zh, tally.unknown)


def _count_zh(n: float, plural: str) -> str:
    """A count with its measure word, as the plans write it (``1,234张床位``)."""
    return messages.amount_text(n, plural, "zh").replace(" ", "")
