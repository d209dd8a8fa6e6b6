"""The ledger's models, one module per concern."""

from projects.models.assessments import Assessment, Decision, IndicatorResult
from projects.models.companies import Company
from projects.models.leases import Direction, Indicator, LeaseAgreement, LeaseTarget
from projects.models.parks import LandParcel, Park, ParkTree
from projects.models.projects import InvestmentProject, ProjectParcel, SizeTier
from projects.models.sectors import Sector

# The ledger's own models (not their history tables), each after those it refers to.
LEDGER_MODELS = (
    Sector,
    Park,
    Company,
    LandParcel,
    InvestmentProject,
    ProjectParcel,
    LeaseAgreement,
    LeaseTarget,
    Assessment,
    IndicatorResult,
    Decision,
)

__all__ = [
    "LEDGER_MODELS",
    "Assessment",
    "Company",
    "Decision",
    "Direction",
    "Indicator",
    "IndicatorResult",
    "InvestmentProject",
    "LandParcel",
    "LeaseAgreement",
    "LeaseTarget",
    "Park",
    "ParkTree",
    "ProjectParcel",
    "Sector",
    "SizeTier",
]
