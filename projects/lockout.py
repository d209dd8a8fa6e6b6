"""How near a login is to locking its account out, as django-axes counts it.

Axes keeps the count (``AXES_FAILURE_LIMIT`` wrong passwords for one account from one
address lock that pair out for ``AXES_COOLOFF_TIME``); this module only reads it, through
axes' own handler, so that the login form can warn before the attempt that locks.
"""

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials, get_failure_limit
from django.http import HttpRequest
from django.utils.translation import ngettext


def whole_minutes(duration: timedelta) -> int:
    """A lockout's length in whole minutes, as the pages state it."""
    return int(duration.total_seconds() // 60)


def failures_left(request: HttpRequest, username: str) -> int:
    """How many more wrong passwords for ``username`` from this request's address lock
    the account at that address."""
    credentials = get_credentials(username)
    failures = AxesProxyHandler.get_failures(request, credentials)
    return int(get_failure_limit(request, credentials)) - failures


def lockout_warning(request: HttpRequest, username: str) -> str | None:
    """The warning a login form shows when the next wrong password for ``username`` locks
    the account, or None while more than one attempt is left."""
    if failures_left(request, username) != 1:
        return None
    minutes = whole_minutes(get_cool_off(request))
    return ngettext(
        "再输错 1 次，账户将被锁定 %(minutes)d 分钟。",
        "再输错 1 次，账户将被锁定 %(minutes)d 分钟。",
        minutes,
    ) % {"minutes": minutes}
