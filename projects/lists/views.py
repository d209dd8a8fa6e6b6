"""How every list page works: filter, sort, paginate, summarise and export.

Each list view subclasses ``ObjectListView`` and names its queryset, filter set and
table; everything else is shared here.
"""

from collections.abc import Collection, Iterator
from decimal import Decimal

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import EmptyPage, Paginator
from django.db.models import (
    Aggregate,
    Count,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import NullIf
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.data import TableQuerysetData
from django_tables2.export import ExportMixin

from projects.spreadsheets import Sheet, stream
from projects.tables import EMPTY, LedgerTable
from projects.units import TWO_PLACES

PAGE_SIZES = (25, 50, 100)
EXPORT_ROW_LIMIT = 50_000
# How far the pages of a list reach. Each page is found by skipping the rows before it,
# which costs more the deeper it is; nobody pages through more than this to find a row
# when a filter or a sort finds it at once.
BROWSABLE_ROWS = 100_000


class LedgerPaginator(Paginator):
    """A paginator that accepts only the offered page sizes and never fails on a page number.

    A page size other than 25, 50 or 100 falls back to 25; a page number below 1 or past
    the end shows the first or last page, so a hand-edited URL never gives an error page.
    The pages stop at ``BROWSABLE_ROWS``; the list says so. A ``count`` already known
    (from the list's summary) saves counting the rows again.
    """

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs) -> None:
        if per_page not in PAGE_SIZES:
            per_page = PAGE_SIZES[0]
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # Paginator.count is a cached property: this value is kept

    @cached_property
    def num_pages(self) -> int:
        return min(Paginator.num_pages.func(self), -(-BROWSABLE_ROWS // self.per_page))

    def validate_number(self, number: int) -> int:
        try:
            return super().validate_number(number)
        except EmptyPage:
            return self.num_pages if number > 1 else 1


def per_row(related: QuerySet, foreign_key: str, aggregate: Aggregate) -> Subquery:
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
        value = sort_value(queryset, key.removeprefix("-")) if isinstance(key, str) else None
        if value is not None:
            descending = key.startswith("-")
            key = value.desc(nulls_last=True) if descending else value.asc(nulls_last=True)
            changed = True
        keys.append(key)
    return queryset.order_by(*keys) if changed else queryset


class LedgerData(TableQuerysetData):
    """A table's rows, sorted with empty values last (``empties_last``), each page of which
    is read by key first (``rows_by_key``)."""

    def order_by(self, aliases) -> None:
        super().order_by(aliases)
        self.data = empties_last(self.data)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return rows_by_key(self.data, key)
        return super().__getitem__(key)


class LedgerExport:
    """The table's filtered, sorted rows as a CSV or XLSX file that opens safely in Excel.

    Takes the place of django-tables2's ``TableExport``, which builds every cell in memory
    through its per-cell rendering: 10,000 projects took seconds and their whole size in
    memory. Here the rows are read in chunks while the file is written, each cell by a
    function worked out once per column (``LedgerTable.export_columns``).
    """

    FORMATS = ("csv", "xlsx")
    CHUNK_SIZE = 2000

    def __init__(self, table: LedgerTable, exclude_columns: Collection[str] = ()) -> None:
        self.table = table
        self.columns = table.export_columns(exclude_columns)
        # The rows are written after the view has returned: in the request's language.
        self.language = translation.get_language()

    @classmethod
    def is_valid_format(cls, export_format: str | None) -> bool:
        return export_format in cls.FORMATS

    def rows(self) -> Iterator[list]:
        """The table's rows in its order (the one chosen on the page), read in chunks."""
        cells = [cell for _header, cell in self.columns]
        with translation.override(self.language):
            for record in self.table.data.data.iterator(chunk_size=self.CHUNK_SIZE):
                values = (cell(record) for cell in cells)
                yield ["" if value == EMPTY else value for value in values]

    def response(self, export_format: str, filename: str) -> StreamingHttpResponse:
        title = self.table.data.model._meta.verbose_name_plural.title()
        sheet = Sheet(title, [header for header, _cell in self.columns], self.rows())
        return stream(export_format, [sheet], filename)


class ObjectListView(PermissionRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """A filterable, sortable, paginated and exportable list of one model.

    Subclasses set ``queryset``, ``filterset_class`` and ``table_class``, and may set
    ``total`` to (field, label) or (field, label, conversion to display units) for the
    summary line. Seeing the list needs the model's view permission.
    """

    template_name = "projects/object_list.html"
    paginator_class = LedgerPaginator
    table_pagination = {"per_page": PAGE_SIZES[0]}
    export_class = LedgerExport
    export_formats = LedgerExport.FORMATS
    total = None

    def get_permission_required(self) -> tuple[str]:
        opts = self.table_class._meta.model._meta
        return (f"{opts.app_label}.view_{opts.model_name}",)

    def get_table_kwargs(self) -> dict:
        kwargs = super().get_table_kwargs()
        kwargs["exclude"] = (*kwargs.get("exclude", ()), *self.unviewable_columns())
        return kwargs

    def unviewable_columns(self) -> list[str]:
        """The columns that show records of a model the user may not view.

        They are left out of the page and the export alike, as a record's page leaves out
        the records a user may not view. A column reached through several relations
        (``project__company``) needs the view permission of each.
        """
        user = self.request.user
        hidden = []
        for name, column in self.table_class.base_columns.items():
            opts = self.table_class._meta.model._meta
            for relation in str(column.accessor or name).replace(".", LOOKUP_SEP).split(LOOKUP_SEP):
                try:
                    related = opts.get_field(relation).related_model
                except FieldDoesNotExist:
                    break
                if related is None:
                    break
                opts = related._meta
                if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
                    hidden.append(name)
                    break
        return hidden

    def get_export_filename(self, export_format: str) -> str:
        model = self.table_class._meta.model._meta.model_name
        return f"{model}-{timezone.localdate().isoformat()}.{export_format}"

    def create_export(self, export_format: str) -> StreamingHttpResponse:
        export = self.export_class(self.get_table(**self.get_table_kwargs()), self.exclude_columns)
        return export.response(export_format, self.get_export_filename(export_format))

    def filter_is_invalid(self) -> bool:
        return self.filterset.is_bound and not self.filterset.is_valid()

    @cached_property
    def aggregates(self) -> dict:
        """Count and total of the whole filtered set, not just the page shown, read in one
        query that both the summary line and the paginator use."""
        wanted = {"count": Count("*")}  # not Count("pk"): an index without the key serves it
        if self.total is not None:
            wanted["total"] = Sum(self.total[0])
        return self.object_list.aggregate(**wanted)

    def get_table_data(self) -> LedgerData:
        return LedgerData(super().get_table_data())

    def get_table_pagination(self, table) -> dict | bool:
        pagination = super().get_table_pagination(table)
        if pagination is not False:
            pagination["count"] = self.aggregates["count"]
        return pagination

    def get_summary(self) -> dict:
        summary = {"count": self.aggregates["count"]}
        if self.total is not None:
            _field, label, *conversion = self.total
            amount = Decimal(self.aggregates["total"] or 0)
            for convert in conversion:
                amount = convert(amount)
            summary.update(total=amount.quantize(TWO_PLACES), total_label=label)
        return summary

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        table = context["table"]
        filtering = [name for name in self.filterset.filters if self.request.GET.get(name)]
        context.update(
            title=self.table_class._meta.model._meta.verbose_name_plural,
            summary=self.get_summary(),
            filter_invalid=self.filter_is_invalid(),
            filter_active=bool(filtering),
            page_sizes=PAGE_SIZES,
            browsable_rows=BROWSABLE_ROWS,
            per_page=table.paginator.per_page,
            export_formats=self.export_formats,
        )
        return context

    def render_to_response(self, context, **kwargs):
        export_format = self.request.GET.get(self.export_trigger_param)
        if self.export_class.is_valid_format(export_format):
            if self.filter_is_invalid():
                context["export_error"] = _("筛选条件有误，无法导出。请先更正下面标出的条件。")
                return super(ExportMixin, self).render_to_response(context, **kwargs)
            if context["summary"]["count"] > EXPORT_ROW_LIMIT:
                context["export_error"] = _(
                    "符合条件的记录有%(count)d条，超过一次导出的上限%(limit)d条。请缩小筛选范围后再导出。"
                ) % {"count": context["summary"]["count"], "limit": EXPORT_ROW_LIMIT}
                return super(ExportMixin, self).render_to_response(context, **kwargs)
        return super().render_to_response(context, **kwargs)
