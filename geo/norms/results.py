"""Results of checking one rule in one region, and their assembly for the spatial rules.

Every result carries the measured ``value``, the ``target`` it is held to, its ``status`` (pass,
fail, unknown, info, not_applicable) with ``passed`` (None unless judged), the ``shortfall`` in
natural units (ambulances, beds, residents, GPs…) with a sentence saying it, and what the verdict
rests on: the rule's titles, 约束性/预期性 label, target year, the plan's baseline, the
interpretation, and the citation (with the plan's title and document number once the catalogue's
plan is attached).
"""

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from geo.errors import NormEvaluationError
from geo.norms import _text
from geo.norms._regions import RegionIndex
from geo.norms.catalogue import Baseline, PlanReference, Rule, Wording
from geo.norms.citations import Citation
from geo.norms.inputs import RegionInput
from geo.norms.parameters import (
    EmsResponseParameters,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)
from geo.norms.terms import (
    Binding,
    DistanceKind,
    RegionLevel,
    RuleKind,
    Scope,
    Status,
    TargetScope,
    TravelMode,
)


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule checked in one region.

    Attributes
    ----------
    region_adcode, region_name
        The region the row is for.
    rule_id, kind
        The rule checked.
    value
        What was measured, in ``unit`` (e.g. ambulances present); None when unknown.
    target
        What the rule requires, in ``unit`` (e.g. ambulances required); None when unknown.
    passed
        True or False; None when the data cannot tell (unknown capacities or population, or a
        rule the data cannot evaluate).
    shortfall
        How much is missing, in ``shortfall_unit`` (0 when passed); None when unknown.
    shortfall_unit
        The natural unit of the shortfall (``"ambulances"``, ``"residents"``, ``"GPs"`` …).
    shortfall_text
        One English sentence saying the outcome, e.g. "needs 14 more ambulances".
    unit
        The unit of ``value`` and ``target``.
    citation
        The rule's primary citation; ``citations`` holds all of them.
    status
        ``pass``, ``fail``, ``unknown``, ``info`` (a unit's value against a city-wide target, not
        judged) or ``not_applicable`` (a zone, whose residents count in its host unit).
    shortfall_text_zh
        The outcome in Chinese, from the same catalogue message as ``shortfall_text`` (None
        only for a row built by hand without one).
    unknown_facilities
        Facilities whose capacity the rule counts but the register does not give; ``value`` is
        then the known part.
    title_zh, title_en, binding, year, baseline, target_scope, interpretation
        What the verdict rests on, from the rule: its names, 约束性/预期性, the target year, the
        plan's own baseline (in ``unit``), whether the target is city-wide, and its reading
        (Chinese and English).
    plan
        The plan the rule belongs to (title, document number, issuer); None until attached.
    """

    region_adcode: str
    region_name: str
    rule_id: str
    kind: RuleKind
    value: float | None
    target: float | None
    passed: bool | None
    shortfall: float | None
    shortfall_unit: str
    shortfall_text: str
    unit: str
    citation: Citation
    citations: tuple[Citation, ...]
    status: Status | None = None
    shortfall_text_zh: str | None = None
    unknown_facilities: int = 0
    title_zh: str = ""
    title_en: str = ""
    binding: Binding | None = None
    year: int | None = None
    baseline: Baseline | None = None
    target_scope: TargetScope = TargetScope.UNIT
    interpretation: Wording | None = None
    plan: PlanReference | None = None

    def __post_init__(self) -> None:
        # without an explicit status, it follows passed
        if self.status is None:
            object.__setattr__(self, "status", status_of(self.passed))

    @property
    def outcome(self) -> Status:
        """The status, never None (set in ``__post_init__``)."""
        return self.status or status_of(self.passed)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: plain values, the kind as text, citations as mappings."""
        plan = {} if self.plan is None else self.plan.as_dict()
        return {
            "region_adcode": self.region_adcode,
            "region_name": self.region_name,
            "rule_id": self.rule_id,
            "kind": self.kind.value,
            "value": self.value,
            "target": self.target,
            "passed": self.passed,
            "shortfall": self.shortfall,
            "shortfall_unit": self.shortfall_unit,
            "shortfall_text": self.shortfall_text,
            "unit": self.unit,
            "citation": {**self.citation.model_dump(mode="json"), **plan},
            "citations": [{**c.model_dump(mode="json"), **plan} for c in self.citations],
            "status": self.outcome.value,
            "shortfall_text_zh": self.shortfall_text_zh,
            "unknown_facilities": self.unknown_facilities,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "binding": None if self.binding is None else self.binding.value,
            "year": self.year,
            "baseline": None if self.baseline is None else self.baseline.model_dump(mode="json"),
            "target_scope": self.target_scope.value,
            "interpretation": _wording(self.interpretation),
        }


