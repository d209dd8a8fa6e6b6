"""Stalled-project warnings (预警，红黄绿): the list, the card and the rules at their days."""

import csv
import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from projects.models import Company, FollowUp, InvestmentProject, Sector, WarningRule
from projects.roles import EDITOR, MANAGER, sync_roles
from projects.warnings import annotate_warnings, load_rules, rule_name

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures"
ARTICLE_DATE = date(2025, 5, 1)

# Written out here rather than read from the code: the README's rules, applied by hand.
STAGE_DATES = {
    "signed": "signed_date",
    "landed": "landed_date",
    "land_supplied": "land_supplied_date",
    "started": "started_date",
    "completed": "completed_date",
    "in_production": "production_date",
}
AGREED = {
    "started": ("planned_started_date", "started_date"),
    "completed": ("planned_completed_date", "completed_date"),
    "in_production": ("planned_production_date", "production_date"),
}


def fixture_rows(name: str, model: str) -> list[dict]:
    rows = json.loads((FIXTURES / name).read_text())
    return [row["fields"] for row in rows if row["model"] == model]


def levels_by_hand(as_of: date) -> dict[str, str]:
    """Each watched demo project's colour on ``as_of``, from the fixture files."""
    follow_ups: dict[str, list[date]] = {}
    for row in fixture_rows("followups.json", "projects.followup"):
        follow_ups.setdefault(row["project"][0], []).append(date.fromisoformat(row["occurred_on"]))
    rules = fixture_rows("warningrules.json", "projects.warningrule")
    levels = {}
    for project in fixture_rows("projects.json", "projects.investmentproject"):

        def day(field: str, project: dict = project) -> date | None:
            value = project.get(field)
            return date.fromisoformat(value) if value else None

        terminated = day("terminated_date")
        if terminated and terminated <= as_of:
            continue
        reached = [(stage, day(field)) for stage, field in STAGE_DATES.items()]
        reached = [(stage, since) for stage, since in reached if since and since <= as_of]
        if not reached:
            continue
        stage, since = reached[-1]
        earlier = [when for when in follow_ups.get(project["name"], []) if when <= as_of]
        followed = max(earlier) if earlier else day("signed_date")
        fired = set()
        for rule in rules:
            for level in ("red", "yellow"):
                days = rule[f"{level}_days"]
                if days is None:
                    continue
                if rule["kind"] == "in_stage":
                    hit = stage == rule["stage"] and (as_of - since).days >= days
                elif rule["kind"] == "agreed_date":
                    planned, actual = (day(field) for field in AGREED[rule["stage"]])
                    hit = bool(planned and (as_of - planned).days > days) and not (
                        actual and actual <= as_of
                    )
                else:
                    hit = (
                        stage != "in_production"
                        and followed is not None
                        and (as_of - followed).days >= days
                    )
                if hit:
                    fired.add(level)
        levels[project["name"]] = next(
            (level for level in ("red", "yellow") if level in fired), "green"
        )
    return levels


def test_the_demo_shows_what_the_readme_says_on_the_articles_date():
    levels = list(levels_by_hand(ARTICLE_DATE).values())
    assert [levels.count(level) for level in ("red", "yellow", "green")] == [2, 67, 41]


def listed(client: Client, **params) -> set[str]:
    response = client.get("/projects/", {**params, "per_page": 100})
    assert response.status_code == 200
    table = response.context["table"]
    assert table.paginator.count <= 100
    return {row.record.name for row in table.paginated_rows}


@pytest.mark.parametrize("warning", ["red", "yellow", "any", "green"])
def test_it_lists_the_projects_the_rules_flag_on_the_articles_date(demo, staff_client, warning):
    by_hand = levels_by_hand(ARTICLE_DATE)
    wanted = {"any": {"red", "yellow"}}.get(warning, {warning})
    expected = {name for name, level in by_hand.items() if level in wanted}
    assert expected  # the demo shows every colour
    assert listed(staff_client, warning=warning, as_of=ARTICLE_DATE.isoformat()) == expected


