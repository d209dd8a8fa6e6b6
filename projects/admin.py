"""The Django admin, where staff edit the ledger."""

from collections.abc import Iterable
from typing import Any, TypedDict, cast

from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, QuerySet, UniqueConstraint
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise, WithAnnotations
from simple_history.admin import SimpleHistoryAdmin

from projects import search
from projects.admin_amounts import AmountsInYi
from projects.admin_boundaries import BoundaryImportMixin
from projects.admin_import import LedgerImportMixin
from projects.admin_lockout import LockoutAttemptAdmin
from projects.forms import StaffChoiceField, StaffMultipleChoiceField, UnresolvableGuard
from projects.history import AdminChanges
from projects.lists.data import per_row
from projects.models import (
    AnnualTarget,
    Assessment,
    Company,
    Decision,
    Department,
    FollowUp,
    FundEntry,
    IndicatorResult,
    InvestmentProject,
    IssuedReport,
    LandParcel,
    LeaseAgreement,
    LeaseTarget,
    Park,
    Problem,
    ProjectParcel,
    Sector,
    SizeTier,
    WarningRule,
)
from projects.models.fields import ConstraintErrorsOnFields
from projects.models.projects import PLANNED_DATE_ORDER
from projects.roles import Viewable
from projects.versioning import VersionedModelForm


class StaffByName:
    """An admin whose fields naming staff offer the active accounts by name, not by login,
    without the user admin's search (which only those who may view users can use)."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is get_user_model():
            return StaffChoiceField(required=not db_field.blank, label=db_field.verbose_name)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is get_user_model():
            return StaffMultipleChoiceField(required=False, label=db_field.verbose_name)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class LedgerAdmin(StaffByName, AmountsInYi, SimpleHistoryAdmin):
    """The admin of a ledger table, which may hold a province's records.

    It takes and shows amounts in 亿元 (``projects.admin_amounts``). Its change form
    refuses to save over someone else's change made since it was opened
    (``projects.versioning``). Its History page writes each change as the record's page
    does (``projects.history.AdminChanges``).

    Its list does not count the whole table beside the filtered count, and its search
    reads the same indexes as the list pages' search (``projects.search``): each word
    typed must be found in one of ``search_fields``.
    """

    show_full_result_count = False
    form = VersionedModelForm
    change_form_template = "admin/ledger_change_form.html"
    object_history_list_template = "admin/ledger_history_list.html"

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """An old version of the record, to read only.

        django-simple-history saves whatever a POST to this page sends onto the old
        version, for anyone who may view the record, and with every field of that
        version, read-only ones included: a lease's status and the deadlines its decisions
        set would go back with it. Records change through their forms and the lease's
        page, where the rules are checked, so this page refuses to save anything.
        """
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> AdminChanges:
        return AdminChanges(self.model, historical_record, Viewable(request.user).model)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        for word in smart_split(search_term):
            if word[0] in "\"'" and word[0] == word[-1]:
                word = unescape_string_literal(word)
            queryset = search.matching(queryset, tuple(self.get_search_fields(request)), word)
        return queryset, False

    def derived(self, value: object) -> object:
        """A value derived from the record, as a read-only field shows it: with thousands
        separators, or the empty value (—) while there is none, as on an add form, where
        Django's admin would write “None”."""
        return self.get_empty_value_display() if value is None else formats.localize(value)


class RepeatedRowsFormSet(BaseInlineFormSet):
    """An inline that marks a row repeating another beside the field that repeats.

    Django's own check marks the whole row, under a message naming every field of the
    unique constraint; the model's ``constraint_fields`` name the one to change (the
    indicator of a second target, the parcel of a second link).
    """

    model: type[ConstraintErrorsOnFields]

    def clean(self) -> None:
        for constraint in self.model._meta.constraints:
            field = self.model.constraint_fields.get(constraint.name)
            if field is None or not isinstance(constraint, UniqueConstraint):
                continue
            seen = set()
            for form in self.forms:
                if not form.is_valid() or form in self.deleted_forms:
                    continue
                # Every row has the same parent, which may not be saved yet.
                row = tuple(
                    form.cleaned_data.get(name)
                    for name in constraint.fields
                    if name != self.fk.name
                )
                if row in seen:
                    message = constraint.get_violation_error_message()
                    form.add_error(field, ValidationError(message, code="unique"))
                seen.add(row)
        super().clean()