def _wording(wording: Wording | None) -> dict[str, str] | None:
    return None if wording is None else wording.model_dump()


def status_of(passed: bool | None) -> Status:
    """The status a plain verdict has: pass, fail, or unknown when the data cannot tell."""
    if passed is None:
        return Status.UNKNOWN
    return Status.PASS if passed else Status.FAIL


@dataclass(frozen=True, slots=True)
class Verdict:
    """What an evaluator found in one region, before it is tied to the rule and the region.

    ``status`` overrides the one ``passed`` implies (info, not_applicable); ``text_zh`` is the
    Chinese of ``text``, both from one catalogue message (:func:`said_verdict`); ``unknown``
    counts the facilities whose capacity is unknown (``value`` is then the known part).
    """

    value: float | None
    target: float | None
    passed: bool | None
    shortfall: float | None
    text: str
    status: Status | None = None
    text_zh: str | None = None
    unknown: int = 0


def said_verdict(
    value: float | None,
    target: float | None,
    passed: bool | None,
    shortfall: float | None,
    said: _text.Words,
    *,
    status: Status | None = None,
    unknown: int = 0,
) -> Verdict:
    """Return a verdict whose sentence is ``said`` in both languages (from the catalogue)."""
    return Verdict(value, target, passed, shortfall, said.en, status, said.zh, unknown)


def make_result(
    rule: Rule, region: RegionInput, verdict: Verdict, *, unit: str, shortfall_unit: str
) -> RuleResult:
    """Build the result row of ``rule`` in ``region``, carrying what the verdict rests on."""
    return RuleResult(
        region_adcode=region.adcode,
        region_name=region.name,
        rule_id=rule.id,
        kind=rule.kind,
        value=verdict.value,
        target=verdict.target,
        passed=verdict.passed,
        shortfall=verdict.shortfall,
        shortfall_unit=shortfall_unit,
        shortfall_text=verdict.text,
        unit=unit,
        citation=rule.citation,
        citations=rule.citations,
        status=verdict.status,
        shortfall_text_zh=verdict.text_zh,
        unknown_facilities=verdict.unknown,
        title_zh=rule.title_zh,
        title_en=rule.title_en,
        binding=rule.binding,
        year=rule.year,
        baseline=rule.baseline,
        target_scope=rule.scope_of_target,
        interpretation=rule.interpretation,
    )


def settle(rule: Rule, row: RuleResult, region: RegionInput, index: RegionIndex) -> RuleResult:
    """Apply what a verdict means where it is given: zones and city-wide targets.

    A zone's row is ``not_applicable`` (its residents count in its host unit; a zone with no
    host holds no facilities and is never failed). Under a city-wide target (``target_scope:
    city``) a unit's row is ``info``: its value beside the city target, not judged (D1, D2).
    """
    if region.level == RegionLevel.ZONE and not index.is_city(region):
        host = index.host_of(region)
        if host is None:
            said = _text.worded("verdict.zone.no_host")
        else:
            said = _text.worded("verdict.zone.hosted", host=host.name)
        return replace(
            row,
            value=None,
            target=None,
            passed=None,
            shortfall=None,
            shortfall_text=said.en,
            shortfall_text_zh=said.zh,
            status=Status.NOT_APPLICABLE,
        )
    judged = row.outcome in (Status.PASS, Status.FAIL, Status.UNKNOWN)
    if rule.scope_of_target == TargetScope.CITY and not index.is_city(region) and judged:
        target = (
            _text.NO_WORDS
            if row.target is None
            else _text.worded("verdict.city_target.target", target=_text.number(row.target))
        )
        here = (
            _text.worded("value.unknown")
            if row.value is None
            else _text.Words(_text.number(row.value), _text.number(row.value))
        )
        partial = row.unknown_facilities and row.value is not None
        known = _text.worded("verdict.city_target.known_part") if partial else _text.NO_WORDS
        # the Chinese sentence leaves the unit to the table's unit column
        unit = _text.Words(row.unit, "")
        said = _text.worded(
            "verdict.city_target.info", here=here, known=known, unit=unit, target=target
        )
        return replace(
            row,
            passed=None,
            shortfall=None,
            shortfall_text=said.en,
            shortfall_text_zh=said.zh,
            status=Status.INFO,
        )
    return row


