"""The ledger's admin site, and what every changelist of it does with its query string."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, router, transaction
from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from projects.forms import AdminLoginForm
from projects.lists.tables import EMPTY

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

if TYPE_CHECKING:
    # What ``CheckedLookups`` is mixed into, so that its calls of ``super()`` are checked.
    ModelAdminBase = admin.ModelAdmin[Any]
else:
    ModelAdminBase = object


def holds_nul(request: HttpRequest) -> bool:
    """Whether a key or value of the query string holds a NUL character, which no field
    can hold and PostgreSQL refuses in any text."""
    return any("\x00" in key + "".join(values) for key, values in request.GET.lists())


class CheckedLookups(ModelAdminBase):
    """A model admin whose changelist answers a filter it cannot apply as Django's admin
    answers an unknown one: it shows the whole list (``?e=1``) and says why.

    Django builds the changelist's filters from the query string as they come, and some
    fail only when Python or the database meets them: a date hierarchy year past 9999,
    a number beyond the column's size. The changelist is built in a savepoint, so that a
    statement the database refused leaves the request's transaction usable.

    Regular expressions typed into the address are refused (400): one that is malformed
    fails only once a row reaches it, which may be on a later query of the page, and a
    costly one ties up the database.
    """

    REFUSED_LOOKUPS = ("regex", "iregex")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        if lookup.rpartition(LOOKUP_SEP)[2] in self.REFUSED_LOOKUPS:
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        try:
            with transaction.atomic(using=router.db_for_read(self.model)):
                return super().get_changelist_instance(request)
        except (IncorrectLookupParameters, ValueError, OverflowError, DatabaseError) as error:
            if ERROR_FLAG not in request.GET:  # else Django shows its error page at once
                messages.error(request, gettext("网址中的筛选条件无法使用，下面是全部记录。"))
            raise IncorrectLookupParameters(error) from error


class LedgerAdminSite(admin.AdminSite):
    """The admin, which refuses (403) logged-in users who are not staff and (400) an
    address whose query string holds a NUL character, and whose every changelist checks
    its filters (``CheckedLookups``). Its login form warns before the wrong password that
    locks an account, as the site's does.

    Django's admin sends users who are not staff to its own login page, which only
    confuses a county user who is already logged in, and passes a NUL character on to
    the database, which PostgreSQL refuses with an error.
    """

    site_header = _("缙云县招商项目台账")
    site_title = _("缙云县招商项目台账")
    index_title = _("台账管理")
    login_form = AdminLoginForm
    # What an empty value shows, as on the ledger's own pages.
    empty_value_display = EMPTY

    def admin_view(self, view: View, cacheable: bool = False) -> View:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            if holds_nul(request):
                return HttpResponseBadRequest(gettext("网址中含有空字符（%00），无法处理。"))
            return inner(request, *args, **kwargs)

        # It takes and returns what ``view`` does: ``wraps`` copies the view's name and
        # attributes, but mypy sees a wrapper of another type.
        return cast(View, guarded)

    def register(
        self,
        model_or_iterable: type[Model] | Iterable[type[Model]],
        # Quoted: ModelAdmin, generic to mypy, cannot be subscripted at run time.
        admin_class: "type[admin.ModelAdmin[Any]] | None" = None,
        **options: Any,
    ) -> None:
        """Register as Django does, with ``CheckedLookups`` added to the admin class: the
        ledger's and those of the installed apps (users, tokens, login attempts) alike.
        Django itself registers a subclass of the given class when given ``options``."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CheckedLookups):
            namespace = {
                "__module__": admin_class.__module__,
                "__qualname__": admin_class.__qualname__,
            }
            admin_class = type(admin_class.__name__, (CheckedLookups, admin_class), namespace)
        super().register(model_or_iterable, admin_class, **options)
