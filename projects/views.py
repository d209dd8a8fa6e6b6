"""Pages for finding and reading the ledger: home, lists and detail pages."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Model, Prefetch, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DeleteView, DetailView, TemplateView, UpdateView
from django.views.generic.detail import SingleObjectTemplateResponseMixin
from django.views.generic.edit import ModelFormMixin, ProcessFormView

from projects import dashboard, maps, services, warnings
from projects.filters import (
    CompanyFilterSet,
    DepartmentFilterSet,
    FollowUpFilterSet,
    FundFilterSet,
    LeaseFilterSet,
    ParcelFilterSet,
    ParkFilterSet,
    ProblemFilterSet,
    ProjectFilterSet,
    TargetFilterSet,
    WarningRuleFilterSet,
)
from projects.forms import (
    AssessmentForm,
    DecisionForm,
    FollowUpForm,
    FundEntryForm,
    ProblemProgressForm,
    ProblemRaiseForm,
    TargetForm,
)
from projects.history import timeline
from projects.lists.data import per_row, rows_by_key
from projects.lists.sheets import download
from projects.lists.tables import ListTable
from projects.lists.views import ObjectListView, related_table
from projects.models import (
    AnnualTarget,
    Assessment,
    Company,
    Decision,
    Department,
    FollowUp,
    FundEntry,
    FundTally,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    Park,
    Problem,
    ProjectTally,
    WarningRule,
)
from projects.models.assessments import ASSESSMENT_FIGURES
from projects.models.funds import FundsInPlace
from projects.my_work import my_work
from projects.roles import LoggedInRequest, Viewable
from projects.tables import (
    WARNING_COLUMNS,
    CompanyTable,
    DepartmentTable,
    FollowUpTable,
    FundTable,
    LeaseTable,
    ParcelTable,
    ParkTable,
    ProblemTable,
    ProjectTable,
    TargetTable,
    WarningRuleTable,
    pipeline_rank,
)
from projects.templatetags.ledger import warning_badge
from projects.units import m2_to_mu, wan_to_yi

# How far ahead the home page looks for lease dates to meet; it lists the overdue too.
DUE_SOON_DAYS = 90
# How many of those leases the home page lists before pointing to the filtered list.
DETAIL_ROWS = 20
# How many of its latest follow-ups a project's page shows before linking to the rest.
FOLLOW_UPS_SHOWN = 10


class RecordView(PermissionRequiredMixin, DetailView):
    """A record's page, for users who may view the model, linking to its admin change page
    for staff who may edit it. Records of other models, referred to or listed, show only to
    users who may view those models too (``can_view``)."""

    request: LoggedInRequest  # PermissionRequiredMixin lets no one else in

    def get_permission_required(self) -> tuple[str]:
        opts = self.get_queryset().model._meta
        return (f"{opts.app_label}.view_{opts.model_name}",)

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        opts = self.object._meta
        user = self.request.user
        context["can_change"] = user.is_staff and user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )
        context["admin_url"] = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.object.pk]
        )
        context["can_view"] = Viewable(user)
        if hasattr(self.object, "history"):
            context["history"] = timeline(self.object, viewable=context["can_view"].model)
        return context

    def related(
        self,
        listing: type[ObjectListView],
        prefix: str,
        exclude: Sequence[str] = (),
        count: int | None = None,
        **lookups: Any,
    ) -> ListTable | None:
        """The record's related rows (those of ``listing`` that match ``lookups``) in the
        table of their list, read as that list reads them, for a user who may view them;
        None for any other. A ``count`` already known saves counting them again."""
        opts = listing.queryset.model._meta
        if not self.request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            return None
        rows = listing.queryset.filter(**lookups)
        return related_table(self.request, listing.table_class, rows, prefix, exclude, count)


class PageActions(RecordView):
    """A record's page with forms posted to it, each named by the ``action``
    field it sends: ``actions`` maps each action to the permission it needs and its
    form, a model form of the record it writes (``new_record``, unsaved).

    A post of an unknown action is refused (400), one the user may not make is
    forbidden (403). A valid form is handed to ``perform``, which saves it and says so
    in a message, and the browser is sent back to the page (post, redirect, get); an
    invalid one, or one that ``perform`` refuses with a ``ValidationError``, shows the
    page again with the form as typed and its errors beside their fields, in the
    context as ``<action>_form``. Each form has the action as its prefix, so that two
    forms on one page may have fields of the same name.
    """

    actions: dict[str, tuple[str, type[forms.ModelForm]]]

    def unbound_form(self, action: str, **initial: Any) -> forms.ModelForm:
        """The form of ``action`` as a page first shows it, with ``initial`` values."""
        _permission, form_class = self.actions[action]
        return form_class(prefix=action, initial=initial)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        action = request.POST.get("action")
        if action not in self.actions:
            return HttpResponseBadRequest(gettext("未知的操作。"))
        permission, form_class = self.actions[action]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        # The record the form would write knows its parent, so the form checks its rules.
        form = form_class(request.POST, prefix=action, instance=self.new_record(action))
        if form.is_valid():
            try:
                self.perform(action, form)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(self.object)
        return self.render_to_response(self.get_context_data(**{f"{action}_form": form}))

    def new_record(self, action: str) -> Model:
        """The record the form of ``action`` writes, unsaved."""
        raise NotImplementedError

    def perform(self, action: str, form: forms.ModelForm) -> None:
        """Do what a valid form of ``action`` asks, or raise ``ValidationError``."""
        raise NotImplementedError


class DashboardView(PermissionRequiredMixin, TemplateView):
    """The leaders' figures for a period, each linked to the projects behind it, the
    先租后供 leases that need attention (overdue, or with a date to meet soon), and the
    user's own 「我的待办」."""

    request: LoggedInRequest  # PermissionRequiredMixin lets no one else in

    template_name = "projects/dashboard.html"
    permission_required = ("projects.view_investmentproject", "projects.view_leaseagreement")
    export_formats = ("csv", "xlsx")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        today = timezone.localdate()
        form = dashboard.PeriodForm(request.GET, today)
        context = self.get_context_data(form=form, today=today)
        if form.is_valid():
            period = form.period()
            board = dashboard.Dashboard(period, form.breakdown_size())
            tables = board.breakdowns()
            context.update(
                period=period,
                cards=board.headline(),
                tables=tables,
                crossed=board.crossed(),
                size_label=form.breakdown_size_label(),
                warnings=board.warnings(form.cleaned_data["as_of"]),
            )
            if request.user.has_perm("projects.view_fundentry"):
                context.update(funds=board.funds(), funds_tables=board.funds_breakdowns())
            if request.user.has_perm("projects.view_annualtarget"):
                context["targets"] = board.targets(today)
            # A period without projects says so, and offers the latest year with some.
            context["empty"] = not any(table.figures for table in tables)
            if context["empty"] and (latest := board.latest_year()) is not None:
                context["latest"] = (
                    dashboard.year_label(latest.start.year),
                    form.query(latest.start, latest.end),
                )
            export_format = request.GET.get("_export")
            if export_format in self.export_formats:
                sheets = dashboard.sheets(
                    period,
                    context["cards"],
                    tables,
                    context["crossed"],
                    context.get("funds"),
                    context.get("funds_tables", []),
                    context.get("targets"),
                )
                filename = f"dashboard-{period.start}-{period.end}.{export_format}"
                return download(export_format, sheets, filename)
        # Each quick period is a link of its own, keeping only the basis and size chosen.
        context["presets"] = [
            (label, form.query(start, end)) for label, start, end in dashboard.presets(today)
        ]
        return self.render_to_response(context)

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        today = context["today"]
        attention = (
            LeaseAgreement.objects.needing_attention(DUE_SOON_DAYS, today)
            .select_related("parcel", "project")
            .order_by("next_date", "pk")
        )
        context.update(
            export_formats=self.export_formats,
            attention=[
                (lease, lease.next_deadline(today))
                for lease in rows_by_key(attention, slice(DETAIL_ROWS))
            ],
            attention_count=attention.count(),
            attention_query=urlencode({"attention": DUE_SOON_DAYS, "sort": "next_date"}),
            due_soon_days=DUE_SOON_DAYS,
        )
        if self.request.user.has_perm("projects.view_problem"):
            context["problems"] = dashboard.problem_figures()
        context["my_work"] = my_work(self.request)
        context["my_work_empty"] = not any(part.count for part in context["my_work"])
        return context