@dataclass(frozen=True, slots=True)
class DataGap:
    """A rule the facility register cannot evaluate, listed once per city (never per region).

    Attributes
    ----------
    rule_id, kind, title_zh, title_en
        The rule.
    data_gap
        Why it cannot be evaluated, one sentence in Chinese and English.
    needs
        Exactly what is missing: register fields or data sets (ids; ``geo.messages.need_label``
        words them).
    applies_to
        The region levels the rule would give rows for.
    binding, year, interpretation
        From the rule, as on result rows.
    citation, citations
        Where the plan states it; ``plan`` names the plan once attached.
    """

    rule_id: str
    kind: RuleKind
    title_zh: str
    title_en: str
    data_gap: Wording
    needs: tuple[str, ...]
    applies_to: tuple[str, ...]
    binding: Binding | None
    year: int | None
    interpretation: Wording | None
    citation: Citation
    citations: tuple[Citation, ...]
    plan: PlanReference | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form, citations with the plan's title and document number."""
        plan = {} if self.plan is None else self.plan.as_dict()
        return {
            "rule_id": self.rule_id,
            "kind": self.kind.value,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "data_gap": self.data_gap.model_dump(),
            "needs": list(self.needs),
            "applies_to": list(self.applies_to),
            "binding": None if self.binding is None else self.binding.value,
            "year": self.year,
            "interpretation": _wording(self.interpretation),
            "citation": {**self.citation.model_dump(mode="json"), **plan},
            "citations": [{**c.model_dump(mode="json"), **plan} for c in self.citations],
        }


def data_gap_of(rule: Rule, plan: PlanReference | None = None) -> DataGap | None:
    """Return the data-gap entry of ``rule``; None when the rule can be evaluated."""
    if rule.data_gap is None:
        return None
    return DataGap(
        rule_id=rule.id,
        kind=rule.kind,
        title_zh=rule.title_zh,
        title_en=rule.title_en,
        data_gap=rule.data_gap,
        needs=rule.needs or (),
        applies_to=tuple(scope.value for scope in rule.applies_to),
        binding=rule.binding,
        year=rule.year,
        interpretation=rule.interpretation,
        citation=rule.citation,
        citations=rule.citations,
        plan=plan,
    )


def not_evaluable_result(rule: Rule, region: RegionInput) -> RuleResult:
    """Return the row of a rule whose ``data_gap`` says the register cannot evaluate it."""
    why = rule.data_gap
    said = _text.worded(
        "verdict.not_evaluable",
        why=_text.Words(why.en, why.zh) if why else _text.NO_WORDS,
    )
    verdict = Verdict(None, None, None, None, said.en, text_zh=said.zh)
    return make_result(rule, region, verdict, unit="", shortfall_unit="")


