"""URLs of the ledger's pages."""

from django.urls import path, re_path

from projects import maps, views
from projects.reports import views as reports

app_name = "projects"

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project"),
    path("parks/", views.ParkListView.as_view(), name="park_list"),
    path("parks/<int:pk>/", views.ParkDetailView.as_view(), name="park"),
    path("parcels/", views.ParcelListView.as_view(), name="parcel_list"),
    path("parcels/<int:pk>/", views.ParcelDetailView.as_view(), name="parcel"),
    path("companies/", views.CompanyListView.as_view(), name="company_list"),
    path("companies/<int:pk>/", views.CompanyDetailView.as_view(), name="company"),
    path("leases/", views.LeaseListView.as_view(), name="lease_list"),
    path("leases/<int:pk>/", views.LeaseDetailView.as_view(), name="lease"),
    path("followups/", views.FollowUpListView.as_view(), name="followup_list"),
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem"),
    path("funds/", views.FundListView.as_view(), name="fund_list"),
    path("targets/", views.TargetListView.as_view(), name="target_list"),
    path("targets/new/", views.TargetCreateView.as_view(), name="target_add"),
    path("targets/<int:pk>/edit/", views.TargetUpdateView.as_view(), name="target_edit"),
    path("targets/<int:pk>/delete/", views.TargetDeleteView.as_view(), name="target_delete"),
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("warning-rules/", views.WarningRuleListView.as_view(), name="warningrule_list"),
    path("map/", maps.MapView.as_view(), name="map"),
    path("map/parcels.geojson", maps.ParcelGeoJSONView.as_view(), name="map_parcels"),
    path("map/parks.geojson", maps.ParkGeoJSONView.as_view(), name="map_parks"),
    path("reports/", reports.ReportView.as_view(), name="reports"),
    path("reports/monthly.pdf", reports.ReportFileView.as_view(), {"format": "pdf"}, "report_pdf"),
    path(
        "reports/monthly.xlsx", reports.ReportFileView.as_view(), {"format": "xlsx"}, "report_xlsx"
    ),
    re_path(
        r"^reports/issued/(?P<pk>[0-9]+)\.(?P<format>pdf|xlsx)$",
        reports.IssuedReportFileView.as_view(),
        name="issued_report",
    ),
]
