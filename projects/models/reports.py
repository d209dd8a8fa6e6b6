"""Issued monthly reports (招商月报): the PDF and XLSX of a period as they were issued,
kept unchanged whatever the ledger becomes, each issue of a period a new version."""

from django.conf import settings
from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IssuedReport(models.Model):
    """One issue of the monthly report of a period, basis and language: its files, who
    issued it and when. Issued reports are never changed: issuing the same period again
    adds the next version beside the ones before."""

    # Set when the report is issued, from the period form's checked values; no form edits
    # an issued report.
    start = models.DateField(_("自"), editable=False)
    end = models.DateField(_("至"), editable=False)
    # The date the period counts by: "landed" or "signed", as ``dashboard.Period.basis``.
    basis = models.CharField(_("按"), max_length=10, editable=False)
    language = models.CharField(
        _("语言"), max_length=10, choices=settings.LANGUAGES, editable=False
    )
    version = models.PositiveSmallIntegerField(_("版本"), editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("印发人"),
        on_delete=models.PROTECT,
        related_name="issued_reports",
    )
    issued_at = models.DateTimeField(_("印发时间"), default=timezone.now)
    pdf = models.FileField(_("PDF文件"), upload_to="reports/")
    xlsx = models.FileField(_("XLSX文件"), upload_to="reports/")

    class Meta:
        verbose_name = _("已印发月报")
        verbose_name_plural = pgettext_lazy("plural", "已印发月报")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["start", "end", "basis", "language", "version"],
                name="issued_report_version_unique",
                violation_error_message=_("该期月报的这一版本已经印发。"),
            ),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="issued_report_period_in_order",
                violation_error_message=_("月报的结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d}—{self.end:%Y-%m-%d} v{self.version}"

    def next_version(self) -> int:
        """The version this report takes: one after the latest issued of its period, basis
        and language."""
        same = IssuedReport.objects.filter(
            start=self.start, end=self.end, basis=self.basis, language=self.language
        )
        return (same.aggregate(latest=Max("version"))["latest"] or 0) + 1

    def file_stem(self) -> str:
        """The files' name without extension: period, basis, language and version."""
        return f"monthly-{self.start}-{self.end}-{self.basis}-{self.language}-v{self.version}"
