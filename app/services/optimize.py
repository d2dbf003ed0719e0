"""Site optimisation: where new facilities bring the most residents within a norm.

The demand is the city's population cells, as a compliance run reads them: a plan rule decides
which residents count and each one's threshold (urban and rural differ), the existing facilities
decide who is covered already. The candidates are given points, existing facilities to upgrade,
or network nodes in the gap zones (:func:`geo.locate.gap_candidates`). The cost matrix comes
from bounded searches from the candidates in batches (:func:`geo.access.matrix.travel_time_costs`,
the rule's mode, direction and travel model, plus each cell's access leg as the rule counts it),
or from straight distances for a radius (:func:`geo.access.matrix.radius_matrix`); :mod:`geo.locate`
solves the model (HiGHS, or a lazy
greedy with a proven bound). The chosen sites can be saved as a scenario.
"""

import dataclasses
import math
import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer
from sqlalchemy.orm import Session

from app.errors import InvalidInputError, Worded
from app.runtime.compute import checkpoint
from app.schemas.facility import FacilityCreate
from app.schemas.optimize import (
    MAX_GAP_CANDIDATES,
    ChosenSite,
    OptimizeRequest,
    OptimizeResult,
)
from app.schemas.scenario import (
    MAX_CHANGES,
    AddChange,
    ChangeIn,
    ScenarioCreate,
    UpdateChange,
)
from app.services import inputs as city_inputs
from app.services import optimize_ems, scenario_runs, scenarios
from app.services.auth import Principal
from app.services.inputs import CityInputs, FacilityOverlay
from app.services.norms import NormCatalogues, get_catalogue
from app.services.optimize_answer import (
    both_texts,
    default_facility_type,
    gap_words,
    site_places,
    summary_words,
)
from app.services.optimize_inputs import (
    Candidates,
    Norm,
    candidates_for,
    invalid_field,
    rule_norm,
    threshold_norm,
)
from app.settings import Settings
from geo.access.matrix import radius_matrix, travel_time_costs
from geo.locate import (
    LSCP,
    MCLP,
    CostMatrix,
    LocationResult,
    PMedian,
)
from geo.locate.matrices import stack_rows
from geo.network.snap import snap_xy
from geo.norms import (
    FacilityInput,
    FacilitySelector,
    Rule,
)
from geo.norms.parameters import (
    EmsResponseParameters,
    RadiusCoverageParameters,
    TravelTimeCoverageParameters,
)

# p-median where some residents have no facility: pairs up to this many times the norm's limit
P_MEDIAN_REACH = 3.0
# candidates one request may weigh: beyond this the matrix and the solver take minutes; a wider
# gap spacing (spacing_m) or a shortlist keeps it interactive
MAX_CANDIDATES = 3000
# p-median pairs reach P_MEDIAN_REACH times the norm's limit, near every pair at prefecture scale:
# its (sparse) matrix is bounded by all pairs, ~16 bytes each, ~400 MB at most, checked before work
MAX_P_MEDIAN_PAIRS = 25_000_000
_EMS_TYPES = frozenset({"ems_station", "ems_center"})


# ---- checks


def _check_size(n_candidates: int, n_demand: int, *, model: str) -> None:
    """422 naming ``candidates`` for more than one request may weigh.

    The covering models' cost matrices hold the pairs within the norm's limit only, so the
    candidate count bounds their work; a p-median's pairs reach much farther, so all its pairs
    are bounded too. Listed points are capped by the schema before any work.
    """
    if n_candidates > MAX_CANDIDATES:
        raise invalid_field(
            "candidates", "optimize.error.too_many_candidates", n=n_candidates, most=MAX_CANDIDATES
        )
    if model == "pmedian" and n_candidates * n_demand > MAX_P_MEDIAN_PAIRS:
        raise invalid_field(
            "candidates",
            "optimize.error.p_median_pairs",
            n=n_candidates,
            cells=n_demand,
            most=MAX_P_MEDIAN_PAIRS,
        )


