"""The monthly report's pages: choosing a period and downloading its PDF or XLSX
(Viewers), issuing it (Managers), and downloading the issued versions."""

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from projects.dashboard import Period, PeriodForm
from projects.lists.sheets import CONTENT_TYPES, attach
from projects.models import IssuedReport
from projects.reports import content, render
from projects.roles import LoggedInRequest
from projects.views import DashboardView

# The report's figures are the dashboard's, funds in place and targets always among them:
# whoever may see all of those on the dashboard may download the report.
REPORT_PERMISSIONS = (
    *DashboardView.permission_required,
    "projects.view_fundentry",
    "projects.view_annualtarget",
)
# How many of the latest issued reports the page lists.
ISSUED_ROWS = 50
FORMATS = ("pdf", "xlsx")


def last_month_end(today: date) -> date:
    """The last day of the month before ``today``'s."""
    return today.replace(day=1) - timedelta(days=1)


def presets(today: date) -> list[tuple[date, date]]:
    """The periods a report is usually made for: last month, the year to its end (1—N月),
    last quarter and last year."""
    month_end = last_month_end(today)
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    quarter_end = quarter_start - timedelta(days=1)
    periods = [
        (month_end.replace(day=1), month_end),
        (date(month_end.year, 1, 1), month_end),
        (date(quarter_end.year, (quarter_end.month - 1) // 3 * 3 + 1, 1), quarter_end),
        (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]
    return list(dict.fromkeys(periods))


class ReportForm(PeriodForm):
    """The report's period and basis, read from GET or POST parameters; by default the
    year to the end of last month, by landed date."""

    size = None  # type: ignore[assignment]
    as_of = None  # type: ignore[assignment]

    def __init__(self, query: Any, today: date) -> None:
        month_end = last_month_end(today)
        defaults = {"start": date(month_end.year, 1, 1).isoformat(), "end": month_end.isoformat()}
        given = {name: query.get(name) for name in ("start", "end", "basis") if query.get(name)}
        super().__init__({**defaults, **given}, today)


def report_query(period: Period) -> str:
    """The report page's query string for a period."""
    return f"?start={period.start}&end={period.end}&basis={period.basis}"


class ReportView(PermissionRequiredMixin, TemplateView):
    """Choose a period, read the report's summary, download it; issue it by posting the
    period here (Managers); list the issued reports (users who may view them)."""

    request: LoggedInRequest  # PermissionRequiredMixin lets no one else in

    template_name = "projects/reports.html"
    permission_required = REPORT_PERMISSIONS

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        form = ReportForm(self.request.GET, today)
        valid = form.is_valid()  # the quick periods keep the basis chosen, if valid
        user = self.request.user
        context.update(
            form=form,
            presets=[
                (content.period_label(Period(start, end)), form.query(start, end))
                for start, end in presets(today)
            ],
            can_issue=user.has_perm("projects.add_issuedreport"),
            formats=FORMATS,
        )
        if valid:
            period = form.period()
            report = content.build(period, today)
            context.update(period=period, report=report, query=report_query(period))
        if user.has_perm("projects.view_issuedreport"):
            context["issued"] = IssuedReport.objects.select_related("issued_by")[:ISSUED_ROWS]
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        """Issue the report of the period posted (Managers only), then show its page."""
        if not self.request.user.has_perm("projects.add_issuedreport"):
            raise PermissionDenied
        form = ReportForm(request.POST, timezone.localdate())
        if not form.is_valid():
            messages.error(request, _("期间有误，未印发。请在下方更正。"))
            query = {name: request.POST.get(name, "") for name in ("start", "end", "basis")}
            return redirect(f"{reverse('projects:reports')}?{urlencode(query)}")
        period = form.period()
        issued = issue(period, self.request.user, request.build_absolute_uri("/"))
        messages.success(
            request,
            _("已印发%(period)s月报第%(version)s版。")
            % {"period": content.period_label(period), "version": issued.version},
        )
        return redirect(f"{reverse('projects:reports')}{report_query(period)}")


class ReportFileView(PermissionRequiredMixin, View):
    """The report of the period in the query, as a PDF or an XLSX, in the user's
    language. A period in error is shown on the report page, beside its field."""

    permission_required = REPORT_PERMISSIONS

    def get(self, request: HttpRequest, format: str) -> HttpResponse:
        form = ReportForm(request.GET, timezone.localdate())
        if not form.is_valid():
            return redirect(f"{reverse('projects:reports')}?{request.GET.urlencode()}")
        period = form.period()
        report = content.build(period)
        if format == "pdf":
            body, content_type = (
                render.pdf(report, request.build_absolute_uri("/")),
                "application/pdf",
            )
        else:
            body, content_type = render.xlsx(report), CONTENT_TYPES["xlsx"]
        response = HttpResponse(body, content_type=content_type)
        attach(response, f"monthly-{period.start}-{period.end}-{period.basis}.{format}")
        return response


def issue(period: Period, user: User, base_url: str) -> IssuedReport:
    """Issue the report of ``period`` in the active language: its PDF and XLSX as they
    are now, kept as the next version of the period's report."""
    report = content.build(period)
    pdf, xlsx = render.pdf(report, base_url), render.xlsx(report)
    with transaction.atomic():
        issued = IssuedReport(
            start=period.start,
            end=period.end,
            basis=period.basis,
            language=get_language(),
            issued_by=user,
        )
        issued.version = issued.next_version()
        issued.pdf.save(f"{issued.file_stem()}.pdf", ContentFile(pdf), save=False)
        issued.xlsx.save(f"{issued.file_stem()}.xlsx", ContentFile(xlsx), save=False)
        issued.save()
    return issued


class IssuedReportFileView(PermissionRequiredMixin, View):
    """An issued report's PDF or XLSX, exactly as it was issued; 404 if its file was
    removed from ``MEDIA_ROOT``."""

    permission_required = "projects.view_issuedreport"

    def get(self, request: HttpRequest, pk: str, format: str) -> FileResponse:
        issued = get_object_or_404(IssuedReport, pk=pk)
        stored = issued.pdf if format == "pdf" else issued.xlsx
        try:
            file = stored.open("rb")
        except FileNotFoundError:
            raise Http404(_("该月报的文件已不在存储目录中。")) from None
        return FileResponse(file, as_attachment=True, filename=f"{issued.file_stem()}.{format}")
