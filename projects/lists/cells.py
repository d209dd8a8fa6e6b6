"""The columns of the ledger's tables, and each column's cells worked out once.

django-tables2 looks up a cell's accessor, choices, conversion and arguments anew for
every cell, and its template renders each cell: about a third of a list page's time.
Here each column is turned once into a function from a record to its cell, on the page
(``page_cell``) and in an export (``export_cell``); tests check both against
django-tables2's own cells.
"""

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import partial

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Model
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2.columns import BoundColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import signature

from projects.templatetags.ledger import badge

NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}
NOWRAP = {"td": {"class": "text-nowrap"}}


class NameColumn(tables.Column):
    """The record's name, linked to its page and marked when the record is illustrative."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("linkify", True)
        super().__init__(*args, **kwargs)

    def render(self, record, value) -> str:
        return format_html("{} {}", value, badge(record))

    def value(self, value) -> str:
        return value


class UnitColumn(tables.Column):
    """A stored quantity shown and exported in display units (万元 → 亿元, m² → 亩).

    The page shows it rounded; the export keeps every digit when ``export`` says how,
    so that an exported sheet imports back unchanged.
    """

    def __init__(
        self,
        *args,
        convert: Callable[[Decimal], Decimal],
        export: Callable[[Decimal], Decimal] | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)
        self.convert = convert
        self.export = export or convert

    def render(self, value: Decimal) -> Decimal:
        return self.convert(value)

    def value(self, value: Decimal) -> Decimal:
        return self.export(value)


class LabelColumn(tables.Column):
    """A value from a short fixed list, shown and exported as its label.

    An export translates the labels once rather than once per row (see ``convert_value``).
    """

    def __init__(self, *args, labels: Mapping[object, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.labels = labels

    def render(self, value) -> str:
        return self.labels[value]

    def value(self, value) -> str:
        return str(self.labels[value])


class YesNoColumn(LabelColumn):
    """A flag shown and exported as 是 / 否."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, labels={True: _("是"), False: _("否")}, **kwargs)


class IsoDateColumn(tables.Column):
    """A date in ISO form (2025-03-05), whatever the language; exported as a date.

    A plain column: django-tables2's DateColumn renders a template for every cell, which
    made exporting 10,000 rows take many seconds.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("attrs", NOWRAP)
        super().__init__(*args, **kwargs)

    def render(self, value) -> str:
        return value.isoformat()

    def value(self, value):
        return value


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


def bind(function: Callable, column: BoundColumn) -> Callable[[Model, object], object]:
    """``function`` as a function of a record and its value, passed the arguments it names,
    as django-tables2 calls a column's ``render()`` or ``value()`` for each cell; its
    arguments are read once. The ledger's cell functions take only record and value."""
    arguments, catch_all = signature(function)
    if catch_all or not set(arguments) <= {"record", "value"}:
        raise ImproperlyConfigured(
            f"The cells of column {column.name!r} may be worked out from record and value only."
        )
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
    return bind(convert, column)


def empty_test(column: BoundColumn) -> Callable[[object], bool]:
    """Whether a value leaves the column's cell empty, as django-tables2 decides: one of
    the column's empty values, or a relation to no rows."""
    empty_values = column.column.empty_values
    if isinstance(column.column, tables.ManyToManyColumn):
        return lambda value: value in empty_values or not value.exists()
    return lambda value: value in empty_values


def export_cell(column: BoundColumn, model: type[Model]) -> Callable[[Model], object]:
    """A function from a record to the column's exported cell: empty for a missing value
    (or no related rows), otherwise the converted value, as text unless it is a number,
    date or boolean."""
    read, empty, convert = read_value(column, model), empty_test(column), convert_value(column)

    def cell(record: Model) -> object:
        value = read(record)
        if empty(value):
            return None
        if convert is not None:
            value = convert(record, value)
        return force_str(value, strings_only=True)

    return cell


# A function from a cell's row, value and content to the content linked.
Link = Callable[[BoundRow, object, str], str]


def link_of(column: BoundColumn, table: tables.Table) -> Link | None:
    """A function that links a cell's content, given its row and value, as the column
    links it, if it does. django-tables2's ``linkify=True`` (to the page of the value if
    it has one, else of the record) is written here directly; any other link is left to
    its link transform, given the arguments it gives one."""
    link = column.link
    if not link:
        return None
    if link.url is None and not link.reverse_args and not link.attrs:

        def to_page(row: BoundRow, value: object, content: str) -> str:
            target = value if hasattr(value, "get_absolute_url") else row.record
            url = target.get_absolute_url()
            return content if url is None else format_html('<a href="{}">{}</a>', url, content)

        return to_page

    def transform(row: BoundRow, value: object, content: str) -> str:
        arguments = {"column": column.column, "bound_column": column, "bound_row": row}
        return link(content, record=row.record, value=value, table=table, **arguments)

    return transform


def page_cell(column: BoundColumn, table: tables.Table) -> Callable[[BoundRow], str]:
    """A function from a row to the HTML of the column's ``<td>`` on the page, as
    django-tables2's template writes it: the column's default for a missing value,
    otherwise the rendered value (the table's ``render_<name>()`` or the column's
    ``render()``), linked when the column links, localized and escaped as a template
    variable is.

    The cell's attributes are worked out once, so they may not depend on the record (nor
    those of the table), and the column may not set its own localization.
    """
    attrs = {**table.attrs, **column.column.attrs}
    td_attrs = attrs.get("td", attrs.get("cell", {}))
    if column.localize is not None or any(callable(value) for value in td_attrs.values()):
        raise ImproperlyConfigured(
            f"The cells of column {column.name!r} are alike on every row: no attribute "
            "worked out per record, and no localization of its own."
        )
    read, empty = read_value(column, table.data.model), empty_test(column)
    if is_plain(column.render, tables.Column.render):
        render = None
    elif is_plain(column.render, LabelColumn.render):
        render = label_of(column)
    else:
        render = bind(column.render, column)
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
