"""Filters of the list pages, read from GET parameters so every filtered list is a URL."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.forms import FilterForm
from projects.models import (
    Company,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    Park,
    Sector,
    SizeTier,
)
from projects.units import mu_to_m2, yi_to_wan

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class YesNoWidget(django_filters.widgets.BooleanWidget):
    """A yes/no select whose empty choice means "all", not "unknown"."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.choices = (("", _("全部")), ("true", _("是")), ("false", _("否")))


def yes_no_filter(field_name: str, label) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(field_name=field_name, label=label, widget=YesNoWidget)


class ParkFilter(django_filters.ChoiceFilter):
    """A park, including its sub-parks at any depth (一区多园).

    Its choices and the sub-park lookup both come from one query of the park tree,
    which the filter set loads once per request.
    """

    tree = None

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.field_name}__in": self.tree.subtree(int(value))})


class SectorFilter(django_filters.MultipleChoiceFilter):
    """One or several sectors, offered grouped as 主导 / 新兴 / 未来."""


def sector_choices() -> list:
    """Sector choices grouped by industry group, from one query."""
    groups = {value: [] for value in Sector.Group.values}
    for pk, name, group in Sector.objects.values_list("pk", "name", "group"):
        groups[group].append((str(pk), name))
    return [(Sector.Group(group).label, sectors) for group, sectors in groups.items() if sectors]


class LedgerFilterSet(django_filters.FilterSet):
    """A filter set with Bootstrap widgets and its choice lists read once per request."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        tree = None
        for filter_ in self.filters.values():
            if isinstance(filter_, ParkFilter):
                tree = tree or Park.objects.tree()
                filter_.tree = tree
                filter_.extra["choices"] = tree.choices()
            elif isinstance(filter_, SectorFilter):
                filter_.extra["choices"] = sector_choices()

    class Meta:
        form = FilterForm


class ProjectFilterSet(LedgerFilterSet):
    """Find projects the way leaders count them: by size, industry, park, stage and period."""

    q = django_filters.CharFilter(method="search", label=_("关键词"))
    size = django_filters.ChoiceFilter(
        method="filter_size", choices=SizeTier.choices, label=_("投资规模"), empty_label=_("全部")
    )
    investment_min = django_filters.NumberFilter(
        method="filter_investment", label=_("总投资不低于（亿元）"), min_value=0
    )
    investment_max = django_filters.NumberFilter(
        method="filter_investment", label=_("总投资不高于（亿元）"), min_value=0
    )
    sector = SectorFilter(field_name="sector", label=_("产业"), widget=forms.CheckboxSelectMultiple)
    sector_group = django_filters.MultipleChoiceFilter(
        field_name="sector__group",
        choices=Sector.Group.choices,
        label=_("产业类别"),
        widget=forms.CheckboxSelectMultiple,
    )
    park = ParkFilter(field_name="park", label=_("园区（含下级园区）"), empty_label=_("全部"))
    stage = django_filters.MultipleChoiceFilter(
        choices=InvestmentProject.Stage.choices,
        label=_("阶段"),
        widget=forms.CheckboxSelectMultiple,
    )
    zone = django_filters.MultipleChoiceFilter(
        field_name="source_zone",
        choices=InvestmentProject.Zone.choices,
        label=_("来源区域"),
        widget=forms.CheckboxSelectMultiple,
    )
    landed_after = django_filters.DateFilter(
        field_name="landed_date", lookup_expr="gte", label=_("落地日期自"), widget=DATE_INPUT
    )
    landed_before = django_filters.DateFilter(
        field_name="landed_date", lookup_expr="lte", label=_("落地日期至"), widget=DATE_INPUT
    )
    signed_after = django_filters.DateFilter(
        field_name="signed_date", lookup_expr="gte", label=_("签约日期自"), widget=DATE_INPUT
    )
    signed_before = django_filters.DateFilter(
        field_name="signed_date", lookup_expr="lte", label=_("签约日期至"), widget=DATE_INPUT
    )
    landed = django_filters.BooleanFilter(
        field_name="landed_date",
        lookup_expr="isnull",
        exclude=True,
        label=_("已落地"),
        widget=YesNoWidget,
    )
    leased = yes_no_filter("leased_manufacturing", _("租赁制造业项目"))
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = InvestmentProject
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(company__name__icontains=value)
            | Q(capacity__icontains=value)
        )

    def filter_size(self, queryset, name, value):
        """亿元以上 counts 10亿元以上 too, as the county's reports do; 1亿元以下 is its own tier."""
        if value == SizeTier.BELOW_100M:
            return queryset.filter(SizeTier.q(value))
        return queryset.at_least(value)

    def filter_investment(self, queryset, name, value):
        lookup = "gte" if name == "investment_min" else "lte"
        return queryset.filter(**{f"total_investment_wan__{lookup}": yi_to_wan(value)})


