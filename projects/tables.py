"""Tables of the list pages: what each list shows, exports and sorts by.

Every sortable column sorts by a stored field with the primary key as the last key, so
pages never skip or repeat rows; derived values (亿元, 亩, size tier) sort by the stored
amount or area they come from.
"""

from collections.abc import Callable, Collection
from functools import partial
from urllib.parse import urlencode

import django_tables2 as tables
from django.db.models import Case, IntegerField, Model, Value, When
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tables2.templatetags.django_tables2 import table_page_range
from django_tables2.utils import AttributeDict

from projects.columns import (
    NOWRAP,
    NUMBER,
    IsoDateColumn,
    LabelColumn,
    NameColumn,
    UnitColumn,
    YesNoColumn,
    export_cell,
    page_cell,
)
from projects.models import Company, InvestmentProject, LandParcel, LeaseAgreement, Park, SizeTier
from projects.units import m2_to_mu, wan_to_yi

# The pager's words, as django-tables2's template writes them: translated by its own
# catalogue, which has them in Chinese (上一页, 下一页), not by the ledger's.
PREVIOUS, NEXT = "previous", "next"

# What an empty cell shows on the page; exports leave the cell empty instead.
EMPTY = "—"
EXACT_YI = partial(wan_to_yi, exact=True)


def stable(*fields: str) -> tuple[str, ...]:
    """Sort keys that end with the primary key."""
    return (*fields, "pk")


class LedgerTable(tables.Table):
    """Common look of the ledger's tables."""

    class Meta:
        template_name = "projects/_table.html"
        attrs = {"class": "table table-sm table-hover align-middle"}
        default = EMPTY
        empty_text = _("没有符合条件的记录。")

    def body(self) -> SafeString:
        """The rows of the page shown, as django-tables2's template writes them, each cell
        by a function worked out once per column (``page_cell``)."""
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

    def head(self) -> SafeString:
        """The table's head, as django-tables2's template writes it: each sortable column's
        header links to the list sorted by it (the other way round if it is sorted by it
        already), keeping the request's other parameters."""
        if not self.show_header:
            return mark_safe("")
        cells = []
        for column in self.columns:
            header = render_value_in_context(column.header, Context())
            if column.orderable:
                link = self.link_with(self.prefixed_order_by_field, column.order_by_alias.next)
                header = format_html('<a href="{}">{}</a>', link, header)
            th = column.attrs["th"].as_html()
            cells.append(format_html('<th {} scope="col">{}</th>', th, header))
        thead = self.attrs.get("thead")  # the template writes nothing for a plain dict
        thead = thead.as_html() if isinstance(thead, AttributeDict) else ""
        return format_html("<thead {}><tr>{}</tr></thead>", thead, mark_safe("".join(cells)))

    def pager(self) -> SafeString:
        """Links to the previous, next and nearby pages, as django-tables2's template writes
        them, keeping the request's other parameters."""
        page = getattr(self, "page", None)
        if not page or self.paginator.num_pages <= 1:
            return mark_safe("")
        items = []
        if page.has_previous():
            items.append(
                format_html(
                    '<li class="previous page-item"><a href="{}" class="page-link">'
                    '<span aria-hidden="true">&laquo;</span> {}</a></li>',
                    self.link_with(self.prefixed_page_field, page.previous_page_number()),
                    gettext(PREVIOUS),
                )
            )
        for number in table_page_range(page, self.paginator):
            active = " active" if number == page.number else ""
            link = (
                ""
                if number == "..."
                else format_html('href="{}"', self.link_with(self.prefixed_page_field, number))
            )
            items.append(
                format_html(
                    '<li class="page-item{}"><a class="page-link" {}>{}</a></li>',
                    active,
                    link,
                    render_value_in_context(number, Context()),
                )
            )
        if page.has_next():
            items.append(
                format_html(
                    '<li class="next page-item"><a href="{}" class="page-link">'
                    '{} <span aria-hidden="true">&raquo;</span></a></li>',
                    self.link_with(self.prefixed_page_field, page.next_page_number()),
                    gettext(NEXT),
                )
            )
        return format_html(
            '<nav aria-label="Table navigation"><ul class="pagination justify-content-center">'
            "{}</ul></nav>",
            mark_safe("".join(items)),
        )

    def link_with(self, name: str, value: object) -> str:
        """The request's query with ``name`` set to ``value``, as django-tables2's
        ``querystring_replace`` writes it."""
        params = dict(self.request.GET)
        params[name] = value
        return "?" + urlencode(params, doseq=True)

    def export_columns(
        self, exclude: Collection[str] = ()
    ) -> list[tuple[str, Callable[[Model], object]]]:
        """Each exported column's header, with a function from a record to its cell.

        The cells are those of django-tables2's ``as_values()``, but the accessor, the
        choices and the conversion are looked up once per column, not once per cell.
        """
        return [
            (force_str(column.header), export_cell(column, self.data.model))
            for column in self.columns.iterall()
            if not (column.column.exclude_from_export or column.name in exclude)
        ]


