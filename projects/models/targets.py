"""Annual targets (年度目标): what the county, each promotion zone (招商战区), each
top-level park and each member of staff set out to achieve in a year, against which the
dashboard reports 完成率 and 时序进度 every month."""

from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise
from simple_history.models import HistoricalRecords

from projects.models.fields import (
    ConstraintErrorsOnFields,
    UidManager,
    amount_field,
    illustrative_flag,
    record_uid,
)
from projects.models.parks import Park
from projects.models.projects import InvestmentProject
from projects.models.staff import staff_name

# Each figure a target may set. The dashboard computes each actual with its list's filter
# set (``projects.dashboard.TARGET_MEASURES``).
TARGET_FIGURES = (
    "projects_100m",
    "projects_1b",
    "investment_wan",
    "funds_wan",
    "outside_funds_wan",
    "started",
)


def count_field(verbose_name: StrOrPromise) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, null=True, blank=True)


class AnnualTarget(ConstraintErrorsOnFields):
    """One unit's targets for one year. A figure left empty has no target: the unit is
    then not ranked on it."""

    class Unit(models.TextChoices):
        COUNTY = "county", _("全县")
        ZONE = "zone", _("招商战区")
        PARK = "park", _("园区")
        STAFF = "staff", _("责任人")

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    unit = models.CharField(_("考核对象类别"), max_length=10, choices=Unit.choices)
    zone = models.CharField(
        _("招商战区"), max_length=20, choices=InvestmentProject.Zone.choices, blank=True
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("园区（含下级园区）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"parent__isnull": True},
        related_name="annual_targets",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_targets",
    )
    projects_100m = count_field(_("落地亿元以上项目（个）"))
    projects_1b = count_field(_("落地10亿元以上项目（个）"))
    investment_wan = amount_field(_("亿元以上项目总投资（万元）"), _("亿元以上项目总投资（亿元）"))
    funds_wan = amount_field(_("到位资金（万元）"), _("到位资金（亿元）"))
    outside_funds_wan = amount_field(_("省外到位资金（万元）"), _("省外到位资金（亿元）"))
    started = count_field(_("开工项目（个）"))
    illustrative = illustrative_flag()
    uid = record_uid()

    objects = UidManager["AnnualTarget"]()
    history = HistoricalRecords()
    constraint_fields = {
        "target_county_once_a_year": "year",
        "target_zone_once_a_year": "zone",
        "target_park_once_a_year": "park",
        "target_staff_once_a_year": "staff",
    }

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = pgettext_lazy("plural", "年度目标")
        ordering = ["-year", "unit", "zone", "park__name", "staff__username", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(unit="county"),
                name="target_county_once_a_year",
                violation_error_message=_("这一年已有全县目标。"),
            ),
            models.UniqueConstraint(
                fields=["year", "zone"],
                condition=Q(unit="zone"),
                name="target_zone_once_a_year",
                violation_error_message=_("这一年已有该战区的目标。"),
            ),
            models.UniqueConstraint(
                fields=["year", "park"],
                condition=Q(unit="park"),
                name="target_park_once_a_year",
                violation_error_message=_("这一年已有该园区的目标。"),
            ),
            models.UniqueConstraint(
                fields=["year", "staff"],
                condition=Q(unit="staff"),
                name="target_staff_once_a_year",
                violation_error_message=_("这一年已有该责任人的目标。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_name}"

    def natural_key(self) -> tuple[str]:
        return (str(self.uid),)

    @property
    def unit_name(self) -> str:
        """The unit as the tables name it: 全县, 长三角, 缙云经济开发区, 李明."""
        if self.unit == self.Unit.ZONE:
            return str(self.get_zone_display())
        if self.unit == self.Unit.PARK:
            return str(self.park) if self.park_id else ""
        if self.unit == self.Unit.STAFF:
            return staff_name(self.staff) if self.staff_id else ""
        return str(self.Unit.COUNTY.label)

    def clean(self) -> None:
        """The unit's own field is given, and only it: a zone's target names its zone."""
        errors = {}
        wanted: dict[str, str] = {
            self.Unit.ZONE: "zone",
            self.Unit.PARK: "park",
            self.Unit.STAFF: "staff",
        }
        given = {
            "zone": bool(self.zone),
            "park": self.park_id is not None,
            "staff": self.staff_id is not None,
        }
        for name, is_given in given.items():
            if wanted.get(self.unit) == name and not is_given:
                errors[name] = _("请选择考核对象。")
            elif wanted.get(self.unit) != name and is_given:
                errors[name] = _("与考核对象类别不符，应留空。")
        park = self.park if self.park_id is not None else None
        if park is not None and "park" not in errors and park.parent_id is not None:
            errors["park"] = _("目标按一级园区（含下级园区）设定，请选择一级园区。")
        if errors:
            raise ValidationError(errors)

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """Each field's own checks, then that some figure is set: unless a figure was
        refused already (a form leaves a field it refused out, as ``exclude``), which may
        be the one meant, so that a mistyped amount is not also told to be filled in."""
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        refused = set(exclude or ()) | set(errors)
        if not refused & set(TARGET_FIGURES) and all(
            getattr(self, name) is None for name in TARGET_FIGURES
        ):
            errors.setdefault("projects_100m", []).append(
                ValidationError(_("请至少填写一项目标。"), code="no_figure")
            )
        if errors:
            raise ValidationError(errors)
