"""Pages for finding and reading the ledger: home, lists and detail pages."""

from django.db.models import Count, F, Prefetch, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView

from projects.filters import CompanyFilterSet, ParcelFilterSet, ParkFilterSet, ProjectFilterSet
from projects.listing import ObjectListView
from projects.models import Company, InvestmentProject, LandParcel, Park, SizeTier
from projects.tables import CompanyTable, ParcelTable, ParkTable, ProjectTable
from projects.units import m2_to_mu, wan_to_yi

# How many related rows a detail page lists before pointing to the filtered list.
DETAIL_ROWS = 20


class RecordView(DetailView):
    """A record's page, linking to its admin change page for users who may edit it."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        opts = self.object._meta
        context["can_change"] = self.request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )
        context["admin_url"] = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.object.pk]
        )
        return context


class HomeView(TemplateView):
    """A short overview of the ledger with a way into every list."""

    template_name = "projects/home.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        projects = InvestmentProject.objects.aggregate(
            count=Count("pk"),
            at_least_1yi=Count("pk", filter=SizeTier.at_least_q(SizeTier.FROM_100M)),
            total=Sum("total_investment_wan"),
        )
        context.update(
            project_count=projects["count"],
            project_at_least_1yi=projects["at_least_1yi"],
            project_total_yi=wan_to_yi(projects["total"] or 0),
            park_count=Park.objects.count(),
            parcel_count=LandParcel.objects.count(),
            company_count=Company.objects.count(),
        )
        return context


class ProjectListView(ObjectListView):
    queryset = InvestmentProject.objects.select_related("company", "sector", "park").order_by(
        F("landed_date").desc(nulls_last=True), "-pk"
    )
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    total = ("total_investment_wan", wan_to_yi, _("总投资（亿元）"))


class ParcelListView(ObjectListView):
    queryset = (
        LandParcel.objects.select_related("park")
        .prefetch_related(Prefetch("projects", InvestmentProject.objects.only("pk", "name")))
        .order_by("code", "pk")
    )
    filterset_class = ParcelFilterSet
    table_class = ParcelTable
    total = ("area_m2", m2_to_mu, _("总面积（亩）"))


class ParkListView(ObjectListView):
    queryset = (
        Park.objects.select_related("parent")
        .annotate(
            parcel_count=Count("parcels", distinct=True),
            project_count=Count("projects", distinct=True),
        )
        .order_by("name", "pk")
    )
    filterset_class = ParkFilterSet
    table_class = ParkTable


class CompanyListView(ObjectListView):
    queryset = Company.objects.annotate(
        project_count=Count("projects"), investment_wan=Sum("projects__total_investment_wan")
    ).order_by("name", "pk")
    filterset_class = CompanyFilterSet
    table_class = CompanyTable


class ProjectDetailView(RecordView):
    queryset = InvestmentProject.objects.select_related("company", "sector", "park__parent")
    template_name = "projects/project_detail.html"
    context_object_name = "project"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["parcels"] = self.object.parcels.select_related("park")
        return context


class ParkDetailView(RecordView):
    queryset = Park.objects.select_related("parent")
    template_name = "projects/park_detail.html"
    context_object_name = "park"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        park = self.object
        subtree = Park.objects.tree().subtree(park.pk)
        projects = InvestmentProject.objects.filter(park__in=subtree)
        summary = projects.aggregate(count=Count("pk"), total=Sum("total_investment_wan"))
        context.update(
            children=park.children.all(),
            parcels=park.parcels.all()[:DETAIL_ROWS],
            parcel_count=park.parcels.count(),
            projects=projects.select_related("company", "park").order_by(
                "-total_investment_wan", "pk"
            )[:DETAIL_ROWS],
            project_count=summary["count"],
            project_total_yi=wan_to_yi(summary["total"] or 0),
            detail_rows=DETAIL_ROWS,
        )
        return context


class ParcelDetailView(RecordView):
    queryset = LandParcel.objects.select_related("park")
    template_name = "projects/parcel_detail.html"
    context_object_name = "parcel"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["projects"] = self.object.projects.select_related("company")
        return context


class CompanyDetailView(RecordView):
    model = Company
    template_name = "projects/company_detail.html"
    context_object_name = "company"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["projects"] = self.object.projects.select_related("sector", "park").order_by(
            F("landed_date").desc(nulls_last=True), "pk"
        )
        return context
