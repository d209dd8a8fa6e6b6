"""Each column's cells, worked out once per column where they can be.

django-tables2 looks up a cell's accessor, choices, conversion and arguments anew for
every cell, and its template renders each one: about a third of a list page's time. A
column whose cells depend only on the record and its value is turned here, once, into a
function from a row to its cell, on the page (``page_cell``) and in an export
(``export_cell``). Any other column (a ``TemplateColumn``, a ``render_FOO`` that takes the
bound row, ``td`` attributes worked out per record, ``localize``…) is rendered by
django-tables2's own ``BoundRow``, cell by cell, exactly as its template would. Tests hold
both to django-tables2's plain rendering, for every stock column.
"""

from collections.abc import Callable, Sequence
from functools import cache, partial
from typing import Any

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.template import Context, Template
from django.template.base import render_value_in_context
from django.utils.encoding import force_str
from django.utils.html import format_html
from django_tables2.columns import BoundColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import signature

from projects.lists.columns import LabelColumn

# A function from a row to the HTML of one of its cells, or from a record to an export cell.
PageCell = Callable[[BoundRow], str]
ExportCell = Callable[[Model], object]


class NotCompiled(Exception):
    """The column's cells need django-tables2's per-cell machinery."""


def stored_path(bits: Sequence[str], model: type[Model]) -> bool:
    """Whether each step of an accessor is a stored field or foreign key of the model reached
    so far: no property, annotation or reverse relation."""
    for bit in bits:
        try:
            field = model._meta.get_field(bit)
        except FieldDoesNotExist:
            return False
        if not field.concrete or field.many_to_many:
            return False
        model = field.related_model or model
    return True


def follow(bits: Sequence[str]) -> Callable[[Model], object]:
    """A function from a record to the attribute its path leads to, None past an empty
    relation."""

    def read(record: Model) -> object:
        value = record
        for bit in bits:
            if value is None:
                break
            value = getattr(value, bit)
        return value

    return read


def read_value(column: BoundColumn, model: type[Model]) -> Callable[[Model], object]:
    """A function from a record to the column's value: what its accessor leads to, or the
    label of a choice field, as django-tables2 reads a cell (``get_FOO_display()``).

    A path of stored fields is followed attribute by attribute, and a choice's labels are
    translated once, in the language of the request; anything else (a property, an
    annotation, a reverse relation) is left to django-tables2's accessor.
    """
    accessor = column.accessor
    if not stored_path(accessor.bits, model):
        return partial(accessor.resolve, quiet=True)
    field = accessor.get_field(model)
    if not field.choices:
        return follow(accessor.bits)
    owner = follow(accessor.bits[:-1])
    labels = {value: force_str(label) for value, label in field.flatchoices}

    def read(record: Model) -> object:
        value = getattr(owner(record), field.attname, None)
        return labels.get(value, value)

    return read


def bind(function: Callable) -> Callable[[Model, object], object]:
    """``function`` as a function of a record and its value, passed the arguments it names,
    as django-tables2 calls a column's ``render()`` or ``value()`` for each cell; its
    arguments are read once. A function that takes anything else is not compiled."""
    arguments, catch_all = signature(function)
    if catch_all or not set(arguments) <= {"record", "value"}:
        raise NotCompiled
    if arguments == ("value",):
        return lambda _record, value: function(value)

    def call(record: Model, value: object) -> object:
        given = {"record": record, "value": value}
        return function(**{name: given[name] for name in arguments})

    return call


def is_plain(function: Callable, method: Callable) -> bool:
    """Whether a column's ``function`` is django-tables2's ``method``, not overridden."""
    return getattr(function, "__func__", None) is method


def label_of(column: BoundColumn) -> Callable[[Model, object], str]:
    """A function from a record and its value to a ``LabelColumn``'s label, the labels
    translated once, in the language of the request, rather than once per cell."""
    labels = {value: str(label) for value, label in column.column.labels.items()}
    return lambda _record, value: labels[value]


def convert_value(column: BoundColumn) -> Callable[[Model, object], object] | None:
    """A function from a record and its value to the exported value, given by (first found)
    the table's ``value_<name>()`` or ``render_<name>()``, or the column's ``value()``;
    None when the value is exported as it is."""
    convert = column.value
    if is_plain(convert, tables.Column.value):
        convert = column.column.render  # Column.value() is render() without a link
    if is_plain(convert, tables.Column.render):
        return None
    if is_plain(convert, LabelColumn.value):
        return label_of(column)
    return bind(convert)


def empty_test(column: BoundColumn) -> Callable[[Any], bool]:
    """Whether a value leaves the column's cell empty, as django-tables2 decides: one of
    the column's empty values, or a relation to no rows (a related manager)."""
    empty_values = column.column.empty_values
    if isinstance(column.column, tables.ManyToManyColumn):
        return lambda value: value in empty_values or not value.exists()
    return lambda value: value in empty_values