class SizeTierListFilter(admin.SimpleListFilter):
    """Filter projects by size tier, which is derived from the amount, not stored."""

    title = _("投资规模")
    parameter_name = "size_tier"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> Iterable[tuple[str, StrOrPromise]]:
        return SizeTier.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        tier = self.value()
        if tier in SizeTier.values:
            return queryset.filter(SizeTier.counted_q(tier))
        return queryset


class SectorCounts(TypedDict):
    """What the sectors' admin list reads beside each sector."""

    project_count: int


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "sort_order", "project_count"]
    list_filter = ["group"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sector]:
        projects = per_row(InvestmentProject.objects, "sector", Count("*"))
        return super().get_queryset(request).annotate(project_count=Coalesce(projects, 0))

    @admin.display(description=_("项目数"), ordering="project_count")
    # Quoted: WithAnnotations takes its two arguments only where types are checked.
    def project_count(self, obj: "WithAnnotations[Sector, SectorCounts]") -> int:
        return obj.project_count


class SubParkInline(admin.TabularInline):
    model = Park
    fk_name = "parent"
    fields = ["name", "kind", "town"]
    extra = 0
    show_change_link = True
    verbose_name = _("下级园区")
    verbose_name_plural = _("下级园区（一区多园）")


@admin.register(Park)
class ParkAdmin(BoundaryImportMixin, LedgerImportMixin, LedgerAdmin):
    list_display = [
        "name",
        "kind",
        "parent",
        "town",
        "planned_area_mu",
        "floor_area_m2",
        "illustrative",
    ]
    list_filter = ["kind", "parent", "illustrative"]
    list_select_related = ["parent"]
    search_fields = ["name", "town"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["planned_area", "parcels"]
    fields = [
        "name",
        "kind",
        "parent",
        "town",
        "planned_area_m2",
        "planned_area",
        "floor_area_m2",
        "description",
        "boundary",
        "boundary_illustrative",
        "illustrative",
        "parcels",
    ]
    inlines = [SubParkInline]

    @admin.display(description=_("规划面积（亩）"))
    def planned_area(self, park: Park) -> object:
        return self.derived(park.planned_area_mu)

    @admin.display(description=_("地块"))
    def parcels(self, park: Park) -> str:
        """Links to the park's parcels in their own list, and to adding one.

        Not an inline: a park may hold thousands of parcels, which an inline would write
        into the page, and send back as more fields than a request may carry.
        """
        if park.pk is None:
            return self.get_empty_value_display()
        parcels = reverse("admin:projects_landparcel_changelist")
        add = reverse("admin:projects_landparcel_add")
        count = park.parcels.count()
        return format_html(
            '<a href="{}?{}">{}</a> · <a href="{}?{}">{}</a>',
            parcels,
            urlencode({"park__id__exact": park.pk}),
            ngettext("%(count)d 个地块", "%(count)d 个地块", count) % {"count": count},
            add,
            urlencode({"park": park.pk}),
            _("添加地块"),
        )


@admin.register(LandParcel)
class LandParcelAdmin(BoundaryImportMixin, LedgerImportMixin, LedgerAdmin):
    list_display = [
        "code",
        "park",
        "area_mu",
        "area_m2",
        "land_use",
        "supply_mode",
        "status",
        "price_wan",
        "illustrative",
    ]
    list_filter = ["supply_mode", "status", "land_use", "park", "illustrative"]
    list_select_related = ["park"]
    search_fields = ["code", "park__name"]
    autocomplete_fields = ["park"]
    readonly_fields = ["area", "boundary_area"]
    fieldsets = [
        (None, {"fields": ["code", "park", "area_m2", "area", "land_use", "illustrative"]}),
        (
            _("供地"),
            {"fields": ["supply_mode", "status", "term_years", "price_wan"]},
        ),
        (_("规划条件"), {"fields": ["plot_ratio_min", "plot_ratio_max"]}),
        (
            _("约定日期"),
            {"fields": ["agreed_handover_date", "agreed_start_date", "agreed_completion_date"]},
        ),
        (_("实际日期"), {"fields": ["handover_date", "start_date", "completion_date"]}),
        (None, {"fields": ["notes"]}),
        (_("边界"), {"fields": ["boundary", "boundary_area", "boundary_illustrative"]}),
    ]

    @admin.display(description=_("面积（亩）"))
    def area(self, parcel: LandParcel) -> object:
        return self.derived(parcel.area_mu)

    @admin.display(description=_("边界面积（亩）"))
    def boundary_area(self, parcel: LandParcel) -> object:
        if parcel.area_mismatch:
            return format_html(
                "{} <strong>{}</strong>",
                self.derived(parcel.boundary_area_mu),
                _("与登记面积相差超过5%"),
            )
        return self.derived(parcel.boundary_area_mu)


@admin.register(Company)
class CompanyAdmin(LedgerImportMixin, LedgerAdmin):
    list_display = ["name", "credit_code", "home_region", "above_scale", "illustrative"]
    list_filter = ["above_scale", "illustrative"]
    search_fields = ["name", "credit_code"]


class ProjectParcelInline(admin.TabularInline):
    model = ProjectParcel
    formset = RepeatedRowsFormSet
    autocomplete_fields = ["parcel"]
    extra = 0


@admin.register(InvestmentProject)
class InvestmentProjectAdmin(LedgerImportMixin, LedgerAdmin):
    list_display = [
        "name",
        "company",
        "sector",
        "park",
        "total_investment_wan",
        "size_tier",
        "stage",
        "landed_date",
        "leased_manufacturing",
        "illustrative",
    ]
    list_filter = [
        "sector",
        SizeTierListFilter,
        "stage",
        "source_zone",
        "park",
        "leased_manufacturing",
        "illustrative",
    ]
    list_select_related = ["company", "sector", "park", "owner"]
    search_fields = ["name", "company__name", "capacity"]
    autocomplete_fields = ["company", "sector", "park"]
    date_hierarchy = "landed_date"
    readonly_fields = ["size_tier"]
    inlines = [ProjectParcelInline]
    fieldsets = [
        (None, {"fields": ["name", "company", "sector", "park", "illustrative"]}),
        (
            _("投资"),
            {
                "fields": [
                    "total_investment_wan",
                    "size_tier",
                    "fixed_investment_wan",
                    "source_zone",
                    "leased_manufacturing",
                ]
            },
        ),
        (
            _("阶段"),
            {
                "fields": [
                    "stage",
                    *InvestmentProject.STAGE_DATES.values(),
                    "terminated_date",
                ]
            },
        ),
        (
            _("产能与效益"),
            {"fields": ["capacity", "expected_output_wan", "expected_tax_wan", "expected_jobs"]},
        ),
        (_("约定日期"), {"fields": list(PLANNED_DATE_ORDER)}),
        (_("管理"), {"fields": ["owner", "responsible", "notes"]}),
    ]

    @admin.display(description=_("投资规模"), ordering="total_investment_wan")
    def size_tier(self, obj: InvestmentProject) -> object:
        tier = obj.size_tier
        return self.derived(tier.label if tier else None)


class LeaseTargetInline(admin.TabularInline):
    model = LeaseTarget
    formset = RepeatedRowsFormSet
    extra = 0


class AssessmentInline(admin.TabularInline):
    """Past assessments, read-only: they are recorded on the lease's page, which judges them."""

    model = Assessment
    fields = ("kind", "assessed_on", "assessor", "overall")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=_("考核结果"))
    def overall(self, obj: Assessment) -> StrOrPromise:
        return _("达标") if obj.passed else _("未达标")


