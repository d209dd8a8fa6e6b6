"""Columns for lists of stored quantities, labels, flags and dates.

Each is a django-tables2 column with ``render()`` and ``value()`` of the record and value
only, which the engine compiles into one function per column (``projects.lists.cells``).
A number or a date sorts descending on its header's first click (django-tables2's
``initial_sort_descending``), the largest or latest first, as people look for them; the
second click sorts it ascending.
"""

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}
NOWRAP = {"td": {"class": "text-nowrap"}}
# A short label (投资规模, 阶段): English wraps between its words, Chinese stays whole.
LABEL = {"td": {"class": "label-cell"}}


class NumberColumn(tables.Column):
    """A number (an amount, an area, a count), aligned right, largest first on the first
    click of its header."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", NUMBER)
        kwargs.setdefault("initial_sort_descending", True)
        super().__init__(*args, **kwargs)


class UnitColumn(NumberColumn):
    """A stored quantity shown and exported in display units (万元 → 亿元, m² → 亩).

    The page shows it rounded; the export keeps every digit when ``export`` says how,
    so that an exported sheet imports back unchanged.
    """

    def __init__(
        self,
        *args: Any,
        convert: Callable[[Decimal], Decimal],
        export: Callable[[Decimal], Decimal] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.convert = convert
        self.export = export or convert

    def render(self, value: Decimal) -> Decimal:
        return self.convert(value)

    def value(self, value: Decimal) -> Decimal:
        return self.export(value)


class LabelColumn(tables.Column):
    """A value from a short fixed list, shown and exported as its label.

    The engine translates the labels once a page rather than once a cell.
    """

    def __init__(self, *args: Any, labels: Mapping[object, StrOrPromise], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labels = labels

    def render(self, value: object) -> StrOrPromise:
        return self.labels[value]

    def value(self, value: object) -> str:
        return str(self.labels[value])


class YesNoColumn(LabelColumn):
    """A flag shown and exported as 是 / 否."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, labels={True: _("是"), False: _("否")}, **kwargs)


class RecordNumberColumn(tables.Column):
    """A record's 记录编号: not shown, but exported, so that an exported sheet can be edited
    and imported back into the records it came from."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("visible", False)
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)

    def value(self, value: object) -> str:
        return str(value)


class IsoDateColumn(tables.Column):
    """A date in ISO form (2025-03-05), whatever the language; exported as a date; latest
    first on the first click of its header.

    A plain column: django-tables2's DateColumn renders a template for every cell, which
    made exporting 10,000 rows take many seconds.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", NOWRAP)
        kwargs.setdefault("initial_sort_descending", True)
        super().__init__(*args, **kwargs)

    def render(self, value: date) -> str:
        return value.isoformat()

    def value(self, value: date) -> date:
        return value