class ProjectListView(ObjectListView):
    queryset = InvestmentProject.objects.select_related(
        "company", "sector", "park", "owner"
    ).order_by(F("landed_date").desc(nulls_last=True), "-pk")
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    see_also = [(WarningRule, "projects:warningrule_list")]
    total = ("total_investment_wan", _("总投资（亿元）"), wan_to_yi)

    @cached_property
    def aggregates(self) -> dict:
        """Read from the projects' tally where it can answer for the filters: the same
        figures, without reading every project of a large filtered set."""
        condition = self.filterset.tally_q()
        if condition is None:
            return super().aggregates
        (figures,) = ProjectTally.objects.filter(condition).figures()
        return {"count": figures["count"], "total": figures["total"]}

    def get_table_kwargs(self) -> dict:
        # The reasons of the warnings are written with the rules the filter set read.
        return {**super().get_table_kwargs(), "rules": self.filterset.rules}


class ParcelListView(ObjectListView):
    queryset = (
        LandParcel.objects.select_related("park")
        .prefetch_related(Prefetch("projects", InvestmentProject.objects.only("pk", "name")))
        .order_by("code_sort_key", "pk")
    )
    filterset_class = ParcelFilterSet
    table_class = ParcelTable
    total = ("area_m2", _("总面积（亩）"), m2_to_mu)

    def get_context_data(self, **kwargs: Any) -> dict:
        # The map of the same parcels: the list's filters, without its paging and order.
        context = super().get_context_data(**kwargs)
        filters = self.request.GET.copy()
        for parameter in ("page", "per_page", "sort", self.export_trigger_param):
            filters.pop(parameter, None)
        query = filters.urlencode()
        context["map_url"] = reverse("projects:map") + (f"?{query}" if query else "")
        return context