@admin.register(LeaseAgreement)
class LeaseAgreementAdmin(LedgerAdmin):
    list_display = [
        "parcel",
        "project",
        "start_date",
        "end_date",
        "status",
        "annual_rent_wan",
        "illustrative",
    ]
    list_filter = ["status", "parcel__park", "rent_deductible", "illustrative"]
    list_select_related = ["parcel", "project"]
    search_fields = ["parcel__code", "project__name", "project__company__name"]
    autocomplete_fields = ["parcel", "project"]
    readonly_fields = ["end_date", "status", "remediation_deadline"]
    date_hierarchy = "end_date"
    inlines = [LeaseTargetInline, AssessmentInline]


class IndicatorResultInline(admin.TabularInline):
    model = IndicatorResult
    fields = ("indicator", "direction", "target_value", "actual_value", "passed")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(AmountsInYi, admin.ModelAdmin):
    """Records written only through the lease's page, where the rules are checked: their
    admin pages are there to read, amounts in 亿元."""

    # Typed loosely: django-stubs does not know that a field of a page that is only read
    # may be a function of the record, as it may in a change list.
    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> list[Any]:
        return [self.in_yi(name) for name in super().get_fields(request, obj)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["lease", "kind", "assessed_on", "assessor"]
    list_filter = ["kind"]
    list_select_related = ["lease__parcel"]
    search_fields = ["lease__parcel__code", "lease__project__name"]
    inlines = [IndicatorResultInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "kind", "decided_on", "decided_by"]
    list_filter = ["kind"]
    list_select_related = ["assessment__lease__parcel", "decided_by"]
    search_fields = ["assessment__lease__parcel__code", "reason"]


@admin.register(IssuedReport)
class IssuedReportAdmin(ReadOnlyAdmin):
    """The issued monthly reports, to read: issued on the report page, never changed. Their
    files are linked to the view that serves them to users who may view them."""

    list_display = ["__str__", "basis", "language", "version", "issued_by", "issued_at", "files"]
    list_filter = ["basis", "language"]
    list_select_related = ["issued_by"]
    fields = readonly_fields = (
        "start",
        "end",
        "basis",
        "language",
        "version",
        "issued_by",
        "issued_at",
        "files",
    )

    @admin.display(description=_("文件"))
    def files(self, issued: IssuedReport) -> str:
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">XLSX</a>',
            reverse("projects:issued_report", args=[issued.pk, "pdf"]),
            reverse("projects:issued_report", args=[issued.pk, "xlsx"]),
        )


