"""先租后供: lease agreements and their target indicators (assessed in ``assessments``).

Industrial land is first leased to a firm (typically for five years). The firm is assessed
against the targets it signed; a pass converts the lease into a transfer (转为出让), a fail
leads to remediation with a new deadline (整改延期) or the land is taken back (收回).
Targets are data on each agreement: no single Zhejiang rule fixes them.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise
from simple_history.models import HistoricalRecords

from projects.models.companies import Company
from projects.models.fields import (
    ConstraintErrorsOnFields,
    NaturalKeyManager,
    dates_in_order_constraints,
    dates_in_order_errors,
    depends_on,
    illustrative_flag,
    non_negative_constraint,
    quantity_field,
)
from projects.models.pages import RecordPage
from projects.models.parks import LandParcel
from projects.models.projects import InvestmentProject
from projects.models.totals import StoredDate, statement_triggers
from projects.units import TWO_PLACES
from projects.validators import validate_plain_text


def add_years(start: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    year = start.year + years
    day = min(start.day, calendar.monthrange(year, start.month)[1])
    return start.replace(year=year, day=day)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 if ``end`` is not after ``start``)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


class Indicator(models.TextChoices):
    """The indicators a lease can set targets for, each computed from an assessment's
    reported figures and the parcel's area (see ``Assessment.actual_value``)."""

    INVESTMENT_INTENSITY = "investment_intensity", _("投资强度（万元/亩）")
    TAX_PER_MU = "tax_per_mu", _("亩均税收（万元/亩）")
    OUTPUT_PER_MU = "output_per_mu", _("亩均产值（万元/亩）")
    PLOT_RATIO = "plot_ratio", _("容积率")
    RD_SHARE = "rd_share", _("研发投入占产值比（%）")
    ENERGY_PER_OUTPUT = "energy_per_output", _("单位产值能耗（吨标准煤/万元）")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("不低于")
    AT_MOST = "at_most", _("不高于")

    def passes(self, actual: Decimal, target: Decimal) -> bool:
        """Whether an actual value meets the target; reaching it exactly passes."""
        return actual >= target if self == Direction.AT_LEAST else actual <= target


@dataclass(frozen=True)
class Deadline:
    """A date a lease has still to meet, seen from a given day."""

    label: StrPromise
    when: date
    days_left: int  # below zero once the date has passed

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def distance(self) -> str:
        """How far the date is from the day it is seen from, in days."""
        days = abs(self.days_left)
        if self.overdue:
            return ngettext("逾期%(days)d天", "逾期%(days)d天", days) % {"days": days}
        if days == 0:
            return gettext("今天到期")
        return ngettext("还有%(days)d天", "还有%(days)d天", days) % {"days": days}


@dataclass(frozen=True)
class PendingDate:
    """A date an active lease must meet, and while it is not met yet: while the project
    lacks ``project_date`` (has not reached that stage), or while the lease is
    (``remediation``) or is not in remediation."""

    field: str
    label: StrPromise
    project_date: str = ""
    remediation: bool | None = None

    def q(self) -> Q:
        """The leases for which it is not met yet."""
        if self.project_date:
            return Q(**{f"project__{self.project_date}__isnull": True})
        in_remediation = Q(status=LeaseAgreement.Status.REMEDIATION)
        return in_remediation if self.remediation else ~in_remediation

    def pending(self, lease: "LeaseAgreement") -> bool:
        if self.project_date:
            return getattr(lease.project, self.project_date) is None
        return (lease.status == LeaseAgreement.Status.REMEDIATION) == self.remediation

    def sql(self, lease: str) -> str:
        """The same condition in SQL, of the lease row ``lease``."""
        if self.project_date:
            return (
                f"(SELECT p.{self.project_date} FROM {PROJECTS} p "
                f"WHERE p.id = {lease}.project_id) IS NULL"
            )
        remediation = LeaseAgreement.Status.REMEDIATION.value
        return f"{lease}.status {'=' if self.remediation else '<>'} '{remediation}'"


LEASES = "projects_leaseagreement"
PROJECTS = "projects_investmentproject"
# The end of the term (superseded by the new deadline while in remediation), the 开工 /
# 竣工 / 投产 deadlines until the project reaches the stage, and a remediation deadline
# while in remediation.
PENDING_DATES = (
    PendingDate("end_date", _("租期届满"), remediation=False),
    PendingDate("start_deadline", _("开工期限"), project_date="started_date"),
    PendingDate("completion_deadline", _("竣工期限"), project_date="completed_date"),
    PendingDate("production_deadline", _("投产期限"), project_date="production_date"),
    PendingDate("remediation_deadline", _("整改期限"), remediation=True),
)


