"""Location models: choose facility sites from a cost matrix (spopt's ``locate`` shape).

``LSCP``, ``MCLP`` and ``PMedian`` are built ``from_cost_matrix`` and solved exactly (HiGHS,
``_milp``) or by lazy greedy with a reported bound (``_greedy``); ``travel_time_matrix`` and
``gap_candidates`` supply their inputs from a :class:`geo.network.Network`.
"""

from geo.errors import (
    LocationInfeasibleError as LocationInfeasibleError,
)
from geo.errors import (
    LocationInputError as LocationInputError,
)
from geo.errors import (
    LocationSolverError as LocationSolverError,
)
from geo.locate.models import (
    COVERING_MAX_EXACT_PAIRS as COVERING_MAX_EXACT_PAIRS,
)
from geo.locate.models import (
    DEFAULT_TIME_LIMIT_S as DEFAULT_TIME_LIMIT_S,
)
from geo.locate.models import (
    LSCP as LSCP,
)
from geo.locate.models import (
    MCLP as MCLP,
)
from geo.locate.models import (
    P_MEDIAN_MAX_EXACT_PAIRS as P_MEDIAN_MAX_EXACT_PAIRS,
)
from geo.locate.models import (
    LocationResult as LocationResult,
)
from geo.locate.models import (
    PMedian as PMedian,
)
from geo.locate.models import (
    gap_candidates as gap_candidates,
)
from geo.locate.models import (
    travel_time_matrix as travel_time_matrix,
)
