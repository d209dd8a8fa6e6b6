"""The ledger's models, one module per concern."""

from projects.models.assessments import Assessment, Decision, IndicatorResult
from projects.models.companies import Company
from projects.models.followups import FollowUp
from projects.models.funds import FundEntry
from projects.models.leases import Direction, Indicator, LeaseAgreement, LeaseTarget
from projects.models.parks import LandParcel, Park, ParkTree
from projects.models.problems import Department, Problem
from projects.models.projects import InvestmentProject, ProjectParcel, SizeTier
from projects.models.reports import IssuedReport
from projects.models.sectors import Sector
from projects.models.tallies import FundTally, ProjectTally
from projects.models.targets import AnnualTarget
from projects.models.totals import STORED_TOTALS
from projects.models.warning_tally import WarningState, WarningTally
from projects.models.warnings import WarningLevel, WarningRule

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
    FollowUp,
    Department,
    Problem,
    WarningRule,
    FundEntry,
    AnnualTarget,
)

__all__ = [
    "LEDGER_MODELS",
    "STORED_TOTALS",
    "AnnualTarget",
    "Assessment",
    "Company",
    "Decision",
    "Department",
    "Direction",
    "FollowUp",
    "FundEntry",
    "FundTally",
    "Indicator",
    "IndicatorResult",
    "InvestmentProject",
    "IssuedReport",
    "LandParcel",
    "LeaseAgreement",
    "LeaseTarget",
    "Park",
    "ParkTree",
    "Problem",
    "ProjectParcel",
    "ProjectTally",
    "Sector",
    "SizeTier",
    "WarningLevel",
    "WarningRule",
    "WarningState",
    "WarningTally",
]