class ParkListView(ObjectListView):
    queryset = Park.objects.select_related("parent").order_by("name", "pk")
    filterset_class = ParkFilterSet
    table_class = ParkTable
    total = ("floor_area_m2", _("总建筑面积（m²）"))


class CompanyListView(ObjectListView):
    queryset = Company.objects.order_by("name", "pk")
    filterset_class = CompanyFilterSet
    table_class = CompanyTable


class LeaseListView(ObjectListView):
    queryset = LeaseAgreement.objects.select_related("parcel", "project__company").order_by(
        "end_date", "pk"
    )
    filterset_class = LeaseFilterSet
    table_class = LeaseTable
    total = ("annual_rent_wan", _("年租金合计（万元）"))


class FollowUpListView(ObjectListView):
    queryset = (
        FollowUp.objects.select_related("project", "recorded_by")
        .prefetch_related("staff")
        .order_by("-occurred_on", "-pk")
    )
    filterset_class = FollowUpFilterSet
    table_class = FollowUpTable


class ProblemListView(ObjectListView):
    """The problem list, the most urgent first: open problems by due date, the closed after."""

    queryset = (
        Problem.objects.select_related("project", "department")
        .annotate(
            closed_rank=Case(When(status__in=Problem.OPEN_STATUSES, then=Value(0)), default=1)
        )
        .order_by("closed_rank", F("due_on").asc(nulls_last=True), "pk")
    )
    filterset_class = ProblemFilterSet
    table_class = ProblemTable
    see_also = [(Department, "projects:department_list")]


class FundListView(ObjectListView):
    queryset = FundEntry.objects.select_related("project", "recorded_by").order_by(
        "-received_on", "-pk"
    )
    filterset_class = FundFilterSet
    table_class = FundTable
    total = ("amount_wan", _("到位金额（亿元）"), wan_to_yi)

    @cached_property
    def aggregates(self) -> dict:
        """Read from the funds' tally where it can answer for the filters, as the
        dashboard's funds figures are."""
        condition = self.filterset.tally_q()
        if condition is None:
            return super().aggregates
        (figures,) = FundTally.objects.filter(condition).figures()
        return {"count": figures["count"], "total": figures["total"]}