def _check_request(request: OptimizeRequest, *, rule_given: bool) -> None:
    given = [
        name for name in ("rule_id", "minutes", "radius_km") if getattr(request, name) is not None
    ]
    if rule_given:
        given.insert(0, "rule")
    if len(given) != 1:
        key = "optimize.error.one_norm_got" if given else "optimize.error.one_norm"
        said = Worded(key, given=", ".join(given))
        raise InvalidInputError.worded(
            key,
            details=[{"field": name, "msg": said} for name in (given[1:] or ["rule_id"])],
            given=", ".join(given),
        )
    if request.model in ("mclp", "pmedian") and request.k is None:
        raise invalid_field("k", "optimize.error.k_required", model=request.model)
    if request.model == "lscp" and request.k is not None:
        raise invalid_field("k", "optimize.error.k_lscp")
    if request.mode is not None and request.minutes is None:
        raise invalid_field("mode", "optimize.error.mode")
    if not rule_given and request.rule_id is None and request.facility_type is None:
        raise invalid_field("facility_type", "optimize.error.facility_type")


def _spatial_rule(catalogue_rules: list[Rule], rule_id: str, city: str) -> Rule:
    rule = next((r for r in catalogue_rules if r.id == rule_id), None)
    params = None if rule is None else rule.parameters
    usable = isinstance(
        params, TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters
    )
    if rule is None or rule.data_gap is not None or not usable:
        spatial = [
            r.id
            for r in catalogue_rules
            if r.data_gap is None
            and isinstance(
                r.parameters,
                TravelTimeCoverageParameters | RadiusCoverageParameters | EmsResponseParameters,
            )
        ]
        key = "optimize.error.unknown_rule" if rule is None else "optimize.error.not_spatial_rule"
        raise invalid_field("rule_id", key, rule=rule_id, city=city, spatial=", ".join(spatial))
    return rule


# ---- cost matrix


def _cost_matrix(
    inputs: CityInputs,
    norm: Norm,
    demand: NDArray[np.int64],
    candidates: Candidates,
    *,
    limit: float | None,
    per_threshold: bool = False,
) -> CostMatrix:
    """Demand x candidate costs (seconds or metres) up to ``limit``; absent = beyond it.

    With ``per_threshold`` (the covering models) a straight radius is measured per limit: the
    urban cells' pairs up to the urban radius, the rural cells' up to the rural one (a
    prefecture's rural 20 km would otherwise pair every urban cell with four times as many
    candidates as its 5 km can use).
    """
    context = inputs.context
    if norm.mode is None and not per_threshold:
        return radius_matrix(
            context.points.x[demand],
            context.points.y[demand],
            candidates.x,
            candidates.y,
            limit_m=limit,
        )
    if norm.mode is None:
        thresholds = norm.threshold[demand]
        parts, rows_of = [], []
        for value in np.unique(thresholds):
            rows = np.flatnonzero(thresholds == value)
            parts.append(
                radius_matrix(
                    context.points.x[demand[rows]],
                    context.points.y[demand[rows]],
                    candidates.x,
                    candidates.y,
                    limit_m=float(value) if limit is None else min(float(value), limit),
                )
            )
            rows_of.append(rows)
        return stack_rows(parts, rows_of, (demand.shape[0], candidates.x.shape[0]))
    # each cell's trip as the norm counts it: its access leg, then the road network
    snap = context.snapped_points(norm.mode)
    site_nodes = snap_xy(
        context.net, candidates.x, candidates.y, mode=norm.mode, max_snap_m=context.max_snap_m
    ).node
    return travel_time_costs(
        context.net,
        snap.node[demand],
        site_nodes,
        mode=norm.mode,
        limit_s=limit,
        direction=norm.direction,
        model=norm.model,
        demand_snap_m=snap.distance_m[demand],
    )


def _costs(
    model: str, inputs: CityInputs, norm: Norm, demand: NDArray[np.int64], candidates: Candidates
) -> CostMatrix:
    """The model's cost matrix: within the norm's limit (coverage) or the existing cost."""
    if model == "pmedian":
        finite = norm.measure[demand][np.isfinite(norm.measure[demand])]
        # a site farther than every resident's existing facility never serves anyone; where
        # some have none, pairs reach P_MEDIAN_REACH times the norm's limit (a prefecture's
        # every pair would not fit), residents beyond it are reported unreachable
        covers_all = finite.size == demand.size and finite.size > 0
        reach = float(norm.threshold[demand].max(initial=0.0)) * P_MEDIAN_REACH
        limit = float(finite.max()) if covers_all else max(reach, float(finite.max(initial=0.0)))
        return _cost_matrix(inputs, norm, demand, candidates, limit=limit or None)
    limit = float(norm.threshold[demand].max()) if demand.size else 0.0
    # residents covered already need no site: their rows stay empty
    rows = np.flatnonzero(~norm.covered[demand])
    sub = _cost_matrix(inputs, norm, demand[rows], candidates, limit=limit, per_threshold=True)
    return stack_rows([sub], [rows], (demand.shape[0], candidates.x.shape[0]))


