"""ORM models; importing this package registers every table on ``Base.metadata``."""

from app.db.models.data_version import (
    DATA_VERSION_CHANNEL,
    WROTE_FLAG,
    DataVersion,
    DataVersionPending,
)
from app.db.models.evaluation import EvaluationResult, EvaluationRun
from app.db.models.facility import FACILITY_GRADES, FACILITY_OWNERSHIPS, FACILITY_TYPES, Facility
from app.db.models.network import RoadEdge, RoadNetwork, RoadNode
from app.db.models.population import SETTLEMENT_CLASSES, PopulationCell
from app.db.models.region import REGION_LEVELS, Region
from app.db.models.scenario import SCENARIO_CHANGE_KINDS, Scenario, ScenarioChange
from app.db.models.token import TOKEN_ROLES, ApiToken

__all__ = [
    "DATA_VERSION_CHANNEL",
    "FACILITY_GRADES",
    "FACILITY_OWNERSHIPS",
    "FACILITY_TYPES",
    "REGION_LEVELS",
    "SCENARIO_CHANGE_KINDS",
    "SETTLEMENT_CLASSES",
    "TOKEN_ROLES",
    "WROTE_FLAG",
    "ApiToken",
    "DataVersion",
    "DataVersionPending",
    "EvaluationResult",
    "EvaluationRun",
    "Facility",
    "PopulationCell",
    "Region",
    "RoadEdge",
    "RoadNetwork",
    "RoadNode",
    "Scenario",
    "ScenarioChange",
]
