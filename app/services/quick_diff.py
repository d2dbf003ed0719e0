"""The quick diff of one added site: the spatial rules it counts for, re-checked incrementally.

The scenario's previous state keeps its node-level travel times in memory
(:class:`ScenarioContexts`); a new site is merged into them with one bounded search
(:meth:`geo.access.context.AccessContext.with_site`) and the spatial rules it counts for are
re-checked with the same evaluator as a compliance run (:func:`geo.norms.evaluate_spatial_rule`),
without searching the city again. The resulting state is kept for the next site.
"""

import dataclasses
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from app.schemas.scenario import QuickDiff, RegionQuickDiff, RuleQuickDiff
from app.services import inputs as city_inputs
from app.services.inputs import CityInputs, FacilityOverlay, LocatedFacility
from app.services.norms import NormCatalogues, get_catalogue
from app.settings import Settings
from geo.network.snap import project_lonlat
from geo.norms import (
    Direction,
    FacilityInput,
    FacilitySelector,
    Rule,
    RuleResult,
    SpatialContext,
    TravelMode,
    coverage_result,
    evaluate_spatial_rule,
    facility_points,
    select_facilities,
)
from geo.norms.parameters import (
    EmsResponseParameters,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)
from geo.norms.spatial import ems_model
from geo.norms.terms import DistanceKind

# scenario states whose travel times are kept in memory for the next added site: a handful of
# planners editing at once (one state of a 250k-node city holds tens of MB)
DEFAULT_KEPT_STATES = 8

SpatialParameters = TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters


@dataclass(frozen=True)
class _RuleOnState:
    """A spatial rule on one state: who counts, each one's limit, who is covered, the rows."""

    counted: NDArray[np.bool_]
    threshold: NDArray[np.float64]
    covered: NDArray[np.bool_]
    results: tuple[RuleResult, ...]


@dataclass
class _State:
    """One scenario state in memory: its inputs, its context and the rules checked on it.

    ``unit_of_point`` numbers each point's county-level unit (``units`` holds the adcodes), so
    that per-region sums are one ``bincount``.
    """

    inputs: CityInputs
    context: SpatialContext
    units: NDArray[np.str_]
    unit_of_point: NDArray[np.int64]
    rules: dict[str, _RuleOnState] = field(default_factory=dict)

    def rule(self, rule: Rule, city_adcode: str) -> _RuleOnState:
        """The rule on this state, evaluated by the norms engine the first time."""
        if rule.id not in self.rules:
            outcome = evaluate_spatial_rule(
                rule, self.inputs.regions, self.context, city_adcode=city_adcode
            )
            self.rules[rule.id] = _RuleOnState(
                outcome.counted, outcome.threshold, outcome.covered, outcome.results
            )
        return self.rules[rule.id]


class ScenarioContexts:
    """Recent scenario states, by fingerprint, so the next added site merges incrementally.

    Parameters
    ----------
    max_states
        States kept; the least recently used goes first.
    """

    def __init__(self, max_states: int = DEFAULT_KEPT_STATES) -> None:
        self.max_states = max_states
        self._states: OrderedDict[str, _State] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> _State | None:
        with self._lock:
            state = self._states.get(key)
            if state is not None:
                self._states.move_to_end(key)
            return state

    def put(self, key: str, state: _State) -> None:
        with self._lock:
            self._states[key] = state
            self._states.move_to_end(key)
            while len(self._states) > self.max_states:
                self._states.popitem(last=False)


def _search_limits_s(rules: Sequence[Rule]) -> dict[str, float]:
    """Per travel mode, the longest time limit a rule holds a resident to, seconds."""
    limits: dict[str, float] = {}
    for rule in rules:
        params = _spatial_params(rule)
        if isinstance(params, TravelTimeCoverageParameters):
            mode, minutes = params.mode.value, max(params.settlement_thresholds().values())
        elif isinstance(params, EmsResponseParameters) and params.minutes is not None:
            mode, minutes = ems_model(params)[0], params.minutes
        else:
            continue
        limits[mode] = max(limits.get(mode, 0.0), minutes * 60.0)
    return limits