class LeaseQuerySet(models.QuerySet):
    """The questions land staff ask about leases."""

    def active(self) -> "LeaseQuerySet":
        """Leases not yet converted or reclaimed."""
        return self.filter(status__in=LeaseAgreement.ACTIVE_STATUSES)

    def deadline_conditions(self, before: date, after: date | None = None) -> Q:
        """Leases with a date to meet in (after, before] that is not met yet."""
        conditions = Q()
        for pending in PENDING_DATES:
            within = Q(**{f"{pending.field}__lte": before})
            if after is not None:
                within &= Q(**{f"{pending.field}__gt": after})
            conditions |= within & pending.q()
        return conditions

    def due_within(self, days: int, today: date) -> "LeaseQuerySet":
        """Active leases with a date to meet from today to ``days`` days ahead, both included."""
        return self.active().filter(
            self.deadline_conditions(today + timedelta(days=days), after=today - timedelta(days=1))
        )

    def overdue(self, today: date) -> "LeaseQuerySet":
        """Active leases with a date that passed before today and was not met: those whose
        next date has passed."""
        return self.active().filter(next_date__lt=today)

    def needing_attention(self, days: int, today: date) -> "LeaseQuerySet":
        """The overdue leases and those due within ``days`` days, together: the active
        leases whose next date comes by ``days`` days ahead."""
        return self.active().filter(next_date__lte=today + timedelta(days=days))


# Named at module level, where django-stubs can read the class from_queryset() makes.
LeaseManagerBase = NaturalKeyManager.from_queryset(LeaseQuerySet)


class LeaseManager(LeaseManagerBase):
    """Looks a lease up by its parcel's code and its start date."""

    key_fields = ("parcel__code", "start_date")


