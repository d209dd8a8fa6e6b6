"""Stalled-project warnings (预警): the rules, kept as data, that turn a project yellow or
red when it stays too long in a stage, misses a date it agreed to, or goes unfollowed.

The rules are read by ``projects.warnings``, which works out each project's level and
reasons in the database, as of a given date."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from projects.models.fields import ConstraintErrorsOnFields, NaturalKeyManager
from projects.models.projects import InvestmentProject

Stage = InvestmentProject.Stage

RED_NOT_AFTER_YELLOW = _("红色天数应大于黄色天数。")
NO_DAYS = _("请至少填写黄色或红色天数之一。")
STAGE_NOT_FOR_KIND = _("所选阶段不适用于这类规则。")


class WarningLevel(models.TextChoices):
    """A project's warning colour: green (none), yellow, red; red outranks yellow."""

    GREEN = "green", _("绿色")
    YELLOW = "yellow", _("黄色")
    RED = "red", _("红色")


class WarningRuleManager(NaturalKeyManager["WarningRule"]):
    key_fields = ("kind", "stage")


class WarningRule(ConstraintErrorsOnFields):
    """After how many days a project turns yellow, and red.

    - 阶段停留: a project still in ``stage`` that many days after reaching it (签约 → 落地
      90 / 180 days);
    - 约定日期未完成: that many days after the date the firm agreed to reach ``stage`` (开工,
      竣工, 投产), with the stage not reached;
    - 未跟踪: that many days after the project's latest follow-up (``stage`` left empty).
    """

    class Kind(models.TextChoices):
        IN_STAGE = "in_stage", _("阶段停留")
        AGREED_DATE = "agreed_date", _("约定日期未完成")
        NO_FOLLOW_UP = "no_follow_up", _("未跟踪")

    # The stages each kind of rule may name.
    STAGES = {
        Kind.IN_STAGE: (
            Stage.SIGNED,
            Stage.LANDED,
            Stage.LAND_SUPPLIED,
            Stage.STARTED,
            Stage.COMPLETED,
        ),
        Kind.AGREED_DATE: (Stage.STARTED, Stage.COMPLETED, Stage.IN_PRODUCTION),
        Kind.NO_FOLLOW_UP: (),
    }

    kind = models.CharField(_("规则类型"), max_length=20, choices=Kind.choices)
    stage = models.CharField(
        _("阶段"),
        max_length=20,
        choices=Stage.choices,
        blank=True,
        help_text=_("阶段停留：停留在哪一阶段；约定日期未完成：约定到达哪一阶段；未跟踪：留空。"),
    )
    yellow_days = models.PositiveIntegerField(_("黄色（天）"), null=True, blank=True)
    red_days = models.PositiveIntegerField(_("红色（天）"), null=True, blank=True)

    objects = WarningRuleManager()
    history = HistoricalRecords()
    constraint_fields = {
        "warningrule_unique": "stage",
        "warningrule_red_after_yellow": "red_days",
        "warningrule_has_days": "yellow_days",
    }

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = pgettext_lazy("plural", "预警规则")
        ordering = ["kind", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "stage"],
                name="warningrule_unique",
                violation_error_message=_("这一阶段已有同类规则。"),
            ),
            models.CheckConstraint(
                condition=Q(yellow_days__isnull=True)
                | Q(red_days__isnull=True)
                | Q(red_days__gt=F("yellow_days")),
                name="warningrule_red_after_yellow",
                violation_error_message=RED_NOT_AFTER_YELLOW,
            ),
            models.CheckConstraint(
                condition=Q(yellow_days__isnull=False) | Q(red_days__isnull=False),
                name="warningrule_has_days",
                violation_error_message=NO_DAYS,
            ),
        ]

    def natural_key(self) -> tuple[str, str]:
        return (self.kind, self.stage)

    def __str__(self) -> str:
        if self.stage:
            return f"{self.get_kind_display()} · {self.get_stage_display()}"
        return str(self.get_kind_display())

    def clean(self) -> None:
        """Say beside its field what a rule gets wrong: a stage its kind does not name, or
        days the database's checks refuse (which a sheet's rows are held to here)."""
        errors = {}
        allowed = self.STAGES.get(self.Kind(self.kind), ()) if self.kind else ()
        if allowed and not self.stage:
            errors["stage"] = ValidationError(_("请选择阶段。"), code="stage_missing")
        elif self.kind and (self.stage not in allowed if allowed else self.stage):
            errors["stage"] = ValidationError(STAGE_NOT_FOR_KIND, code="stage_not_for_kind")
        yellow, red = self.yellow_days, self.red_days
        if yellow is None and red is None:
            errors["yellow_days"] = ValidationError(NO_DAYS, code="no_days")
        elif yellow is not None and red is not None and red <= yellow:
            errors["red_days"] = ValidationError(RED_NOT_AFTER_YELLOW, code="red_not_after_yellow")
        if errors:
            raise ValidationError(errors)