def _load_state(
    session: Session,
    settings: Settings,
    city_adcode: str,
    overlay: FacilityOverlay,
    rules: Sequence[Rule],
) -> _State:
    inputs = city_inputs.load_city_inputs(session, settings, city_adcode, overlay=overlay)
    base = inputs.context
    # bounded searches: beyond the longest limit a rule holds anyone to, a time only says "not
    # covered", so coverage is the same as with unbounded times
    context = SpatialContext(
        base.net,
        base.points,
        base.sites,
        max_snap_m=base.max_snap_m,
        search_limits_s=_search_limits_s(rules),
        keep_node_searches=True,
        # the run's snaps, read from the disk cache when the same points were snapped before
        snapper=base.snapper,
    )
    units, unit_of_point = np.unique(base.points.region_adcode, return_inverse=True)
    return _State(
        dataclasses.replace(inputs, context=context),
        context,
        units,
        np.asarray(unit_of_point, dtype=np.int64).reshape(-1),
    )


def _state_key(baseline: str, overlay: FacilityOverlay) -> str:
    """A state: the baseline's fingerprint (network, cells, register …) and the changes."""
    text = json.dumps(overlay.key, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{baseline}\n{text}".encode()).hexdigest()


def _measured(params: SpatialParameters) -> tuple[FacilitySelector, ...]:
    return tuple(params.facilities)


def _spatial_params(rule: Rule) -> SpatialParameters | None:
    params = rule.parameters
    if rule.data_gap is not None or not isinstance(
        params, TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters
    ):
        return None
    return params


def _counts_for(rule: Rule, facility: FacilityInput) -> bool:
    """Whether ``facility`` is one of the facilities an evaluable spatial rule measures from."""
    params = _spatial_params(rule)
    return params is not None and any(
        selector.matches(facility.type, facility.grade, facility.ownership, facility.flags)
        for selector in params.facilities
    )


def _incremental(rule: Rule) -> bool:
    """Whether the quick diff merges the new site in (else the rule's searches run again)."""
    params = rule.parameters
    if isinstance(params, RadiusCoverageParameters):
        return params.distance == DistanceKind.STRAIGHT
    if isinstance(params, EmsResponseParameters):
        return params.radius_km is None
    return True


def _covered(
    params: SpatialParameters, context: SpatialContext, before: _RuleOnState
) -> NDArray[np.bool_]:
    """Points the rule finds covered on ``context``: the norms engine's measures, per kind.

    Who counts and each one's limit do not depend on the facilities, so they are the previous
    state's; only the measure is taken again (incrementally, on a child context). The test
    ``tests/services/test_scenarios.py`` holds this equal to a full evaluation.
    """
    chosen = select_facilities(context.sites, _measured(params))
    counted, limit = before.counted, before.threshold
    if isinstance(params, TravelTimeCoverageParameters):
        measure = context.travel_time_at_points(
            chosen, mode=params.mode.value, direction=params.direction.value
        )
    elif isinstance(params, RadiusCoverageParameters):
        if params.distance == DistanceKind.STRAIGHT:
            measure = context.straight_distance_at_points(chosen)
        else:
            mode = params.mode.value if params.mode is not None else TravelMode.DRIVE.value
            measure = context.network_distance_at_points(
                chosen, mode=mode, direction=Direction.TO_FACILITY.value
            )
    else:
        mode, model = ems_model(params)
        direction = params.direction.value
        if params.minutes is not None and params.radius_km is not None:
            both = context.within_both(
                chosen,
                mode=mode,
                direction=direction,
                model=model,
                limit_s=params.minutes * 60.0,
                limit_m=params.radius_km * 1000.0,
            )
            return np.asarray(counted & both, dtype=np.bool_)
        if params.minutes is not None:
            measure = context.travel_time_at_points(
                chosen, mode=mode, direction=direction, model=model
            )
        else:
            measure = context.network_distance_at_points(chosen, mode=mode, direction=direction)
    with np.errstate(invalid="ignore"):
        return np.asarray(counted & (measure <= limit), dtype=np.bool_)


def _rule_after(
    rule: Rule,
    before: _RuleOnState,
    covered: NDArray[np.bool_],
    state: _State,
    city_adcode: str,
) -> _RuleOnState:
    """The rule's rows with ``covered``: the same regions, sums per county-level unit."""
    people = state.context.points.population.astype(np.float64)
    n_units = state.units.shape[0]
    total = np.bincount(state.unit_of_point, weights=people * before.counted, minlength=n_units)
    reached = np.bincount(state.unit_of_point, weights=people * covered, minlength=n_units)
    position = {str(code): i for i, code in enumerate(state.units)}
    regions = {r.adcode: r for r in state.inputs.regions}
    rows = []
    for old in before.results:
        # the city row holds every point; a unit row its own (zones have no cells)
        if old.region_adcode == city_adcode:
            counted, within = total.sum(), reached.sum()
        else:
            i = position.get(old.region_adcode)
            counted = total[i] if i is not None else 0.0
            within = reached[i] if i is not None else 0.0
        rows.append(
            coverage_result(
                rule,
                regions[old.region_adcode],
                population_total=round(float(counted)),
                population_covered=round(float(within)),
            )
        )
    return _RuleOnState(before.counted, before.threshold, covered, tuple(rows))


def quick_diff(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    before: FacilityOverlay,
    after: FacilityOverlay,
    added: LocatedFacility,
    norms: NormCatalogues,
    contexts: ScenarioContexts,
) -> QuickDiff:
    """Re-check the spatial rules a newly added facility counts for, incrementally.

    Parameters
    ----------
    session, settings
        Database session and service settings.
    city_adcode
        The scenario's city.
    before, after
        The scenario's changes without and with the new site (the last facility of ``after``).
    added
        The new facility and its WGS84 location.
    norms
        The plans' catalogues.
    contexts
        Scenario states in memory: ``before`` is taken from it when there (else loaded and
        searched), ``after`` is put in it for the next site.

    Returns
    -------
    QuickDiff
        Per spatial rule and region the verdict before and after and the residents gained;
        ``ms`` times the evaluation of the new state, ``setup_ms`` the loading of the previous.
    """
    started = time.perf_counter()
    catalogue = get_catalogue(norms, city_adcode)
    baseline = city_inputs.inputs_fingerprint(session, city_adcode, norms=norms)
    key_before, key_after = _state_key(baseline, before), _state_key(baseline, after)
    state = contexts.get(key_before)
    in_memory = state is not None
    if state is None:
        state = _load_state(session, settings, city_adcode, before, catalogue.rules)
    site = added.facility
    rules = [r for r in catalogue.rules if _counts_for(r, site)]
    previous = {r.id: state.rule(r, city_adcode) for r in rules}
    setup_ms = (time.perf_counter() - started) * 1000.0

    start = time.perf_counter()
    net = state.context.net
    sx, sy = project_lonlat([added.lon], [added.lat], net.crs)
    context = state.context.with_site(
        facility_points(
            [*state.inputs.facilities, site],
            np.append(state.context.sites.x, sx),
            np.append(state.context.sites.y, sy),
        )
    )
    # rules the new site does not count for keep the previous state's outcome
    child = _State(
        dataclasses.replace(
            state.inputs, facilities=[*state.inputs.facilities, site], context=context
        ),
        context,
        state.units,
        state.unit_of_point,
        dict(state.rules),
    )
    diffs = []
    for rule in rules:
        params = _spatial_params(rule)
        assert params is not None
        old = previous[rule.id]
        new = _rule_after(rule, old, _covered(params, context, old), child, city_adcode)
        child.rules[rule.id] = new
        diffs.append(_rule_quick_diff(rule, old, new, child, city_adcode))
    off_network = bool(context.snapped_sites("drive").node[-1] < 0)
    ms = (time.perf_counter() - start) * 1000.0

    # the new state starts the next quick diff; it no longer needs its parent
    context.detach()
    contexts.put(key_after, child)
    return QuickDiff(
        ms=ms,
        setup_ms=setup_ms,
        previous_in_memory=in_memory,
        off_network=off_network,
        rules=diffs,
    )


def _rule_quick_diff(
    rule: Rule, before: _RuleOnState, after: _RuleOnState, state: _State, city_adcode: str
) -> RuleQuickDiff:
    gained = after.covered & ~before.covered
    people = state.context.points.population.astype(np.float64)
    per_unit = np.bincount(
        state.unit_of_point, weights=people * gained, minlength=state.units.shape[0]
    )
    position = {str(code): i for i, code in enumerate(state.units)}
    regions = []
    for old, new in zip(before.results, after.results, strict=True):
        # the city row holds every point; a unit row its own (zones have no cells)
        i = position.get(new.region_adcode)
        if new.region_adcode == city_adcode:
            residents = per_unit.sum()
        else:
            residents = per_unit[i] if i is not None else 0.0
        regions.append(
            RegionQuickDiff(
                region_adcode=new.region_adcode,
                region_name=new.region_name,
                value_before=old.value,
                value_after=new.value,
                passed_before=old.passed,
                passed_after=new.passed,
                shortfall_before=old.shortfall,
                shortfall_after=new.shortfall,
                residents_gained=round(float(residents)),
            )
        )
    method = "incremental" if _incremental(rule) else "full"
    return RuleQuickDiff(rule_id=rule.id, kind=rule.kind.value, method=method, regions=regions)