def _notes(norm: Norm, candidates: Candidates) -> tuple[list[str], list[str]]:
    """The norm's notes and how the gap candidates were thinned, in English and Chinese."""
    notes, notes_zh = list(norm.notes), list(norm.notes_zh)
    if candidates.widened and candidates.spacing_m is not None:
        zh, en = both_texts(
            "optimize.note.thinned",
            spacing=candidates.spacing_m,
            widened=candidates.widened,
            most=MAX_GAP_CANDIDATES,
            n=candidates.x.shape[0],
        )
        notes.append(en)
        notes_zh.append(zh)
    return notes, notes_zh


# ---- solving and answering


def _solve(
    request: OptimizeRequest,
    cost: CostMatrix,
    weights: NDArray[np.float64],
    norm: Norm,
    demand: NDArray[np.int64],
) -> LocationResult:
    covered = norm.covered[demand]
    radius = norm.threshold[demand]
    # an infeasible request (422) or a solver out of time (504): app.api.errors.GEO_STATUS_CODES
    if request.model == "lscp":
        return LSCP.from_cost_matrix(
            cost,
            service_radius=radius,
            weights=weights,
            covered_by_existing=covered,
            allow_uncovered=True,
        ).solve(time_limit_s=request.time_limit_s)
    assert request.k is not None
    if request.model == "mclp":
        return MCLP.from_cost_matrix(
            cost,
            weights,
            service_radius=radius,
            p_facilities=request.k,
            covered_by_existing=covered,
        ).solve(time_limit_s=request.time_limit_s)
    return PMedian.from_cost_matrix(
        cost,
        weights,
        p_facilities=request.k,
        existing_cost=norm.measure[demand],
        allow_uncovered=True,
    ).solve(time_limit_s=request.time_limit_s)


def _register_id(facility: FacilityInput | None) -> int | None:
    return facility.id if facility is not None and isinstance(facility.id, int) else None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _chosen_sites(
    result: LocationResult,
    candidates: Candidates,
    weights: NDArray[np.float64],
    *,
    facility_type: str,
    inputs: CityInputs,
) -> list[ChosenSite]:
    """The chosen sites by marginal gain (rank 1 brings the most), with county and road."""
    to_wgs84 = Transformer.from_crs(inputs.context.net.crs, "EPSG:4326", always_xy=True)
    served = np.asarray(result.assignment.T @ weights, dtype=np.float64).reshape(-1)
    order = result.ranked.tolist()
    places = site_places(inputs, candidates.x[order], candidates.y[order])
    sites = []
    for rank, (j, gain, place) in enumerate(
        zip(order, result.marginal.tolist(), places, strict=True), start=1
    ):
        lon, lat = to_wgs84.transform(candidates.x[j], candidates.y[j])
        sites.append(
            ChosenSite(
                rank=rank,
                lon=round(float(lon), 7),
                lat=round(float(lat), 7),
                type=facility_type,
                name=candidates.names[j],
                facility_id=_register_id(candidates.existing[j]),
                residents=float(served[j]),
                marginal=float(gain),
                county_adcode=place.county_adcode,
                county_name=place.county_name,
                road=place.road,
                road_m=place.road_m,
            )
        )
    return sites


def _hosts_station(facility: FacilityInput, selectors: tuple[FacilitySelector, ...]) -> bool:
    """Whether the facility counts for the norm once it hosts an EMS station."""
    hosting = dataclasses.replace(facility, ems_station_hosted=True)
    return any(
        s.matches(hosting.type, hosting.grade, hosting.ownership, hosting.flags) for s in selectors
    )


def _scenario_changes(
    sites: list[ChosenSite],
    candidates: Candidates,
    chosen: list[int],
    selectors: tuple[FacilitySelector, ...],
) -> list[ChangeIn]:
    """An added facility per chosen site; an existing one that can host an EMS station does."""
    changes: list[ChangeIn] = []
    for site, j in zip(sites, chosen, strict=True):
        existing = candidates.existing[j]
        if (
            site.facility_id is not None
            and existing is not None
            and site.type in _EMS_TYPES
            and _hosts_station(existing, selectors)
        ):
            changes.append(
                UpdateChange(
                    kind="update",
                    facility_id=site.facility_id,
                    properties={"ems_station_hosted": True},
                )
            )
            continue
        name = site.name if site.facility_id is None else f"{site.name}（{site.type}）"
        changes.append(
            AddChange(
                kind="add",
                geometry={"type": "Point", "coordinates": (site.lon, site.lat)},
                properties=FacilityCreate(name=name[:200], type=site.type, source="scenario"),
            )
        )
    return changes


