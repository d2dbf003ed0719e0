"""The plans' norms: a cited rule catalogue per plan and pure evaluators of its rules.

Load the catalogues with :func:`load_catalogues` (they ship in ``geo/norms/catalogue/``; the
service passes the folder of seed plan texts the citations are checked against), then evaluate the
rules with :func:`evaluate_catalogue` / :func:`evaluate_rule`. Spatial rules (travel-time,
radius and EMS-response coverage) need a :class:`SpatialContext` (a
:class:`geo.access.context.AccessContext` of the road network, population points and facility
locations; ``spatial=``) and are evaluated by :func:`evaluate_spatial_rule`, whose resident counts
:func:`coverage_result` turns into the same :class:`RuleResult` rows;
:func:`rule_areas` draws the areas the same rules cover, for maps.
"""

import importlib
from typing import TYPE_CHECKING, Any

from geo.errors import (
    CatalogueError,
    CatalogueProblem,
    NormEvaluationError,
    NormsError,
)
from geo.norms._regions import selects
from geo.norms.catalogue import (
    DEFAULT_CATALOGUE_DIR,
    Baseline,
    Catalogue,
    PlanReference,
    Rule,
    Wording,
    load_catalogue,
    load_catalogues,
    rules_by_id,
)
from geo.norms.citations import Citation, check_citation
from geo.norms.inputs import FacilityInput, RegionInput
from geo.norms.parameters import FacilitySelector, Target, TargetUnit, counted_selectors
from geo.norms.results import DataGap, RuleResult, coverage_result, data_gap_of
from geo.norms.terms import (
    SPATIAL_KINDS,
    Binding,
    CapacityField,
    Direction,
    DistanceKind,
    FacilityType,
    Grade,
    Ownership,
    PopulationBasis,
    RegionLevel,
    RuleKind,
    Scope,
    ServiceFlag,
    Status,
    TargetScope,
    TravelMode,
)

if TYPE_CHECKING:
    from geo.norms.areas import RuleArea, rule_areas
    from geo.norms.evaluate import catalogue_data_gaps, evaluate_catalogue, evaluate_rule
    from geo.norms.gaps import GapZone, gap_zones
    from geo.norms.spatial import (
        FacilityPoints,
        PopulationPoints,
        RegionCoverage,
        SpatialContext,
        SpatialOutcome,
        coverage_by_region,
        evaluate_spatial_rule,
        facility_catchments,
        facility_points,
        population_points,
        select_facilities,
    )

# the evaluators and map helpers pull numpy, scipy and the search engine: imported on first use
_LAZY: dict[str, str] = {
    "RuleArea": "geo.norms.areas",
    "rule_areas": "geo.norms.areas",
    "catalogue_data_gaps": "geo.norms.evaluate",
    "evaluate_catalogue": "geo.norms.evaluate",
    "evaluate_rule": "geo.norms.evaluate",
    "GapZone": "geo.norms.gaps",
    "gap_zones": "geo.norms.gaps",
    "FacilityPoints": "geo.norms.spatial",
    "PopulationPoints": "geo.norms.spatial",
    "RegionCoverage": "geo.norms.spatial",
    "SpatialContext": "geo.norms.spatial",
    "SpatialOutcome": "geo.norms.spatial",
    "coverage_by_region": "geo.norms.spatial",
    "evaluate_spatial_rule": "geo.norms.spatial",
    "facility_catchments": "geo.norms.spatial",
    "facility_points": "geo.norms.spatial",
    "population_points": "geo.norms.spatial",
    "select_facilities": "geo.norms.spatial",
}

__all__ = [
    "DEFAULT_CATALOGUE_DIR",
    "SPATIAL_KINDS",
    "Baseline",
    "Binding",
    "CapacityField",
    "Catalogue",
    "CatalogueError",
    "CatalogueProblem",
    "Citation",
    "DataGap",
    "Direction",
    "DistanceKind",
    "FacilityInput",
    "FacilityPoints",
    "FacilitySelector",
    "FacilityType",
    "GapZone",
    "Grade",
    "NormEvaluationError",
    "NormsError",
    "Ownership",
    "PlanReference",
    "PopulationBasis",
    "PopulationPoints",
    "RegionCoverage",
    "RegionInput",
    "RegionLevel",
    "Rule",
    "RuleArea",
    "RuleKind",
    "RuleResult",
    "Scope",
    "ServiceFlag",
    "SpatialContext",
    "SpatialOutcome",
    "Status",
    "Target",
    "TargetScope",
    "TargetUnit",
    "TravelMode",
    "Wording",
    "catalogue_data_gaps",
    "check_citation",
    "counted_selectors",
    "coverage_by_region",
    "coverage_result",
    "data_gap_of",
    "evaluate_catalogue",
    "evaluate_rule",
    "evaluate_spatial_rule",
    "facility_catchments",
    "facility_points",
    "gap_zones",
    "load_catalogue",
    "load_catalogues",
    "population_points",
    "rule_areas",
    "rules_by_id",
    "select_facilities",
    "selects",
]


def __getattr__(name: str) -> Any:
    """Import the evaluators and map helpers on first use (module ``__getattr__``, PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'geo.norms' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