def coverage_result(
    rule: Rule,
    region: RegionInput,
    *,
    population_total: int,
    population_covered: int,
) -> RuleResult:
    """Assemble the result of a spatial rule from the residents the network engine counted.

    Parameters
    ----------
    rule
        A ``travel_time_coverage``, ``radius_coverage`` or ``ems_response`` rule.
    region
        The region the counts are for.
    population_total
        Residents of the region the rule counts (its urban and/or rural cells), persons.
    population_covered
        Those of them within the rule's threshold of a qualifying facility, persons.

    Returns
    -------
    RuleResult
        ``value`` is the share of residents covered (0–1), ``target`` the share the rule tests
        (``target_share``, else ``min_share``);
        the shortfall is the number of residents to bring within reach, e.g. "126,400 residents
        beyond 15 minutes' walk of a community health centre".
    """
    params = rule.parameters
    if not isinstance(
        params, TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters
    ):
        msg = f"rule {rule.id!r} is not a spatial coverage rule (kind {rule.kind.value})"
        raise NormEvaluationError(msg)
    if population_covered < 0 or population_covered > population_total:
        msg = (
            f"rule {rule.id!r}, region {region.adcode}: covered residents "
            f"({population_covered}) must lie between 0 and the total ({population_total})"
        )
        raise NormEvaluationError(msg)

    reach = _reach_phrase(params)
    unit = "share of residents"
    # the share the rule tests: target_share, else the parameters' min_share (1: everyone)
    min_share = rule.share_required
    if population_total == 0:
        said = _text.worded("verdict.coverage.no_residents")
        verdict = said_verdict(None, min_share, None, None, said)
        return make_result(rule, region, verdict, unit=unit, shortfall_unit="residents")

    # residents to bring within reach so that at least min_share are covered
    required = math.ceil(Fraction(str(min_share)) * population_total)
    shortfall = max(0, required - population_covered)
    uncovered = population_total - population_covered
    share = population_covered / population_total
    if shortfall == 0:
        said = _text.worded(
            "verdict.coverage.met",
            percent=_text.percent(share),
            total=population_total,
            reach=reach,
        )
    elif min_share == 1:
        said = _text.worded("verdict.coverage.short", uncovered=uncovered, reach=reach)
    else:
        said = _text.worded(
            "verdict.coverage.short_share",
            uncovered=uncovered,
            reach=reach,
            shortfall=shortfall,
            percent=_text.percent(min_share),
        )
    verdict = said_verdict(share, min_share, shortfall == 0, float(shortfall), said)
    return make_result(rule, region, verdict, unit=unit, shortfall_unit="residents")


def _reach_phrase(
    params: TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters,
) -> _text.Words:
    target = _text.describe_selectors(params.facilities).singular
    if isinstance(params, TravelTimeCoverageParameters):
        way = _text.worded(
            "verdict.reach.walk" if params.mode == TravelMode.WALK else "verdict.reach.drive"
        )
        limits = _settlement_limits(params.settlement_thresholds(), "verdict.reach.minutes")
        return _text.worded("verdict.reach.travel", limits=limits, way=way, target=target)
    if isinstance(params, RadiusCoverageParameters):
        how = _text.worded(
            "verdict.reach.straight"
            if params.distance == DistanceKind.STRAIGHT
            else "verdict.reach.road"
        )
        limits = _settlement_limits(params.settlement_thresholds(), "verdict.reach.km")
        return _text.worded("verdict.reach.radius", limits=limits, how=how, target=target)
    parts = []
    if params.radius_km is not None:
        parts.append(_text.worded("verdict.reach.km", n=_text.number(params.radius_km)))
    if params.minutes is not None:
        minutes = _text.number(params.minutes)
        parts.append(_text.worded("verdict.reach.minutes_by_car", n=minutes))
    limits = _text.listed(parts, "verdict.reach.and")
    return _text.worded("verdict.reach.ems", parts=limits, target=target)


# the settlement types a spatial rule can set its own threshold for (SETTLEMENT_SCOPES)
_SCOPE_WORDS = {Scope.URBAN: "verdict.reach.scope.urban", Scope.RURAL: "verdict.reach.scope.rural"}


def _settlement_limits(thresholds: dict[Scope, float], key: str) -> _text.Words:
    """Return the thresholds in the unit of message ``key`` (``15 minutes``, ``5 km``)."""
    if len(thresholds) == 1 or len(set(thresholds.values())) == 1:
        return _text.worded(key, n=_text.number(next(iter(thresholds.values()))))
    each = [
        _text.worded(
            "verdict.reach.scoped",
            limit=_text.worded(key, n=_text.number(limit)),
            scope=_text.worded(_SCOPE_WORDS[scope]),
        )
        for scope, limit in thresholds.items()
    ]
    return _text.Words(" / ".join(part.en for part in each), " / ".join(part.zh for part in each))
