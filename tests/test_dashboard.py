"""The leaders' dashboard: the article's figures, links that agree, periods and exports."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Count, Q, Sum

from projects.models import InvestmentProject, SizeTier
from projects.units import wan_to_yi

pytestmark = pytest.mark.django_db

JAN_APR_2025 = {"start": "2025-01-01", "end": "2025-04-30"}


def dashboard(client, **params):
    response = client.get("/", params)
    assert response.status_code == 200
    return response


def summary_of(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["filter_invalid"]
    return response.context["summary"]


def at_least_1yi_landed(start: str, end: str):
    return InvestmentProject.objects.filter(
        landed_date__gte=start, landed_date__lte=end, total_investment_wan__gte=10000
    )


class TestArticleFigures:
    def test_january_to_april_2025(self, demo, staff_client):
        cards = dashboard(staff_client, **JAN_APR_2025).context["cards"]
        assert cards["current"]["count"] == 10
        assert cards["current"]["count_1b"] == 3
        assert cards["current"]["total_yi"] == Decimal("45.32")
        assert cards["leased"]["count"] == 36

    def test_year_2024(self, demo, staff_client):
        cards = dashboard(staff_client, start="2024-01-01", end="2024-12-31").context["cards"]
        assert (cards["current"]["count"], cards["current"]["count_1b"]) == (37, 8)

    def test_each_card_links_to_a_list_with_the_same_numbers(self, demo, staff_client):
        cards = dashboard(staff_client, **JAN_APR_2025).context["cards"]
        current = cards["current"]
        assert summary_of(staff_client, current["url"]) == {
            "count": 10,
            "total": Decimal("45.32"),
            "total_label": "总投资（亿元）",
        }
        assert summary_of(staff_client, current["url_1b"])["count"] == 3
        assert summary_of(staff_client, cards["leased"]["url"])["count"] == 36
        previous = cards["previous"]
        assert summary_of(staff_client, previous["url"])["count"] == previous["count"]

    def test_the_year_earlier_is_counted_independently(self, demo, staff_client):
        previous = dashboard(staff_client, **JAN_APR_2025).context["cards"]["previous"]
        expected = at_least_1yi_landed("2024-01-01", "2024-04-30")
        assert previous["count"] == expected.count()
        total = expected.aggregate(total=Sum("total_investment_wan"))["total"]
        assert previous["total_yi"] == wan_to_yi(total)


class TestBreakdowns:
    def test_every_figure_links_to_exactly_the_rows_it_counts(self, demo, staff_client):
        tables = dashboard(staff_client, start="2024-01-01", end="2025-12-31").context["tables"]
        assert len(tables) == 6
        checked = 0
        for table in tables:
            assert table.figures, table.title
            for figure in table.figures:
                summary = summary_of(staff_client, figure.url)
                assert (summary["count"], summary["total"]) == (figure.count, figure.total_yi), (
                    table.title,
                    figure.label,
                )
                checked += 1
        assert checked > 30

    def test_sector_counts_match_an_independent_count(self, demo, staff_client):
        tables = dashboard(staff_client, **JAN_APR_2025).context["tables"]
        by_sector = {figure.label: figure.count for figure in tables[0].figures}
        expected = at_least_1yi_landed("2025-01-01", "2025-04-30").values("sector__name")
        counted = {row["sector__name"]: row["n"] for row in expected.annotate(n=Count("pk"))}
        assert by_sector == counted

    def test_parks_roll_up_into_their_top_level_park(self, demo, staff_client):
        tables = dashboard(staff_client, start="2021-01-01", end="2026-12-31", size="all")
        parks = {figure.label: figure.count for figure in tables.context["tables"][2].figures}
        zone = InvestmentProject.objects.filter(landed_date__isnull=False).filter(
            Q(park__name="缙云经济开发区")
            | Q(park__parent__name="缙云经济开发区")
            | Q(park__parent__parent__name="缙云经济开发区")
        )
        assert parks["缙云经济开发区"] == zone.count()
        assert "新建园区" not in parks

    def test_month_by_month_adds_up_to_the_period(self, demo, staff_client):
        response = dashboard(staff_client, **JAN_APR_2025)
        months = response.context["tables"][5].figures
        assert [figure.label for figure in months] == ["2025-01", "2025-02", "2025-03", "2025-04"]
        assert sum(figure.count for figure in months) == 10

    def test_breakdowns_of_all_projects(self, demo, staff_client):
        response = dashboard(staff_client, **JAN_APR_2025, size="all")
        stages = response.context["tables"][4].figures
        expected = InvestmentProject.objects.filter(
            landed_date__gte="2025-01-01", landed_date__lte="2025-04-30"
        ).count()
        assert sum(figure.count for figure in stages) == expected > 10

    def test_charts_label_each_bar_with_its_value(self, demo, staff_client):
        response = dashboard(staff_client, **JAN_APR_2025)
        assert response.text.count('class="bar-chart"') == 6
        assert "4（14.67亿）" in response.text  # January 2025


class TestPeriods:
    def test_first_and_last_day_count_and_the_day_after_does_not(self, demo, staff_client):
        landed_last_day = at_least_1yi_landed("2025-04-30", "2025-04-30").count()
        landed_next_day = at_least_1yi_landed("2025-05-01", "2025-05-01").count()
        assert landed_last_day and landed_next_day
        cards = dashboard(staff_client, start="2025-04-30", end="2025-04-30").context["cards"]
        assert cards["current"]["count"] == landed_last_day
        cards = dashboard(staff_client, start="2025-01-01", end="2025-05-01").context["cards"]
        assert cards["current"]["count"] == 10 + landed_next_day
        first_day = at_least_1yi_landed("2025-01-01", "2025-01-01").count()
        assert first_day
        cards = dashboard(staff_client, start="2025-01-02", end="2025-04-30").context["cards"]
        assert cards["current"]["count"] == 10 - first_day

    def test_signed_date_as_the_basis(self, demo, staff_client):
        cards = dashboard(staff_client, **JAN_APR_2025, basis="signed").context["cards"]
        expected = InvestmentProject.objects.filter(
            signed_date__gte="2025-01-01", signed_date__lte="2025-04-30"
        ).filter(SizeTier.counted_q(SizeTier.FROM_100M))
        assert cards["current"]["count"] == expected.count()
        assert "signed_after=2025-01-01" in cards["current"]["url"]

    def test_default_is_this_year_to_date(self, demo, staff_client, monkeypatch):
        response = dashboard(staff_client)
        period = response.context["period"]
        assert period.start == date(period.end.year, 1, 1)
        assert period.basis == "landed"

    def test_an_empty_period_shows_zeros(self, demo, staff_client):
        response = dashboard(staff_client, start="2031-01-01", end="2031-03-31")
        cards = response.context["cards"]
        assert (cards["current"]["count"], cards["current"]["total_yi"]) == (0, Decimal("0"))
        assert all(not table.figures for table in response.context["tables"])
        assert "本期没有项目" in response.text

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"start": "2025-13-01"}, "start"),
            ({"end": "yesterday"}, "end"),
            ({"start": "2025-05-01", "end": "2025-04-01"}, "end"),
            ({"basis": "announced"}, "basis"),
            ({"size": "huge"}, "size"),
        ],
    )
    def test_bad_input_gets_a_message_next_to_the_field(self, demo, staff_client, params, field):
        response = dashboard(staff_client, **params)
        assert field in response.context["form"].errors
        assert "cards" not in response.context
        assert "invalid-feedback" in response.text

    @pytest.mark.parametrize(
        "language, message",
        [("zh-hans", "最早只能从0002-01-01起统计"), ("en", "The earliest start is 0002-01-01")],
    )
    def test_a_start_in_year_1_is_refused_next_to_the_field(
        self, demo, staff_client, language, message
    ):
        for params in ({"start": "0001-01-01"}, {"start": "0001-12-31", "_export": "csv"}):
            response = staff_client.get("/", params, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200
            assert "start" in response.context["form"].errors
            assert message in response.text
        response = dashboard(staff_client, start="0002-01-01")
        assert response.context["period"].year_earlier().start == date(1, 1, 1)

    def test_a_project_landed_in_december_9999_has_its_month(self, demo, staff_client):
        project = InvestmentProject.objects.filter(
            total_investment_wan__gte=10000, landed_date__isnull=False, land_supplied_date=None
        ).first()
        project.landed_date = date(9999, 12, 31)
        project.save()
        response = dashboard(staff_client, start="9999-01-01", end="9999-12-31")
        months = response.context["tables"][5].figures
        assert [(figure.label, figure.count) for figure in months] == [("9999-12", 1)]
        assert "landed_before=9999-12-31" in months[0].url

    def test_query_count_is_bounded(self, demo, staff_client, django_assert_max_num_queries):
        with django_assert_max_num_queries(15):
            dashboard(staff_client, start="2021-01-01", end="2026-12-31", size="all")


class TestExport:
    def test_csv_has_every_table(self, demo, staff_client):
        response = staff_client.get("/", {**JAN_APR_2025, "_export": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert ["落地亿元以上项目（个）", "10", "9", "1"] in rows
        assert ["总投资（亿元）", "45.32", "49.93", "-4.61"] in rows
        for title in ["按产业", "按园区（含下级园区）", "按月份"]:
            assert [title] in rows

    def test_xlsx_has_a_sheet_per_table(self, demo, staff_client):
        response = staff_client.get("/", {**JAN_APR_2025, "_export": "xlsx"})
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        assert len(workbook.sheetnames) == 7
        overview = list(workbook["概况"].iter_rows(values_only=True))
        assert overview[1][:2] == ("落地亿元以上项目（个）", 10)
