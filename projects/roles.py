"""The three roles county staff work in, as Django groups with exactly these permissions.

- Viewer (查看): sees every list, record, dashboard and export.
- Editor (编辑): also adds and changes records and records assessments; deletes only what
  is harmless to lose (a project's link to a parcel, a lease's target).
- Manager (管理): everything, including deleting records and deciding on assessments.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

VIEWER, EDITOR, MANAGER = "Viewer", "Editor", "Manager"
# Deleting these loses nothing that is not recorded elsewhere.
HARMLESS_DELETES = ("delete_projectparcel", "delete_leasetarget")


def ledger_permissions():
    """The permissions on the ledger's own models (not on their history tables)."""
    return Permission.objects.filter(content_type__app_label="projects").exclude(
        content_type__model__startswith="historical"
    )


def role_permissions() -> dict[str, object]:
    ledger = ledger_permissions()
    return {
        VIEWER: ledger.filter(codename__startswith="view_"),
        EDITOR: ledger.filter(
            Q(codename__startswith="view_")
            | Q(codename__startswith="add_")
            | Q(codename__startswith="change_")
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


class Viewable:
    """Which of the ledger's models a user may view, looked up by model name.

    A record's page shows the records it refers to, and lists the records that refer to
    it, only to a user who may view those models too: ``{% if can_view.landparcel %}``.
    Django caches a user's permissions, so each look-up is cheap.
    """

    def __init__(self, user) -> None:
        self.user = user

    def __getitem__(self, model_name: str) -> bool:
        return self.user.has_perm(f"projects.view_{model_name}")

    def model(self, model) -> bool:
        """Whether the user may view ``model``'s records."""
        return self[model._meta.model_name]