class TargetListView(ObjectListView):
    """The annual targets, with a link to add one and one to change each for those who may
    (the Managers)."""

    queryset = AnnualTarget.objects.select_related("park", "staff").order_by(
        "-year", "unit", "zone", "park__name", "staff__username", "pk"
    )
    filterset_class = TargetFilterSet
    table_class = TargetTable
    add_label = _("新增年度目标")
    add_url_name = "projects:target_add"

    def get_table_kwargs(self) -> dict:
        kwargs = super().get_table_kwargs()
        if not self.request.user.has_perm("projects.change_annualtarget"):
            kwargs["exclude"] = (*kwargs["exclude"], "edit")
        return kwargs


class DepartmentListView(ObjectListView):
    """The departments problems are assigned to, each with its open problems; those who
    may add one do so in the admin, linked from here."""

    queryset = Department.objects.annotate(
        open_problem_count=Coalesce(per_row(Problem.objects.open(), "department", Count("*")), 0)
    ).order_by("name", "pk")
    filterset_class = DepartmentFilterSet
    table_class = DepartmentTable
    add_label = _("新增责任部门")


class WarningRuleListView(ObjectListView):
    """The warning rules, by kind and stage in pipeline order; Managers add and change
    them in the admin, linked from here."""

    queryset = WarningRule.objects.annotate(
        kind_rank=pipeline_rank("kind", list(WarningRule.Kind)),
        stage_rank=pipeline_rank("stage", list(InvestmentProject.Stage)),
    ).order_by("kind_rank", "stage_rank", "pk")
    filterset_class = WarningRuleFilterSet
    table_class = WarningRuleTable
    add_label = _("新增预警规则")


def targets_of_year(year: int) -> str:
    """The targets list of one year, where a target's page returns to."""
    return f"{reverse('projects:target_list')}?{urlencode({'year': year})}"


class TargetEditing(
    PermissionRequiredMixin,
    SingleObjectTemplateResponseMixin,
    ModelFormMixin,
    ProcessFormView,
):
    """What the pages that add and change an annual target share: the form, saved in one
    transaction with its history, and back to the list of its year with a message.

    The transaction holds the lock the form takes on the target's row while it compares
    versions, which PostgreSQL allows only inside one. A save that meets another's made
    of the same unit and year between the form's check and the write is refused as the
    check would refuse it, beside its field.
    """

    request: LoggedInRequest  # PermissionRequiredMixin lets no one else in
    model = AnnualTarget
    form_class = TargetForm
    template_name = "projects/target_form.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with transaction.atomic():
            return super().post(request, *args, **kwargs)

    def form_valid(self, form: forms.ModelForm) -> HttpResponse:
        try:
            with transaction.atomic():  # a savepoint, which a refused write rolls back to
                target = form.save()
        except IntegrityError:
            try:
                form.instance.validate_constraints()
            except ValidationError as error:
                form.add_error(None, error)
                return self.form_invalid(form)
            raise
        messages.success(self.request, gettext("已保存年度目标：%(target)s。") % {"target": target})
        return redirect(targets_of_year(target.year))

    def form_invalid(self, form: forms.ModelForm) -> HttpResponse:
        # The page names the target as stored, not as the refused form left it.
        if form.instance.pk is not None:
            form.instance.refresh_from_db()
        return super().form_invalid(form)

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        target = context.get("object")  # the target changed; none while one is added
        user = self.request.user
        context["cancel_url"] = reverse("projects:target_list")
        if target is not None:
            context.update(
                cancel_url=targets_of_year(target.year),
                history=timeline(target, viewable=Viewable(user).model),
            )
            if user.has_perm("projects.delete_annualtarget"):
                context["delete_url"] = reverse("projects:target_delete", args=[target.pk])
        return context