def test_it_counts_on_the_dashboard_card_what_the_list_lists(demo, staff_client):
    by_hand = levels_by_hand(ARTICLE_DATE)
    response = staff_client.get("/", {"as_of": "2025-05-01"})
    card = response.context["warnings"]
    counts = {figure.url: figure.count for figure in card.levels}
    for figure in card.levels:
        assert "as_of=2025-05-01" in figure.url
    red_url = next(url for url in counts if "warning=red" in url)
    assert counts[red_url] == sum(level == "red" for level in by_hand.values())
    listing = staff_client.get(red_url)
    assert listing.context["summary"]["count"] == counts[red_url]
    for row in [*card.by_stage, *card.by_park]:
        for figure in (row.red, row.yellow):
            assert staff_client.get(figure.url).context["summary"]["count"] == figure.count
    assert sum(row.red.count for row in card.by_park) == counts[red_url]
    assert sum(row.red.count for row in card.by_stage) == counts[red_url]


def test_it_shows_why_a_project_is_red_in_the_list_and_the_export(demo, staff_client):
    params = {"warning": "red", "as_of": "2025-05-01", "q": "示例025"}
    page = staff_client.get("/projects/", params)
    assert "约定开工日期2025-01-15已过106天（红色＞90天）" in page.text
    export = staff_client.get("/projects/", {**params, "_export": "csv"})
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    header, row = rows
    assert row[header.index("预警")].startswith("红色：约定开工日期2025-01-15已过106天")
    assert row[header.index("本阶段天数")] == "129"


@pytest.fixture
def project(demo):
    """A project signed on 2025-01-01 that got no further, with no follow-up."""
    return InvestmentProject.objects.create(
        name="预警边界测试项目",
        company=Company.objects.create(name="预警边界测试有限公司"),
        sector=Sector.objects.first(),
        total_investment_wan=Decimal(20000),
        source_zone=InvestmentProject.Zone.OTHER,
        stage=InvestmentProject.Stage.SIGNED,
        signed_date=date(2025, 1, 1),
        planned_started_date=date(2025, 2, 1),
    )


def rule_level(project: InvestmentProject, kind: str, stage: str, as_of: date) -> str | None:
    rules = load_rules()
    (rule,) = [rule for rule in rules if rule.kind == kind and rule.stage == stage]
    annotated = annotate_warnings(InvestmentProject.objects.filter(pk=project.pk), as_of, rules)
    return getattr(annotated.get(), rule_name(rule))


@pytest.mark.parametrize(
    ("kind", "stage", "start", "first_yellow", "first_red"),
    [
        # 签约 90 / 180 days in the stage, counted from the signed date.
        ("in_stage", "signed", date(2025, 1, 1), 90, 180),
        # 约定开工 passed: yellow the day after (0 days), red after 90 more.
        ("agreed_date", "started", date(2025, 2, 1), 1, 91),
        # 未跟踪 30 days (yellow only in the demo rules), from the signed date.
        ("no_follow_up", "", date(2025, 1, 1), 30, None),
    ],
)
def test_each_rule_turns_yellow_and_red_on_its_day(
    project, kind, stage, start, first_yellow, first_red
):
    def level(days: int) -> str | None:
        return rule_level(project, kind, stage, start + timedelta(days=days))

    assert level(first_yellow - 1) is None
    assert level(first_yellow) == "yellow"
    if first_red is not None:
        assert level(first_red - 1) == "yellow"
        assert level(first_red) == "red"


def test_a_follow_up_restarts_the_count_and_a_later_one_does_not_count(project):
    as_of = date(2025, 3, 1)
    assert rule_level(project, "no_follow_up", "", as_of) == "yellow"
    FollowUp.objects.create(
        project=project, occurred_on=date(2025, 3, 5), kind="call", summary="电话"
    )
    assert rule_level(project, "no_follow_up", "", as_of) == "yellow"
    FollowUp.objects.create(
        project=project, occurred_on=date(2025, 2, 20), kind="call", summary="电话"
    )
    assert rule_level(project, "no_follow_up", "", as_of) is None
    assert rule_level(project, "no_follow_up", "", date(2025, 4, 3)) is None
    assert rule_level(project, "no_follow_up", "", date(2025, 4, 4)) == "yellow"


def test_without_a_stored_no_follow_up_rule_the_setting_applies(project, settings):
    WarningRule.objects.filter(kind=WarningRule.Kind.NO_FOLLOW_UP).delete()
    settings.FOLLOW_UP_DAYS = 10
    assert rule_level(project, "no_follow_up", "", date(2025, 1, 10)) is None
    assert rule_level(project, "no_follow_up", "", date(2025, 1, 11)) == "yellow"


