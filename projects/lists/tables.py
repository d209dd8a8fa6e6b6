"""The base of a list's django-tables2 table: its rows written cell function by cell
function, its head and pager by django-tables2's own template."""

from collections.abc import Callable, Collection
from typing import Any

import django_tables2 as tables
from django.db.models import Model
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableData, TableQuerysetData

from projects.lists.cells import export_cell, page_cell
from projects.lists.data import ListData

# What an empty cell shows on the page; exports leave the cell empty instead.
EMPTY = "—"


class ListTable(tables.Table):
    """A django-tables2 table whose body is written by functions worked out once per
    column (``projects.lists.cells``), which fall back to django-tables2's own cell by
    cell rendering for any column they cannot write; its template is django-tables2's
    bootstrap 5 template with only the body replaced.

    Each cell carries its column's header as ``data-label``: on a narrow screen the
    stylesheet shows every row as a card of labelled values, whatever the table.
    """

    class Meta:
        template_name = "lists/table.html"
        # The head's label names its headers when a narrow screen shows them as sort links.
        attrs = {
            "class": "table table-sm table-hover align-middle list-table",
            "thead": {"data-label": _("排序：")},
        }
        default = EMPTY
        empty_text = _("没有符合条件的记录。")

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if TableQuerysetData.validate(data) and not isinstance(data, TableData):
            data = ListData(data)  # sorted and paged by key
        super().__init__(data, *args, **kwargs)
        for bound in self.columns.iterall():
            # The columns are this table's own copies: labelling them leaves the class alone.
            # A column's "td" attributes, else its "cell" ones, else the table's, as
            # django-tables2 picks them.
            attrs = {**self.attrs, **bound.column.attrs}
            td = attrs.get("td", attrs.get("cell", {}))
            bound.column.attrs = {**bound.column.attrs, "td": {**td, "data-label": bound.header}}

    def body(self) -> SafeString:
        """The rows of the page shown, as django-tables2's template writes them."""
        cells = [page_cell(column, self) for column in self.columns]
        rows = [
            format_html(
                "<tr {}>{}</tr>",
                row.attrs.as_html(),
                mark_safe("".join(cell(row) for cell in cells)),  # cells are escaped
            )
            for row in self.paginated_rows
        ]
        if not rows and self.empty_text:
            empty = format_html('<tr><td colspan="{}">{}</td></tr>', len(cells), self.empty_text)
            rows.append(empty)
        return mark_safe("".join(rows))

    def export_columns(
        self, exclude: Collection[str] = ()
    ) -> list[tuple[str, Callable[[Model], object]]]:
        """Each exported column's header, with a function from a record to its cell, the
        cells being those of django-tables2's ``as_values()``."""
        return [
            (force_str(column.header), export_cell(column, self))
            for column in self.columns.iterall()
            if not (column.column.exclude_from_export or column.name in exclude)
        ]
