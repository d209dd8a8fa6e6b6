"""Companies (企业) that invest in the county."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from projects.models.fields import (
    ConstraintErrorsOnFields,
    NaturalKeyManager,
    NullsLastIndex,
    PinyinCharField,
    illustrative_flag,
)
from projects.models.pages import RecordPage
from projects.models.totals import StoredCount, StoredSum
from projects.validators import validate_credit_code, validate_plain_text


class Company(RecordPage, ConstraintErrorsOnFields):
    """A firm (企业) that invests in the county, identified by name and credit code."""

    page_view = "projects:company"

    name = PinyinCharField(_("名称"), max_length=100, unique=True, validators=[validate_plain_text])
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_plain_text, validate_credit_code],
        help_text=_("18位，含校验位（GB 32100-2015）；未知可留空。"),
    )
    home_region = PinyinCharField(
        _("所在地区"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    above_scale = models.BooleanField(_("规上企业"), default=False)
    illustrative = illustrative_flag()
    # Kept by the database (projects/models/totals.py).
    project_count = StoredCount(_("项目数"))
    investment_wan = StoredSum(_("总投资（万元）"))

    objects = NaturalKeyManager()
    history = HistoricalRecords(excluded_fields=["project_count", "investment_wan"])
    constraint_fields = {"company_credit_code_unique": "credit_code"}

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = pgettext_lazy("plural", "企业")
        ordering = ["name"]
        indexes = [
            # The list's sorts by each total, both ways, the companies without any last.
            models.Index(fields=["project_count", "id"], name="company_project_count_idx"),
            models.Index(fields=["investment_wan", "id"], name="company_investment_idx"),
            NullsLastIndex(fields=["-investment_wan", "-id"], name="company_investment_desc_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="company_credit_code_unique",
                violation_error_message=_("已有企业使用该统一社会信用代码。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)