class TargetCreateView(TargetEditing, CreateView):
    permission_required = "projects.add_annualtarget"
    extra_context = {"title": _("新增年度目标")}

    def get_initial(self) -> dict[str, Any]:
        return {"year": timezone.localdate().year}


class TargetUpdateView(TargetEditing, UpdateView):
    permission_required = "projects.change_annualtarget"
    queryset = AnnualTarget.objects.select_related("park", "staff")
    extra_context = {"title": _("编辑年度目标")}


class TargetDeleteView(PermissionRequiredMixin, DeleteView):
    """The page where a Manager confirms deleting a target; its history keeps its last
    state."""

    permission_required = "projects.delete_annualtarget"
    queryset = AnnualTarget.objects.select_related("park", "staff")
    template_name = "projects/target_confirm_delete.html"

    def form_valid(self, form: forms.Form) -> HttpResponse:
        target = self.object
        target.delete()  # in one transaction with its history record, as Django deletes
        messages.success(self.request, gettext("已删除年度目标：%(target)s。") % {"target": target})
        return redirect(targets_of_year(target.year))


class ProjectDetailView(PageActions):
    """A project: its figures, its stages, its follow-ups with the form to log one, its
    open problems with the form to raise one, its land and leases, and its history."""

    queryset = InvestmentProject.objects.select_related(
        "company", "sector", "park__parent", "owner"
    )
    template_name = "projects/project_detail.html"
    context_object_name = "project"
    actions = {
        "follow_up": ("projects.add_followup", FollowUpForm),
        "problem": ("projects.add_problem", ProblemRaiseForm),
        "fund": ("projects.add_fundentry", FundEntryForm),
    }

    def new_record(self, action: str) -> FollowUp | Problem | FundEntry:
        user = self.request.user
        if action == "problem":  # dated today and signed by whoever raises it
            return Problem(project=self.object, raised_on=timezone.localdate(), raised_by=user)
        if action == "fund":
            return FundEntry(project=self.object, recorded_by=user)
        return FollowUp(project=self.object, recorded_by=user)

    def perform(self, action: str, form: forms.ModelForm) -> None:
        record = form.save()
        if isinstance(record, Problem):
            messages.success(self.request, gettext("问题已登记。"))
            return
        if isinstance(record, FundEntry):
            messages.success(
                self.request,
                gettext("已记录%(date)s到位资金%(amount)s亿元。")
                % {"date": f"{record.received_on:%Y-%m-%d}", "amount": record.amount_yi},
            )
            return
        messages.success(
            self.request,
            gettext("已记录%(date)s的%(kind)s。")
            % {"date": f"{record.occurred_on:%Y-%m-%d}", "kind": record.get_kind_display()},
        )

    def follow_ups(self) -> dict[str, Any]:
        """The project's latest follow-ups, newest first, and the form to log one, as the
        user may see them; only the latest one's next step can still be open."""
        user = self.request.user
        if not user.has_perm("projects.view_followup"):
            return {}
        latest = list(
            FollowUp.objects.filter(project=self.object)
            .select_related("recorded_by")
            .prefetch_related("staff")
            .order_by("-occurred_on", "-pk")[:FOLLOW_UPS_SHOWN]
        )
        context: dict[str, Any] = {
            "follow_ups": latest,
            "follow_ups_url": reverse("projects:followup_list")
            + "?"
            + urlencode({"project": self.object.pk}),
            "today": timezone.localdate(),
        }
        if user.has_perm("projects.add_followup"):
            context["follow_up_form"] = self.unbound_form(
                "follow_up", occurred_on=timezone.localdate(), staff=[user.pk]
            )
        return context

    def problems(self) -> dict[str, Any]:
        """The project's open problems, as the user may see them, and the form to raise
        one for a user who may."""
        project = self.object
        query = urlencode({"project": project.pk, "status": Problem.OPEN_STATUSES}, doseq=True)
        context: dict[str, Any] = {
            "problems": self.related(
                ProblemListView,
                "problems",
                ["project"],
                project=project,
                status__in=Problem.OPEN_STATUSES,
            ),
            "problems_url": f"{reverse('projects:problem_list')}?{query}",
        }
        if self.request.user.has_perm("projects.add_problem"):
            context["problem_form"] = self.unbound_form("problem")
        return context

    def funds(self) -> dict[str, Any]:
        """The project's funds in place against its total, their cumulative curve, and the
        form to record an entry, as the user may see them."""
        user = self.request.user
        if not user.has_perm("projects.view_fundentry"):
            return {}
        context: dict[str, Any] = {
            "funds": FundsInPlace.of(self.object),
            "funds_url": reverse("projects:fund_list")
            + "?"
            + urlencode({"project": self.object.pk}),
        }
        if user.has_perm("projects.add_fundentry"):
            context["fund_form"] = self.unbound_form("fund", received_on=timezone.localdate())
        return context

    @cached_property
    def rules(self) -> list[WarningRule]:
        return warnings.load_rules()

    def get_queryset(self) -> QuerySet:
        return warnings.annotate_warnings(super().get_queryset(), timezone.localdate(), self.rules)

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        project = self.object
        # A form posted with errors is shown as typed, in place of a new one.
        context = {
            **context,
            **self.follow_ups(),
            **self.problems(),
            **self.funds(),
            **kwargs,
        }
        context["warning"] = warning_badge(project, self.rules)
        context.update(
            parcels=self.related(ParcelListView, "parcels", ["projects"], projects=project),
            leases=self.related(LeaseListView, "leases", ["project", "company"], project=project),
            reclaims=Decision.objects.filter(
                kind=Decision.Kind.RECLAIM, assessment__lease__project=project
            ).select_related("assessment__lease__parcel"),
            **maps.record_map(
                self.request,
                LandParcel.objects.filter(projects=project, boundary__isnull=False)
                .select_related("park")
                .order_by("code_sort_key", "pk"),
                [],
            ),
        )
        return context


