"""Tables of the list pages: what each list shows, exports and sorts by.

Every sortable column sorts by a stored field (the list engine adds the primary key as the
last key, so pages never skip or repeat rows); derived values (亿元, 亩, size tier) sort by
the stored amount or area they come from, and parcel codes by their stored natural sort key
(2024-4号 before 2024-10号). Names sort by pinyin on PostgreSQL, by their columns' collation.
"""

from datetime import date
from functools import cached_property, partial
from typing import Any

import django_tables2 as tables
from django.contrib.auth.models import User
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.lists.columns import (
    LABEL,
    IsoDateColumn,
    LabelColumn,
    NumberColumn,
    RecordNumberColumn,
    UnitColumn,
    YesNoColumn,
)
from projects.lists.tables import EMPTY, ListTable
from projects.models import (
    AnnualTarget,
    Company,
    Department,
    FollowUp,
    FundEntry,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    Park,
    Problem,
    SizeTier,
    WarningLevel,
    WarningRule,
)
from projects.models.staff import staff_name
from projects.templatetags.ledger import Marked, badge, warning_flag
from projects.units import m2_to_mu, wan_to_yi
from projects.warnings import days_in_stage, level_label, load_rules, reasons, warned

EXACT_YI = partial(wan_to_yi, exact=True)


class NameColumn(tables.Column):
    """The record's name, linked to its page and marked when the record is illustrative."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("linkify", True)
        super().__init__(*args, **kwargs)

    def render(self, record: Marked, value: object) -> str:
        return format_html("{} {}", value, badge(record))

    def value(self, value: str) -> str:
        return value


def pipeline_rank(field: str, values: list) -> Case:
    """The position of ``field``'s value in ``values``, to sort by instead of its spelling."""
    return Case(
        *(When(**{field: value}, then=Value(index)) for index, value in enumerate(values)),
        output_field=IntegerField(),
    )


def pipeline_order(
    queryset: QuerySet, field: str, values: list, is_descending: bool
) -> tuple[QuerySet, bool]:
    """Sort by the position of ``field``'s value in ``values``, not by its spelling."""
    rank = pipeline_rank(field, values)
    direction = "-" if is_descending else ""
    return queryset.annotate(**{f"{field}_rank": rank}).order_by(f"{direction}{field}_rank"), True


# The columns of a project's warnings, which only the projects list annotates: a record
# page's table of related projects leaves them out.
WARNING_COLUMNS = ("warning", "days_in_stage")