class ProjectTable(LedgerTable):
    name = NameColumn(order_by=stable("name"))
    company = tables.Column(linkify=True, order_by=stable("company__name"))
    sector = tables.Column(order_by=stable("sector__sort_order"))
    park = tables.Column(linkify=True, order_by=stable("park__name"))
    total_investment_wan = UnitColumn(
        convert=wan_to_yi,
        export=EXACT_YI,
        verbose_name=_("总投资（亿元）"),
        order_by=stable("total_investment_wan"),
    )
    fixed_investment_wan = UnitColumn(
        convert=wan_to_yi,
        export=EXACT_YI,
        verbose_name=_("固定资产投资（亿元）"),
        order_by=stable("fixed_investment_wan"),
        visible=False,
    )
    size_tier = LabelColumn(
        labels={tier: tier.label for tier in SizeTier},
        verbose_name=_("投资规模"),
        accessor="size_tier",
        order_by=stable("total_investment_wan"),
        attrs=NOWRAP,
    )
    stage = tables.Column(attrs=NOWRAP)
    source_zone = tables.Column(orderable=False, attrs=NOWRAP)
    signed_date = IsoDateColumn(order_by=stable("signed_date"))
    landed_date = IsoDateColumn(order_by=stable("landed_date"))
    leased_manufacturing = YesNoColumn(
        verbose_name=_("租赁制造"), order_by=stable("leased_manufacturing"), attrs=NOWRAP
    )
    # Not shown, but exported, so that an exported sheet can be edited and imported back.
    land_supplied_date = IsoDateColumn(visible=False, orderable=False)
    started_date = IsoDateColumn(visible=False, orderable=False)
    completed_date = IsoDateColumn(visible=False, orderable=False)
    production_date = IsoDateColumn(visible=False, orderable=False)
    terminated_date = IsoDateColumn(visible=False, orderable=False)
    capacity = tables.Column(visible=False, orderable=False)
    responsible = tables.Column(visible=False, orderable=False)
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(LedgerTable.Meta):
        model = InvestmentProject
        fields = []
        empty_text = _("没有符合条件的项目。")

    def order_stage(self, queryset, is_descending):
        """Sort by position in the pipeline (在谈 first), not by the stage's spelling."""
        stages = list(InvestmentProject.Stage)
        rank = Case(
            *(When(stage=stage, then=Value(index)) for index, stage in enumerate(stages)),
            output_field=IntegerField(),
        )
        direction = "-" if is_descending else ""
        ordered = queryset.annotate(stage_rank=rank).order_by(
            f"{direction}stage_rank", f"{direction}pk"
        )
        return ordered, True


