"""County staff as the ledger names them: user accounts, written by their names."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

# A name in Chinese characters is written family name first, with no space: 李明.
HAN = re.compile(r"[\u3400-\u9fff]")


def staff_name(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """A user's name as colleagues write it (李明, Ming Li), or their login name when
    the account has none."""
    if user is None:
        return ""
    first = getattr(user, "first_name", "").strip()
    last = getattr(user, "last_name", "").strip()
    if first and last:
        return f"{last}{first}" if HAN.search(first + last) else f"{first} {last}"
    return first or last or user.get_username()


def active_staff() -> QuerySet:
    """The accounts a project, follow-up or problem can name: those still active."""
    return get_user_model().objects.filter(is_active=True).order_by("username")
