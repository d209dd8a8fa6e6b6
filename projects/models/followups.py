"""Follow-ups (跟踪记录): every talk, visit, call and meeting with a project's firm, and
the next step agreed, so that nothing a project needs waits for someone to remember it."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from projects.models.fields import (
    ConstraintErrorsOnFields,
    UidManager,
    depends_on,
    illustrative_flag,
    record_uid,
    recorded_by_field,
)
from projects.models.projects import InvestmentProject
from projects.validators import validate_not_in_future, validate_plain_text

NEXT_DUE_BEFORE_FOLLOW_UP = _("下一步期限不能早于跟踪日期。")
NEXT_DUE_WITHOUT_STEP = _("请先填写下一步工作，再定期限。")


class FollowUpQuerySet(models.QuerySet):
    """The questions staff ask of follow-ups: which next steps are still to be done."""

    def open_next_steps(self) -> "FollowUpQuerySet":
        """Follow-ups whose next step is still open: one was agreed (``next_step`` is
        filled in) and no later follow-up has been logged on the same project since,
        the next contact with the firm being that step's outcome. "Later" is by the
        follow-up's date, and on the same date by the order they were logged in.

        A step without a due date is open too; ``next_due_within`` keeps only those
        with a date."""
        later = FollowUp.objects.filter(project=OuterRef("project")).filter(
            Q(occurred_on__gt=OuterRef("occurred_on"))
            | Q(occurred_on=OuterRef("occurred_on"), pk__gt=OuterRef("pk"))
        )
        return self.exclude(next_step="").filter(~Exists(later))

    def next_due_within(self, days: int, today: date) -> "FollowUpQuerySet":
        """Open next steps due on or before ``days`` days from ``today``, overdue ones
        included."""
        return self.open_next_steps().filter(next_due__lte=today + timedelta(days=days))


class FollowUpManager(UidManager["FollowUp"].from_queryset(FollowUpQuerySet)):  # type: ignore[misc]
    """Follow-ups looked up by their uid, with the questions of ``FollowUpQuerySet``."""


class FollowUp(ConstraintErrorsOnFields):
    """One contact with a project's firm: when, how, who took part, what was said, and the
    next step with the date it is due."""

    class Kind(models.TextChoices):
        TALKS = "talks", _("洽谈")
        VISIT = "visit", _("走访")
        CALL = "call", _("电话")
        MEETING = "meeting", _("会议")
        SERVICE = "service", _("服务/代办")
        OTHER = "other", _("其他")

    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("招引项目"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    occurred_on = models.DateField(_("跟踪日期"), validators=[validate_not_in_future])
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("参与人员"),
        blank=True,
        related_name="follow_ups",
    )
    contacts = models.CharField(
        _("企业方人员"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    summary = models.TextField(_("洽谈内容"), validators=[validate_plain_text])
    next_step = models.CharField(
        _("下一步工作"), max_length=300, blank=True, validators=[validate_plain_text]
    )
    next_due = models.DateField(_("下一步期限"), null=True, blank=True)
    recorded_by = recorded_by_field(_("记录人"))
    illustrative = illustrative_flag()
    uid = record_uid()

    objects = FollowUpManager()
    history = HistoricalRecords(m2m_fields=[staff])
    constraint_fields = {
        "followup_next_due_not_before_occurred": "next_due",
        "followup_next_due_with_step": "next_due",
    }

    class Meta:
        verbose_name = _("跟踪记录")
        verbose_name_plural = pgettext_lazy("plural", "跟踪记录")
        ordering = ["-occurred_on", "-pk"]
        indexes = [
            models.Index(fields=["project", "-occurred_on"], name="followup_project_idx"),
            models.Index(fields=["next_due"], name="followup_next_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_due__isnull=True) | Q(next_due__gte=F("occurred_on")),
                name="followup_next_due_not_before_occurred",
                violation_error_message=NEXT_DUE_BEFORE_FOLLOW_UP,
            ),
            models.CheckConstraint(
                condition=Q(next_due__isnull=True) | ~Q(next_step=""),
                name="followup_next_due_with_step",
                violation_error_message=NEXT_DUE_WITHOUT_STEP,
            ),
        ]

    @depends_on("projects.investmentproject", "auth.user")
    def natural_key(self) -> tuple[str]:
        return (str(self.uid),)

    def __str__(self) -> str:
        return f"{self.project} · {self.occurred_on:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self) -> None:
        """Refuse a next step's due date without the step, or before the follow-up, beside
        the date. The constraints hold the same rules, but a sheet's rows are checked
        without a query per constraint: here they are told, in the constraints' own
        words, before a row is saved."""
        if self.next_due is None:
            return
        errors = []
        if self.occurred_on and self.next_due < self.occurred_on:
            errors.append(ValidationError(NEXT_DUE_BEFORE_FOLLOW_UP, code="next_due_before"))
        if not self.next_step:
            errors.append(ValidationError(NEXT_DUE_WITHOUT_STEP, code="next_due_without_step"))
        if errors:
            raise ValidationError({"next_due": errors})
