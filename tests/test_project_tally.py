"""The projects list's count and total, read from the projects' tally where the filters
allow it, and from the projects otherwise: the same figures either way. Run on SQLite and
on PostgreSQL."""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from projects.dashboard import ALL_SIZES, Dashboard, Period
from projects.filters import ProjectFilterSet
from projects.models import InvestmentProject, Park, ProjectTally, Sector
from projects.units import wan_to_yi

pytestmark = pytest.mark.django_db

TALLY = ProjectTally._meta.db_table


def parent_park() -> Park:
    return Park.objects.filter(children__isnull=False).distinct().first()


def answerable(demo) -> list[dict]:
    sectors = list(Sector.objects.order_by("pk").values_list("pk", flat=True))
    group = Sector.objects.first().group
    stages = InvestmentProject.Stage
    return [
        {},
        {"size": "1yi"},
        {"size": "10yi"},
        {"size": "below_1yi"},
        {"sector": str(sectors[0])},
        {"sector": [str(sectors[0]), str(sectors[1])]},
        {"sector_group": group},
        {"park": str(parent_park().pk)},
        {"park": "none"},
        {"stage": [stages.LANDED, stages.STARTED]},
        {"zone": InvestmentProject.Zone.YANGTZE_DELTA},
        {"landed": "true"},
        {"landed": "false"},
        {"landed_after": "2024-01-01", "landed_before": "2024-12-31"},
        {"landed_after": "2025-01-01"},
        {"landed_before": "2024-12-31"},
        {"signed_after": "2024-01-01", "signed_before": "2025-12-31"},
        {"landed_after": "2019-01-01", "landed_before": "2019-12-31"},
        {
            "size": "1yi",
            "sector_group": group,
            "park": str(parent_park().pk),
            "landed_after": "2024-01-01",
            "landed_before": "2025-12-31",
            "as_of": "2025-04-30",
        },
    ]


def counted_by(filterset_class: type, amount: str, params: dict) -> tuple[int, Decimal]:
    """The count and total of ``amount`` (亿元, two places) of a filter set's own queryset."""
    query = QueryDict(urlencode(params, doseq=True))
    model = filterset_class._meta.model
    filterset = filterset_class(query, queryset=model.objects.all())
    assert filterset.is_valid(), filterset.errors
    sums = filterset.qs.aggregate(count=Count("pk"), total=Sum(amount))
    return sums["count"], wan_to_yi(Decimal(sums["total"] or 0)).quantize(Decimal("0.01"))


def from_projects(params: dict) -> tuple[int, Decimal]:
    return counted_by(ProjectFilterSet, "total_investment_wan", params)


def listed(client, params: dict, path: str = "/projects/") -> tuple[tuple[int, Decimal], list[str]]:
    """The list's summary for ``params``, and the SQL the page ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    summary = response.context["summary"]
    return (summary["count"], summary["total"]), [query["sql"] for query in queries]


def test_the_common_filters_are_counted_from_the_tally(demo, staff_client):
    counted = set()
    for params in answerable(demo):
        figures, sql = listed(staff_client, params)
        assert figures == from_projects(params), params
        assert any(TALLY in statement for statement in sql), params
        counts_projects = [
            statement
            for statement in sql
            if "COUNT(*)" in statement and "projects_investmentproject" in statement
        ]
        assert counts_projects == [], params
        counted.add(figures[0])
    assert len(counted) > 8  # the filters select different projects, some none
    assert 0 in counted


@pytest.mark.parametrize(
    "params",
    [
        {"q": "科技"},
        {"investment_min": "5"},
        {"owner": "an owner"},
        {"warning": "red", "as_of": "2025-04-30"},
        {"warning_stage": "landed"},
        {"size": "1yi", "landed_after": "2025-01-01", "landed_before": "2025-04-30"},
        {"signed_before": "2025-06-30"},
        {"illustrative": "false"},
    ],
)
def test_other_filters_are_counted_from_the_projects(demo, staff_client, params):
    if "owner" in params:
        owned = InvestmentProject.objects.exclude(owner=None).first()
        params = {"owner": str(owned.owner_id)}
    figures, sql = listed(staff_client, params)
    assert figures == from_projects(params)
    assert not any(TALLY in statement for statement in sql)


def test_wrong_filters_show_nothing_and_read_no_tally(demo, staff_client):
    figures, sql = listed(staff_client, {"size": "huge", "landed_after": "2025-01-01"})
    assert figures == (0, Decimal("0.00"))
    assert not any(TALLY in statement for statement in sql)


def test_a_project_moved_to_another_sector_leaves_the_count_of_its_old_one(demo, staff_client):
    project = InvestmentProject.objects.first()
    other = Sector.objects.exclude(pk=project.sector_id).first()
    sector = {"sector": str(project.sector_id)}
    before, _sql = listed(staff_client, sector)
    InvestmentProject.objects.filter(pk=project.pk).update(sector=other)
    after, _sql = listed(staff_client, sector)
    moved = wan_to_yi(project.total_investment_wan).quantize(Decimal("0.01"))
    assert after == (before[0] - 1, before[1] - moved)


@pytest.mark.parametrize(
    "start, end, basis, size",
    [
        ("2024-01-01", "2024-12-31", "landed", "1yi"),
        ("2021-01-01", "2025-12-31", "signed", "all"),
        ("2000-01-01", "2026-12-31", "landed", "10yi"),
        ("2025-01-01", "2025-04-30", "landed", "1yi"),
    ],
)
def test_the_dashboards_figures_from_the_tally_equal_those_of_the_projects(
    demo, monkeypatch, start, end, basis, size
):
    """Whole years are read from the tally; the same board worked out from the projects
    (the tally turned off) shows the same figures, and a cut year reads the projects."""
    period = Period(date.fromisoformat(start), date.fromisoformat(end), basis)
    size = "" if size == ALL_SIZES else size

    def figures() -> tuple:
        board = Dashboard(period, size)
        with CaptureQueriesContext(connection) as queries:
            shown = (board.headline(), board.breakdowns(), board.crossed())
        return shown, any(TALLY in query["sql"] for query in queries)

    tallied, read_tally = figures()
    monkeypatch.setattr(Dashboard, "tallied", lambda self, params, *groups: None)
    counted, _read = figures()
    assert tallied == counted
    assert read_tally == (end[5:] == "12-31")
    assert tallied[0]["current"]["count"] > 0