class ParcelTable(LedgerTable):
    code = NameColumn(order_by=stable("code"))
    park = tables.Column(linkify=True, order_by=stable("park__name"))
    area_mu = UnitColumn(
        convert=m2_to_mu,
        verbose_name=_("面积（亩）"),
        accessor="area_m2",
        order_by=stable("area_m2"),
    )
    area_m2 = tables.Column(attrs=NUMBER, order_by=stable("area_m2"))
    land_use = tables.Column(orderable=False)
    supply_mode = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    term_years = tables.Column(attrs=NUMBER, order_by=stable("term_years"))
    price_wan = tables.Column(attrs=NUMBER, order_by=stable("price_wan"))
    handover_date = IsoDateColumn(order_by=stable("handover_date"))
    projects = tables.ManyToManyColumn(linkify_item=True, verbose_name=_("项目"))
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(LedgerTable.Meta):
        model = LandParcel
        fields = []
        empty_text = _("没有符合条件的地块。")

    def value_projects(self, record):
        return "；".join(project.name for project in record.projects.all())


class ParkTable(LedgerTable):
    name = NameColumn(order_by=stable("name"))
    kind = tables.Column(orderable=False)
    parent = tables.Column(linkify=True, order_by=stable("parent__name"))
    town = tables.Column(order_by=stable("town"))
    planned_area_mu = UnitColumn(
        convert=m2_to_mu,
        verbose_name=_("规划面积（亩）"),
        accessor="planned_area_m2",
        order_by=stable("planned_area_m2"),
    )
    planned_area_m2 = tables.Column(visible=False, orderable=False)
    floor_area_m2 = tables.Column(attrs=NUMBER, order_by=stable("floor_area_m2"))
    parcel_count = tables.Column(
        verbose_name=_("直属地块数"), attrs=NUMBER, order_by=stable("parcel_count")
    )
    project_count = tables.Column(
        verbose_name=_("直属项目数"), attrs=NUMBER, order_by=stable("project_count")
    )
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(LedgerTable.Meta):
        model = Park
        fields = []
        empty_text = _("没有符合条件的园区。")


class CompanyTable(LedgerTable):
    name = NameColumn(order_by=stable("name"))
    credit_code = tables.Column(order_by=stable("credit_code"))
    home_region = tables.Column(order_by=stable("home_region"))
    above_scale = YesNoColumn(order_by=stable("above_scale"))
    project_count = tables.Column(
        verbose_name=_("项目数"), attrs=NUMBER, order_by=stable("project_count")
    )
    investment_wan = UnitColumn(
        convert=wan_to_yi,
        verbose_name=_("总投资（亿元）"),
        order_by=stable("investment_wan"),
        default=None,
    )
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(LedgerTable.Meta):
        model = Company
        fields = []
        empty_text = _("没有符合条件的企业。")


class LeaseTable(LedgerTable):
    parcel = tables.Column(
        verbose_name=_("地块"),
        linkify=lambda record: record.get_absolute_url(),
        order_by=stable("parcel__code"),
    )
    project = tables.Column(linkify=True, order_by=stable("project__name"))
    company = tables.Column(
        verbose_name=_("企业"),
        accessor="project__company",
        linkify=True,
        order_by=stable("project__company__name"),
    )
    start_date = IsoDateColumn(order_by=stable("start_date"))
    end_date = IsoDateColumn(order_by=stable("end_date"))
    status = tables.Column(attrs=NOWRAP, order_by=stable("status"))
    annual_rent_wan = tables.Column(attrs=NUMBER, order_by=stable("annual_rent_wan"))
    next_date = tables.Column(verbose_name=_("下一个期限"), empty_values=(), orderable=False)
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(LedgerTable.Meta):
        model = LeaseAgreement
        fields = []
        empty_text = _("没有符合条件的先租后供协议。")

    def render_next_date(self, record):
        upcoming = record.upcoming_dates()
        if not upcoming:
            return EMPTY
        label, when = upcoming[0]
        return f"{when:%Y-%m-%d} {label}"

    def value_next_date(self, record):
        return self.render_next_date(record)