def _scenario_base(
    session: Session,
    request: OptimizeRequest,
    scenario_id: int,
    *,
    overlay: FacilityOverlay | None,
    principal: Principal | None,
) -> FacilityOverlay:
    """The changes of scenario ``scenario_id`` as the overlay the sites are chosen on."""
    if overlay is not None:
        raise invalid_field("scenario_id", "optimize.error.scenario_and_changes")
    if request.save_as_scenario is not None:
        raise invalid_field("save_as_scenario", "optimize.error.save_on_scenario", id=scenario_id)
    _, base = scenario_runs.scenario_overlay(
        session, scenario_id, principal=principal, city=request.city, field="scenario_id"
    )
    return base


def _saved_plan(
    session: Session,
    request: OptimizeRequest,
    plan: OptimizeResult,
    norm: Norm,
    *,
    author: str | None,
    principal: Principal | None,
) -> OptimizeResult:
    """An ems plan, saved as a scenario when the request asks (its id in the answer)."""
    if request.save_as_scenario is None:
        return plan
    if author is None:
        raise invalid_field("save_as_scenario", "optimize.error.author")
    body = ScenarioCreate(
        city=request.city,
        name=request.save_as_scenario,
        description=f"ems stations and fleet for {norm.description}",
        changes=optimize_ems.scenario_changes(plan),
    )
    saved = scenarios.create_scenario(session, body, author=author, owner=principal)[0]
    return plan.model_copy(update={"scenario_id": saved.id})


