"""Location models: choose facility sites from a cost matrix (spopt's ``locate`` shape).

``LSCP`` and ``MCLP`` (:mod:`geo.locate.coverage`) and ``PMedian`` (:mod:`geo.locate.p_median`)
are built ``from_cost_matrix`` and solved exactly (HiGHS, ``_milp``) or by lazy greedy with a
reported bound (``_greedy``; the MCLP's tightened by its LP relaxation, solved in dual form, the
p-median's by the Lagrangian of ``_lagrange``); ``plan_ems`` (:mod:`geo.locate.ems`) places EMS
stations and their fleet together (MEXCLP, bounded by ``_ems_bound``). What they share is in
:mod:`geo.locate.base`. Their inputs come from :mod:`geo.access.matrix`
(``travel_time_matrix`` and the sparse ``travel_time_costs``, ``radius_matrix``) and
:mod:`geo.locate.candidates` (``gap_candidates``).
"""

from geo.access.matrix import CostMatrix, radius_matrix, travel_time_costs, travel_time_matrix
from geo.errors import LocationInfeasibleError, LocationInputError, LocationSolverError
from geo.locate.base import (
    COVERING_MAX_EXACT_PAIRS,
    DEFAULT_TIME_LIMIT_S,
    P_MEDIAN_MAX_EXACT_PAIRS,
    LocationResult,
)
from geo.locate.candidates import (
    GapCandidates,
    gap_candidates,
    limit_spacing,
    scaled_gap_candidates,
    settlement_node_limits,
    thin_nodes,
)
from geo.locate.coverage import LSCP, MCLP
from geo.locate.ems import EmsPlan, busy_fraction, expected_coverage, plan_ems
from geo.locate.p_median import PMedian

__all__ = [
    "COVERING_MAX_EXACT_PAIRS",
    "DEFAULT_TIME_LIMIT_S",
    "LSCP",
    "MCLP",
    "P_MEDIAN_MAX_EXACT_PAIRS",
    "CostMatrix",
    "EmsPlan",
    "GapCandidates",
    "LocationInfeasibleError",
    "LocationInputError",
    "LocationResult",
    "LocationSolverError",
    "PMedian",
    "busy_fraction",
    "expected_coverage",
    "gap_candidates",
    "limit_spacing",
    "plan_ems",
    "radius_matrix",
    "scaled_gap_candidates",
    "settlement_node_limits",
    "thin_nodes",
    "travel_time_costs",
    "travel_time_matrix",
]
