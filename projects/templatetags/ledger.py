"""Template filters of the ledger's pages."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def badge(record) -> str:
    """The mark of an illustrative record (demo data, not the real ledger), or nothing.

    Written here rather than by a template: the list pages show it on every row.
    """
    if not record.illustrative:
        return ""
    return format_html(
        '<span class="badge text-bg-warning" title="{}">{}</span>',
        _("演示用的示例记录，并非真实台账。"),
        _("示例"),
    )
