"""The 红黄绿 card read from the warnings' tally gives, on every day, the figures worked out
from every project's dates: around each rule's days, with follow-ups before and after the
day asked, for rules changed, and falling back to the dates where the tally cannot answer.
Run on SQLite and on PostgreSQL."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest

from projects.dashboard import Dashboard, Period, WarningsCard
from projects.models import (
    Company,
    FollowUp,
    InvestmentProject,
    Park,
    Sector,
    WarningRule,
    WarningState,
    WarningTally,
)
from projects.models.warning_tally import LAST_DAY

pytestmark = pytest.mark.django_db


def card(as_of: date, kept: bool = True) -> WarningsCard:
    """The dashboard's card as of ``as_of``, from the tally or (``kept`` False) from every
    project's dates."""
    board = Dashboard(Period(date(as_of.year, 1, 1), as_of), "")
    if kept:
        return board.warnings(as_of)
    with mock.patch("projects.dashboard.kept_for", return_value=False):
        return board.warnings(as_of)


def assert_same_card(as_of: date) -> WarningsCard:
    kept = card(as_of)
    assert kept == card(as_of, kept=False), as_of
    return kept


def counts(as_of: date) -> dict[str, int]:
    return {figure.label: figure.count for figure in card(as_of).levels}


@pytest.fixture
def project(demo):
    """A project signed on 2025-01-01 that got no further, with no follow-up, alone in its
    park."""
    return InvestmentProject.objects.create(
        name="预警统计测试项目",
        company=Company.objects.create(name="预警统计测试有限公司"),
        sector=Sector.objects.first(),
        park=Park.objects.create(name="预警统计测试园区", kind="industrial_park"),
        total_investment_wan=Decimal("20000.55"),
        source_zone=InvestmentProject.Zone.OTHER,
        stage=InvestmentProject.Stage.SIGNED,
        signed_date=date(2025, 1, 1),
        planned_started_date=date(2025, 2, 1),
    )


def level_in_park(project: InvestmentProject, as_of: date) -> str:
    """The project's colour on the card as of ``as_of``, read from its park's row."""
    kept = assert_same_card(as_of)
    rows = [row for row in kept.by_park if row.label == project.park.name]
    if not rows:
        return "green"
    (row,) = rows
    return "red" if row.red.count else "yellow"


def test_every_week_of_the_demo_gives_the_same_card_as_the_dates(demo):
    assert all(rule.pk for rule in WarningRule.objects.all())
    day = date(2023, 12, 1)
    while day <= date(2027, 1, 31):
        assert_same_card(day)
        day += timedelta(days=6)


def test_the_tally_holds_the_demo_and_the_card_reads_it(demo):
    """Not the dates: the card reads the tally (emptied, it shows nothing of the settled
    projects)."""
    as_of = date(2026, 12, 1)
    assert not WarningState.objects.filter(settled_on__gt=as_of).exists()
    assert sum(counts(as_of).values()) > 0
    WarningTally.objects.all().delete()
    assert sum(counts(as_of).values()) == 0


def test_it_turns_yellow_and_red_on_each_rules_day(project):
    start = date(2025, 1, 1)
    # 未跟踪 30 days (yellow), 约定开工 2025-02-01 passed (yellow the day after, red 90 days
    # later, on day 122), 签约 90 / 180 days in the stage.
    expected = {29: "green", 30: "yellow", 121: "yellow", 122: "red", 400: "red"}
    for days, level in expected.items():
        assert level_in_park(project, start + timedelta(days=days)) == level, days
    assert level_in_park(project, start - timedelta(days=1)) == "green"  # not signed yet


def test_follow_ups_before_and_after_the_day_asked(project):
    as_of = date(2025, 1, 31)
    assert level_in_park(project, as_of) == "yellow"
    FollowUp.objects.create(project=project, occurred_on=date(2025, 2, 5), kind="call")
    # A follow-up after the day asked does not count; the project is worked out from its
    # dates for the days before it.
    assert WarningState.objects.get(project=project.pk).settled_on == date(2025, 2, 5)
    assert level_in_park(project, as_of) == "yellow"
    follow_up = FollowUp.objects.create(project=project, occurred_on=date(2025, 1, 20), kind="call")
    assert level_in_park(project, as_of) == "green"
    FollowUp.objects.filter(pk=follow_up.pk).update(occurred_on=date(2025, 1, 1))
    assert level_in_park(project, as_of) == "yellow"
    follow_up.delete()
    FollowUp.objects.filter(project=project).delete()
    assert WarningState.objects.get(project=project.pk).settled_on == date(2025, 1, 1)
    assert level_in_park(project, as_of) == "yellow"