class ParkDetailView(RecordView):
    queryset = Park.objects.select_related("parent")
    template_name = "projects/park_detail.html"
    context_object_name = "park"

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        park = self.object
        subtree = Park.objects.tree().subtree(park.pk)
        projects = InvestmentProject.objects.filter(park__in=subtree)
        summary = projects.aggregate(count=Count("pk"), total=Sum("total_investment_wan"))
        context.update(
            children=self.related(ParkListView, "children", ["parent"], parent=park),
            parcels=self.related(ParcelListView, "parcels", park__in=subtree),
            projects=self.related(
                ProjectListView,
                "projects",
                WARNING_COLUMNS,
                count=summary["count"],
                park__in=subtree,
            ),
            project_count=summary["count"],
            project_total_yi=wan_to_yi(summary["total"] or 0),
            **maps.record_map(
                self.request,
                [],
                [park],
                parcels_url=f"{reverse('projects:map_parcels')}?park={park.pk}",
            ),
        )
        return context


class ParcelDetailView(RecordView):
    queryset = LandParcel.objects.select_related("park")
    template_name = "projects/parcel_detail.html"
    context_object_name = "parcel"

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        parcel = self.object
        context.update(
            projects=self.related(ProjectListView, "projects", WARNING_COLUMNS, parcels=parcel),
            leases=self.related(LeaseListView, "leases", ["parcel"], parcel=parcel),
            **maps.record_map(self.request, [parcel], [parcel.park]),
        )
        return context


class CompanyDetailView(RecordView):
    model = Company
    template_name = "projects/company_detail.html"
    context_object_name = "company"

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["projects"] = self.related(
            ProjectListView, "projects", ["company", *WARNING_COLUMNS], company=self.object
        )
        return context


