"""Template filters of the ledger's pages."""

from datetime import timedelta
from functools import cache
from typing import Protocol

from django import template
from django.template import Context
from django.utils.html import format_html
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from projects import lockout
from projects.models.pages import RecordPage
from projects.models.staff import staff_name
from projects.models.warnings import WarningLevel, WarningRule
from projects.warnings import reasons

register = template.Library()


class Marked(Protocol):
    """A record that may be illustrative: every model of the ledger with a page."""

    illustrative: bool


@cache
def illustrative_mark(language: str | None) -> str:
    """The mark of an illustrative record in ``language``, written once per language."""
    with override(language):
        return format_html(
            '<span class="badge text-bg-warning" title="{}">{}</span>',
            _("演示用的示例记录，并非真实台账。"),
            _("示例"),
        )


@register.filter
def badge(record: Marked) -> str:
    """The mark of an illustrative record (demo data, not the real ledger), or nothing.

    Written here rather than by a template: the list pages show it on every row.
    """
    return illustrative_mark(get_language()) if record.illustrative else ""


# The Bootstrap badge of each warning level; its label says the colour in words too.
LEVEL_BADGES = {
    WarningLevel.RED: "text-bg-danger",
    WarningLevel.YELLOW: "text-bg-warning",
    WarningLevel.GREEN: "text-bg-success",
}


@register.filter
def warning_badge(project: object, rules: list[WarningRule]) -> str:
    """A project's warning level as a badge, followed by the reasons for it, from the
    annotations of ``projects.warnings``; nothing for a project not watched."""
    badge, found = warning_parts(project, rules)
    if not found:
        return badge
    return format_html('{} <span class="warning-reasons">{}</span>', badge, found)


def warning_flag(project: object, rules: list[WarningRule]) -> str:
    """A project's warning level as a badge whose title holds the reasons: a list's cell,
    which the reasons written out would widen past the page (its export and the project's
    page write them out)."""
    return warning_parts(project, rules, title=True)[0]


def warning_parts(project: object, rules: list[WarningRule], title: bool = False) -> tuple:
    """The badge of a project's warning level and its reasons joined, "" for none."""
    level = getattr(project, "warning_level", None)
    if not level:
        return "", ""
    found = _("；").join(reason.text for reason in reasons(project, rules))  # type: ignore[arg-type]
    badge = format_html(
        '<span class="badge warning-badge {}"{}>{}</span>',
        LEVEL_BADGES[WarningLevel(level)],
        format_html(' title="{}"', found) if title and found else "",
        WarningLevel(level).label,
    )
    return badge, found


@register.filter
def parenthesized(note: object) -> str:
    """A note in brackets after what it qualifies, as the page's language writes them:
    fullwidth and unspaced in Chinese (1.50（亿元以上）), spaced in English (1.50 (CNY
    100M and above))."""
    return format_html(_("（{note}）"), note=note)


# A member of staff as colleagues write them (李明), or their login.
register.filter("staff_name", staff_name)


@register.filter
def whole_minutes(duration: timedelta) -> int:
    """A lockout's length in whole minutes (``projects.lockout.whole_minutes``)."""
    return lockout.whole_minutes(duration)


@register.simple_tag(takes_context=True)
def related(context: Context, record: RecordPage | None, link: bool = True) -> str:
    """A record this page refers to: its name, linked to its page, if the user may view it.

    Without the view permission of the record's model the name is withheld, and the page
    says so. The page's view puts ``can_view`` (``projects.roles.Viewable``) in the context.
    """
    if record is None:
        return "—"
    if not context["can_view"].model(type(record)):
        return format_html('<span class="text-body-secondary">{}</span>', _("无权查看"))
    if link:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record)
    return str(record)