def optimize_sites(  # noqa: PLR0915 - one use case's steps in order, each reported
    session: Session,
    settings: Settings,
    request: OptimizeRequest,
    *,
    norms: NormCatalogues,
    author: str | None = None,
    rule: Rule | None = None,
    overlay: FacilityOverlay | None = None,
    principal: Principal | None = None,
    fleet_rule: Rule | None = None,
    progress: Callable[[str], None] | None = None,
) -> OptimizeResult:
    """Choose new sites for a norm in a city (LSCP, MCLP or p-median) and what they gain.

    Parameters
    ----------
    session, settings
        Database session and service settings.
    request
        The model, the norm (a rule or a threshold), ``k``, the candidates and options.
    norms
        The plans' catalogues.
    author
        Who saves the result as a scenario (``request.save_as_scenario``); required then.
    rule
        A rule to use instead of ``request.rule_id`` (e.g. another plan's norm tried on this
        city's data); ``request`` then gives neither a rule, minutes nor a radius.
    overlay
        Changes to the register applied in memory first (e.g. sites chosen in an earlier
        round); the baseline is the register with them.
    principal
        The caller, who must be able to see ``request.scenario_id``; that scenario's changes
        are then the overlay.
    fleet_rule
        ``model: "ems"``: the ambulance fleet rule to meet (e.g. with ``rule``, another plan's);
        default: the city plan's.
    progress
        Called with each step's key as it starts: ``optimize_inputs``, ``optimize_candidates``,
        ``optimize_costs``, ``optimize_solve``.

    Returns
    -------
    OptimizeResult
        The chosen sites (WGS84), residents covered before and after, the gain, and the
        solver's account (exact or not, bound, time).

    Raises
    ------
    InvalidInputError
        Naming the field: not exactly one of rule / minutes / radius, ``k`` missing (mclp,
        p-median) or given (lscp), an unknown or non-spatial rule, a new-site type the rule does
        not count, candidates outside the city or none at all.
    NotFoundError, ConflictError
        An unknown city, or one not prepared (``fplan demo``).
    """
    _check_request(request, rule_given=rule is not None)
    say = progress or (lambda _: None)
    city = request.city
    if request.scenario_id is not None:
        overlay = _scenario_base(
            session, request, request.scenario_id, overlay=overlay, principal=principal
        )
    if rule is not None:
        rule = _spatial_rule([rule], rule.id, city)
    elif request.rule_id is not None:
        rule = _spatial_rule(list(get_catalogue(norms, city).rules), request.rule_id, city)
    say("optimize_inputs")
    inputs = city_inputs.load_city_inputs(session, settings, city, overlay=overlay)
    norm = rule_norm(rule, inputs, city) if rule is not None else threshold_norm(request, inputs)
    facility_type = request.facility_type or default_facility_type(norm.selectors)
    if rule is not None and not any(
        facility_type in {t.value for t in s.facility_types} for s in norm.selectors
    ):
        raise invalid_field("facility_type", "optimize.error.type_not_counted", rule=rule.id)

    people = inputs.context.points.population.astype(np.float64)
    demand = np.flatnonzero(norm.counted & (people > 0)).astype(np.int64)
    say("optimize_candidates")
    start = time.perf_counter()
    candidates = candidates_for(
        session, request, inputs=inputs, norm=norm, demand=demand, city=city
    )
    candidates_s = time.perf_counter() - start
    # a request that timed out meanwhile stops its job here (app.runtime.compute)
    checkpoint()
    n_candidates = int(candidates.x.shape[0])
    # model ems may only place the fleet on the stations there are
    if n_candidates == 0 and request.model != "ems":
        raise invalid_field("candidates", "optimize.error.no_candidates")
    notes, notes_zh = _notes(norm, candidates)
    _check_size(n_candidates, int(demand.size), model=request.model)

    say("optimize_solve" if request.model == "ems" else "optimize_costs")
    if request.model == "ems":
        limit = float(norm.threshold[demand].max()) if demand.size else 0.0
        return _saved_plan(
            session,
            request,
            optimize_ems.ems_result(
                request,
                inputs,
                norm,
                demand,
                candidates,
                rules=[fleet_rule]
                if fleet_rule is not None
                else list(get_catalogue(norms, city).rules),
                cost_of=lambda sites: _cost_matrix(
                    inputs, norm, demand, sites, limit=limit, per_threshold=True
                ),
                rule_id=rule.id if rule is not None else None,
                notes=(notes, notes_zh),
                candidates_s=candidates_s,
            ),
            norm,
            author=author,
            principal=principal,
        )
    start = time.perf_counter()
    cost = _costs(request.model, inputs, norm, demand, candidates)
    matrix_s = time.perf_counter() - start
    checkpoint()
    weights = people[demand]
    say("optimize_solve")
    result = _solve(request, cost, weights, norm, demand)
    checkpoint()

    sites = _chosen_sites(result, candidates, weights, facility_type=facility_type, inputs=inputs)
    scenario_id = None
    if request.save_as_scenario is not None:
        if author is None:
            raise invalid_field("save_as_scenario", "optimize.error.author")
        if len(sites) > MAX_CHANGES:
            raise invalid_field(
                "save_as_scenario",
                "optimize.error.too_many_changes",
                n=len(sites),
                most=MAX_CHANGES,
            )
        body = ScenarioCreate(
            city=city,
            name=request.save_as_scenario,
            description=f"{request.model} sites for {norm.description}",
            changes=_scenario_changes(sites, candidates, result.ranked.tolist(), norm.selectors),
        )
        scenario_id = scenarios.create_scenario(session, body, author=author, owner=principal)[0].id
    unreachable = float(weights[result.unreachable].sum()) if result.unreachable.size else 0.0
    gap_zh, gap_en = gap_words(result)
    summary_zh, summary_en = summary_words(
        request.model,
        n_sites=len(sites),
        n_candidates=n_candidates,
        site_type=facility_type,
        total=result.population_total,
        before=result.population_baseline,
        after=result.population_covered,
        unreachable=unreachable,
    )
    return OptimizeResult(
        city=city,
        model=request.model,
        k=request.k,
        rule_id=rule.id if rule is not None else None,
        norm=norm.description,
        chosen=sites,
        objective=result.objective,
        population_total=result.population_total,
        population_baseline=result.population_baseline,
        population_covered=result.population_covered,
        gain=_finite(result.gain),
        uncovered_residents=result.population_total - result.population_covered,
        unreachable_residents=unreachable,
        exact=result.exact,
        bound=_finite(result.bound),
        gap=result.gap,
        bound_source=result.bound_source,
        gap_zh=gap_zh,
        gap_en=gap_en,
        summary_zh=summary_zh,
        summary_en=summary_en,
        solver=result.solver,
        solve_s=result.solve_s,
        status=result.status,
        candidates=n_candidates,
        candidate_spacing_m=candidates.spacing_m,
        candidates_s=candidates_s,
        demand_cells=int(demand.shape[0]),
        matrix_s=matrix_s,
        synthetic=inputs.context.synthetic,
        scenario_id=scenario_id,
        notes=notes,
        notes_zh=notes_zh,
    )
