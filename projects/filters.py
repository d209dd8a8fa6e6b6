"""Filters of the list pages, read from GET parameters so every filtered list is a URL.

Every value is validated: one that makes no sense is reported next to its field and the
list shows nothing, rather than being ignored and passing for a filtered answer.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_stubs_ext import StrOrPromise

from projects import search
from projects.forms import DateInput, FilterForm
from projects.models import (
    AnnualTarget,
    Company,
    Department,
    FollowUp,
    FundEntry,
    FundTally,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    Park,
    ParkTree,
    Problem,
    Sector,
    SizeTier,
)
from projects.models.followups import FollowUpQuerySet
from projects.models.parks import area_mismatch_q
from projects.models.staff import staff_name
from projects.models.warnings import WarningLevel, WarningRule
from projects.units import mu_to_m2, yi_to_wan
from projects.warnings import WATCHED, annotate_warnings, load_rules

# Free text longer than this is refused: nobody types it, and SQLite's LIKE chokes on it.
TEXT_MAX_LENGTH = 100


class SearchFilter(django_filters.CharFilter):
    """Text found, ignoring case, in any of the given fields."""

    def __init__(self, *, fields: tuple[str, ...], **kwargs: Any) -> None:
        kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
        super().__init__(**kwargs)
        self.fields = fields

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        return search.matching(qs, self.fields, value)


class BoundFilter(django_filters.NumberFilter):
    """A lower or upper bound typed in display units (亿元, 亩), applied to the stored
    field (万元, m²); both ends are included."""

    def __init__(self, *, to_stored: Callable[[Decimal], Decimal], **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(**kwargs)
        self.to_stored = to_stored

    def filter(self, qs: QuerySet, value: Decimal | None) -> QuerySet:
        if value is None:
            return qs
        return super().filter(qs, self.to_stored(value))


def yes_no_filter(
    field_name: str | None, label: StrOrPromise, **kwargs: Any
) -> django_filters.TypedChoiceFilter:
    """A 是 / 否 choice; anything else in the URL is an error, not "all"."""
    return django_filters.TypedChoiceFilter(
        field_name=field_name,
        label=label,
        choices=(("", _("全部")), ("true", _("是")), ("false", _("否"))),
        coerce=lambda value: value == "true",
        **kwargs,
    )


def date_filter(
    field_name: str, lookup_expr: str, label: StrOrPromise
) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name=field_name, lookup_expr=lookup_expr, label=label, widget=DateInput
    )


def days_ahead_filter(method: str, label: StrOrPromise) -> django_filters.NumberFilter:
    """A number of days from today, up to ten years, read by the filter set's ``method``."""
    return django_filters.NumberFilter(
        method=method, label=label, min_value=0, max_value=3650, decimal_places=0
    )


