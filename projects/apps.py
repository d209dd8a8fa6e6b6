from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    """The investment ledger: projects, parks, parcels, companies and sectors."""

    name = "projects"
    verbose_name = _("招商项目台账")
