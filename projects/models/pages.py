"""The URL of a record's own page.

A list links every row to its record's page, and often to its company's and park's: 75
URLs a page. Reversing each one through Django's resolver took a tenth of the list's time,
so a page's URL is reversed once per view and the key written into it.
"""

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Reversed in place of a record's key to find where a key goes: digits that no other part
# of a page's URL holds.
KEY_MARKER = 918273645546372819


@lru_cache(maxsize=64)
def around_the_key(
    view: str, prefix: str, urlconf: str | None, language: str | None
) -> tuple[str, str]:
    """The URL of ``view`` before and after the record's key, under the script prefix,
    URLconf and language of the request: everything ``reverse()`` depends on, which the
    cache is keyed by (a URLconf of ``i18n_patterns`` starts URLs with the language)."""
    url = reverse(view, args=[KEY_MARKER], urlconf=urlconf)
    head, marker, tail = url.partition(str(KEY_MARKER))
    if not marker:
        raise ImproperlyConfigured(f"The URL of {view} does not hold its key as written.")
    return head, tail


def record_url(view: str, pk: int | None) -> str:
    """``reverse(view, args=[pk])`` for a view whose only argument is an integer key."""
    if not isinstance(pk, int):  # no key yet, or not an integer: Django says what is wrong
        return reverse(view, args=[pk])
    urlconf = get_urlconf(settings.ROOT_URLCONF)
    head, tail = around_the_key(view, get_script_prefix(), urlconf, get_language())
    return f"{head}{pk}{tail}"


class RecordPage:
    """A model whose records each have a page: the view ``page_view`` given the key."""

    page_view: str
    pk: int | None  # the model's key, None before the record is saved

    def get_absolute_url(self) -> str:
        """The record's page."""
        return record_url(self.page_view, self.pk)
