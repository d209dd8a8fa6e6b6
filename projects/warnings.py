"""Stalled-project warnings (预警，红黄绿), worked out in the database as of a date.

``annotate_warnings`` adds to a queryset of projects, for one date: the stage each was in
on that date (``warning_stage``) and since when (``stage_since``), the latest follow-up
on or before it, one level per rule (``rule_<n>``: red, yellow or empty) and the
project's ``warning_level``. Projects not signed yet, or terminated, by that date are not
watched: their level is empty. Dates are compared with constants worked out here
(``as_of`` − N days) rather than by date arithmetic in SQL, so SQLite and PostgreSQL
agree to the day.

The level itself is worked out from the dates, not from the annotations: each annotation
is written out wherever it is used, so a level built on them would evaluate the stage's
CASE and the latest follow-up's subquery several times for every project, where a
condition on the dates is a few comparisons, and the follow-ups are read once for all the
projects (``IN`` a subquery that does not depend on the row).

The boundaries: a project turns yellow (red) on the N-th day in its stage, on the N-th day
without a follow-up, and on the day after its agreed date plus N days.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, cast

from django.conf import settings
from django.db.models import Case, CharField, DateField, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from projects.lists.data import per_row
from projects.models import FollowUp, InvestmentProject, WarningLevel, WarningRule
from projects.models.fields import field_label

Stage = InvestmentProject.Stage
STAGE_DATES = InvestmentProject.STAGE_DATES
# The stages of a watched project: signed and neither terminated nor not yet signed.
WATCHED = tuple(STAGE_DATES)


def load_rules() -> list[WarningRule]:
    """The warning rules, a handful of rows, read once for a request.

    Without a stored 未跟踪 rule, one turning yellow after ``settings.FOLLOW_UP_DAYS``
    applies, so that a project left that long without a follow-up is always flagged."""
    rules = list(WarningRule.objects.all())
    if not any(rule.kind == WarningRule.Kind.NO_FOLLOW_UP for rule in rules):
        rules.append(
            WarningRule(kind=WarningRule.Kind.NO_FOLLOW_UP, yellow_days=settings.FOLLOW_UP_DAYS)
        )
    return rules


def rule_name(rule: WarningRule) -> str:
    """The annotation holding one rule's level for each project."""
    return f"rule_{rule.kind}_{rule.stage}"


def stage_as_of(as_of: date) -> Case:
    """The stage a project was in on ``as_of``: terminated by then, else the latest stage
    dated on or before it; empty for a project not signed by then."""
    whens = [When(terminated_date__lte=as_of, then=Value(Stage.TERMINATED.value))]
    for stage, field in reversed(STAGE_DATES.items()):
        whens.append(When(**{f"{field}__lte": as_of}, then=Value(stage.value)))
    return Case(*whens, default=Value(None), output_field=CharField())


def stage_since_as_of(as_of: date) -> Case:
    """The date the stage of ``stage_as_of`` was reached."""
    whens = [When(terminated_date__lte=as_of, then=F("terminated_date"))]
    for field in reversed(STAGE_DATES.values()):
        whens.append(When(**{f"{field}__lte": as_of}, then=F(field)))
    return Case(*whens, default=Value(None), output_field=DateField())


def reached(field: str, as_of: date) -> Q:
    return Q(**{f"{field}__lte": as_of})


def watched_q(as_of: date) -> Q:
    """The projects watched on ``as_of``: some stage reached by then, not terminated."""
    signed = Q()
    for field in STAGE_DATES.values():
        signed |= reached(field, as_of)
    return signed & ~reached("terminated_date", as_of)


def in_stage_q(stage: Stage, as_of: date) -> Q:
    """The projects in ``stage`` on ``as_of`` (``stage_as_of``): its date reached, no
    later stage's, not terminated."""
    stages = list(STAGE_DATES)
    condition = reached(STAGE_DATES[stage], as_of) & ~reached("terminated_date", as_of)
    for later in stages[stages.index(stage) + 1 :]:
        condition &= ~reached(STAGE_DATES[later], as_of)
    return condition


def followed_by_q(cutoff: date, as_of: date) -> Q:
    """The projects whose latest follow-up on or before ``as_of`` (their signing without
    one: ``followed_since``) lies on or before ``cutoff``."""
    follow_ups = FollowUp.objects.values("project")
    since = follow_ups.filter(occurred_on__gt=cutoff, occurred_on__lte=as_of)
    before = follow_ups.filter(occurred_on__lte=cutoff)
    return ~Q(pk__in=since) & (Q(signed_date__lte=cutoff) | Q(pk__in=before))


def rule_condition(rule: WarningRule, days: int, as_of: date) -> Q:
    """The projects ``rule`` flags ``days`` after its starting point, as of ``as_of``."""
    if days > (as_of - date.min).days:
        return Q(pk__in=[])  # no date lies that long before: nothing is flagged yet
    cutoff = as_of - timedelta(days=days)
    if rule.kind == WarningRule.Kind.IN_STAGE:
        if rule.stage not in STAGE_DATES:
            return Q(pk__in=[])  # a stage no project is watched in (the rule's form refuses it)
        stage = Stage(rule.stage)
        return in_stage_q(stage, as_of) & Q(**{f"{STAGE_DATES[stage]}__lte": cutoff})
    if rule.kind == WarningRule.Kind.AGREED_DATE:
        planned, actual = InvestmentProject.AGREED_DATES[Stage(rule.stage)]
        not_reached = Q(**{f"{actual}__isnull": True}) | Q(**{f"{actual}__gt": as_of})
        return watched_q(as_of) & Q(**{f"{planned}__lt": cutoff}) & not_reached
    in_production = in_stage_q(Stage.IN_PRODUCTION, as_of)
    return watched_q(as_of) & ~in_production & followed_by_q(cutoff, as_of)