class ParcelFilterSet(LedgerFilterSet):
    """Find land by park, supply mode, status and size."""

    q = django_filters.CharFilter(field_name="code", lookup_expr="icontains", label=_("地块编号"))
    park = ParkFilter(field_name="park", label=_("园区（含下级园区）"), empty_label=_("全部"))
    supply_mode = django_filters.MultipleChoiceFilter(
        choices=LandParcel.SupplyMode.choices,
        label=_("供地方式"),
        widget=forms.CheckboxSelectMultiple,
    )
    status = django_filters.MultipleChoiceFilter(
        choices=LandParcel.Status.choices, label=_("状态"), widget=forms.CheckboxSelectMultiple
    )
    area_min = django_filters.NumberFilter(
        method="filter_area", label=_("面积不小于（亩）"), min_value=0
    )
    area_max = django_filters.NumberFilter(
        method="filter_area", label=_("面积不大于（亩）"), min_value=0
    )
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = LandParcel
        fields = []

    def filter_area(self, queryset, name, value):
        lookup = "gte" if name == "area_min" else "lte"
        return queryset.filter(**{f"area_m2__{lookup}": mu_to_m2(value)})


class ParkFilterSet(LedgerFilterSet):
    """Find parks by kind, parent and name."""

    q = django_filters.CharFilter(method="search", label=_("关键词"))
    kind = django_filters.MultipleChoiceFilter(
        choices=Park.Kind.choices, label=_("类型"), widget=forms.CheckboxSelectMultiple
    )
    parent = ParkFilter(
        field_name="parent", label=_("上级园区（含各级下级）"), empty_label=_("全部")
    )
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = Park
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(town__icontains=value))


class CompanyFilterSet(LedgerFilterSet):
    """Find companies by name, credit code and region."""

    q = django_filters.CharFilter(method="search", label=_("名称或信用代码"))
    home_region = django_filters.CharFilter(lookup_expr="icontains", label=_("所在地区"))
    above_scale = yes_no_filter("above_scale", _("规上企业"))
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = Company
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value))


class LeaseFilterSet(LedgerFilterSet):
    """Find 先租后供 leases by status, park, end of term and the dates they must meet."""

    q = django_filters.CharFilter(method="search", label=_("地块、项目或企业"))
    status = django_filters.MultipleChoiceFilter(
        choices=LeaseAgreement.Status.choices,
        label=_("状态"),
        widget=forms.CheckboxSelectMultiple,
    )
    park = ParkFilter(
        field_name="parcel__park", label=_("园区（含下级园区）"), empty_label=_("全部")
    )
    end_after = django_filters.DateFilter(
        field_name="end_date", lookup_expr="gte", label=_("到期日期自"), widget=DATE_INPUT
    )
    end_before = django_filters.DateFilter(
        field_name="end_date", lookup_expr="lte", label=_("到期日期至"), widget=DATE_INPUT
    )
    due_within = django_filters.NumberFilter(
        method="filter_due_within",
        label=_("今后N天内有到期或期限"),
        min_value=0,
        max_value=3650,
        decimal_places=0,
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("已逾期"), widget=YesNoWidget
    )
    illustrative = yes_no_filter("illustrative", _("示例数据"))

    class Meta(LedgerFilterSet.Meta):
        model = LeaseAgreement
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(parcel__code__icontains=value)
            | Q(project__name__icontains=value)
            | Q(project__company__name__icontains=value)
        )

    def filter_due_within(self, queryset, name, value):
        return queryset.filter(
            pk__in=LeaseAgreement.objects.due_within(int(value), timezone.localdate()).values("pk")
        )

    def filter_overdue(self, queryset, name, value):
        overdue = LeaseAgreement.objects.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)