class LeaseDetailView(PageActions):
    """A lease: its parcel, its targets beside the latest actuals, its history, and the
    forms to record an assessment and decide on it, for users allowed to."""

    queryset = LeaseAgreement.objects.select_related("parcel__park", "project__company")
    template_name = "projects/lease_detail.html"
    context_object_name = "lease"

    # Each form posted to this page: the permission it needs and what it does.
    actions = {
        "assess": ("projects.add_assessment", AssessmentForm),
        "decide": ("projects.decide_lease", DecisionForm),
    }

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        lease = self.object
        user = self.request.user
        assessments = list(
            lease.assessments.select_related("decision__decided_by").prefetch_related("results")
        )
        latest = assessments[-1] if assessments else None
        latest_results = (
            {result.indicator: result for result in latest.results.all()} if latest else {}
        )
        undecided = latest is not None and not hasattr(latest, "decision")
        context.update(
            targets=[
                (target, latest_results.get(target.indicator)) for target in lease.targets.all()
            ],
            assessments=assessments[::-1],
            latest=latest,
            rent_paid=lease.rent_paid_wan(timezone.localdate()),
            can_assess=lease.is_active and user.has_perm("projects.add_assessment"),
            can_decide=lease.is_active and undecided and user.has_perm("projects.decide_lease"),
        )
        today = timezone.localdate()
        context.setdefault("assess_form", self.unbound_form("assess", assessed_on=today))
        context.setdefault("decide_form", self.unbound_form("decide", decided_on=today))
        return context

    def new_record(self, action: str) -> Assessment | Decision:
        """The assessment of the lease, or the decision on its latest assessment, unsaved."""
        if action == "assess":
            return Assessment(lease=self.object)
        return Decision(assessment=self.latest_assessment())

    def latest_assessment(self) -> Assessment | None:
        return self.object.assessments.order_by("-assessed_on", "-pk").first()

    def perform(self, action: str, form: forms.ModelForm) -> None:
        lease = self.object
        data = form.cleaned_data
        if action == "assess":
            figures = {name: data[name] for name in ASSESSMENT_FIGURES}
            assessment = services.record_assessment(
                lease,
                kind=data["kind"],
                assessed_on=data["assessed_on"],
                assessor=data["assessor"],
                notes=data["notes"],
                **figures,
            )
            verdict = gettext("全部达标") if assessment.passed else gettext("未全部达标")
            messages.success(
                self.request, gettext("考核已记录：%(verdict)s。") % {"verdict": verdict}
            )
        else:
            latest = self.latest_assessment()
            if latest is None:
                raise ValidationError(gettext("尚无考核，不能作出决定。"))
            decision = services.decide(
                latest,
                kind=data["kind"],
                decided_on=data["decided_on"],
                reason=data["reason"],
                user=self.request.user,
                transfer_price_wan=data["transfer_price_wan"],
                new_deadline=data["new_deadline"],
            )
            messages.success(
                self.request,
                gettext("已作出决定：%(decision)s。") % {"decision": decision.get_kind_display()},
            )


class ProblemDetailView(RecordView):
    """A problem, its history, and the form to move it on, for users who may change it:
    its status and result, and its escalation; 无法解决 only for those allowed to."""

    queryset = Problem.objects.select_related("project", "department", "raised_by")
    template_name = "projects/problem_detail.html"
    context_object_name = "problem"
    object: Problem

    def progress_form(self, data: Any = None) -> ProblemProgressForm:
        may_close = self.request.user.has_perm("projects.close_unresolvable")
        return ProblemProgressForm(
            data, prefix="progress", instance=self.object, may_close_unresolvable=may_close
        )

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["can_progress"] = self.request.user.has_perm("projects.change_problem")
        context["days_overdue"] = self.object.days_overdue(timezone.localdate())
        context.setdefault("progress_form", self.progress_form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        if not request.user.has_perm("projects.change_problem"):
            raise PermissionDenied
        form = self.progress_form(request.POST)
        # One transaction: the form locks the problem's row while it compares versions.
        with transaction.atomic():
            saved = form.is_valid()
            if saved:
                form.save()
        if not saved:
            # The page shows the problem as stored, not as the refused form left it.
            self.object.refresh_from_db()
            return self.render_to_response(self.get_context_data(progress_form=form))
        messages.success(request, gettext("问题已更新。"))
        return redirect(self.object)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, error pages)."""
    return redirect(static("projects/favicon.svg"), permanent=True)