def compiled_export_cell(column: BoundColumn, model: type[Model]) -> ExportCell:
    """A function from a record to the column's exported cell: empty for a missing value
    (or no related rows), otherwise the converted value, as text unless it is a number,
    date or boolean."""
    convert = convert_value(column)
    read, empty = read_value(column, model), empty_test(column)

    def cell(record: Model) -> object:
        value = read(record)
        if empty(value):
            return None
        if convert is not None:
            value = convert(record, value)
        return force_str(value, strings_only=True)

    return cell


def export_cell(column: BoundColumn, table: tables.Table) -> ExportCell:
    """A function from a record to the column's exported cell, as django-tables2's
    ``as_values()`` gives it."""
    try:
        return compiled_export_cell(column, table.data.model)
    except NotCompiled:

        def cell(record: Model) -> object:
            value = BoundRow(record, table=table).get_cell_value(column.name)
            return force_str(value, strings_only=True)

        return cell


# A function from a cell's row, value and content to the content linked.
Link = Callable[[BoundRow, object, object], object]


def link_of(column: BoundColumn, table: tables.Table) -> Link | None:
    """A function that links a cell's content, given its row and value, as the column
    links it, if it does. django-tables2's ``linkify=True`` (to the page of the value if
    it has one, else of the record) is written here directly; any other link is left to
    its link transform, given the arguments it gives one."""
    link = column.link
    if not link:
        return None
    if link.url is None and not link.reverse_args and not link.attrs:

        def to_page(row: BoundRow, value: object, content: object) -> object:
            target = value if hasattr(value, "get_absolute_url") else row.record
            url = target.get_absolute_url()
            return content if url is None else format_html('<a href="{}">{}</a>', url, content)

        return to_page

    def transform(row: BoundRow, value: object, content: object) -> object:
        arguments = {"column": column.column, "bound_column": column, "bound_row": row}
        return link(content, record=row.record, value=value, table=table, **arguments)

    return transform


def compiled_page_cell(column: BoundColumn, table: tables.Table) -> PageCell:
    """A function from a row to the HTML of the column's ``<td>``: the column's default for
    a missing value, otherwise the rendered value (the table's ``render_<name>()`` or the
    column's ``render()``), linked when the column links, localized and escaped as a
    template variable is. Its attributes are worked out once, so none may be a function of
    the record, and the column may not set its own localization."""
    attrs = {**table.attrs, **column.column.attrs}
    td_attrs = attrs.get("td", attrs.get("cell", {}))
    if column.localize is not None or any(callable(value) for value in td_attrs.values()):
        raise NotCompiled
    render: Callable[[Model, object], object] | None
    if is_plain(column.render, tables.Column.render):
        render = None
    elif is_plain(column.render, LabelColumn.render):
        render = label_of(column)
    else:
        render = bind(column.render)
    read, empty = read_value(column, table.data.model), empty_test(column)
    link, default = link_of(column, table), column.default
    context = Context()  # the escaping and localization of a template's {{ cell }}
    opening = f"<td {column.attrs['td'].as_html()}>"  # as_html() escapes

    def cell(row: BoundRow) -> str:
        value = read(row.record)
        if empty(value):
            content = default
        else:
            content = value if render is None else render(row.record, value)
            if link:
                content = link(row, value, content)
        return f"{opening}{render_value_in_context(content, context)}</td>"

    return cell


@cache
def localized(localize: bool) -> Template:
    """The template of a cell of a column that sets its localization, as django-tables2's
    table template writes it."""
    return Template("{% load l10n %}{{ cell|" + ("localize" if localize else "unlocalize") + " }}")


def rendered_page_cell(column: BoundColumn) -> PageCell:
    """A function from a row to the HTML of the column's ``<td>``, rendered cell by cell by
    django-tables2 (``BoundRow.get_cell``) and written as its table template writes it."""
    context = Context()

    def cell(row: BoundRow) -> str:
        content = row.get_cell(column.name)
        # As BoundRow.items() does, for attributes that are functions of the record.
        column.current_value, column.current_record = content, row.record
        if column.localize is None:
            text = render_value_in_context(content, context)
        else:
            text = localized(column.localize).render(Context({"cell": content}))
        return f"<td {column.attrs['td'].as_html()}>{text}</td>"

    return cell


def page_cell(column: BoundColumn, table: tables.Table) -> PageCell:
    """A function from a row to the HTML of the column's ``<td>`` on the page, as
    django-tables2's template writes it."""
    try:
        return compiled_page_cell(column, table)
    except NotCompiled:
        return rendered_page_cell(column)