def test_a_rule_changed_or_added_moves_every_projects_days(project):
    as_of = date(2025, 1, 25)
    assert level_in_park(project, as_of) == "green"
    follow_up = WarningRule.objects.get(kind=WarningRule.Kind.NO_FOLLOW_UP)
    follow_up.yellow_days, follow_up.red_days = 10, 20
    follow_up.save()
    assert level_in_park(project, as_of) == "red"
    WarningRule.objects.filter(pk=follow_up.pk).update(yellow_days=None, red_days=30)
    assert level_in_park(project, as_of) == "green"
    assert level_in_park(project, date(2025, 1, 31)) == "red"
    WarningRule.objects.filter(kind=WarningRule.Kind.AGREED_DATE).delete()
    # Days no date reaches, before the year 10000: never.
    WarningRule.objects.filter(pk=follow_up.pk).update(red_days=2_000_000_000)
    assert level_in_park(project, LAST_DAY) == "red"  # 签约 180 days
    WarningRule.objects.filter(kind=WarningRule.Kind.IN_STAGE).delete()
    assert level_in_park(project, LAST_DAY) == "green"


def test_a_project_reaching_a_stage_terminated_or_deleted(project):
    InvestmentProject.objects.filter(pk=project.pk).update(
        stage="started", landed_date=date(2025, 1, 10), started_date=date(2025, 3, 1)
    )
    FollowUp.objects.create(project=project, occurred_on=date(2025, 3, 1), kind="visit")
    assert level_in_park(project, date(2025, 2, 28)) == "yellow"  # 约定开工, 未跟踪 passed
    assert level_in_park(project, date(2025, 3, 1)) == "green"  # started, followed that day
    assert level_in_park(project, date(2025, 3, 31)) == "yellow"  # 未跟踪 30 days
    InvestmentProject.objects.filter(pk=project.pk).update(
        stage="terminated", terminated_date=date(2025, 4, 1)
    )
    assert level_in_park(project, date(2025, 3, 30)) == "green"
    assert level_in_park(project, date(2025, 3, 31)) == "yellow"
    assert project.park.name not in {row.label for row in card(date(2025, 4, 1)).by_park}
    project.follow_ups.all().delete()
    project.delete()
    assert not WarningState.objects.filter(project=project.pk).exists()
    assert_same_card(date(2025, 3, 31))


def test_without_a_stored_no_follow_up_rule_the_card_is_worked_out_from_the_dates(
    project, settings
):
    WarningRule.objects.filter(kind=WarningRule.Kind.NO_FOLLOW_UP).delete()
    settings.FOLLOW_UP_DAYS = 10
    WarningTally.objects.all().delete()  # not read
    assert level_in_park(project, date(2025, 1, 10)) == "green"
    assert level_in_park(project, date(2025, 1, 11)) == "yellow"


def test_odd_projects_and_rules_give_the_same_card_as_the_dates(project):
    """Projects the forms would refuse but an import or plain SQL may hold, and rules at
    the edges of what a rule may say."""
    odd = {
        # Watched without a signed date: no 未跟踪 day to count from.
        "unsigned": {"stage": "landed", "signed_date": None, "landed_date": date(2025, 3, 1)},
        # Terminated before a later stage's date.
        "terminated": {
            "stage": "terminated",
            "started_date": date(2025, 6, 1),
            "terminated_date": date(2025, 4, 1),
        },
        # Followed up before it was signed.
        "followed_early": {"signed_date": date(2025, 2, 1)},
        # In production, where only an in-stage rule of that stage flags it.
        "in_production": {"stage": "in_production", "production_date": date(2025, 2, 1)},
    }
    for name, fields in odd.items():
        created = InvestmentProject.objects.create(
            **{
                "name": f"预警统计测试项目（{name}）",
                "company": project.company,
                "sector": project.sector,
                "park": project.park,
                "total_investment_wan": Decimal(1000),
                "source_zone": project.source_zone,
                "stage": "signed",
                "signed_date": date(2025, 1, 1),
                **fields,
            }
        )
        if name == "followed_early":
            FollowUp.objects.create(project=created, occurred_on=date(2025, 1, 10), kind="call")
    WarningRule.objects.create(kind="in_stage", stage="in_production", yellow_days=30)
    WarningRule.objects.filter(kind=WarningRule.Kind.AGREED_DATE, stage="started").update(
        yellow_days=2_147_483_647, red_days=None
    )
    day = date(2024, 12, 25)
    while day <= date(2025, 9, 1):
        assert_same_card(day)
        day += timedelta(days=3)
    assert_same_card(LAST_DAY)


def test_a_project_given_another_id_by_plain_sql_takes_its_state_along(project):
    from django.db import connection

    old = project.pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {InvestmentProject._meta.db_table} SET id = %s WHERE id = %s",
            [old + 100_000, old],
        )
    assert not WarningState.objects.filter(project=old).exists()
    assert WarningState.objects.filter(project=old + 100_000).exists()
    assert_same_card(date(2025, 3, 1))