class ParkFilter(django_filters.ChoiceFilter):
    """A park, including its sub-parks at any depth (一区多园), or with ``allow_none``
    the records that have no park yet (``none``).

    Its choices and the sub-park lookup both come from one query of the park tree,
    which the filter set loads once per request.
    """

    NONE = "none"
    tree: ParkTree  # given by the filter set

    def __init__(self, *args: Any, allow_none: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_none = allow_none

    def park_choices(self) -> list[tuple[str, StrOrPromise]]:
        choices: list[tuple[str, StrOrPromise]] = [
            (str(pk), label) for pk, label in self.tree.choices()
        ]
        if self.allow_none:
            choices.append((self.NONE, _("未定园区")))
        return choices

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        if value == self.NONE:
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return qs.filter(**{f"{self.field_name}__in": self.tree.subtree(int(value))})

    def tallied(self, value: str) -> Q:
        """The same parks in a tally, which holds 0 for no park."""
        if value == self.NONE:
            return Q(park=0)
        return Q(park__in=self.tree.subtree(int(value)))


def tallied_sectors(data: dict) -> Q:
    """The sectors and sector groups of a filter set's cleaned ``data`` in a tally."""
    condition = Q()
    if "sector" in data:
        condition &= Q(sector__in=[int(pk) for pk in data["sector"]])
    if "sector_group" in data:
        groups = Sector.objects.filter(group__in=data["sector_group"])
        condition &= Q(sector__in=groups.values("pk"))
    return condition


class LazyChoices(BaseChoiceIterator):
    """A filter's choices read from the database when first needed (to check a value or
    draw the form) and kept for the request: a page that only counts with the filter
    set, such as the dashboard, never reads them."""

    def __init__(self, read: Callable[[], list[tuple[str, StrOrPromise]]]) -> None:
        self.read = read
        self.choices: list[tuple[str, StrOrPromise]] | None = None

    def __iter__(self) -> Iterator[tuple[str, StrOrPromise]]:
        if self.choices is None:
            self.choices = self.read()
        return iter(self.choices)

    def __deepcopy__(self, memo: dict) -> "LazyChoices":
        return self  # each form's copy of the field shares the request's one reading


def staff_choices(me: StrOrPromise) -> list[tuple[str, StrOrPromise]]:
    """``me``, labelled ``me``, then every active member of staff by name, then those
    whose account was deactivated but who still own a project or have an annual target:
    their records stay listed, and the dashboard's figures of their targets link to them."""
    named = Exists(InvestmentProject.objects.filter(owner=OuterRef("pk"))) | Exists(
        AnnualTarget.objects.filter(staff=OuterRef("pk"))
    )
    staff = get_user_model().objects.filter(Q(is_active=True) | named)
    choices: list[tuple[str, StrOrPromise]] = [(OwnerFilter.ME, me)]
    for user in staff.order_by("-is_active", "username"):
        name = staff_name(user)
        if not user.is_active:
            name = _("%(name)s（已停用）") % {"name": name}
        choices.append((str(user.pk), name))
    return choices


def department_choices() -> list[tuple[str, StrOrPromise]]:
    return [(str(pk), name) for pk, name in Department.objects.values_list("pk", "name")]


class OwnerFilter(django_filters.ChoiceFilter):
    """The records a member of staff answers for: ``me`` for the user looking, or an
    account's id, offered by name, the deactivated accounts still named after the active
    ones (``staff_choices``, given by the filter set)."""

    ME = "me"
    MINE = _("我负责的")

    def __init__(self, *args: Any, me: StrOrPromise = MINE, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", _("全部"))
        super().__init__(*args, **kwargs)
        self.me = me

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        if value == self.ME:
            user = getattr(self.parent.request, "user", None)
            if user is None or not user.is_authenticated:
                return qs.none()
            value = user.pk
        return qs.filter(**{self.field_name: value})


class SectorFilter(django_filters.MultipleChoiceFilter):
    """One or several sectors, offered grouped as 主导 / 新兴 / 未来."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)  # a project has one sector
        super().__init__(*args, **kwargs)


def sector_choices(sectors: Iterable[Sector]) -> list:
    """Sector choices grouped by industry group."""
    groups: dict[str, list[tuple[str, str]]] = {value: [] for value in Sector.Group.values}
    for sector in sectors:
        groups[sector.group].append((str(sector.pk), sector.name))
    return [(Sector.Group(group).label, members) for group, members in groups.items() if members]


class LedgerFilterSet(django_filters.FilterSet):
    """A filter set with Bootstrap widgets and its choice lists read once per request.

    A caller that builds many filter sets (the dashboard) passes the park tree and the
    sectors it has already read, so they are not read again for each.
    """

    def __init__(
        self,
        *args: Any,
        park_tree: ParkTree | None = None,
        sectors: Iterable[Sector] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(filter_, ParkFilter):
                park_tree = park_tree or Park.objects.tree()
                filter_.tree = park_tree
                filter_.extra["choices"] = filter_.park_choices()
            elif isinstance(filter_, OwnerFilter):
                filter_.extra["choices"] = LazyChoices(partial(staff_choices, filter_.me))
            elif isinstance(filter_, SectorFilter):
                sectors = Sector.objects.all() if sectors is None else sectors
                filter_.extra["choices"] = sector_choices(sectors)

    def given(self) -> dict | None:
        """The filters set and their cleaned values (none for an unbound filter set), or
        None where they are wrong."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in EMPTY_VALUES
        }

    class Meta:
        form = FilterForm


def checkboxes(
    choices: Iterable[tuple[str, StrOrPromise]], label: StrOrPromise, field_name: str | None = None
) -> django_filters.MultipleChoiceFilter:
    """Several values of a single-valued field, offered as checkboxes.

    The field holds one value per row, so no row can match twice: without DISTINCT, the
    list's count and total stay plain aggregates instead of subqueries.
    """
    return django_filters.MultipleChoiceFilter(
        field_name=field_name,
        choices=choices,
        label=label,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )


ANY_WARNING = "any"


class ProjectFilterSet(LedgerFilterSet):
    """Find projects the way leaders count them: by size, industry, park, stage and period."""

    q = SearchFilter(fields=("name", "company__name", "capacity"), label=_("关键词"))
    size = django_filters.ChoiceFilter(
        method="filter_size", choices=SizeTier.choices, label=_("投资规模"), empty_label=_("全部")
    )
    investment_min = BoundFilter(
        field_name="total_investment_wan",
        lookup_expr="gte",
        to_stored=yi_to_wan,
        label=_("总投资不低于（亿元）"),
    )
    investment_max = BoundFilter(
        field_name="total_investment_wan",
        lookup_expr="lte",
        to_stored=yi_to_wan,
        label=_("总投资不高于（亿元）"),
    )
    sector = SectorFilter(field_name="sector", label=_("产业"), widget=forms.CheckboxSelectMultiple)
    sector_group = checkboxes(Sector.Group.choices, _("产业类别"), field_name="sector__group")
    park = ParkFilter(
        field_name="park", label=_("园区（含下级园区）"), empty_label=_("全部"), allow_none=True
    )
    owner = OwnerFilter(field_name="owner", label=_("责任人"))
    stage = checkboxes(InvestmentProject.Stage.choices, _("阶段"))
    zone = checkboxes(InvestmentProject.Zone.choices, _("来源区域"), field_name="source_zone")
    landed_after = date_filter("landed_date", "gte", _("落地日期自"))
    landed_before = date_filter("landed_date", "lte", _("落地日期至"))
    signed_after = date_filter("signed_date", "gte", _("签约日期自"))
    signed_before = date_filter("signed_date", "lte", _("签约日期至"))
    started_after = date_filter("started_date", "gte", _("开工日期自"))
    started_before = date_filter("started_date", "lte", _("开工日期至"))
    landed = yes_no_filter("landed_date", _("已落地"), lookup_expr="isnull", exclude=True)
    leased = yes_no_filter("leased_manufacturing", _("租赁制造业项目"))
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    # Warnings (预警): the list is annotated with them as of ``as_of`` (today if not given).
    warning = django_filters.ChoiceFilter(
        method="filter_warning",
        choices=[
            (WarningLevel.RED, _("红色")),
            (WarningLevel.YELLOW, _("黄色")),
            (ANY_WARNING, _("红色或黄色")),
            (WarningLevel.GREEN, _("绿色（无预警）")),
        ],
        label=_("预警"),
        empty_label=_("全部"),
    )
    warning_stage = checkboxes(
        [(stage.value, stage.label) for stage in WATCHED],
        _("预警日期所处阶段"),
        field_name="warning_stage",
    )
    as_of = django_filters.DateFilter(method="filter_as_of", label=_("预警日期"), widget=DateInput)

    class Meta(LedgerFilterSet.Meta):
        model = InvestmentProject
        fields: list[str] = []

    def __init__(
        self,
        *args: Any,
        rules: list[WarningRule] | None = None,
        warnings: bool = True,
        **kwargs: Any,
    ) -> None:
        """``warnings`` False: the projects are annotated with their warnings only for a
        warning filter, for a caller that counts them without showing them."""
        super().__init__(*args, **kwargs)
        self.rules = load_rules() if rules is None else rules
        if warnings or any(self.data.get(name) for name in ("warning", "warning_stage")):
            self.queryset: QuerySet = annotate_warnings(
                self.queryset, self.as_of_date(), self.rules
            )

    def as_of_date(self) -> date:
        """The date of the warnings: the ``as_of`` given, or today when it is missing or
        wrong (the form then reports it, and the list shows nothing)."""
        try:
            given = self.filters["as_of"].field.clean(self.data.get("as_of"))
        except forms.ValidationError:
            given = None
        return given or timezone.localdate()

    def filter_size(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(SizeTier.counted_q(value))

    # The filters the projects' tally can answer for; ``as_of`` dates the warnings shown,
    # and selects no other projects unless a warning filter is set too.
    TALLIED = frozenset(
        {
            "size",
            "sector",
            "sector_group",
            "park",
            "stage",
            "zone",
            "landed",
            "landed_after",
            "landed_before",
            "signed_after",
            "signed_before",
            "as_of",
        }
    )

    def tally_q(self) -> Q | None:
        """The same projects as a filter of their tally (``ProjectTally``), which adds up
        their count and total without reading them; None where a filter is set that the
        tally cannot express (a word, an amount, an owner, a warning, a date within a
        year), or the filters are wrong."""
        data = self.given()
        if data is None or not data.keys() <= self.TALLIED:
            return None
        condition = Q()
        if "size" in data:
            condition &= Q(band__in=SizeTier.counted_bands(data["size"]))
        condition &= tallied_sectors(data)
        if "park" in data:
            condition &= self.filters["park"].tallied(data["park"])
        if "stage" in data:
            condition &= Q(stage__in=data["stage"])
        if "zone" in data:
            condition &= Q(zone__in=data["zone"])
        if "landed" in data:
            condition &= Q(landed_year__gt=0) if data["landed"] else Q(landed_year=0)
        for basis in ("landed", "signed"):
            years = whole_years(data.get(f"{basis}_after"), data.get(f"{basis}_before"))
            if years is None:
                return None
            condition &= years.filter(f"{basis}_year")
        return condition

    def filter_warning(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == ANY_WARNING:
            return queryset.filter(warning_level__in=[WarningLevel.RED, WarningLevel.YELLOW])
        return queryset.filter(warning_level=value)

    def filter_as_of(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset  # read by __init__, which annotates the warnings as of this date


@dataclass(frozen=True)
class Years:
    """The calendar years from ``first`` to ``last``, either open."""

    first: int | None
    last: int | None

    def filter(self, field: str) -> Q:
        """The tally rows of these years; with any bound, not those without a date (0)."""
        condition = Q()
        if self.first is not None or self.last is not None:
            condition &= Q(**{f"{field}__gt": 0})
        if self.first is not None:
            condition &= Q(**{f"{field}__gte": self.first})
        if self.last is not None:
            condition &= Q(**{f"{field}__lte": self.last})
        return condition


def whole_years(after: date | None, before: date | None) -> Years | None:
    """The years a date range from ``after`` to ``before`` covers, if it begins on
    1 January and ends on 31 December; None if it cuts a year."""
    if after is not None and (after.month, after.day) != (1, 1):
        return None
    if before is not None and (before.month, before.day) != (12, 31):
        return None
    return Years(after.year if after else None, before.year if before else None)


class ParcelFilterSet(LedgerFilterSet):
    """Find land by park, supply mode, status and size."""

    q = SearchFilter(fields=("code",), label=_("地块编号"))
    park = ParkFilter(field_name="park", label=_("园区（含下级园区）"), empty_label=_("全部"))
    supply_mode = checkboxes(LandParcel.SupplyMode.choices, _("供地方式"))
    status = checkboxes(LandParcel.Status.choices, _("状态"))
    area_min = BoundFilter(
        field_name="area_m2", lookup_expr="gte", to_stored=mu_to_m2, label=_("面积不小于（亩）")
    )
    area_max = BoundFilter(
        field_name="area_m2", lookup_expr="lte", to_stored=mu_to_m2, label=_("面积不大于（亩）")
    )
    located = yes_no_filter("boundary", _("已有边界"), lookup_expr="isnull", exclude=True)
    area_mismatch = yes_no_filter(
        None, _("边界面积与登记面积相差超过5%"), method="filter_area_mismatch"
    )
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = LandParcel
        fields: list[str] = []

    def filter_area_mismatch(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if value:
            return queryset.filter(area_mismatch_q())
        both = queryset.filter(area_m2__isnull=False, boundary_area_m2__isnull=False)
        return both.exclude(area_mismatch_q())


class ParkFilterSet(LedgerFilterSet):
    """Find parks by kind, parent and name."""

    q = SearchFilter(fields=("name", "town"), label=_("关键词"))
    kind = checkboxes(Park.Kind.choices, _("类型"))
    parent = ParkFilter(
        field_name="parent", label=_("上级园区（含各级下级）"), empty_label=_("全部")
    )
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = Park
        fields: list[str] = []


class CompanyFilterSet(LedgerFilterSet):
    """Find companies by name, credit code and region."""

    q = SearchFilter(fields=("name", "credit_code"), label=_("名称或信用代码"))
    home_region = SearchFilter(fields=("home_region",), label=_("所在地区"))
    above_scale = yes_no_filter("above_scale", _("规上企业"))
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = Company
        fields: list[str] = []


class LeaseFilterSet(LedgerFilterSet):
    """Find 先租后供 leases by status, park, end of term and the dates they must meet."""

    q = SearchFilter(
        fields=("parcel__code", "project__name", "project__company__name"),
        label=_("地块、项目或企业"),
    )
    status = checkboxes(LeaseAgreement.Status.choices, _("状态"))
    park = ParkFilter(
        field_name="parcel__park", label=_("园区（含下级园区）"), empty_label=_("全部")
    )
    end_after = date_filter("end_date", "gte", _("到期日期自"))
    end_before = date_filter("end_date", "lte", _("到期日期至"))
    due_within = days_ahead_filter("filter_due_within", _("今后N天内有到期或期限"))
    overdue = yes_no_filter(None, _("已逾期"), method="filter_overdue")
    attention = days_ahead_filter("filter_attention", _("需关注：已逾期或今后N天内到期"))
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = LeaseAgreement
        fields: list[str] = []

    def filter_due_within(self, queryset: QuerySet, name: str, value: Decimal) -> QuerySet:
        due = LeaseAgreement.objects.due_within(int(value), timezone.localdate())
        return queryset.filter(pk__in=due.values("pk"))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        overdue = LeaseAgreement.objects.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def filter_attention(self, queryset: QuerySet, name: str, value: Decimal) -> QuerySet:
        # Both lists in one: due_within and overdue given together would mean both at once.
        attention = LeaseAgreement.objects.needing_attention(int(value), timezone.localdate())
        return queryset.filter(pk__in=attention.values("pk"))


class ProjectFilter(django_filters.ModelChoiceFilter):
    """One project, given by its id (the project page links to its follow-ups this way)
    and typed as a number: a choice list of every project would be far too long. An id
    of no project is an error; the filter's chip shows the project's name."""

    field_class = forms.ModelChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", InvestmentProject.objects.only("pk", "name"))
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 1}))
        kwargs.setdefault("error_messages", {"invalid_choice": _("没有这个编号的项目。")})
        super().__init__(*args, **kwargs)


class FollowUpFilterSet(LedgerFilterSet):
    """Find follow-ups by project, the project's owner, kind, date, and next steps due."""

    q = SearchFilter(
        fields=("project__name", "summary", "next_step", "contacts"),
        label=_("项目、内容、下一步或企业方人员"),
    )
    project = ProjectFilter(field_name="project", label=_("项目编号"))
    owner = OwnerFilter(field_name="project__owner", label=_("项目责任人"))
    staff = OwnerFilter(field_name="staff", label=_("参与人员"), me=_("我参与的"))
    kind = checkboxes(FollowUp.Kind.choices, _("方式"))
    occurred_after = date_filter("occurred_on", "gte", _("跟踪日期自"))
    occurred_before = date_filter("occurred_on", "lte", _("跟踪日期至"))
    next_due_within = days_ahead_filter(
        "filter_next_due_within", _("下一步今后N天内到期（含逾期）")
    )
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = FollowUp
        fields: list[str] = []

    def filter_next_due_within(
        self, queryset: FollowUpQuerySet, name: str, value: Decimal
    ) -> QuerySet:
        return queryset.next_due_within(int(value), timezone.localdate())


class DepartmentFilterSet(LedgerFilterSet):
    """Find the departments problems are assigned to by name."""

    q = SearchFilter(fields=("name",), label=_("部门名称"))

    class Meta(LedgerFilterSet.Meta):
        model = Department
        fields: list[str] = []


class ProblemFilterSet(LedgerFilterSet):
    """Find problems by status, category, department, project, owner, due date and level."""

    q = SearchFilter(fields=("project__name", "description", "resolution"), label=_("关键词"))
    status = checkboxes(Problem.Status.choices, _("办理状态"))
    category = checkboxes(Problem.Category.choices, _("问题类别"))
    department = django_filters.ChoiceFilter(label=_("责任部门"), empty_label=_("全部"))
    project = ProjectFilter(field_name="project", label=_("项目编号"))
    owner = OwnerFilter(field_name="project__owner", label=_("项目责任人"))
    overdue = yes_no_filter(None, _("已逾期"), method="filter_overdue")
    escalation = checkboxes(
        [(str(level), label) for level, label in Problem.Level.choices], _("督办层级")
    )
    raised_after = date_filter("raised_on", "gte", _("提出日期自"))
    raised_before = date_filter("raised_on", "lte", _("提出日期至"))
    due_after = date_filter("due_on", "gte", _("办结期限自"))
    due_before = date_filter("due_on", "lte", _("办结期限至"))
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = Problem
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Departments are few: all of them, in one query, once one is asked for.
        self.filters["department"].extra["choices"] = LazyChoices(department_choices)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        overdue = Problem.objects.overdue(timezone.localdate())
        if value:
            return queryset.filter(pk__in=overdue.values("pk"))
        return queryset.exclude(pk__in=overdue.values("pk"))


class FundFilterSet(LedgerFilterSet):
    """Find funds in place by the project's sector, park, zone and owner, and by the
    entry's date, kind and origin: the dashboard's funds figures are these lists."""

    q = SearchFilter(fields=("project__name", "source"), label=_("项目或资金来源"))
    project = ProjectFilter(field_name="project", label=_("项目编号"))
    sector = SectorFilter(
        field_name="project__sector", label=_("产业"), widget=forms.CheckboxSelectMultiple
    )
    sector_group = checkboxes(
        Sector.Group.choices, _("产业类别"), field_name="project__sector__group"
    )
    park = ParkFilter(
        field_name="project__park",
        label=_("园区（含下级园区）"),
        empty_label=_("全部"),
        allow_none=True,
    )
    zone = checkboxes(
        InvestmentProject.Zone.choices, _("来源区域"), field_name="project__source_zone"
    )
    owner = OwnerFilter(field_name="project__owner", label=_("项目责任人"))
    date_after = date_filter("received_on", "gte", _("到位日期自"))
    date_before = date_filter("received_on", "lte", _("到位日期至"))
    kind = checkboxes(FundEntry.Kind.choices, _("资金类别"))
    outside_province = yes_no_filter("outside_province", _("省外资金"))
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = FundEntry
        fields: list[str] = []

    # The filters the funds' tally can answer for, with the project's column each counts by.
    TALLIED = {
        "sector": "sector",
        "sector_group": "sector",
        "park": "park",
        "zone": "zone",
        "owner": "owner",
        "date_after": None,
        "date_before": None,
        "outside_province": None,
    }

    def tally_q(self, by: str | None = None) -> Q | None:
        """The same entries as a filter of their tally (``FundTally``), in the rows that
        count them by the project's ``by`` (sector, park, zone or owner) or by the one the
        filters name; None where the tally cannot express the filters (a word, a project,
        a kind, 示例数据, two of those columns, ``owner=me``), or they are wrong."""
        data = self.given()
        if data is None or not data.keys() <= self.TALLIED.keys():
            return None
        if data.get("owner") == OwnerFilter.ME:
            return None  # whose, the request says
        dimensions = {self.TALLIED[name] for name in data} - {None} | ({by} if by else set())
        if len(dimensions) > 1:
            return None
        condition = Q(dimension=dimensions.pop() if dimensions else FundTally.Dimension.SECTOR)
        condition &= tallied_sectors(data)
        if "park" in data:
            condition &= self.filters["park"].tallied(data["park"])
        if "zone" in data:
            condition &= Q(zone__in=data["zone"])
        if "owner" in data:
            condition &= Q(owner=int(data["owner"]))
        if "date_after" in data:
            condition &= Q(day__gte=data["date_after"])
        if "date_before" in data:
            condition &= Q(day__lte=data["date_before"])
        if "outside_province" in data:
            condition &= Q(outside=data["outside_province"])
        return condition


class TargetFilterSet(LedgerFilterSet):
    """Find annual targets by year and kind of unit."""

    year = django_filters.NumberFilter(
        field_name="year", label=_("年度"), min_value=2000, max_value=2100
    )
    unit = checkboxes(AnnualTarget.Unit.choices, _("考核对象类别"))
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = AnnualTarget
        fields: list[str] = []


class WarningRuleFilterSet(LedgerFilterSet):
    """Find warning rules by kind."""

    kind = checkboxes(WarningRule.Kind.choices, _("规则类型"))

    class Meta(LedgerFilterSet.Meta):
        model = WarningRule
        fields: list[str] = []