def rule_level(rule: WarningRule, as_of: date) -> Case:
    """Red where the rule's red days have passed, else yellow where its yellow ones have."""
    whens = [
        When(rule_condition(rule, days, as_of), then=Value(level.value))
        for level, days in (
            (WarningLevel.RED, rule.red_days),
            (WarningLevel.YELLOW, rule.yellow_days),
        )
        if days is not None
    ]
    return Case(*whens, default=Value(None), output_field=CharField())


def annotate_warnings(queryset: QuerySet, as_of: date, rules: Sequence[WarningRule]) -> QuerySet:
    """The projects with their warnings as of ``as_of`` (see the module's docstring)."""
    last_follow_up = per_row(
        FollowUp.objects.filter(occurred_on__lte=as_of), "project", Max("occurred_on")
    )
    queryset = queryset.annotate(
        warning_as_of=Value(as_of, output_field=DateField()),
        warning_stage=stage_as_of(as_of),
        stage_since=stage_since_as_of(as_of),
        last_follow_up=last_follow_up,
        followed_since=Coalesce(F("last_follow_up"), F("signed_date")),
    )
    queryset = queryset.annotate(**{rule_name(rule): rule_level(rule, as_of) for rule in rules})

    def any_at(level: WarningLevel) -> Q:
        condition = Q(pk__in=[])
        for rule in rules:
            days = threshold(rule, level)
            if days is not None:
                condition |= rule_condition(rule, days, as_of)
        return condition

    return queryset.annotate(
        warning_level=Case(
            When(~watched_q(as_of), then=None),
            When(any_at(WarningLevel.RED), then=Value(WarningLevel.RED.value)),
            When(any_at(WarningLevel.YELLOW), then=Value(WarningLevel.YELLOW.value)),
            default=Value(WarningLevel.GREEN.value),
            output_field=CharField(),
        )
    )


class Warned(Protocol):
    """The annotations ``annotate_warnings`` gives a project."""

    warning_as_of: date
    warning_level: str | None
    stage_since: date | None
    followed_since: date | None


def warned(project: InvestmentProject) -> Warned:
    """A project of a queryset that ``annotate_warnings`` annotated, typed as such."""
    return cast(Warned, project)


def days_in_stage(project: InvestmentProject) -> int | None:
    """Days from the date the project reached its stage to the date of its warnings."""
    since = getattr(project, "stage_since", None)
    if since is None:
        return None
    return (warned(project).warning_as_of - since).days


@dataclass(frozen=True)
class Reason:
    """Why a project is flagged: one fired rule, at its level, in a short sentence."""

    level: WarningLevel
    text: str


def threshold(rule: WarningRule, level: WarningLevel) -> int | None:
    return rule.red_days if level == WarningLevel.RED else rule.yellow_days


def reason_text(project: InvestmentProject, rule: WarningRule, level: WarningLevel) -> str:
    """The sentence of one fired rule, in the active language."""
    days = threshold(rule, level)
    if rule.kind == WarningRule.Kind.IN_STAGE:
        return _("%(stage)s阶段停留%(days)s天（%(level)s≥%(limit)s天）") % {
            "stage": Stage(rule.stage).label,
            "days": days_in_stage(project),
            "level": level.label,
            "limit": days,
        }
    if rule.kind == WarningRule.Kind.AGREED_DATE:
        planned, _actual = InvestmentProject.AGREED_DATES[Stage(rule.stage)]
        agreed = getattr(project, planned)
        text = (
            _("%(field)s%(date)s已过%(days)s天（%(level)s＞%(limit)s天）")
            if days
            else _("%(field)s%(date)s已过%(days)s天（%(level)s）")
        )
        return text % {
            "field": field_label(project, planned),
            "date": f"{agreed:%Y-%m-%d}",
            "days": (warned(project).warning_as_of - agreed).days,
            "level": level.label,
            "limit": days,
        }
    followed_since = warned(project).followed_since
    assert followed_since is not None  # the rule fires only after a date
    return _("%(days)s天未跟踪（%(level)s≥%(limit)s天）") % {
        "days": (warned(project).warning_as_of - followed_since).days,
        "level": level.label,
        "limit": days,
    }


def reasons(project: InvestmentProject, rules: Sequence[WarningRule]) -> list[Reason]:
    """The rules that flag an annotated project, red ones first."""
    found = []
    for rule in rules:
        level = getattr(project, rule_name(rule), None)
        if level:
            found.append(
                Reason(WarningLevel(level), reason_text(project, rule, WarningLevel(level)))
            )
    return sorted(found, key=lambda reason: reason.level != WarningLevel.RED)


def level_label(level: str | None) -> StrOrPromise:
    return WarningLevel(level).label if level else ""
