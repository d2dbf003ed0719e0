"""What a scenario changes: the quick diff of one added site, and the diff against the baseline.

Quick diff
    The scenario's previous state keeps its node-level travel times in memory
    (:class:`ScenarioContexts`); a new site is merged into them with one bounded search
    (:func:`geo.incremental.add_site`) and the spatial rules it counts for are re-checked with the
    same evaluator as a compliance run (:func:`geo.norms.evaluate_spatial_rule`), without
    searching the city again. The resulting state is kept for the next site.
Diff
    Two stored compliance runs (baseline and scenario) compared row by row: verdict flips,
    residents brought within reach or left beyond (the runs' gap cells compared), gap zones that
    appear or vanish, and the capacities still missing.
"""

import dataclasses
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping
from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.db.models import EvaluationResult, PopulationCell
from app.schemas.compliance import ComplianceReport, ComplianceResult
from app.schemas.scenario import (
    DiffSummary,
    GapChangeCollection,
    GapChangeFeature,
    GapChangeProperties,
    QuickDiff,
    RegionQuickDiff,
    RuleQuickDiff,
    RuleRegionDiff,
    ScenarioDiff,
    StillMissing,
)
from app.services import inputs as city_inputs
from app.services._tx import transaction
from app.services.inputs import CityInputs, FacilityOverlay, LocatedFacility
from app.services.norms import NormCatalogues, get_catalogue
from app.settings import Settings
from geo.access.coverage import NearestResult, nearest_facility
from geo.access.incremental import add_site
from geo.network import Network, mode_bit
from geo.network.snap import SnapResult, project_lonlat, snap_xy
from geo.network.speeds import TravelModel
from geo.norms import (
    Direction,
    FacilityInput,
    FacilityPoints,
    FacilitySelector,
    PopulationPoints,
    Rule,
    RuleResult,
    SpatialContext,
    TravelMode,
    coverage_result,
    evaluate_spatial_rule,
    facility_points,
    gap_zones,
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

# ---- quick diff of one added site


class _StateContext(SpatialContext):
    """A :class:`SpatialContext` that keeps its node-level nearest-facility searches.

    With a ``parent`` it is the parent's state plus one facility (the last): searches that
    include that facility merge it into the parent's node times with one bounded search
    (:func:`geo.incremental.add_site`), and straight distances take the minimum with it, so
    neither searches the city again; searches without it are the parent's. Population snaps
    are shared with the parent.

    ``limits_s`` bounds the searches of each mode (seconds, delay included): beyond the longest
    limit any rule holds a resident to, a time only says "not covered", so it is left ``inf``
    and the searches stay small. Coverage is the same as with unbounded times.
    """

    def __init__(
        self,
        net: Network,
        points: PopulationPoints,
        facilities: FacilityPoints,
        *,
        limits_s: dict[str, float],
        parent: "_StateContext | None" = None,
    ) -> None:
        super().__init__(net, points, facilities)
        self.limits_s = limits_s
        self.parent = parent
        self.point_snaps: dict[Hashable, SnapResult] = (
            parent.point_snaps if parent is not None else {}
        )
        self._nearest: dict[Hashable, NearestResult] = {}
        self._site_snaps: dict[Hashable, SnapResult] = {}
        self._times: dict[Hashable, NDArray[np.float64]] = {}
        self._straight: dict[Hashable, NDArray[np.float64]] = {}
        self._selected: dict[Hashable, NDArray[np.int64]] = {}

    @property
    def site(self) -> int | None:
        """Index of the facility added to the parent, if there is a parent."""
        return None if self.parent is None else len(self.facilities.facilities) - 1

    def detach(self) -> None:
        """Keep the parent's searches and forget the parent (so memory can be freed).

        A search key is the chosen facility indices; the parent's facilities keep their
        indices here, so its results stand for the same facility sets. Later searches of new
        sets run in full.
        """
        parent = self.parent
        if parent is None:
            return
        self._nearest = parent._nearest | self._nearest
        self._times = parent._times | self._times
        self._straight = parent._straight | self._straight
        self.parent = None

    def selection(self, selectors: Sequence[FacilitySelector]) -> NDArray[np.int64]:
        # keyed by the selectors, so it is this state's own: detach() does not keep the parent's
        key = tuple(selectors)
        if key in self._selected:
            return self._selected[key]
        site = self.site
        if self.parent is None or site is None:
            value = super().selection(selectors)
        else:
            value = self.parent.selection(selectors)
            f = self.facilities.facilities[site]
            if any(s.matches(f.type, f.grade, f.ownership, f.flags) for s in selectors):
                value = np.append(value, site).astype(np.int64)
        self._selected[key] = value
        return value

    def snapped_points(self, mode: str) -> SnapResult:
        key = mode_bit(mode)
        if key not in self.point_snaps:
            self.point_snaps[key] = super().snapped_points(mode)
        return self.point_snaps[key]

    def snapped_facilities(self, mode: str) -> SnapResult:
        key = mode_bit(mode)
        if key in self._site_snaps:
            return self._site_snaps[key]
        if self.parent is None:
            snap = super().snapped_facilities(mode)
        else:
            base = self.parent.snapped_facilities(mode)
            one = snap_xy(
                self.net,
                self.facilities.x[-1:],
                self.facilities.y[-1:],
                mode=mode,
                max_snap_m=self.max_snap_m,
            )
            snap = SnapResult(
                node=np.concatenate([base.node, one.node]),
                distance_m=np.concatenate([base.distance_m, one.distance_m]),
                x=np.concatenate([base.x, one.x]),
                y=np.concatenate([base.y, one.y]),
                max_snap_m=self.max_snap_m,
            )
        self._site_snaps[key] = snap
        return snap

    def nearest_nodes(
        self, chosen: NDArray[np.int64], *, mode: str, direction: str, model: TravelModel
    ) -> NearestResult:
        """Node-level times to (from) the nearest chosen facility, as SpatialContext searches."""
        key = (chosen.tobytes(), mode, direction, model.cache_key(), model.dispatch_delay_s)
        if key in self._nearest:
            return self._nearest[key]
        site = self.site
        if self.parent is None:
            sources = self._source_nodes(chosen, mode)
            result = nearest_facility(
                self.net,
                sources,
                mode=mode,
                direction=direction,
                model=model,
                limit_s=self.limits_s.get(mode),
            )
        elif site in chosen:
            base = self.parent.nearest_nodes(
                chosen[chosen != site], mode=mode, direction=direction, model=model
            )
            node = int(self.snapped_facilities(mode).node[site])
            result = base
            if node >= 0:
                index = int(base.facility.max(initial=-1)) + 1
                result = add_site(self.net, base, node, site_index=index, model=model).nearest
        else:
            result = self.parent.nearest_nodes(chosen, mode=mode, direction=direction, model=model)
        self._nearest[key] = result
        return result

    def point_travel_time_s(
        self,
        chosen: NDArray[np.int64],
        *,
        mode: str,
        direction: str,
        model: TravelModel | None = None,
    ) -> NDArray[np.float64]:
        model = model if model is not None else self.net.default_model(mode)
        key = (chosen.tobytes(), mode, direction, model.cache_key(), model.dispatch_delay_s)
        if key not in self._times:
            nearest = self.nearest_nodes(chosen, mode=mode, direction=direction, model=model)
            self._times[key] = self._at_points(
                nearest.travel_time_s, mode, self._access_leg_s(mode)
            )
        return self._times[key]

    def point_straight_distance_m(self, chosen: NDArray[np.int64]) -> NDArray[np.float64]:
        key = chosen.tobytes()
        if key in self._straight:
            return self._straight[key]
        site = self.site
        if self.parent is None:
            value = super().point_straight_distance_m(chosen)
        elif site not in chosen:
            value = self.parent.point_straight_distance_m(chosen)
        else:
            base = self.parent.point_straight_distance_m(chosen[chosen != site])
            dx = self.points.x - self.facilities.x[site]
            dy = self.points.y - self.facilities.y[site]
            value = np.asarray(np.minimum(base, np.hypot(dx, dy)), dtype=np.float64)
        self._straight[key] = value
        return value


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
    context: _StateContext
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
    context = _StateContext(
        base.net, base.points, base.facilities, limits_s=_search_limits_s(rules)
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
    chosen = context.selection(_measured(params))
    counted, limit = before.counted, before.threshold
    if isinstance(params, TravelTimeCoverageParameters):
        measure = context.point_travel_time_s(
            chosen, mode=params.mode.value, direction=params.direction.value
        )
    elif isinstance(params, RadiusCoverageParameters):
        if params.distance == DistanceKind.STRAIGHT:
            measure = context.point_straight_distance_m(chosen)
        else:
            mode = params.mode.value if params.mode is not None else TravelMode.DRIVE.value
            measure = context.point_network_distance_m(
                chosen, mode=mode, direction=Direction.TO_FACILITY.value
            )
    else:
        mode, model = ems_model(params)
        direction = params.direction.value
        if params.minutes is not None and params.radius_km is not None:
            both = context.points_within_both(
                chosen,
                mode=mode,
                direction=direction,
                model=model,
                limit_s=params.minutes * 60.0,
                limit_m=params.radius_km * 1000.0,
            )
            return np.asarray(counted & both, dtype=np.bool_)
        if params.minutes is not None:
            measure = context.point_travel_time_s(
                chosen, mode=mode, direction=direction, model=model
            )
        else:
            measure = context.point_network_distance_m(chosen, mode=mode, direction=direction)
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
    net, points = state.context.net, state.context.points
    sx, sy = project_lonlat([added.lon], [added.lat], net.crs)
    context = _StateContext(
        net,
        points,
        facility_points(
            [*state.inputs.facilities, site],
            np.append(state.context.facilities.x, sx),
            np.append(state.context.facilities.y, sy),
        ),
        limits_s=state.context.limits_s,
        parent=state.context,
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
    off_network = bool(context.snapped_facilities("drive").node[-1] < 0)
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


# ---- diff against the baseline


def _flip(before: bool | None, after: bool | None) -> str | None:
    if before == after:
        return None
    if after is None:
        return "to_unknown"
    if before is None:
        return "from_unknown"
    return "fail_to_pass" if after else "pass_to_fail"


def _gap_sets(session: Session, run_id: int) -> dict[tuple[str, str], set[int] | None]:
    rows = session.execute(
        select(
            EvaluationResult.rule_id, EvaluationResult.region_adcode, EvaluationResult.gap_cell_ids
        ).where(EvaluationResult.run_id == run_id)
    ).all()
    return {(r, g): (None if ids is None else set(ids)) for r, g, ids in rows}


def cell_shapes(session: Session, ids: set[int]) -> dict[int, tuple[int, bytes]]:
    """Residents and WKB polygon of each population cell, by id."""
    rows = session.execute(
        select(
            PopulationCell.id, PopulationCell.population, func.ST_AsBinary(PopulationCell.geom)
        ).where(PopulationCell.id == any_(bindparam("ids", sorted(ids), type_=ARRAY(Integer))))
    ).all()
    return {int(i): (int(p), bytes(wkb)) for i, p, wkb in rows}


def compare_runs(
    session: Session,
    baseline: ComplianceReport,
    changed: ComplianceReport,
    *,
    scenario_id: int,
) -> ScenarioDiff:
    """What a scenario's run changes against its city's baseline run.

    Every rule × region with its verdict before and after (and how it flipped), the residents
    each spatial rule brings within reach or leaves beyond, the gap zones that appear or vanish
    (cells compared between the two runs, dissolved per rule and county), and the capacities
    (ambulances, beds …) the scenario still lacks.

    Parameters
    ----------
    session
        Database session (the runs' stored gap cells are read).
    baseline, changed
        The compliance reports of the register and of the scenario.
    scenario_id
        The scenario, echoed in the diff.
    """
    city = changed.city
    with transaction(session):
        gaps_before = _gap_sets(session, baseline.run_id)
        gaps_after = _gap_sets(session, changed.run_id)
        wanted: set[int] = set()
        for key, cells in gaps_before.items():
            other = gaps_after.get(key)
            if cells is not None and other is not None:
                wanted |= cells ^ other
        cells_by_id = cell_shapes(session, wanted)

    def residents(ids: set[int]) -> int:
        return sum(cells_by_id[i][0] for i in ids if i in cells_by_id)

    moved: dict[tuple[str, str], tuple[set[int], set[int]]] = {}
    for key, cells in gaps_before.items():
        other = gaps_after.get(key)
        if cells is not None and other is not None:
            moved[key] = (cells - other, other - cells)

    rows: list[RuleRegionDiff] = []
    before_rows = {(r.rule_id, r.region_adcode): r for r in baseline.results}
    for new in changed.results:
        old = before_rows.get((new.rule_id, new.region_adcode))
        gained, lost = _residents_moved(new, moved, changed.results, residents)
        rows.append(_row_diff(old, new, gained, lost))

    features = _gap_features(moved, cells_by_id, {r.region_adcode: r.region_name for r in rows})
    summary = DiffSummary(
        fail_to_pass=sum(r.flip == "fail_to_pass" for r in rows),
        pass_to_fail=sum(r.flip == "pass_to_fail" for r in rows),
        residents_gained={
            r.rule_id: r.residents_gained
            for r in rows
            if r.region_adcode == city and r.residents_gained is not None
        },
        residents_lost={
            r.rule_id: r.residents_lost
            for r in rows
            if r.region_adcode == city and r.residents_lost is not None
        },
    )
    missing = [
        StillMissing(
            rule_id=new.rule_id,
            region_adcode=new.region_adcode,
            region_name=new.region_name,
            shortfall_unit=new.shortfall_unit,
            before=old.shortfall if old else None,
            after=new.shortfall,
            text=new.shortfall_text,
        )
        for new in changed.results
        if new.shortfall_unit not in ("", "residents")
        and new.shortfall is not None
        and new.shortfall > 0
        for old in [before_rows.get((new.rule_id, new.region_adcode))]
    ]
    return ScenarioDiff(
        scenario_id=scenario_id,
        city=city,
        baseline_run_id=baseline.run_id,
        scenario_run_id=changed.run_id,
        synthetic=baseline.synthetic or changed.synthetic,
        summary=summary,
        rules=rows,
        gaps=GapChangeCollection(type="FeatureCollection", features=features),
        still_missing=missing,
    )


def _residents_moved(
    row: ComplianceResult,
    moved: dict[tuple[str, str], tuple[set[int], set[int]]],
    results: Sequence[ComplianceResult],
    residents: Callable[[set[int]], int],
) -> tuple[int | None, int | None]:
    """Residents a row gains and loses; a city row without its own cells sums its units."""
    key = (row.rule_id, row.region_adcode)
    if key in moved:
        vanished, appeared = moved[key]
        return residents(vanished), residents(appeared)
    # only spatial rules have cells; the city row of one keeps none when its units do
    units = [
        moved[(r.rule_id, r.region_adcode)]
        for r in results
        if r.rule_id == row.rule_id and (r.rule_id, r.region_adcode) in moved
    ]
    if not units:
        return None, None
    return (
        sum(residents(vanished) for vanished, _ in units),
        sum(residents(appeared) for _, appeared in units),
    )


def _row_diff(
    old: ComplianceResult | None, new: ComplianceResult, gained: int | None, lost: int | None
) -> RuleRegionDiff:
    return RuleRegionDiff(
        rule_id=new.rule_id,
        kind=new.kind,
        region_adcode=new.region_adcode,
        region_name=new.region_name,
        unit=new.unit,
        shortfall_unit=new.shortfall_unit,
        value_before=old.value if old else None,
        value_after=new.value,
        passed_before=old.passed if old else None,
        passed_after=new.passed,
        flip=_flip(old.passed if old else None, new.passed),
        shortfall_before=old.shortfall if old else None,
        shortfall_after=new.shortfall,
        residents_gained=gained,
        residents_lost=lost,
    )


def _gap_features(
    moved: dict[tuple[str, str], tuple[set[int], set[int]]],
    cells_by_id: dict[int, tuple[int, bytes]],
    names: dict[str, str],
) -> list[GapChangeFeature]:
    features: list[GapChangeFeature] = []
    for (rule_id, region), (vanished, appeared) in moved.items():
        for change, ids in (("vanished", vanished), ("appeared", appeared)):
            present = [cells_by_id[i] for i in sorted(ids) if i in cells_by_id]
            if not present:
                continue
            geoms = shapely.from_wkb([wkb for _, wkb in present])
            zones = gap_zones(geoms, [people for people, _ in present], [region] * len(present))
            features.extend(
                GapChangeFeature.model_validate(
                    {
                        "type": "Feature",
                        "geometry": mapping(zone.geometry),
                        "properties": GapChangeProperties(
                            rule_id=rule_id,
                            region_adcode=region,
                            region_name=names.get(region, region),
                            change=change,
                            residents=zone.population,
                            cells=zone.n_cells,
                        ),
                    }
                )
                for zone in zones
            )
    return features
