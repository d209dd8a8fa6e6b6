"""The three roles county staff work in, as Django groups with exactly these permissions.

- Viewer (查看): sees every list, record, dashboard and export, and downloads the monthly
  report and the issued ones.
- Editor (编辑): also adds and changes records, records assessments and funds in place,
  logs follow-ups and raises and works on problems; deletes only what is harmless to lose
  (a project's link to a parcel, a lease's target).
- Manager (管理): everything, including deleting records, deciding on assessments, closing
  a problem as unsolvable, setting the warning rules and the annual targets, and issuing
  the monthly report.
"""

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

VIEWER, EDITOR, MANAGER = "Viewer", "Editor", "Manager"
# Deleting these loses nothing that is not recorded elsewhere.
HARMLESS_DELETES = ("delete_projectparcel", "delete_leasetarget")
# Models only Managers add to or change: what every project's warning depends on, and
# the annual targets every unit is measured against, and the monthly reports they issue.
MANAGERS_ONLY = ("warningrule", "annualtarget", "issuedreport")


def ledger_permissions() -> QuerySet[Permission]:
    """The permissions on the ledger's own models (not on their history tables)."""
    return Permission.objects.filter(content_type__app_label="projects").exclude(
        content_type__model__startswith="historical"
    )


def role_permissions() -> dict[str, QuerySet[Permission]]:
    """Each role's permissions, by the name of its group."""
    ledger = ledger_permissions()
    return {
        VIEWER: ledger.filter(codename__startswith="view_"),
        EDITOR: ledger.filter(
            Q(codename__startswith="view_")
            | (
                (Q(codename__startswith="add_") | Q(codename__startswith="change_"))
                & ~Q(content_type__model__in=MANAGERS_ONLY)
            )
            | Q(codename__in=HARMLESS_DELETES)
        ),
        MANAGER: ledger,
    }


def sync_roles() -> dict[str, int]:
    """Create the three groups if missing and give each exactly its permissions."""
    counts = {}
    for name, permissions in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        counts[name] = group.permissions.count()
    return counts


class LoggedInRequest(HttpRequest):
    """The request of a page that only logged-in users reach (a view that requires a
    permission), whose user is therefore never anonymous."""

    user: User


class Viewable:
    """Which of the ledger's models a user may view, looked up by model name.

    A record's page shows the records it refers to, and lists the records that refer to
    it, only to a user who may view those models too: ``{% if can_view.landparcel %}``.
    Django caches a user's permissions, so each look-up is cheap.
    """

    def __init__(self, user: User | AnonymousUser) -> None:
        self.user = user

    def __getitem__(self, model_name: str) -> bool:
        return self.user.has_perm(f"projects.view_{model_name}")

    def model(self, model: type[Model]) -> bool:
        """Whether the user may view ``model``'s records."""
        return self.user.has_perm(f"projects.{get_permission_codename('view', model._meta)}")
