"""A list's rows: paged by key, sorted with empty values last and the key as last sort key."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import EmptyPage, Paginator
from django.db.models import (
    Aggregate,
    F,
    Manager,
    OrderBy,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import NullIf
from django.utils.functional import cached_property
from django_tables2.data import TableQuerysetData
from django_tables2.utils import OrderByTuple, segment

PAGE_SIZES = (25, 50, 100)
PRIMARY_KEYS = {"pk", "-pk"}


class ListPaginator(Paginator):
    """A paginator that accepts only the offered page sizes and never fails on a page number.

    A page size other than 25, 50 or 100 falls back to 25; a page number below 1 or past
    the end shows the first or last page, so a hand-edited URL never gives an error page.
    The pages stop at ``browsable_rows``; the list says so. A ``count`` already known
    (from the list's summary) saves counting the rows again.
    """

    # How far the pages of a list reach. Each page is found by skipping the rows before
    # it, which costs more the deeper it is; nobody pages through more than this to find a
    # row when a filter or a sort finds it at once.
    browsable_rows = 100_000

    def __init__(
        self,
        object_list: Any,
        per_page: int | str,
        *args: Any,
        count: int | None = None,
        **kwargs: Any,
    ) -> None:
        if per_page not in PAGE_SIZES:
            per_page = PAGE_SIZES[0]
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # Paginator.count is a cached property: this value is kept

    @cached_property
    def num_pages(self) -> int:
        # Paginator's own count of pages; mypy takes a cached_property for its function.
        pages = Paginator.num_pages.func(self)  # type: ignore[attr-defined]
        return min(pages, -(-self.browsable_rows // self.per_page))

    def validate_number(self, number: int | float | str) -> int:
        try:
            return super().validate_number(number)
        except EmptyPage:  # raised only for a whole number, out of range
            return self.num_pages if int(number) > 1 else 1


def per_row(related: QuerySet | Manager, foreign_key: str, aggregate: Aggregate) -> Subquery:
    """An aggregate of each listed row's ``related`` rows (those whose ``foreign_key``
    points to it), read by a subquery for each row it is read for: the rows shown, or every
    filtered row when the list is sorted by it.

    Joining the related rows to the list instead reads all of them for every page, and two
    such joins multiply each other: a park with 5,000 parcels and 5,000 projects made
    25 million joined rows.
    """
    rows = related.filter(**{foreign_key: OuterRef("pk")}).order_by().values(foreign_key)
    return Subquery(rows.annotate(value=aggregate).values("value"))


def rows_by_key(queryset: QuerySet, rows: slice) -> QuerySet:
    """A slice of a sorted queryset, read as "the rows whose keys are those of the slice".

    The keys are found in the filtered, sorted set without the joined tables (company,
    sector, park…), which are then joined for the rows returned only, not for every row
    skipped or sorted on the way: a deep page, or the first rows of a large set, cost
    about what reading their keys costs, which an index often answers alone. The rows are
    read by key alone, without the filters again.
    """
    keys = queryset.values("pk")[rows]
    page = queryset.all()
    page.query.clear_where()  # the keys are filtered already: filtering again costs twice
    return page.filter(pk__in=Subquery(keys))


def sort_value(queryset: QuerySet, name: str) -> F | NullIf | None:
    """What the queryset's sort key ``name`` sorts by, with its empty values as NULL, if it
    may have any: a computed value, blank text, or a field that may be NULL or is reached
    through a relation that may be missing. None for a key that is never empty, and for one
    that is not a path of fields (a relation itself sorts by its model's own order)."""
    if name in queryset.query.annotations:
        return F(name)
    model, may_be_missing = queryset.model, False
    try:
        for bit in name.split(LOOKUP_SEP):
            field = model._meta.pk if bit == "pk" else model._meta.get_field(bit)
            if field.null or field.many_to_many:  # many_to_many is None off relations
                may_be_missing = True
            model = field.related_model or model
    except FieldDoesNotExist:
        return None
    if field.is_relation:
        return None
    if field.empty_strings_allowed and field.blank:
        return NullIf(F(name), Value(""))
    return F(name) if may_be_missing else None


def empties_last(queryset: QuerySet) -> QuerySet:
    """The queryset in its order, with the rows whose sort value is empty (NULL or blank
    text) after all others going up or down, as a spreadsheet sorts them, on every
    database: PostgreSQL would put NULL first going down, SQLite first going up, and both
    put blank text first going up. Keys that cannot be empty are left as they are, so that
    an index in their order still serves them."""
    keys, changed = [], False
    for key in queryset.query.order_by:
        if (
            isinstance(key, str)
            and (value := sort_value(queryset, key.removeprefix("-"))) is not None
        ):
            descending = key.startswith("-")
            key = value.desc(nulls_last=True) if descending else value.asc(nulls_last=True)
            changed = True
        keys.append(key)
    return queryset.order_by(*keys) if changed else queryset


def with_key_last(queryset: QuerySet) -> QuerySet:
    """The queryset in its order with the primary key as its last sort key, in the
    direction of its first key, so that pages neither skip nor repeat rows among equal
    values, and an index in (value, key) order still serves the sort."""
    keys = list(queryset.query.order_by)
    if not keys or any(key in PRIMARY_KEYS or key == queryset.model._meta.pk.name for key in keys):
        return queryset
    first = keys[0]
    descending = first.descending if isinstance(first, OrderBy) else str(first).startswith("-")
    return queryset.order_by(*keys, "-pk" if descending else "pk")


class ListData(TableQuerysetData):
    """A table's rows, sorted with empty values last (``empties_last``) and the key last
    (``with_key_last``), each page of which is read by key first (``rows_by_key``)."""

    data: QuerySet

    @property
    def ordering(self) -> OrderByTuple | None:
        """The columns the queryset's own order sorts by, which the table then shows as
        sorted (so that the first click on the header of the column a list is sorted by
        reverses it), read as django-tables2 reads them but without the primary key that
        ends the order, and with a field sorted with its empty values last taken for the
        field."""
        keys = []
        for key in self.data.query.order_by:
            if isinstance(key, OrderBy) and isinstance(key.expression, F):
                # An attribute of every F, which django-stubs leaves out.
                field = key.expression.name  # type: ignore[attr-defined]
                key = f"-{field}" if key.descending else field
            keys.append(key)
        while keys and keys[-1] in PRIMARY_KEYS:
            keys.pop()
        aliases = {column.order_by_alias: column.order_by for column in self.table.columns}
        return next(segment(keys, aliases), None)

    def order_by(self, aliases: Any) -> None:
        super().order_by(aliases)
        self.data = empties_last(with_key_last(self.data))

    def __getitem__(self, key: int | slice) -> Any:
        if isinstance(key, slice):
            return rows_by_key(self.data, key)
        return super().__getitem__(key)
