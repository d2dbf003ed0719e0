"""ORM models; importing this package registers every table on ``Base.metadata``."""

from app.db.models.evaluation import EvaluationResult, EvaluationRun
from app.db.models.facility import FACILITY_GRADES, FACILITY_OWNERSHIPS, FACILITY_TYPES, Facility
from app.db.models.network import RoadEdge, RoadNetwork, RoadNode
from app.db.models.population import SETTLEMENT_CLASSES, PopulationCell
from app.db.models.region import REGION_LEVELS, Region

__all__ = [
    "FACILITY_GRADES",
    "FACILITY_OWNERSHIPS",
    "FACILITY_TYPES",
    "REGION_LEVELS",
    "SETTLEMENT_CLASSES",
    "EvaluationResult",
    "EvaluationRun",
    "Facility",
    "PopulationCell",
    "Region",
    "RoadEdge",
    "RoadNetwork",
    "RoadNode",
]
