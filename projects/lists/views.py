"""The list view: filter, sort, paginate, summarise and export one model's records.

Each list view subclasses ``ObjectListView`` and names its queryset, filter set and
table; everything else is shared here.
"""

from collections.abc import Callable, Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import django_tables2 as tables
from django import forms
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Aggregate, Count, Model, QuerySet, Sum
from django.db.models.constants import LOOKUP_SEP
from django.db.models.options import Options
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_filters.views import FilterView
from django_stubs_ext import StrOrPromise
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from projects.lists.data import PAGE_SIZES, ListPaginator
from projects.lists.export import INVALID_FILTER, ListExport
from projects.lists.tables import ListTable

TWO_PLACES = Decimal("0.01")

# A summary line's total: the field summed and its label, and optionally the conversion
# of the sum to display units.
Total = tuple[str, StrOrPromise] | tuple[str, StrOrPromise, Callable[[Decimal], Decimal]]


def unviewable_columns(
    table_class: type[ListTable], model: type[Model], user: User | AnonymousUser
) -> list[str]:
    """The columns of a table of ``model`` that show records of a model the user may not
    view: left out of the page and the export alike. A column reached through several
    relations (``project__company``) needs the view permission of each."""
    hidden = []
    for name, column in table_class.base_columns.items():
        opts = model._meta
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


class FilterChip(NamedTuple):
    """One value of a filter in use, shown above the list with a link that drops it."""

    label: str  # the filter's label
    value: str  # the choice's label, or the value as typed
    url: str  # the same list without this value
    invalid: bool  # whether the filter's value is in error


def choice_labels(choices: Iterable) -> dict[str, str]:
    """The label of each value of a choice field's choices, groups (optgroups) included."""
    labels = {}
    for value, label in choices:
        if isinstance(label, list | tuple):
            labels.update(choice_labels(label))
        else:
            labels[str(value)] = str(label)
    return labels


def field_labels(form: forms.Form, field: forms.BoundField) -> dict[str, str]:
    """The labels of a filter's values: its choices' labels, or for a filter of records
    (a ``ModelChoiceField``, whose choices may be a whole table and are never read
    here) the name of the record chosen, as the form's validation read it."""
    if isinstance(field.field, forms.ModelChoiceField):
        record = getattr(form, "cleaned_data", {}).get(field.name)
        return {} if record is None else {str(field.value()): str(record)}
    return choice_labels(getattr(field.field, "choices", ()))


def filter_chips(form: forms.Form, query: QueryDict, path: str) -> list[FilterChip]:
    """A chip for each value of each filter in the query, in the order of the form, each
    linking to the list without that one value (back to its first page)."""
    chips = []
    for field in form:
        values = [value for value in dict.fromkeys(query.getlist(field.html_name)) if value]
        if not values:
            continue  # a filter not in use: its choices (maybe read lazily) stay unread
        labels = field_labels(form, field)
        for value in values:
            rest = query.copy()
            rest.setlist(field.html_name, [other for other in values if other != value])
            rest.pop("page", None)
            encoded = rest.urlencode()
            url = f"{path}?{encoded}" if encoded else path
            label = str(field.label)
            chips.append(FilterChip(label, labels.get(value, value), url, bool(field.errors)))
    return chips


def related_table(
    request: HttpRequest,
    table_class: type[ListTable],
    rows: QuerySet,
    prefix: str,
    exclude: Collection[str] = (),
    count: int | None = None,
) -> ListTable:
    """A list table of a record's related rows, for the record's page, as NetBox's
    object-children views show them: sorted and paged on its own (its parameters carry
    ``prefix``), without the columns given, nor those the user may not view. A ``count``
    of the rows already known saves counting them again."""
    hidden = unviewable_columns(table_class, rows.model, request.user)
    table = table_class(rows, prefix=f"{prefix}-", exclude=(*exclude, *hidden))
    paginate = {"paginator_class": ListPaginator, "count": count}
    tables.RequestConfig(request, paginate=paginate).configure(table)
    return table


class ObjectListView(PermissionRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """A filterable, sortable, paginated and exportable list of one model.

    Subclasses set ``queryset``, ``filterset_class`` and ``table_class``, and may set
    ``total`` to (field, label) or (field, label, conversion to display units) for the
    summary line, ``add_label`` for a link to the form adding a record, shown to users who
    may add one (the admin's, for staff, unless ``add_url_name`` names the app's), and
    ``see_also`` for links to the lists of other models, each shown to users who may view
    that model. Seeing the list needs the model's view permission.
    """

    template_name = "lists/object_list.html"
    paginator_class = ListPaginator
    table_pagination = {"per_page": PAGE_SIZES[0]}
    export_class = ListExport
    export_formats = ListExport.FORMATS
    total: Total | None = None
    add_label: StrOrPromise | None = None
    add_url_name: str | None = None
    # Other models' lists this one links to, under their names: (model, URL name).
    see_also: Sequence[tuple[type[Model], str]] = ()

    @cached_property
    def model_options(self) -> Options:
        """The listed model's ``_meta``: that of the queryset, whatever the table says."""
        return self.get_queryset().model._meta

    def get_permission_required(self) -> tuple[str]:
        opts = self.model_options
        return (f"{opts.app_label}.view_{opts.model_name}",)

    def get_table_kwargs(self) -> dict:
        kwargs = super().get_table_kwargs()
        hidden = unviewable_columns(self.table_class, self.model_options.model, self.request.user)
        kwargs["exclude"] = (*kwargs.get("exclude", ()), *hidden)
        return kwargs

    def get_export_filename(self, export_format: str) -> str:
        model = self.model_options.model_name
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
        # Not Count("pk"): an index without the key serves it.
        wanted: dict[str, Aggregate] = {"count": Count("*")}
        if self.total is not None:
            wanted["total"] = Sum(self.total[0])
        return self.object_list.aggregate(**wanted)

    def get_table_pagination(self, table: ListTable) -> dict | bool:
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

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        table = context["table"]
        invalid = self.filter_is_invalid()
        summary = self.get_summary()
        context.update(
            title=self.model_options.verbose_name_plural,
            summary=summary,
            filter_invalid=invalid,
            filter_error=INVALID_FILTER if invalid else None,
            filter_chips=filter_chips(self.filterset.form, self.request.GET, self.request.path),
            page_sizes=PAGE_SIZES,
            browsable_rows=self.paginator_class.browsable_rows,
            per_page=table.paginator.per_page,
            export_formats=self.export_formats,
            export_refusal=self.export_class.refusal(invalid, summary["count"]),
        )
        opts, user = self.model_options, self.request.user
        context["see_also"] = [
            (reverse(url_name), model._meta.verbose_name_plural)
            for model, url_name in self.see_also
            if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        ]
        if (
            self.add_label
            and (self.add_url_name or user.is_staff)
            and user.has_perm(f"{opts.app_label}.add_{opts.model_name}")
        ):
            add_url_name = self.add_url_name or f"admin:{opts.app_label}_{opts.model_name}_add"
            context.update(add_url=reverse(add_url_name), add_label=self.add_label)
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        export_format = self.request.GET.get(self.export_trigger_param)
        if self.export_class.is_valid_format(export_format) and context["export_refusal"]:
            return self.export_class.refused(context["export_refusal"])
        return super().render_to_response(context, **kwargs)