class RecordedByAdmin(LedgerAdmin):
    """The admin of records signed by who recorded them (a follow-up, funds in place): one
    added here is recorded by whoever adds it, unless they name another."""

    def save_model(
        self, request: HttpRequest, obj: FollowUp | FundEntry, form: Any, change: bool
    ) -> None:
        if not change and obj.recorded_by is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(FollowUp)
class FollowUpAdmin(LedgerImportMixin, RecordedByAdmin):
    list_display = ["occurred_on", "project", "kind", "next_step", "next_due", "recorded_by"]
    list_filter = ["kind", "illustrative"]
    list_select_related = ["project", "recorded_by"]
    search_fields = ["project__name", "summary", "next_step", "contacts"]
    autocomplete_fields = ["project"]
    date_hierarchy = "occurred_on"


@admin.register(FundEntry)
class FundEntryAdmin(LedgerImportMixin, RecordedByAdmin):
    list_display = [
        "received_on",
        "project",
        "amount_wan",
        "kind",
        "outside_province",
        "recorded_by",
    ]
    list_filter = ["kind", "outside_province", "illustrative"]
    list_select_related = ["project", "recorded_by"]
    search_fields = ["project__name", "source"]
    autocomplete_fields = ["project"]
    date_hierarchy = "received_on"


@admin.register(AnnualTarget)
class AnnualTargetAdmin(LedgerImportMixin, LedgerAdmin):
    list_display = [
        "year",
        "unit",
        "unit_name",
        "projects_100m",
        "projects_1b",
        "investment_wan",
        "funds_wan",
        "outside_funds_wan",
        "started",
    ]
    list_filter = ["year", "unit", "illustrative"]
    list_select_related = ["park", "staff"]
    autocomplete_fields = ["park"]


@admin.register(Department)
class DepartmentAdmin(LedgerImportMixin, LedgerAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class ProblemAdminForm(UnresolvableGuard, VersionedModelForm):
    """A problem's change form, which closes it as 无法解决 only for those allowed to."""


@admin.register(Problem)
class ProblemAdmin(LedgerImportMixin, LedgerAdmin):
    form = ProblemAdminForm
    list_display = [
        "project",
        "category",
        "department",
        "raised_on",
        "due_on",
        "status",
        "escalation",
    ]
    list_filter = ["status", "category", "escalation", "department", "illustrative"]
    list_select_related = ["project", "department"]
    search_fields = ["project__name", "description", "resolution"]
    autocomplete_fields = ["project", "department"]
    date_hierarchy = "raised_on"

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        form = cast(type[UnresolvableGuard], super().get_form(request, obj, change, **kwargs))
        form.may_close_unresolvable = request.user.has_perm("projects.close_unresolvable")
        return form

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        may_close = request.user.has_perm("projects.close_unresolvable")
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "may_close_unresolvable": may_close,
        }


@admin.register(WarningRule)
class WarningRuleAdmin(LedgerImportMixin, LedgerAdmin):
    list_display = ["kind", "stage", "yellow_days", "red_days"]
    list_filter = ["kind"]


# Axes registers its own admin of login attempts; ours gives its status in the user's language.
admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LockoutAttemptAdmin)
