"""Results of checking one rule in one region, and their assembly for the spatial rules.

Every result carries the measured ``value``, the ``target`` it is held to, ``passed`` (None when
the data cannot tell), the ``shortfall`` in natural units (ambulances, beds, residents, GPs…) with
an English sentence saying it, and the plan's citation.
"""

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from geo.errors import NormEvaluationError
from geo.norms import _text
from geo.norms.catalogue import Rule
from geo.norms.citations import Citation
from geo.norms.inputs import RegionInput
from geo.norms.parameters import (
    EmsResponseParameters,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)
from geo.norms.terms import DistanceKind, RuleKind, Scope, TravelMode


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

    @property
    def status(self) -> str:
        """``"pass"``, ``"fail"`` or ``"unknown"``."""
        if self.passed is None:
            return "unknown"
        return "pass" if self.passed else "fail"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: plain values, the kind as text, citations as mappings."""
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
            "citation": self.citation.model_dump(mode="json"),
            "citations": [c.model_dump(mode="json") for c in self.citations],
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """What an evaluator found in one region, before it is tied to the rule and the region."""

    value: float | None
    target: float | None
    passed: bool | None
    shortfall: float | None
    text: str


def make_result(
    rule: Rule, region: RegionInput, verdict: Verdict, *, unit: str, shortfall_unit: str
) -> RuleResult:
    """Build the result row of ``rule`` in ``region``, carrying the rule's citations."""
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
    )


def not_evaluable_result(rule: Rule, region: RegionInput) -> RuleResult:
    """Return the row of a rule whose ``data_gap`` says the register cannot evaluate it."""
    verdict = Verdict(None, None, None, None, f"not evaluable: {rule.data_gap}")
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
        ``value`` is the share of residents covered (0–1), ``target`` the rule's ``min_share``;
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
    if population_total == 0:
        verdict = Verdict(None, params.min_share, None, None, "no residents to cover")
        return make_result(rule, region, verdict, unit=unit, shortfall_unit="residents")

    # residents to bring within reach so that at least min_share are covered
    required = math.ceil(Fraction(str(params.min_share)) * population_total)
    shortfall = max(0, required - population_covered)
    uncovered = population_total - population_covered
    share = population_covered / population_total
    if shortfall == 0:
        text = f"{_text.percent(share)} of {population_total:,} residents within {reach}"
    elif params.min_share == 1:
        text = f"{uncovered:,} residents beyond {reach}"
    else:
        text = (
            f"{uncovered:,} residents beyond {reach}; {shortfall:,} more must be reached "
            f"for {_text.percent(params.min_share)}"
        )
    verdict = Verdict(share, params.min_share, shortfall == 0, float(shortfall), text)
    return make_result(rule, region, verdict, unit=unit, shortfall_unit="residents")


def _reach_phrase(
    params: TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters,
) -> str:
    target = _text.describe_selectors(params.facilities)
    if isinstance(params, TravelTimeCoverageParameters):
        way = "on foot" if params.mode == TravelMode.WALK else "by car"
        limits = _settlement_limits(params.settlement_thresholds(), "minutes")
        return f"{limits} {way} from the nearest {target}"
    if isinstance(params, RadiusCoverageParameters):
        how = "straight-line" if params.distance == DistanceKind.STRAIGHT else "by road"
        limits = _settlement_limits(params.settlement_thresholds(), "km")
        return f"{limits} ({how}) from the nearest {target}"
    parts = []
    if params.radius_km is not None:
        parts.append(f"{_text.number(params.radius_km)} km")
    if params.minutes is not None:
        parts.append(f"{_text.number(params.minutes)} minutes by car")
    return f"{' and '.join(parts)} from the nearest {target}"


def _settlement_limits(thresholds: dict[Scope, float], unit: str) -> str:
    if len(thresholds) == 1 or len(set(thresholds.values())) == 1:
        return f"{_text.number(next(iter(thresholds.values())))} {unit}"
    return " / ".join(
        f"{_text.number(limit)} {unit} ({scope.value})" for scope, limit in thresholds.items()
    )
