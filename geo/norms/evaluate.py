"""Evaluate catalogue rules on regions and facilities: one result row per region in scope.

The non-spatial kinds (fleet_ratio, resource_ratio, facility_per_population, presence, staffing)
are evaluated here from counts alone. The spatial kinds need the road network and the population
surface: given a :class:`~geo.norms.spatial.SpatialContext` (``spatial=``) they are evaluated by
:func:`geo.norms.spatial.evaluate_spatial_rule`, which counts residents within reach and turns the
counts into result rows with :func:`geo.norms.results.coverage_result`. The same context gives the
catchments of ``facility_per_population`` rules with ``method: catchment`` when none are passed.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from geo.errors import NormEvaluationError
from geo.norms._regions import RegionIndex
from geo.norms.catalogue import Catalogue, Rule
from geo.norms.counts import (
    evaluate_city_total,
    evaluate_facility_per_population,
    evaluate_presence,
    evaluate_staffing,
)
from geo.norms.inputs import FacilityInput, RegionInput
from geo.norms.parameters import (
    CityTotalParameters,
    FacilityPerPopulationParameters,
    FleetRatioParameters,
    PresenceParameters,
    ResourceRatioParameters,
    StaffingParameters,
)
from geo.norms.ratios import evaluate_fleet_ratio, evaluate_resource_ratio
from geo.norms.results import DataGap, RuleResult, data_gap_of, not_evaluable_result, settle
from geo.norms.spatial import SpatialContext, evaluate_spatial_rule, facility_catchments
from geo.norms.terms import SPATIAL_KINDS


def evaluate_rule(
    rule: Rule,
    regions: Iterable[RegionInput],
    facilities: Sequence[FacilityInput],
    *,
    city_adcode: str,
    catchments: Mapping[int | str, int] | None = None,
    spatial: SpatialContext | None = None,
) -> list[RuleResult]:
    """Evaluate one rule in every region it applies to.

    Parameters
    ----------
    rule
        A catalogue rule; a spatial one needs ``spatial``.
    regions
        The plan's city and its county-level units; ``parent_adcode`` links units to the city.
    facilities
        The facilities of the city; ``region_adcode`` places each in a unit.
    city_adcode
        The unit the plan governs (its catalogue's ``city_adcode``).
    catchments
        Residents served by each facility (persons, keyed by facility id), for catchment rules;
        when None and ``spatial`` is given, computed from the network.
    spatial
        The network, population points and facility locations of the run, for spatial rules.

    Returns
    -------
    list of RuleResult
        The city row first (when the rule applies to the city), then units by adcode.

    Raises
    ------
    NormEvaluationError
        For a spatial rule without ``spatial``, or a region given twice.
    """
    region_list = list(regions)
    index = RegionIndex(region_list, city_adcode=city_adcode)
    in_scope = index.in_scope(rule)
    params = rule.parameters
    if params is None or rule.data_gap is not None:
        return [not_evaluable_result(rule, region) for region in in_scope]
    if rule.kind in SPATIAL_KINDS:
        if spatial is None:
            msg = (
                f"rule {rule.id!r} is spatial ({rule.kind.value}): evaluate it with the coverage "
                "engine (pass spatial=SpatialContext(...)) or assemble rows with coverage_result"
            )
            raise NormEvaluationError(msg)
        outcome = evaluate_spatial_rule(rule, region_list, spatial, city_adcode=city_adcode)
        return list(outcome.results)
    if (
        isinstance(params, FacilityPerPopulationParameters)
        and params.method == "catchment"
        and catchments is None
        and spatial is not None
    ):
        # residents choose among all competing centres, not the rule's subjects only (D5)
        catchments = facility_catchments(spatial, params.competitors or params.facilities)

    results: list[RuleResult] = []
    for region in in_scope:
        if isinstance(params, FleetRatioParameters):
            row = evaluate_fleet_ratio(rule, params, region, index=index, facilities=facilities)
        elif isinstance(params, ResourceRatioParameters):
            row = evaluate_resource_ratio(rule, params, region, index=index, facilities=facilities)
        elif isinstance(params, FacilityPerPopulationParameters):
            row = evaluate_facility_per_population(
                rule, params, region, index=index, facilities=facilities, catchments=catchments
            )
        elif isinstance(params, PresenceParameters):
            row = evaluate_presence(rule, params, region, index=index, facilities=facilities)
        elif isinstance(params, StaffingParameters):
            row = evaluate_staffing(rule, params, region, index=index, facilities=facilities)
        elif isinstance(params, CityTotalParameters):
            row = evaluate_city_total(rule, params, region, index=index, facilities=facilities)
        else:
            msg = f"rule {rule.id!r}: no evaluator for kind {rule.kind.value}"
            raise NormEvaluationError(msg)
        results.append(settle(rule, row, region, index))
    return results


def evaluate_catalogue(
    catalogue: Catalogue,
    regions: Iterable[RegionInput],
    facilities: Sequence[FacilityInput],
    *,
    catchments: Mapping[int | str, int] | None = None,
    spatial: SpatialContext | None = None,
) -> list[RuleResult]:
    """Evaluate every evaluable rule of a plan; each row names the plan it comes from.

    Rules with a ``data_gap`` give no rows: :func:`catalogue_data_gaps` lists them once.
    Without ``spatial`` the spatial rules are left out. See :func:`evaluate_rule` for the
    parameters.
    """
    region_list = list(regions)
    results: list[RuleResult] = []
    for rule in catalogue.rules:
        if rule.data_gap is not None:
            continue
        if rule.kind in SPATIAL_KINDS and spatial is None:
            continue
        rows = evaluate_rule(
            rule,
            region_list,
            facilities,
            city_adcode=catalogue.city_adcode,
            catchments=catchments,
            spatial=spatial,
        )
        results.extend(replace(row, plan=catalogue.plan) for row in rows)
    return results


def catalogue_data_gaps(catalogue: Catalogue) -> list[DataGap]:
    """List the plan's rules the register cannot evaluate, once each, with what they need."""
    gaps = (data_gap_of(rule, catalogue.plan) for rule in catalogue.rules)
    return [gap for gap in gaps if gap is not None]