def test_a_project_met_its_date_or_terminated_is_not_flagged(project):
    as_of = date(2025, 6, 1)
    assert rule_level(project, "agreed_date", "started", as_of) == "red"
    InvestmentProject.objects.filter(pk=project.pk).update(
        stage="started", landed_date=date(2025, 5, 1), started_date=date(2025, 5, 20)
    )
    assert rule_level(project, "agreed_date", "started", as_of) is None
    assert rule_level(project, "agreed_date", "started", date(2025, 5, 19)) == "red"
    InvestmentProject.objects.filter(pk=project.pk).update(
        stage="terminated", started_date=None, terminated_date=date(2025, 5, 25)
    )
    assert rule_level(project, "agreed_date", "started", as_of) is None
    assert rule_level(project, "agreed_date", "started", date(2025, 5, 24)) == "red"


def test_it_sorts_by_days_in_stage_longest_first_on_the_first_click(demo, staff_client):
    response = staff_client.get(
        "/projects/", {"warning": "any", "as_of": "2025-05-01", "sort": "-days_in_stage"}
    )
    rows = response.context["table"].paginated_rows
    days = [(ARTICLE_DATE - row.record.stage_since).days for row in rows]
    assert days == sorted(days, reverse=True) and days[0] > days[-1]
    text = re.sub(r"\s+", "", response.text)
    assert f'data-label="本阶段天数">{days[0]}</td>' in text


def test_a_wrong_date_is_reported_next_to_its_field(demo, staff_client):
    response = staff_client.get("/projects/", {"as_of": "2025-13-01", "warning": "red"})
    assert response.status_code == 200
    assert 'id="id_as_of_error"' in response.text
    assert response.context["summary"]["count"] == 0
    dashboard = staff_client.get("/", {"as_of": "2025-02-30"})
    assert dashboard.status_code == 200
    assert dashboard.context["form"].errors["as_of"]


def test_a_date_longer_ago_than_a_rules_days_flags_nothing_by_that_rule(demo, staff_client):
    """At the first of all dates, or with a rule of more days than any date lies before,
    the rule has not fired yet: the pages answer, with nothing flagged by it."""
    for path in ("/projects/", "/api/projects/", "/"):
        response = staff_client.get(path, {"as_of": "0001-01-01", "warning": "red"})
        assert response.status_code == 200
    WarningRule.objects.update(red_days=999_999_999)
    response = staff_client.get("/projects/", {"as_of": "2025-05-01", "warning": "red"})
    assert response.status_code == 200
    assert response.context["summary"]["count"] == 0


def test_the_project_page_shows_its_warning_as_of_today(demo, staff_client, project):
    response = staff_client.get(project.get_absolute_url())
    assert 'data-warning="red"' in response.text
    assert "约定开工日期2025-02-01已过" in response.text
    assert "天未跟踪" in response.text


@pytest.fixture
def staff(demo, django_user_model):
    """An Editor and a Manager, logged in."""
    sync_roles()
    clients = {}
    for role in (EDITOR, MANAGER):
        user = django_user_model.objects.create_user(f"rules-{role}", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        clients[role] = Client()
        clients[role].force_login(user)
    return clients


def test_only_a_manager_adds_a_rule_in_the_admin(staff):
    url = "/admin/projects/warningrule/add/"
    data = {"kind": "in_stage", "stage": "signed", "yellow_days": "10", "red_days": "20"}
    WarningRule.objects.filter(kind="in_stage", stage="signed").delete()
    assert staff[EDITOR].get(url).status_code == 403
    assert staff[EDITOR].post(url, data).status_code == 403
    assert staff[MANAGER].post(url, data).status_code == 302
    assert WarningRule.objects.get(kind="in_stage", stage="signed").red_days == 20


def test_the_api_filters_and_gives_the_warnings_as_the_list_does(demo, staff_client):
    params = {"warning": "red", "as_of": "2025-05-01"}
    answer = staff_client.get("/api/projects/", params).json()
    names = {row["name"] for row in answer["results"]}
    assert names == listed(staff_client, **params)
    assert {row["warning_level"] for row in answer["results"]} == {"red"}
