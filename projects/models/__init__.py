"""The ledger's models, one module per concern."""

from projects.models.companies import Company
from projects.models.parks import LandParcel, Park, ParkTree
from projects.models.projects import InvestmentProject, ProjectParcel, SizeTier
from projects.models.sectors import Sector

__all__ = [
    "Company",
    "InvestmentProject",
    "LandParcel",
    "Park",
    "ParkTree",
    "ProjectParcel",
    "Sector",
    "SizeTier",
]