class ProjectTable(ListTable):
    name = NameColumn()
    company = tables.Column(linkify=True, order_by="company__name")
    sector = tables.Column(order_by="sector__sort_order")
    park = tables.Column(linkify=True, order_by="park__name")
    total_investment_wan = UnitColumn(
        convert=wan_to_yi,
        export=EXACT_YI,
        verbose_name=_("总投资（亿元）"),
    )
    fixed_investment_wan = UnitColumn(
        convert=wan_to_yi,
        export=EXACT_YI,
        verbose_name=_("固定资产投资（亿元）"),
        visible=False,
    )
    size_tier = LabelColumn(
        labels={tier: tier.label for tier in SizeTier},
        verbose_name=_("投资规模"),
        accessor="size_tier",
        order_by="total_investment_wan",
        attrs=LABEL,
    )
    stage = tables.Column(attrs=LABEL)
    source_zone = tables.Column(orderable=False, attrs=LABEL)
    signed_date = IsoDateColumn()
    landed_date = IsoDateColumn()
    # Exported, and a filter, but not shown: the warnings take its place on the page.
    leased_manufacturing = YesNoColumn(verbose_name=_("租赁制造"), attrs=LABEL, visible=False)
    # Not shown, but exported, so that an exported sheet can be edited and imported back.
    land_supplied_date = IsoDateColumn(visible=False, orderable=False)
    started_date = IsoDateColumn(visible=False, orderable=False)
    completed_date = IsoDateColumn(visible=False, orderable=False)
    production_date = IsoDateColumn(visible=False, orderable=False)
    terminated_date = IsoDateColumn(visible=False, orderable=False)
    capacity = tables.Column(visible=False, orderable=False)
    responsible = tables.Column(
        verbose_name=_("责任人"), accessor="responsible_name", visible=False, orderable=False
    )
    illustrative = YesNoColumn(visible=False, orderable=False)
    # Warnings as of the list's date (ProjectFilterSet annotates them); the sheet import
    # passes these columns over.
    warning = tables.Column(verbose_name=_("预警"), accessor="warning_level")
    days_in_stage = NumberColumn(
        verbose_name=_("本阶段天数"), accessor="stage_since", order_by="-stage_since"
    )

    class Meta(ListTable.Meta):
        model = InvestmentProject
        fields: list[str] = []
        empty_text = _("没有符合条件的项目。")

    def __init__(self, *args: Any, rules: list[WarningRule] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.given_rules = rules

    @cached_property
    def rules(self) -> list[WarningRule]:
        """The rules the rows' warnings were worked out with, read here if not given."""
        return load_rules() if self.given_rules is None else self.given_rules

    def render_warning(self, record: InvestmentProject) -> str:
        return warning_flag(record, self.rules)

    def value_warning(self, record: InvestmentProject) -> str:
        level = str(level_label(warned(record).warning_level))
        found = "；".join(reason.text for reason in reasons(record, self.rules))
        return f"{level}：{found}" if found else level

    def order_warning(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        """Red first, then yellow, then green, the unwatched last."""
        levels = (WarningLevel.RED, WarningLevel.YELLOW, WarningLevel.GREEN)
        rank = Case(
            *(When(warning_level=level, then=Value(index)) for index, level in enumerate(levels)),
            default=Value(len(levels)),
            output_field=IntegerField(),
        )
        direction = "-" if is_descending else ""
        return queryset.annotate(warning_rank=rank).order_by(f"{direction}warning_rank"), True

    def render_days_in_stage(self, record: InvestmentProject) -> int | None:
        return days_in_stage(record)

    def value_days_in_stage(self, record: InvestmentProject) -> int | None:
        return days_in_stage(record)

    def order_stage(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        """Sort by position in the pipeline (在谈 first), not by the stage's spelling."""
        return pipeline_order(queryset, "stage", list(InvestmentProject.Stage), is_descending)


class ParcelTable(ListTable):
    code = NameColumn(order_by="code_sort_key")
    park = tables.Column(linkify=True, order_by="park__name")
    area_mu = UnitColumn(
        convert=m2_to_mu,
        verbose_name=_("面积（亩）"),
        accessor="area_m2",
    )
    area_m2 = NumberColumn()
    land_use = tables.Column(orderable=False)
    supply_mode = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    term_years = NumberColumn()
    price_wan = NumberColumn()
    handover_date = IsoDateColumn()
    projects = tables.ManyToManyColumn(linkify_item=True, verbose_name=_("项目"))
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(ListTable.Meta):
        model = LandParcel
        fields: list[str] = []
        empty_text = _("没有符合条件的地块。")

    def value_projects(self, record: LandParcel) -> str:
        return "；".join(project.name for project in record.projects.all())


class ParkTable(ListTable):
    name = NameColumn()
    kind = tables.Column(orderable=False)
    parent = tables.Column(linkify=True, order_by="parent__name")
    town = tables.Column()
    planned_area_mu = UnitColumn(
        convert=m2_to_mu,
        verbose_name=_("规划面积（亩）"),
        accessor="planned_area_m2",
    )
    planned_area_m2 = tables.Column(visible=False, orderable=False)
    floor_area_m2 = NumberColumn()
    parcel_count = NumberColumn()
    project_count = NumberColumn()
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(ListTable.Meta):
        model = Park
        fields: list[str] = []
        empty_text = _("没有符合条件的园区。")


class CompanyTable(ListTable):
    name = NameColumn()
    credit_code = tables.Column()
    home_region = tables.Column()
    above_scale = YesNoColumn()
    project_count = NumberColumn()
    investment_wan = UnitColumn(
        convert=wan_to_yi,
        verbose_name=_("总投资（亿元）"),
        default=None,
    )
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(ListTable.Meta):
        model = Company
        fields: list[str] = []
        empty_text = _("没有符合条件的企业。")


class LeaseTable(ListTable):
    parcel = tables.Column(
        verbose_name=_("地块"),
        linkify=lambda record: record.get_absolute_url(),
        order_by="parcel__code_sort_key",
    )
    project = tables.Column(linkify=True, order_by="project__name")
    company = tables.Column(
        verbose_name=_("企业"),
        accessor="project__company",
        linkify=True,
        order_by="project__company__name",
    )
    start_date = IsoDateColumn()
    end_date = IsoDateColumn()
    status = tables.Column(attrs=LABEL)
    annual_rent_wan = NumberColumn()
    # Sorted by the stored next date; shown with what it is and how far off.
    next_date = tables.Column(verbose_name=_("下一个期限"), empty_values=())
    illustrative = YesNoColumn(visible=False, orderable=False)

    class Meta(ListTable.Meta):
        model = LeaseAgreement
        fields: list[str] = []
        empty_text = _("没有符合条件的先租后供协议。")

    def render_next_date(self, record: LeaseAgreement) -> str:
        deadline = record.next_deadline(timezone.localdate())
        if deadline is None:
            return EMPTY
        return format_html(
            '{} {} <span class="{}">{}</span>',
            f"{deadline.when:%Y-%m-%d}",
            deadline.label,
            "text-danger" if deadline.overdue else "text-body-secondary",
            deadline.distance(),
        )

    def value_next_date(self, record: LeaseAgreement) -> str:
        # A sheet keeps the date and what it is; the days left would be stale once saved.
        deadline = record.next_deadline(timezone.localdate())
        return "" if deadline is None else f"{deadline.when:%Y-%m-%d} {deadline.label}"


class FollowUpTable(ListTable):
    occurred_on = IsoDateColumn()
    project = tables.Column(linkify=True, order_by="project__name")
    kind = tables.Column(attrs=LABEL)
    # The list's queryset prefetches the staff, whose names are read from there.
    staff = tables.Column(orderable=False, empty_values=())
    contacts = tables.Column(orderable=False)
    summary = tables.Column(orderable=False)
    next_step = tables.Column(orderable=False)
    next_due = IsoDateColumn()
    recorded_by = tables.Column(orderable=False)
    illustrative = YesNoColumn(visible=False, orderable=False)
    uid = RecordNumberColumn()

    class Meta(ListTable.Meta):
        model = FollowUp
        fields: list[str] = []
        empty_text = _("没有符合条件的跟踪记录。")

    def render_staff(self, record: FollowUp) -> str:
        return self.value_staff(record) or EMPTY

    def value_staff(self, record: FollowUp) -> str:
        return "；".join(staff_name(user) for user in record.staff.all())

    def render_recorded_by(self, value: User) -> str:
        return staff_name(value)

    def value_recorded_by(self, value: User) -> str:
        return staff_name(value)


class ProblemTable(ListTable):
    project = tables.Column(linkify=True, order_by="project__name")
    category = tables.Column(orderable=False, attrs=LABEL)
    description = tables.Column(linkify=lambda record: record.get_absolute_url(), orderable=False)
    department = tables.Column(order_by="department__name")
    raised_on = IsoDateColumn()
    # The soonest due first on the first click: the most urgent is what is looked for.
    due_on = IsoDateColumn(initial_sort_descending=False)
    status = tables.Column(attrs=LABEL)
    # The highest level first on the first click: what leaders are following.
    escalation = tables.Column(attrs=LABEL, initial_sort_descending=True)
    closed_on = IsoDateColumn()
    # Not shown, but exported, so that an exported sheet can be edited and imported back.
    resolution = tables.Column(visible=False, orderable=False)
    illustrative = YesNoColumn(visible=False, orderable=False)
    uid = RecordNumberColumn()

    class Meta(ListTable.Meta):
        model = Problem
        fields: list[str] = []
        empty_text = _("没有符合条件的问题。")

    def render_description(self, value: str) -> str:
        return Truncator(value).chars(40)

    def render_due_on(self, record: Problem, value: date) -> str:
        days = record.days_overdue(timezone.localdate())
        if not days:
            return value.isoformat()
        overdue = ngettext("逾期%(days)d天", "逾期%(days)d天", days) % {"days": days}
        # On a line of its own, so that the column is no wider than its date.
        return format_html(
            '{} <span class="d-block text-danger">{}</span>', value.isoformat(), overdue
        )

    def value_due_on(self, value: date) -> date:
        return value  # a sheet keeps the date; the days overdue would be stale once saved

    def order_status(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        """Sort by how far a problem has come (待办 first), not by the status's spelling."""
        return pipeline_order(queryset, "status", list(Problem.Status), is_descending)


class FundTable(ListTable):
    received_on = IsoDateColumn()
    project = tables.Column(linkify=True, order_by="project__name")
    amount_wan = UnitColumn(convert=wan_to_yi, export=EXACT_YI, verbose_name=_("到位金额（亿元）"))
    kind = tables.Column(orderable=False, attrs=LABEL)
    outside_province = YesNoColumn(orderable=False, attrs=LABEL)
    source = tables.Column(orderable=False)
    recorded_by = tables.Column(orderable=False)
    illustrative = YesNoColumn(orderable=False, attrs=LABEL)
    uid = RecordNumberColumn()

    class Meta(ListTable.Meta):
        model = FundEntry
        fields: list[str] = []
        empty_text = _("没有符合条件的到位资金记录。")

    def render_recorded_by(self, value: User) -> str:
        return staff_name(value)

    def value_recorded_by(self, value: User) -> str:
        return staff_name(value)


class TargetTable(ListTable):
    year = NumberColumn(localize=False)  # 2025, never 2,025
    unit = tables.Column(orderable=False, attrs=LABEL)
    unit_name = tables.Column(verbose_name=_("考核对象"), empty_values=(), orderable=False)
    projects_100m = NumberColumn()
    projects_1b = NumberColumn()
    investment_wan = UnitColumn(
        convert=wan_to_yi, export=EXACT_YI, verbose_name=_("亿元以上项目总投资（亿元）")
    )
    funds_wan = UnitColumn(convert=wan_to_yi, export=EXACT_YI, verbose_name=_("到位资金（亿元）"))
    outside_funds_wan = UnitColumn(
        convert=wan_to_yi, export=EXACT_YI, verbose_name=_("省外到位资金（亿元）")
    )
    started = NumberColumn()
    illustrative = YesNoColumn(visible=False, orderable=False)
    uid = RecordNumberColumn()
    # Shown to those who may change targets (the list leaves it out for anyone else).
    edit = tables.Column(
        verbose_name=_("操作"), empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta(ListTable.Meta):
        model = AnnualTarget
        fields: list[str] = []
        empty_text = _("没有符合条件的年度目标。")

    def render_unit_name(self, record: AnnualTarget) -> str:
        return format_html("{} {}", record.unit_name, badge(record))

    def render_edit(self, record: AnnualTarget) -> str:
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            reverse("projects:target_edit", args=[record.pk]),
            _("编辑"),
            record,
        )

    def value_unit_name(self, record: AnnualTarget) -> str:
        return record.unit_name


class DepartmentTable(ListTable):
    name = tables.Column()
    open_problem_count = NumberColumn(
        verbose_name=_("未办结问题数"),
        linkify=lambda record: "{}?{}".format(
            reverse("projects:problem_list"),
            urlencode({"department": record.pk, "status": Problem.OPEN_STATUSES}, doseq=True),
        ),
    )

    class Meta(ListTable.Meta):
        model = Department
        fields: list[str] = []
        empty_text = _("没有符合条件的责任部门。")


class WarningRuleTable(ListTable):
    kind = tables.Column(attrs=LABEL)
    stage = tables.Column(attrs=LABEL)
    yellow_days = NumberColumn()
    red_days = NumberColumn()

    class Meta(ListTable.Meta):
        model = WarningRule
        fields: list[str] = []
        empty_text = _("没有符合条件的预警规则。")

    def order_kind(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        return pipeline_order(queryset, "kind", list(WarningRule.Kind), is_descending)

    def order_stage(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        return pipeline_order(queryset, "stage", list(InvestmentProject.Stage), is_descending)
