"""The admin's list of login attempts (django-axes), in the user's language.

Axes names its fields and filters through gettext, and the project's Chinese catalogue
translates them; its status column and its clean-up message are written in English
outside gettext, so they are given here.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class LockoutAttemptAdmin(AccessAttemptAdmin):
    """Axes' admin of login attempts, whose status and clean-up message are translated."""

    @admin.display(description=_("状态"))
    def status(self, obj: AccessAttempt) -> str:
        left = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        if left <= 0:
            return gettext("已锁定")
        return ngettext("还可尝试 %(count)d 次", "还可尝试 %(count)d 次", left) % {"count": left}

    @admin.action(description=_("清除已过期的登录尝试"))
    def cleanup_expired_attempts(
        self, request: HttpRequest, queryset: QuerySet[AccessAttempt]
    ) -> None:
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(
            request,
            ngettext(
                "已清除 %(count)d 条过期的登录尝试。", "已清除 %(count)d 条过期的登录尝试。", count
            )
            % {"count": count},
        )
