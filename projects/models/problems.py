"""The problem list (问题清单): what stands in a project's way, who must solve it, by when,
and how far up it has been raised (督办)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from projects.models.fields import (
    ConstraintErrorsOnFields,
    NaturalKeyManager,
    PinyinCharField,
    UidManager,
    depends_on,
    illustrative_flag,
    record_uid,
    recorded_by_field,
)
from projects.models.pages import RecordPage
from projects.models.projects import InvestmentProject
from projects.validators import validate_plain_text

DUE_BEFORE_RAISED = _("办结期限不能早于提出日期。")
CLOSED_BEFORE_RAISED = _("办结日期不能早于提出日期。")
CLOSED_WITHOUT_DATE = _("问题已解决或无法解决，请填写办结日期。")
OPEN_WITH_CLOSED_DATE = _("问题尚未办结，办结日期应留空。")
CLOSED_WITHOUT_RESOLUTION = _("请写明解决结果或无法解决的原因。")


class Department(models.Model):
    """A county department problems are assigned to (自然资源和规划局, 供电公司 …): data,
    so that the office can add one the day it is needed."""

    name = PinyinCharField(
        _("部门名称"), max_length=100, unique=True, validators=[validate_plain_text]
    )

    objects = NaturalKeyManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任部门")
        verbose_name_plural = pgettext_lazy("plural", "责任部门")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class ProblemQuerySet(models.QuerySet):
    """The questions the office asks of its problem list."""

    def open(self) -> "ProblemQuerySet":
        """Problems still to solve: 待办 or 办理中."""
        return self.filter(status__in=Problem.OPEN_STATUSES)

    def overdue(self, today: date) -> "ProblemQuerySet":
        """Open problems whose due date has passed: due before ``today``."""
        return self.open().filter(due_on__lt=today)


ProblemManager = UidManager.from_queryset(ProblemQuerySet)


class Problem(RecordPage, ConstraintErrorsOnFields):
    """A problem a project has hit, assigned to a department and followed until it is
    solved or declared unsolvable, with the level it has been escalated to."""

    page_view = "projects:problem"

    class Category(models.TextChoices):
        LAND = "land", _("用地")
        ENERGY = "energy", _("用能")
        ENVIRONMENT = "environment", _("环评")
        FUNDING = "funding", _("资金")
        APPROVAL = "approval", _("审批")
        INFRASTRUCTURE = "infrastructure", _("基础设施")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待办")
        IN_PROGRESS = "in_progress", _("办理中")
        RESOLVED = "resolved", _("已解决")
        UNRESOLVABLE = "unresolvable", _("无法解决")

    class Level(models.IntegerChoices):
        """How far up the problem has been raised; a higher level outranks a lower."""

        DEPARTMENT = 1, _("部门")
        DEPUTY = 2, _("分管领导")
        COUNTY = 3, _("县领导")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("招引项目"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    category = models.CharField(_("问题类别"), max_length=20, choices=Category.choices)
    description = models.TextField(_("问题描述"), validators=[validate_plain_text])
    department = models.ForeignKey(
        Department,
        verbose_name=_("责任部门"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    raised_on = models.DateField(_("提出日期"))
    due_on = models.DateField(_("办结期限"), null=True, blank=True)
    status = models.CharField(
        _("办理状态"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    escalation = models.PositiveSmallIntegerField(
        _("督办层级"), choices=Level.choices, default=Level.DEPARTMENT
    )
    resolution = models.TextField(
        _("办理结果"),
        blank=True,
        help_text=_("已解决的写明结果，无法解决的写明原因。"),
        validators=[validate_plain_text],
    )
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    raised_by = recorded_by_field(_("提出人"))
    illustrative = illustrative_flag()
    uid = record_uid()

    objects = ProblemManager()
    history = HistoricalRecords()
    constraint_fields = {
        "problem_due_not_before_raised": "due_on",
        "problem_closed_not_before_raised": "closed_on",
        "problem_closed_dated": "closed_on",
        "problem_closed_explained": "resolution",
    }

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = pgettext_lazy("plural", "问题清单")
        ordering = ["-raised_on", "-pk"]
        permissions = [("close_unresolvable", _("可将问题办结为无法解决"))]
        indexes = [
            models.Index(fields=["status", "due_on"], name="problem_status_due_idx"),
            models.Index(fields=["project", "status"], name="problem_project_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=F("raised_on")),
                name="problem_due_not_before_raised",
                violation_error_message=DUE_BEFORE_RAISED,
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("raised_on")),
                name="problem_closed_not_before_raised",
                violation_error_message=CLOSED_BEFORE_RAISED,
            ),
            # A closed problem has its date, an open one none.
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress"], closed_on__isnull=True)
                | Q(status__in=["resolved", "unresolvable"], closed_on__isnull=False),
                name="problem_closed_dated",
                violation_error_message=CLOSED_WITHOUT_DATE,
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress"]) | ~Q(resolution=""),
                name="problem_closed_explained",
                violation_error_message=CLOSED_WITHOUT_RESOLUTION,
            ),
        ]

    @depends_on("projects.investmentproject", "projects.department", "auth.user")
    def natural_key(self) -> tuple[str]:
        return (str(self.uid),)

    def __str__(self) -> str:
        return f"{self.project} · {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def days_overdue(self, today: date) -> int:
        """How many days an open problem is past its due date on ``today``; 0 if it is not."""
        if not self.is_open or self.due_on is None:
            return 0
        return max((today - self.due_on).days, 0)

    def clean(self) -> None:
        """Say which date a problem's status needs, or must not have, a due or closing date
        before the problem was raised, and a closed problem without its result, each beside
        its field. The constraints hold the last three as well, but a sheet's rows are
        checked without a query per constraint: here they are told, in the constraints'
        own words, before a row is saved."""
        errors: dict[str, ValidationError] = {}
        if self.due_on and self.raised_on and self.due_on < self.raised_on:
            errors["due_on"] = ValidationError(DUE_BEFORE_RAISED, code="due_before_raised")
        if self.is_open and self.closed_on:
            errors["closed_on"] = ValidationError(OPEN_WITH_CLOSED_DATE, code="open_closed_on")
        elif not self.is_open and not self.closed_on:
            errors["closed_on"] = ValidationError(CLOSED_WITHOUT_DATE, code="closed_undated")
        elif self.closed_on and self.raised_on and self.closed_on < self.raised_on:
            errors["closed_on"] = ValidationError(CLOSED_BEFORE_RAISED, code="closed_before_raised")
        if not self.is_open and not self.resolution:
            errors["resolution"] = ValidationError(
                CLOSED_WITHOUT_RESOLUTION, code="closed_unexplained"
            )
        if errors:
            raise ValidationError(errors)
