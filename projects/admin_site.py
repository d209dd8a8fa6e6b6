"""The ledger's admin site."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class LedgerAdminSite(admin.AdminSite):
    """The admin, which refuses (403) logged-in users who are not staff.

    Django's admin sends them to its own login page instead, which only confuses a
    county user who is already logged in.
    """

    site_header = _("缙云县招商项目台账")
    site_title = _("缙云县招商项目台账")
    index_title = _("台账管理")

    def admin_view(self, view: View, cacheable: bool = False) -> View:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def refuse_non_staff(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        # wraps() gives it the view's name and attributes; it takes what the view takes.
        return cast(View, refuse_non_staff)
