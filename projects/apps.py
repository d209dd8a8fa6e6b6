from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    """The investment ledger: projects, parks, parcels, companies and sectors."""

    default = True
    name = "projects"
    verbose_name = _("招商项目台账")


class LedgerAdminConfig(admin_apps.AdminConfig):
    """The Django admin, with the ledger's admin site."""

    default = False  # named explicitly in INSTALLED_APPS; the app's own config is the default
    default_site = "projects.admin_site.LedgerAdminSite"


class LockoutConfig(AxesAppConfig):
    """django-axes, which locks out repeated wrong passwords, under a name the admin can
    translate (axes gives none)."""

    default = False  # named explicitly in INSTALLED_APPS
    verbose_name = _("登录锁定")