class LeaseAgreement(RecordPage, ConstraintErrorsOnFields):
    """A 先租后供 agreement: a parcel leased for a project, with deadlines and targets."""

    page_view = "projects:lease"

    class Status(models.TextChoices):
        LEASING = "leasing", _("租赁中")
        ASSESSING = "assessing", _("考核中")
        CONVERTED = "converted", _("已转出让")
        REMEDIATION = "remediation", _("整改延期")
        RECLAIMED = "reclaimed", _("已收回")

    ACTIVE_STATUSES = (Status.LEASING, Status.ASSESSING, Status.REMEDIATION)

    parcel = models.ForeignKey(
        LandParcel, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="leases"
    )
    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("招引项目"),
        on_delete=models.PROTECT,
        related_name="leases",
    )
    start_date = models.DateField(_("租赁起始日期"))
    term_years = models.PositiveSmallIntegerField(
        _("租期（年）"), default=5, validators=[MinValueValidator(1)]
    )
    end_date = models.DateField(
        _("租赁到期日期"), editable=False, help_text=_("由起始日期和租期算出。")
    )
    annual_rent_wan = quantity_field(_("年租金（万元）"), required=True)
    rent_deductible = models.BooleanField(
        _("租金可抵扣出让价款"), default=True, help_text=_("转为出让时，已缴租金从出让价款中抵扣。")
    )
    start_deadline = models.DateField(_("约定开工期限"), null=True, blank=True)
    completion_deadline = models.DateField(_("约定竣工期限"), null=True, blank=True)
    production_deadline = models.DateField(_("约定投产期限"), null=True, blank=True)
    remediation_deadline = models.DateField(
        _("整改期限"), null=True, blank=True, editable=False, help_text=_("由整改延期决定设定。")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.LEASING, editable=False
    )
    notes = models.TextField(_("备注"), blank=True, validators=[validate_plain_text])
    illustrative = illustrative_flag()
    # The first of ``upcoming_dates``, kept by the database (``NextDateSQL``), so that the
    # leases needing attention and the list sorted by it are read from an index.
    next_date = StoredDate(_("下一个期限"))

    objects = LeaseManager()
    history = HistoricalRecords(excluded_fields=["next_date"])
    constraint_fields = {"lease_one_active_per_parcel": "parcel"}

    class Meta:
        verbose_name = _("先租后供协议")
        verbose_name_plural = pgettext_lazy("plural", "先租后供协议")
        ordering = ["end_date", "pk"]
        permissions = [("decide_lease", _("可作出先租后供考核决定"))]
        indexes = [
            models.Index(fields=["status", "end_date"], name="lease_status_end_idx"),
            # Leases are listed by end of term: the first ones due are read in this order
            # instead of sorting every lease.
            models.Index(fields=["end_date", "id"], name="lease_end_idx"),
            models.Index(fields=["next_date", "id"], name="lease_next_date_idx"),
        ]
        constraints = [
            non_negative_constraint("lease", "annual_rent_wan"),
            models.CheckConstraint(
                condition=Q(term_years__gt=0),
                name="lease_term_positive",
                violation_error_message=_("租期至少为1年。"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="lease_ends_after_start",
                violation_error_message=_("租赁到期日期须晚于起始日期。"),
            ),
            *dates_in_order_constraints(
                "lease",
                ("start_date", "start_deadline", "completion_deadline", "production_deadline"),
            ),
            models.UniqueConstraint(
                fields=["parcel"],
                condition=Q(status__in=["leasing", "assessing", "remediation"]),
                name="lease_one_active_per_parcel",
                violation_error_message=_("该地块已有一份有效的先租后供协议。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parcel} · {self.start_date:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.end_date = add_years(self.start_date, self.term_years)
        super().save(*args, **kwargs)

    @depends_on("projects.landparcel", "projects.investmentproject")
    def natural_key(self) -> tuple:
        return (self.parcel.code, self.start_date.isoformat())

    @property
    def company(self) -> Company:
        """The leaseholder: the company of the project."""
        return self.project.company

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def upcoming_dates(self) -> list[tuple[StrPromise, date]]:
        """The dates still to be met, soonest first, as (what, date)."""
        if not self.is_active:
            return []
        found = [
            (pending.label, getattr(self, pending.field))
            for pending in PENDING_DATES
            if getattr(self, pending.field) and pending.pending(self)
        ]
        return sorted(found, key=lambda item: item[1])

    def next_deadline(self, today: date) -> Deadline | None:
        """The earliest date still to be met, passed or not: the date that puts the lease
        among the overdue or the due soon; None for a lease with none."""
        upcoming = self.upcoming_dates()
        if not upcoming:
            return None
        label, when = upcoming[0]
        return Deadline(label, when, (when - today).days)

    def rent_paid_wan(self, until: date) -> Decimal:
        """Rent paid from the start to ``until``, by whole months, at most the full term."""
        months = min(months_between(self.start_date, until), self.term_years * 12)
        return (self.annual_rent_wan * months / 12).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

    def clean(self) -> None:
        errors = dates_in_order_errors(
            self, ("start_date", "start_deadline", "completion_deadline", "production_deadline")
        )
        if self.parcel_id and self.parcel.supply_mode not in (
            LandParcel.SupplyMode.LEASE_FIRST,
            LandParcel.SupplyMode.LEASE_AND_TRANSFER,
        ):
            errors.setdefault(
                "parcel",
                ValidationError(
                    _("该地块的供地方式是“%(mode)s”，不是先租后供或租让结合。"),
                    params={"mode": self.parcel.get_supply_mode_display()},
                    code="not_lease_first",
                ),
            )
        if errors:
            raise ValidationError(errors)


class TargetManager(NaturalKeyManager):
    key_fields = ("lease__parcel__code", "lease__start_date", "indicator")


class LeaseTarget(ConstraintErrorsOnFields):
    """One target indicator the leaseholder signed up to, with its direction."""

    lease = models.ForeignKey(
        LeaseAgreement,
        verbose_name=_("先租后供协议"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    indicator = models.CharField(_("指标"), max_length=30, choices=Indicator.choices)
    direction = models.CharField(
        _("要求"), max_length=10, choices=Direction.choices, default=Direction.AT_LEAST
    )
    target_value = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2)

    objects = TargetManager()
    constraint_fields = {"lease_target_unique": "indicator"}

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = pgettext_lazy("plural", "考核指标")
        ordering = ["lease", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["lease", "indicator"],
                name="lease_target_unique",
                violation_error_message=_("该协议已设定过这一指标的目标值。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.get_direction_display()} {self.target_value}"

    @depends_on("projects.leaseagreement")
    def natural_key(self) -> tuple:
        return (*self.lease.natural_key(), self.indicator)


@dataclass(frozen=True)
class NextDateSQL:
    """``LeaseAgreement.next_date`` worked out by the database, in the statement that
    changes the lease or its project's stage dates, whichever way it comes (a form, a
    decision, an import, ``loaddata``, ``update()``, plain SQL; ``generate_ledger`` makes
    them from its rows at its end: ``kept``)."""

    vendor: str

    def expression(self, lease: str) -> str:
        """The next date of the lease row ``lease``: the least of its pending dates. The
        missing ones are the last day, which then means none: SQLite's MIN() of several
        values is NULL if one is."""
        postgresql = self.vendor == "postgresql"
        never = "DATE '9999-12-31'" if postgresql else "'9999-12-31'"
        dates = ", ".join(
            f"COALESCE(CASE WHEN {pending.sql(lease)} THEN {lease}.{pending.field} END, {never})"
            for pending in PENDING_DATES
        )
        active = ", ".join(f"'{status}'" for status in LeaseAgreement.ACTIVE_STATUSES)
        least = "LEAST" if postgresql else "MIN"
        return f"CASE WHEN {lease}.status IN ({active}) THEN NULLIF({least}({dates}), {never}) END"

    def project_dates(self) -> list[str]:
        return [pending.project_date for pending in PENDING_DATES if pending.project_date]

    def create_sql(self) -> list[str]:
        """Every lease's next date as the ledger now stands, then the triggers."""
        every = f"UPDATE {LEASES} SET next_date = {self.expression(LEASES)}"
        return [every, *(self.postgresql() if self.vendor == "postgresql" else self.sqlite())]

    def postgresql(self) -> list[str]:
        """A row trigger sets a lease's next date whenever it is written; the projects'
        statement triggers rewrite the leases of those that come or whose stage dates
        change, which sets them again."""
        moved = " OR ".join(
            f"n.{field} IS DISTINCT FROM o.{field}" for field in self.project_dates()
        )

        def rewritten(tables: dict[str, str]) -> str:
            if len(tables) == 2:
                projects = (
                    f"SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {moved}"
                )
            else:
                projects = f"SELECT id FROM {next(iter(tables))}"
            return f"UPDATE {LEASES} SET next_date = NULL WHERE project_id IN ({projects})"

        return [
            f"CREATE FUNCTION {LEASES}_next_date() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN NEW.next_date := {self.expression('NEW')}; RETURN NEW; END $$",
            f"CREATE TRIGGER {LEASES}_next_date BEFORE INSERT OR UPDATE ON {LEASES} "
            f"FOR EACH ROW EXECUTE FUNCTION {LEASES}_next_date()",
            *statement_triggers(f"{LEASES}_next_dates", PROJECTS, rewritten),
        ]

    def sqlite(self) -> list[str]:
        """Row triggers: a lease written, or a project added or reaching a stage, sets
        the next dates of its leases. A lease's own UPDATE inside its trigger does not fire
        it again: SQLite's triggers are not recursive unless asked."""
        expression = self.expression(LEASES)
        dates = ", ".join(("id", *self.project_dates()))
        triggers = {
            "next_date_insert": (f"INSERT ON {LEASES}", "id = NEW.id"),
            "next_date_update": (f"UPDATE ON {LEASES}", "id = NEW.id"),
            "next_dates_insert": (f"INSERT ON {PROJECTS}", "project_id = NEW.id"),
            "next_dates_update": (f"UPDATE OF {dates} ON {PROJECTS}", "project_id = NEW.id"),
        }
        return [
            f"CREATE TRIGGER {LEASES}_{name} AFTER {event} BEGIN "
            f"UPDATE {LEASES} SET next_date = {expression} WHERE {rows}; END"
            for name, (event, rows) in triggers.items()
        ]

    def drop_sql(self) -> list[str]:
        """The triggers dropped; the column is dropped with its field."""
        if self.vendor != "postgresql":
            return [
                f"DROP TRIGGER {LEASES}_{name}"
                for name in (
                    "next_date_insert",
                    "next_date_update",
                    "next_dates_insert",
                    "next_dates_update",
                )
            ]
        return [
            f"DROP TRIGGER {LEASES}_next_date ON {LEASES}",
            f"DROP FUNCTION {LEASES}_next_date()",
            *(
                f"DROP TRIGGER {LEASES}_next_dates_{event} ON {PROJECTS}"
                for event in ("insert", "update", "delete")
            ),
            f"DROP FUNCTION {LEASES}_next_dates()",
        ]
