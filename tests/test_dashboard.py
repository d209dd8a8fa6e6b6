"""The leaders' dashboard: the article's figures, links that agree, periods and exports."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs

import openpyxl
import pytest
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.html import escape

from projects.models import InvestmentProject, SizeTier
from projects.units import wan_to_yi

pytestmark = pytest.mark.django_db

JAN_APR_2025 = {"start": "2025-01-01", "end": "2025-04-30"}


def dashboard(client, **params):
    response = client.get("/", params)
    assert response.status_code == 200
    return response


def parse_qs_flat(query: str) -> dict:
    """A dashboard link's parameters, each given once."""
    return {name: value for name, [value] in parse_qs(query.removeprefix("?")).items()}


def summary_of(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["filter_invalid"]
    return response.context["summary"]


def at_least_1yi_landed(start: str, end: str):
    return InvestmentProject.objects.filter(
        landed_date__gte=start, landed_date__lte=end, total_investment_wan__gte=10000
    )


def latest_year(field: str, **lookups) -> int:
    """The year of the latest such project, by ``field``."""
    return InvestmentProject.objects.filter(**lookups).aggregate(latest=Max(field))["latest"].year


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

    def test_months_without_projects_count_as_zero(self, demo, staff_client):
        months = dashboard(staff_client, start="2025-01-01", end="2025-12-31").context["tables"][5]
        assert [figure.label for figure in months.figures] == [f"2025-{m:02}" for m in range(1, 13)]
        august = months.figures[7]
        assert august.count == 0 == at_least_1yi_landed("2025-08-01", "2025-08-31").count()
        assert summary_of(staff_client, august.url)["count"] == 0
        assert sum(figure.count for figure in months.figures) == (
            at_least_1yi_landed("2025-01-01", "2025-12-31").count()
        )

    def test_a_long_period_runs_from_its_first_month_with_projects_to_its_last(
        self, demo, staff_client
    ):
        months = dashboard(staff_client, start="0002-01-01", end="9999-12-31").context["tables"][5]
        landed = InvestmentProject.objects.filter(
            total_investment_wan__gte=10000, landed_date__isnull=False
        ).order_by("landed_date")
        first, last = landed.first().landed_date, landed.last().landed_date
        assert months.figures[0].label == f"{first:%Y-%m}"
        assert months.figures[-1].label == f"{last:%Y-%m}"
        span = (last.year - first.year) * 12 + last.month - first.month + 1
        assert len(months.figures) == span
        assert sum(figure.count for figure in months.figures) == landed.count()

    def test_charts_label_each_bar_with_its_value(self, demo, staff_client):
        response = dashboard(staff_client, **JAN_APR_2025)
        # Six of the projects, four of the funds in place.
        assert response.text.count('class="bar-chart"') == 10
        assert "4（14.67亿）" in response.text  # January 2025

    def test_english_charts_use_english_punctuation_and_unit(self, demo, staff_client):
        response = staff_client.get("/", JAN_APR_2025, HTTP_ACCEPT_LANGUAGE="en")
        charts = "".join(re.findall(r'<ol class="bar-chart".*?</ol>', response.text, re.S))
        assert "4 (14.67 × CNY 100M)" in charts
        assert 'aria-label="2025-01: 4"' in charts
        assert not re.search("[（）：，亿]", charts)


class TestCrossTable:
    def test_each_cell_counts_what_its_list_shows(self, demo, staff_client):
        response = dashboard(staff_client, start="2021-01-01", end="2026-12-31", size="all")
        crossed = response.context["crossed"]
        assert (
            crossed.columns
            == [label for _value, label in InvestmentProject.Zone.choices][: len(crossed.columns)]
        )
        cells = [cell for _label, row in crossed.rows for cell in row if cell]
        assert len(cells) > 20
        for cell in cells:
            for counted in (cell.figure, cell.of_1b):
                summary = summary_of(staff_client, counted.url)
                assert (summary["count"], summary["total"]) == (counted.count, counted.total_yi)

    def test_it_answers_a_sector_from_a_zone_of_10yi_in_one_click(self, demo, staff_client):
        response = dashboard(staff_client, start="2021-01-01", end="2026-12-31")
        crossed = response.context["crossed"]
        zone = crossed.columns.index("长三角")
        cell = dict(crossed.rows)["短途交通"][zone]
        expected = InvestmentProject.objects.filter(
            sector__name="短途交通",
            source_zone=InvestmentProject.Zone.YANGTZE_DELTA,
            landed_date__range=("2021-01-01", "2026-12-31"),
            total_investment_wan__gte=100000,
        ).count()
        assert cell.of_1b.count == expected > 0
        assert f'href="{escape(cell.of_1b.url)}"' in response.text
        listed = staff_client.get(cell.of_1b.url)
        assert listed.context["summary"]["count"] == expected
        assert {row.record.sector.name for row in listed.context["table"].rows} == {"短途交通"}

    def test_counting_only_10yi_leaves_out_the_second_count(self, demo, staff_client):
        crossed = dashboard(staff_client, **JAN_APR_2025, size="10yi").context["crossed"]
        cells = [cell for _label, row in crossed.rows for cell in row if cell]
        assert sum(cell.figure.count for cell in cells) == 3
        assert all(cell.of_1b is None for cell in cells)
        assert not crossed.counts_1b

    def test_rows_and_columns_are_those_with_projects(self, demo, staff_client):
        crossed = dashboard(staff_client, **JAN_APR_2025).context["crossed"]
        by_sector = at_least_1yi_landed("2025-01-01", "2025-04-30").values("sector__name")
        assert {label for label, _row in crossed.rows} == {row["sector__name"] for row in by_sector}
        assert all(
            any(row[index] for _label, row in crossed.rows) for index in range(len(crossed.columns))
        )


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

    def test_default_is_this_year_to_date_and_the_form_shows_it(self, demo, staff_client):
        response = dashboard(staff_client)
        period = response.context["period"]
        assert period.start == date(period.end.year, 1, 1)
        assert period.end == timezone.localdate()
        assert period.basis == "landed"
        assert f'name="start" value="{period.start:%Y-%m-%d}"' in response.text
        assert f'name="end" value="{period.end:%Y-%m-%d}"' in response.text

    def test_the_form_shows_the_period_given(self, demo, staff_client):
        response = dashboard(staff_client, start="2025-01-01")
        assert 'name="start" value="2025-01-01"' in response.text
        assert f'name="end" value="{timezone.localdate():%Y-%m-%d}"' in response.text

    def test_an_empty_period_says_so_and_offers_the_latest_year_with_projects(
        self, demo, staff_client
    ):
        response = dashboard(staff_client, start="2031-01-01", end="2031-03-31")
        cards = response.context["cards"]
        assert (cards["current"]["count"], cards["current"]["total_yi"]) == (0, Decimal("0"))
        assert all(not table.figures for table in response.context["tables"])
        assert "本期没有项目" in response.text
        year = latest_year(total_investment_wan__gte=10000, field="landed_date")
        label, query = response.context["latest"]
        assert (label, query) == (f"{year}年全年", f"?start={year}-01-01&end={year}-12-31")
        assert f'<a href="{escape(query)}">{year}年全年</a>' in response.text
        assert not dashboard(staff_client, **parse_qs_flat(query)).context["empty"]

    def test_the_offer_keeps_the_basis_and_size(self, demo, staff_client):
        response = dashboard(
            staff_client, start="1990-01-01", end="1990-12-31", basis="signed", size="10yi"
        )
        year = latest_year(total_investment_wan__gte=100000, field="signed_date")
        _label, query = response.context["latest"]
        assert parse_qs_flat(query) == {
            "start": f"{year}-01-01",
            "end": f"{year}-12-31",
            "basis": "signed",
            "size": "10yi",
        }

    def test_a_period_with_projects_offers_nothing(self, demo, staff_client):
        response = dashboard(staff_client, **JAN_APR_2025)
        assert not response.context["empty"]
        assert "latest" not in response.context
        assert "本期没有项目" not in response.text

    def test_an_empty_ledger_offers_no_period(self, empty_ledger, staff_client):
        response = dashboard(staff_client, **JAN_APR_2025)
        assert response.context["empty"]
        assert "latest" not in response.context
        assert "本期没有项目" in response.text

    def test_each_quick_period_is_a_clean_link(self, demo, staff_client):
        response = dashboard(
            staff_client, **JAN_APR_2025, basis="signed", size="all", q="stray", page="3"
        )
        today = timezone.localdate()
        links = dict(response.context["presets"])
        assert len(links) == 4
        for query in links.values():
            params = parse_qs(query.removeprefix("?"))
            assert set(params) == {"start", "end", "basis", "size"}
            assert all(len(values) == 1 for values in params.values())
            assert (params["basis"], params["size"]) == (["signed"], ["all"])
        assert (
            links["今年以来"]
            == f"?start={today.year}-01-01&end={today:%Y-%m-%d}&basis=signed&size=all"
        )
        last_year = today.year - 1
        assert parse_qs_flat(links[f"{last_year}年全年"])["end"] == f"{last_year}-12-31"
        for query in links.values():
            assert f'href="{escape(query)}"' in response.text
        # Following a quick period gives quick periods as clean as before.
        followed = dashboard(staff_client, **parse_qs_flat(links["今年以来"]))
        assert dict(followed.context["presets"]) == links

    def test_quick_periods_leave_out_the_defaults_and_bad_choices(self, demo, staff_client):
        for params in ({}, {"basis": "landed", "size": "1yi"}, {"basis": "announced"}):
            response = staff_client.get("/", params)
            for _label, query in response.context["presets"]:
                assert set(parse_qs(query.removeprefix("?"))) == {"start", "end"}

    @pytest.mark.parametrize("start", ["2025-13-01", "soon"])
    def test_a_bad_start_is_marked_alone(self, demo, staff_client, start):
        response = dashboard(staff_client, start=start, end="2025-04-30")
        assert set(response.context["form"].errors) == {"start"}

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
        assert [(figure.label, figure.count) for figure in months[-2:]] == [
            ("9999-11", 0),
            ("9999-12", 1),
        ]
        assert len(months) == 12
        assert "landed_before=9999-12-31" in months[-1].url

    def test_query_count_is_bounded(self, demo, staff_client, django_assert_max_num_queries):
        with django_assert_max_num_queries(37):
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
        for title in ["按产业", "按园区（含下级园区）", "按月份", "按产业和来源区域"]:
            assert [title] in rows

    def test_xlsx_has_a_sheet_per_table(self, demo, staff_client):
        response = staff_client.get("/", {**JAN_APR_2025, "_export": "xlsx"})
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        # The overview, six tables, the cross table, four of the funds, the targets.
        assert len(workbook.sheetnames) == 13
        overview = list(workbook["概况"].iter_rows(values_only=True))
        assert overview[1][:2] == ("落地亿元以上项目（个）", 10)
        header, *crossed = workbook["按产业和来源区域"].iter_rows(values_only=True)
        assert header[0] == "产业" and "长三角" in header
        assert sum(sum(row[1:]) for row in crossed) == 10
