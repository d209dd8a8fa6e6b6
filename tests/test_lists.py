"""The list pages: summary, sorting, pages, exports, bad input and query counts."""

import csv
import io
import re
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Model, Sum
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from projects.lists import data
from projects.lists.data import ListPaginator
from projects.lists.export import INVALID_FILTER, ListExport
from projects.lists.sheets import csv_value
from projects.lists.tables import EMPTY
from projects.models import Company, InvestmentProject, LandParcel, Park, Sector
from projects.units import wan_to_yi

pytestmark = pytest.mark.django_db

LISTS = ["/projects/", "/parks/", "/parcels/", "/companies/"]
JAN_APR_2025 = {"size": "1yi", "landed_after": "2025-01-01", "landed_before": "2025-04-30"}


def page_names(response) -> list[str]:
    return [str(row.record) for row in response.context["table"].page.object_list]


def csv_rows(response) -> list[list[str]]:
    """The rows of a streamed CSV export, header first."""
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def two_places_at_least(amount: Decimal) -> str:
    """An amount as a spreadsheet user writes it: 15.00, 10.40, 0.000123."""
    return f"{amount:.2f}" if amount == round(amount, 2) else f"{amount:f}"


def same_cell(value, text: str) -> bool:
    """Whether an XLSX cell holds what the CSV wrote: the same number, the same date (ISO
    in the CSV), the same text (with an apostrophe in the CSV if it looks like a formula)."""
    if isinstance(value, int | float):
        return Decimal(str(value)) == Decimal(text)
    if isinstance(value, datetime):
        return value.date().isoformat() == text
    return csv_value(value) == text


class TestArticleQuestions:
    """The questions leaders ask, answered by filtering alone."""

    def test_projects_of_at_least_1yi_landed_january_to_april_2025(self, demo, staff_client):
        response = staff_client.get("/projects/", JAN_APR_2025)
        assert response.context["summary"]["count"] == 10
        assert response.context["summary"]["total"] == Decimal("45.32")
        assert "45.32" in response.text

    def test_projects_of_at_least_10yi_landed_january_to_april_2025(self, demo, staff_client):
        response = staff_client.get("/projects/", {**JAN_APR_2025, "size": "10yi"})
        assert response.context["summary"]["count"] == 3
        assert "涵禧科技汽车零部件及新材料项目" in response.text

    def test_projects_in_short_distance_transport(self, demo, staff_client):
        sector = InvestmentProject.objects.filter(sector__name="短途交通").first().sector
        response = staff_client.get("/projects/", {"sector": sector.pk})
        expected = InvestmentProject.objects.filter(sector=sector).count()
        assert response.context["summary"]["count"] == expected > 10

    def test_lease_first_parcels_in_the_development_zone(self, demo, staff_client):
        zone = Park.objects.get(name="缙云经济开发区")
        response = staff_client.get(
            "/parcels/", {"supply_mode": "lease_first", "park": zone.pk, "per_page": 100}
        )
        assert "缙云经济开发区2025-1号" in page_names(response)
        assert all(
            parcel.supply_mode == LandParcel.SupplyMode.LEASE_FIRST
            for parcel in response.context["object_list"]
        )


class TestSummary:
    def test_summary_counts_the_whole_filtered_set_not_the_page(self, demo, staff_client):
        response = staff_client.get("/projects/", {"per_page": 25})
        assert len(page_names(response)) == 25
        assert response.context["summary"]["count"] == InvestmentProject.objects.count()

    def test_parcel_summary_totals_area_in_mu(self, demo, staff_client):
        response = staff_client.get("/parcels/", {"supply_mode": "lease_first"})
        parcels = LandParcel.objects.filter(supply_mode="lease_first")
        total_mu = sum(parcel.area_m2 for parcel in parcels) * 15 / 10000
        assert abs(response.context["summary"]["total"] - total_mu) < Decimal("0.01")

    def test_empty_result_says_nothing_matches(self, demo, staff_client):
        response = staff_client.get("/projects/", {"q": "没有这样的项目"})
        assert response.context["summary"]["count"] == 0
        assert "没有符合条件的项目" in response.text


class TestRelatedFigures:
    """The counts and totals of each park's and company's related rows."""

    @staticmethod
    def shown(response) -> list:
        return [row.record for row in response.context["table"].page.object_list]

    def test_a_park_counts_its_own_parcels_and_projects(self, demo, staff_client):
        parks = self.shown(staff_client.get("/parks/", {"per_page": 100}))
        assert len(parks) == Park.objects.count()
        for park in parks:
            assert park.parcel_count == LandParcel.objects.filter(park=park).count()
            assert park.project_count == InvestmentProject.objects.filter(park=park).count()
        assert any(park.parcel_count and park.project_count for park in parks)
        assert any(park.project_count == 0 for park in parks)

    def test_a_company_counts_and_sums_its_projects(self, demo, staff_client):
        second = InvestmentProject.objects.get(name__contains="涵禧")
        first_total = second.total_investment_wan
        second.pk, second.name = None, "涵禧二期"
        second.total_investment_wan = second.fixed_investment_wan = Decimal("1234.5")
        second.save()
        response = staff_client.get("/companies/", {"per_page": 100, "sort": "-investment_wan"})
        companies = self.shown(response)
        for company in companies:
            projects = InvestmentProject.objects.filter(company=company)
            assert company.project_count == projects.count()
            total = projects.aggregate(total=Sum("total_investment_wan"))["total"]
            assert company.investment_wan == total
        [hanxi] = [company for company in companies if company.pk == second.company_id]
        assert (hanxi.project_count, hanxi.investment_wan) == (2, first_total + Decimal("1234.5"))
        totals = [company.investment_wan for company in companies]
        assert None not in totals and totals == sorted(totals, reverse=True)

    def test_a_company_without_projects_has_none(self, demo, staff_client):
        Company.objects.create(name="暂无项目的企业", credit_code="91331122MA2HXXXX0X")
        response = staff_client.get("/companies/", {"q": "暂无项目"})
        [company] = self.shown(response)
        assert (company.project_count, company.investment_wan) == (0, None)
        [row] = table_rows(response.content.decode())
        count = '<td class="num" data-label="项目数">0</td>'
        total = f'<td class="num" data-label="总投资（亿元）">{EMPTY}</td>'
        assert row.endswith(f"{count}{total}</tr>")

    @pytest.mark.parametrize("path", ["/parks/", "/companies/"])
    @pytest.mark.parametrize("sort", [None, "-project_count"])
    def test_related_rows_are_read_for_the_rows_shown_only(self, demo, staff_client, path, sort):
        # Joined to the list, the related rows would all be read for each page, and a
        # park's parcels and projects would multiply each other.
        with CaptureQueriesContext(connection) as queries:
            staff_client.get(path, {"sort": sort} if sort else {})
        joins = [
            query["sql"]
            for query in queries
            if re.search(r'JOIN "projects_(investmentproject|landparcel)"', query["sql"])
        ]
        assert joins == []


class TestSortingAndPages:
    @pytest.mark.parametrize(
        "sort",
        [
            "-total_investment_wan",
            "total_investment_wan",
            "landed_date",
            "-signed_date",
            "stage",
            "-stage",
            "park",
            "sector",
            "size_tier",
            "leased_manufacturing",
            "company",
            "",
        ],
    )
    def test_pages_neither_skip_nor_repeat_rows(self, demo, staff_client, sort):
        seen = []
        pages = -(-InvestmentProject.objects.count() // 25)
        for page in range(1, pages + 1):
            response = staff_client.get("/projects/", {"sort": sort, "page": page, "per_page": 25})
            seen += page_names(response)
        assert len(seen) == len(set(seen)) == InvestmentProject.objects.count()
        # Each page holds its slice of the whole sorted set, in order.
        assert seen == [str(record) for record in response.context["table"].data.data]

    def test_sorting_by_investment_descending(self, demo, staff_client):
        response = staff_client.get("/projects/", {"sort": "-total_investment_wan"})
        amounts = [
            row.record.total_investment_wan for row in response.context["table"].page.object_list
        ]
        assert amounts == sorted(amounts, reverse=True)
        assert amounts[0] == max(
            InvestmentProject.objects.values_list("total_investment_wan", flat=True)
        )

    @pytest.mark.parametrize("direction", ["", "-"])
    @pytest.mark.parametrize(
        ("path", "sort", "value"),
        [
            ("/projects/", "landed_date", lambda record: record.landed_date),
            ("/projects/", "park", lambda record: record.park),
            ("/parks/", "parent", lambda record: record.parent),
            ("/companies/", "investment_wan", lambda record: record.investment_wan),
            ("/companies/", "home_region", lambda record: record.home_region or None),
        ],
    )
    def test_empty_values_sort_last_either_way(
        self, demo, staff_client, path, sort, value, direction
    ):
        """As a spreadsheet sorts: blanks after the values, going up or down, the same on
        every database (PostgreSQL puts NULL first going down, SQLite first going up; both
        put blank text first going up)."""
        Company.objects.create(name="暂无项目的企业", credit_code="91331122MA2HXXXX0X")
        seen, page = [], 1
        while True:
            response = staff_client.get(path, {"sort": direction + sort, "page": page})
            seen += [value(row.record) for row in response.context["table"].page.object_list]
            if not response.context["table"].page.has_next():
                break
            page += 1
        filled = [item for item in seen if item is not None]
        assert filled and len(filled) < len(seen)
        assert seen == filled + [None] * (len(seen) - len(filled))
        if not isinstance(filled[0], Model | str):  # text sorts in the database's collation
            assert filled == sorted(filled, reverse=direction == "-")

    def test_only_keys_that_may_be_empty_are_rewritten(self):
        def keys(queryset) -> list[str]:
            return [str(key) for key in data.empties_last(queryset).query.order_by]

        projects = InvestmentProject.objects.all()
        # Never empty, or not a path of fields: left as they are, the default order too.
        assert keys(projects.order_by("-total_investment_wan", "pk")) == [
            "-total_investment_wan",
            "pk",
        ]
        assert keys(projects.order_by("?")) == ["?"]
        assert keys(projects.order_by("park")) == ["park"]  # the park's own order
        assert data.empties_last(projects).ordered
        # Through a relation that may be missing, or several rows: empty last.
        for key in ("-park__name", "parcels__code"):
            (rewritten,) = data.empties_last(projects.order_by(key)).query.order_by
            assert rewritten.nulls_last

    def test_sorting_by_stage_follows_the_pipeline(self, demo, staff_client):
        response = staff_client.get("/projects/", {"sort": "stage", "per_page": 100})
        order = list(InvestmentProject.Stage)
        ranks = [
            order.index(row.record.stage) for row in response.context["table"].page.object_list
        ]
        assert ranks == sorted(ranks)

    @pytest.mark.parametrize("per_page", [25, 50, 100])
    def test_user_chooses_the_page_size(self, demo, staff_client, per_page):
        response = staff_client.get("/projects/", {"per_page": per_page})
        assert len(page_names(response)) == per_page

    def test_filter_form_keeps_its_values_across_pages_and_sorting(self, demo, staff_client):
        params = {"size": "1yi", "sort": "-total_investment_wan", "page": 2}
        response = staff_client.get("/projects/", params)
        assert response.context["filter"].form["size"].value() == "1yi"
        assert 'name="sort" value="-total_investment_wan"' in response.text
        page_links = re.findall(r'href="(\?[^"]*page=3[^"]*)"', response.text)
        assert page_links, "a link to the next page"
        assert all(
            "size=1yi" in link and "sort=-total_investment_wan" in link for link in page_links
        )
        sort_links = re.findall(r'href="(\?[^"]*sort=[^"]*)"', response.text)
        assert sort_links and all("size=1yi" in link for link in sort_links)


class TestBadInput:
    @pytest.mark.parametrize(
        "params, field",
        [
            ({"investment_min": "abc"}, "investment_min"),
            ({"investment_max": "-5"}, "investment_max"),
            ({"landed_after": "2025-13-01"}, "landed_after"),
            ({"signed_before": "yesterday"}, "signed_before"),
            ({"sector": "999999"}, "sector"),
            ({"park": "999999"}, "park"),
            ({"stage": "finished"}, "stage"),
            ({"size": "huge"}, "size"),
            ({"leased": "maybe"}, "leased"),
            ({"landed": "yes"}, "landed"),
            ({"investment_min": "5", "investment_max": "1"}, "investment_max"),
            ({"landed_after": "2025-05-01", "landed_before": "2025-04-01"}, "landed_before"),
            ({"q": "长" * 5000}, "q"),
            ({"investment_min": "1e30"}, "investment_min"),
        ],
    )
    def test_bad_filter_is_shown_next_to_the_field_and_lists_nothing(
        self, demo, staff_client, params, field
    ):
        response = staff_client.get("/projects/", params)
        assert response.status_code == 200
        assert response.context["filter_invalid"]
        assert field in response.context["filter"].form.errors
        assert response.context["summary"]["count"] == 0
        assert "筛选条件有误" in response.text
        assert "invalid-feedback" in response.text

    @pytest.mark.parametrize("page", ["-1", "0", "abc", "99999"])
    def test_out_of_range_page_shows_a_real_page(self, demo, staff_client, page):
        response = staff_client.get("/projects/", {"page": page})
        assert response.status_code == 200
        assert len(page_names(response)) > 0

    def test_pages_stop_at_the_browsable_rows_and_say_so(self, demo, staff_client, monkeypatch):
        monkeypatch.setattr(ListPaginator, "browsable_rows", 75)
        assert InvestmentProject.objects.count() > 75
        deep = staff_client.get("/projects/", {"page": 9})
        assert deep.context["table"].page.number == 3  # rows 51 to 75, and no further
        assert deep.context["summary"]["count"] == InvestmentProject.objects.count()
        assert "分页只到前 75 条" in deep.text
        narrowed = staff_client.get("/projects/", {"size": "10yi"})
        assert narrowed.context["summary"]["count"] <= 75
        assert "分页只到前" not in narrowed.text

    @pytest.mark.parametrize("per_page", ["1000000", "-3", "7", "abc"])
    def test_odd_page_size_falls_back_to_25(self, demo, staff_client, per_page):
        response = staff_client.get("/projects/", {"per_page": per_page})
        assert response.status_code == 200
        assert len(page_names(response)) == 25

    def test_unknown_sort_key_is_ignored(self, demo, staff_client):
        response = staff_client.get("/projects/", {"sort": "password"})
        assert response.status_code == 200


class TestExport:
    def test_csv_has_a_bom_chinese_headers_and_exactly_the_filtered_rows(self, demo, staff_client):
        response = staff_client.get("/projects/", {**JAN_APR_2025, "_export": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        content = response.getvalue().decode("utf-8")
        assert content.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))
        expected = InvestmentProject.objects.filter(
            landed_date__range=("2025-01-01", "2025-04-30")
        ).filter(total_investment_wan__gte=10000)
        assert {row["项目名称"] for row in rows} == set(expected.values_list("name", flat=True))
        assert sum(Decimal(row["总投资（亿元）"]) for row in rows) == Decimal("45.32")

    def test_export_follows_the_chosen_sort(self, demo, staff_client):
        response = staff_client.get(
            "/projects/", {"size": "10yi", "sort": "-total_investment_wan", "_export": "csv"}
        )
        rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        amounts = [Decimal(row["总投资（亿元）"]) for row in rows]
        assert amounts == sorted(amounts, reverse=True)

    def test_xlsx_has_amounts_as_numbers(self, demo, staff_client):
        response = staff_client.get(
            "/projects/", {**JAN_APR_2025, "size": "10yi", "_export": "xlsx"}
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
        rows = list(sheet.iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        column = header.index("总投资（亿元）")
        assert len(body) == 3
        assert sorted(row[column] for row in body) == [10, 11.5, 15]

    @pytest.mark.parametrize("path", LISTS)
    def test_every_list_exports_both_formats(self, demo, staff_client, path):
        for export_format in ("csv", "xlsx"):
            response = staff_client.get(path, {"_export": export_format})
            assert response.status_code == 200
            assert "attachment" in response["Content-Disposition"]

    def test_parcel_export_names_projects_without_markup(self, demo, staff_client):
        response = staff_client.get("/parcels/", {"q": "2025-1号", "_export": "csv"})
        content = response.getvalue().decode("utf-8")
        assert "江苏永久摩托车（缙云）工厂项目" in content
        assert "<a " not in content

    @pytest.mark.parametrize("export_format", ["csv", "xlsx"])
    def test_export_above_the_cap_is_refused_with_a_message(
        self, demo, staff_client, monkeypatch, export_format
    ):
        monkeypatch.setattr(ListExport, "row_limit", 50)
        response = staff_client.get("/projects/", {"_export": export_format})
        assert response.status_code == 400
        assert "Content-Disposition" not in response
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        count = InvestmentProject.objects.count()
        assert response.text == (
            f"符合条件的记录有{count}条，超过一次导出的上限50条。请缩小筛选范围后再导出。"
        )
        page = staff_client.get("/projects/")
        assert response.text in page.text
        assert "_export=" not in page.text
        narrowed = staff_client.get("/projects/", {"_export": export_format, "size": "10yi"})
        assert narrowed.status_code == 200 and "attachment" in narrowed["Content-Disposition"]

    def test_text_that_looks_like_a_formula_stays_text(self, demo, staff_client):
        Company.objects.filter(name="湖南触米").update(name='=HYPERLINK("http://x","点我")')
        params = {"q": "触摸屏"}
        csv_text = staff_client.get("/projects/", {**params, "_export": "csv"}).getvalue().decode()
        assert "'=HYPERLINK" in csv_text
        xlsx = staff_client.get("/projects/", {**params, "_export": "xlsx"}).getvalue()
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
        cell = next(c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value))
        assert cell.data_type == "s"

    @pytest.mark.parametrize("export_format", ["csv", "xlsx"])
    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_export_with_a_bad_filter_is_refused_with_the_pages_message(
        self, demo, staff_client, export_format, language
    ):
        bad = {"investment_min": "abc"}
        page = staff_client.get("/projects/", bad, HTTP_ACCEPT_LANGUAGE=language)
        response = staff_client.get(
            "/projects/", {**bad, "_export": export_format}, HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 400
        assert "Content-Disposition" not in response
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        with translation.override(language):
            message = str(INVALID_FILTER)
        assert response.text == message
        assert message in page.text
        assert message.startswith("筛选条件有误" if language == "zh-hans" else "The filter has")

    def test_csv_is_streamed_its_rows_read_while_it_is_sent(self, demo, staff_client):
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get("/projects/", {"_export": "csv"})
            before_sending = len(queries)
            rows = csv_rows(response)
        assert isinstance(response, StreamingHttpResponse)
        # One query reads the rows; on PostgreSQL, first, the setting that plans it for all.
        assert len(queries) == before_sending + 1 + (connection.vendor == "postgresql")
        assert len(rows) - 1 == InvestmentProject.objects.count()

    def test_csv_rows_are_the_filtered_projects_in_the_chosen_order(self, demo, staff_client):
        params = {"landed_after": "2025-01-01", "landed_before": "2025-06-30"}
        response = staff_client.get(
            "/projects/", {**params, "sort": "-total_investment_wan", "_export": "csv"}
        )
        header, *rows = csv_rows(response)
        projects = (
            InvestmentProject.objects.filter(landed_date__range=("2025-01-01", "2025-06-30"))
            .select_related("company", "park")
            .order_by("-total_investment_wan", "-pk")
        )
        expected = [
            [
                project.name,
                project.company.name,
                project.park.name if project.park else "",
                two_places_at_least(wan_to_yi(project.total_investment_wan, exact=True)),
                str(project.size_tier.label),
                project.get_stage_display(),
                project.landed_date.isoformat(),
                "是" if project.leased_manufacturing else "否",
                project.responsible_name,
            ]
            for project in projects
        ]
        columns = ["项目名称", "企业", "园区", "总投资（亿元）", "投资规模", "阶段", "落地日期"]
        columns += ["租赁制造", "责任人"]
        assert len(expected) > 10
        assert [[row[header.index(name)] for name in columns] for row in rows] == expected

    @pytest.mark.parametrize("sort", ["stage", "-park", "-leased_manufacturing"])
    def test_export_rows_are_in_the_order_of_the_page(self, demo, staff_client, sort):
        page = staff_client.get("/projects/", {"sort": sort, "per_page": 100})
        header, *rows = csv_rows(staff_client.get("/projects/", {"sort": sort, "_export": "csv"}))
        names = [row[header.index("项目名称")] for row in rows]
        assert names[:100] == page_names(page)

    @pytest.mark.parametrize("path", [*LISTS, "/leases/", "/problems/"])
    def test_xlsx_is_a_file_with_the_rows_of_the_csv(self, demo, staff_client, path):
        Company.objects.filter(name="湖南触米").update(name="=1+1")
        csv_body = csv_rows(staff_client.get(path, {"_export": "csv"}))
        response = staff_client.get(path, {"_export": "xlsx"})
        assert isinstance(response, FileResponse)
        sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
        xlsx_body = list(sheet.iter_rows(values_only=True))
        assert len(xlsx_body) == len(csv_body) > 1
        differences = [
            (value, text)
            for csv_row, xlsx_row in zip(csv_body, xlsx_body, strict=True)
            for value, text in zip(xlsx_row, csv_row, strict=True)
            if not same_cell(value, text)
        ]
        assert differences == []

    @pytest.mark.parametrize("path", [*LISTS, "/leases/", "/problems/"])
    def test_export_cells_are_those_django_tables2_gives(self, demo, staff_client, path):
        # The export reads each column once; django-tables2's as_values() reads cell by cell.
        table = staff_client.get(path).context["table"]
        expected = [
            [csv_value(None if value == EMPTY else value) for value in row]
            for row in table.as_values()
        ]
        exported = csv_rows(staff_client.get(path, {"_export": "csv"}))
        assert len(exported) > 2
        assert exported == [[str(value) for value in row] for row in expected]

    def test_export_is_written_in_the_language_of_its_request(self, demo, staff_client):
        response = staff_client.get("/leases/", {"_export": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
        with translation.override("zh-hans"):  # another request is served before sending
            header, *rows = csv_rows(response)
        assert header[:2] == ["Land parcel", "Investment project"]
        assert "Remediation" in {row[header.index("Status")] for row in rows}
        assert {row[header.index("Illustrative")] for row in rows} == {"Yes", "No"}
        next_dates = [row[header.index("Next date")] for row in rows]
        assert any(text.endswith(" Remediation deadline") for text in next_dates)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL cursor")
def test_an_export_sends_its_first_rows_before_postgresql_has_found_the_last(
    transactional_db, demo, admin_user, client
):
    """Outside a transaction (as in production, not as in a test's own), Django declares
    its cursor WITH HOLD, and PostgreSQL then works out every row of the export before
    it sends the first; read in a transaction, the rows come as they are found."""
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/projects/", {"_export": "csv"})
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert len(rows) - 1 == InvestmentProject.objects.count()
    (declared,) = [query["sql"] for query in queries if query["sql"].startswith("DECLARE")]
    assert "WITH HOLD" not in declared, declared


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL cursor")
def test_an_export_is_planned_for_all_its_rows_and_only_while_it_reads_them(
    transactional_db, demo, admin_user, client, monkeypatch
):
    """PostgreSQL plans a cursor for its first tenth of rows unless told otherwise: at a
    million projects, an export filtered by signed date then walked the landed-date order
    of the whole table to find its rows. The export reads all its rows, so it says so, for
    its own transaction only."""
    monkeypatch.setattr("projects.lists.sheets.CSV_CHUNK_CHARS", 1)  # a piece for each row

    def fraction() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW cursor_tuple_fraction")
            return cursor.fetchone()[0]

    client.force_login(admin_user)
    before = fraction()
    response = client.get("/projects/", {"signed_after": "2024-01-01", "_export": "csv"})
    pieces = iter(response.streaming_content)
    next(pieces)  # the header and the first row
    while_reading = fraction()
    rest = list(pieces)
    assert len(rest) == InvestmentProject.objects.filter(signed_date__gte="2024-01-01").count()
    assert (before, while_reading, fraction()) == ("0.1", "1", "0.1")


def table_rows(html: str) -> list[str]:
    """The rows of a table's body, with the whitespace between tags left out."""
    body = re.search(r"<tbody[^>]*>(.*)</tbody>", html, re.S).group(1)
    return re.findall(r"<tr.*?</tr>", re.sub(r">\s+<", "><", body), re.S)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        *[(path, {"per_page": 100}) for path in LISTS],
        ("/projects/", {"per_page": 100, "language": "en"}),
        ("/leases/", {}),
        ("/leases/", {"language": "en"}),
        ("/projects/", {"q": "没有这个项目"}),
    ],
)
def test_rows_are_those_of_django_tables2s_template(demo, staff_client, path, params):
    # The page writes its rows from cell functions worked out once per column; django-tables2
    # renders each cell through its template. Both must give the same HTML.
    Company.objects.filter(name="湖南触米").update(name="<b>触米</b> & Co")  # linked
    Park.objects.filter(name="缙云经济开发区").update(town="<i>五云</i> & 新建")  # not linked
    language = params.pop("language", "zh-hans")
    response = staff_client.get(path, params, HTTP_ACCEPT_LANGUAGE=language)
    written = table_rows(response.content.decode())
    table = response.context["table"]
    table.template_name = "django_tables2/bootstrap5-responsive.html"
    with translation.override(language):
        expected = table_rows(table.as_html(response.wsgi_request))
    assert len(expected) == min(table.paginator.count, table.paginator.per_page) or (
        table.paginator.count == 0 and len(expected) == 1
    )
    assert written == expected
    if path in ("/projects/", "/parks/") and "q" not in params:
        markup = "&lt;b&gt;触米&lt;/b&gt; &amp; Co" if path == "/projects/" else "&lt;i&gt;五云"
        assert any(markup in row for row in written)


def test_the_illustrative_mark_is_in_the_language_of_each_request(demo, staff_client):
    InvestmentProject.objects.filter(pk__in=InvestmentProject.objects.all()[:3]).update(
        illustrative=True
    )
    marks = {"zh-hans": "示例</span>", "en": "Illustrative</span>"}
    for language in ("zh-hans", "en", "zh-hans", "en"):
        html = staff_client.get("/projects/", HTTP_ACCEPT_LANGUAGE=language).text
        rows = table_rows(html)
        assert any(marks[language] in row for row in rows)
        assert not any(
            mark in row for other, mark in marks.items() if other != language for row in rows
        )


@pytest.mark.parametrize("path", [*LISTS, "/leases/", "/problems/"])
def test_export_query_count_does_not_grow_with_the_rows(demo, staff_client, path):
    def export(params: dict) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = csv_rows(staff_client.get(path, {**params, "_export": "csv"}))
        return len(queries), len(rows) - 1

    # Every demo problem is illustrative: a status picks a few of them.
    few = {"status": "open"} if path == "/problems/" else {"illustrative": "false"}
    few_queries, few_rows = export(few)
    all_queries, all_rows = export({})
    assert 0 < few_rows < all_rows
    # The projects' also read the warning rules; PostgreSQL is told to plan for every row.
    assert all_queries == few_queries <= 7 + (connection.vendor == "postgresql")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("per_page", [25, 100])
def test_list_query_count_is_bounded(
    demo, staff_client, django_assert_max_num_queries, path, per_page
):
    params = {"per_page": per_page, "q": "缙云"}
    if path == "/projects/":
        params.update(size="1yi", park=Park.objects.get(name="缙云经济开发区").pk, sort="-park")
    # The session and user, the filters' sectors, parks and staff, the count and total,
    # the rows; the projects' warning rules; and on PostgreSQL the search's statistics.
    with django_assert_max_num_queries(9):
        response = staff_client.get(path, params)
    assert response.status_code == 200


def test_a_page_is_found_by_key_before_its_rows_are_joined(demo, staff_client):
    with CaptureQueriesContext(connection) as queries:
        staff_client.get("/projects/", {"page": 2, "per_page": 25, "size": "below_1yi"})
    (page_query,) = [q["sql"] for q in queries if "OFFSET 25" in q["sql"]]
    # The last subquery: the outer one's columns have some of their own (the warnings).
    outer, keys = page_query.rsplit(" IN (SELECT ", 1)
    assert "OFFSET 25" in keys and "OFFSET" not in outer
    assert '"projects_company"' not in keys and '"projects_company"' in outer
    # The keys are found with the filter; the rows are then read by key alone.
    assert '"total_investment_wan" <' in keys and '"total_investment_wan" <' not in outer


def test_the_filtered_set_is_counted_and_summed_once(demo, staff_client):
    # An amount bound, which the projects' tally cannot answer for: the projects are read.
    params = {
        "investment_min": "0.01",
        "sector": list(Sector.objects.values_list("pk", flat=True)[:8]),
        "sector_group": ["leading", "emerging"],
        "stage": InvestmentProject.Stage.values[1:],
        "zone": ["yangtze_delta", "in_province"],
    }
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/projects/", params)
    expected = InvestmentProject.objects.filter(
        sector__in=params["sector"],
        sector__group__in=params["sector_group"],
        stage__in=params["stage"],
        source_zone__in=params["zone"],
        total_investment_wan__gte=100,
    )
    assert response.context["summary"]["count"] == expected.count() > 0
    statements = [query["sql"].upper() for query in queries]
    aggregates = [sql for sql in statements if "COUNT(" in sql or "SUM(" in sql]
    assert len(aggregates) == 1 and "SUM(" in aggregates[0] and "COUNT(" in aggregates[0]
    assert not any("DISTINCT" in sql for sql in statements)


class TestDetailPages:
    def test_project_links_to_company_park_and_parcels(self, demo, staff_client):
        project = InvestmentProject.objects.get(name="江苏永久摩托车（缙云）工厂项目")
        response = staff_client.get(project.get_absolute_url())
        assert response.status_code == 200
        parcel = project.parcels.get()
        for url in (
            project.company.get_absolute_url(),
            project.park.get_absolute_url(),
            parcel.get_absolute_url(),
        ):
            assert f'href="{url}"' in response.text
        assert "2025-05-16" in response.text  # the date land was supplied, on the timeline
        assert (
            reverse("admin:projects_investmentproject_change", args=[project.pk]) in response.text
        )

    def test_park_shows_sub_parks_parcels_and_projects(self, demo, staff_client):
        park = Park.objects.get(name="缙云经济开发区")
        response = staff_client.get(
            park.get_absolute_url(), {"projects-sort": "-total_investment_wan"}
        )
        assert response.status_code == 200
        for child in park.children.all():
            assert child.get_absolute_url() in response.text
        subtree = Park.objects.tree().subtree(park.pk)
        parcels = LandParcel.objects.filter(park__in=subtree)
        assert response.context["parcels"].paginator.count == parcels.count() > 25
        projects = InvestmentProject.objects.filter(park__in=subtree)
        assert response.context["project_count"] == projects.count()
        assert response.context["projects"].paginator.count == projects.count()
        assert f"/projects/?park={park.pk}" in response.text
        assert f"/parcels/?park={park.pk}" in response.text
        largest = projects.order_by("-total_investment_wan", "-pk").first()
        shown = [row.record for row in response.context["projects"].paginated_rows]
        assert shown[0] == largest
        assert largest.get_absolute_url() in response.text

    def test_a_records_tables_sort_and_page_on_their_own(self, demo, staff_client):
        park = Park.objects.get(name="缙云经济开发区")
        response = staff_client.get(
            park.get_absolute_url(), {"parcels-sort": "-area_m2", "parcels-page": 2}
        )
        subtree = Park.objects.tree().subtree(park.pk)
        by_area = LandParcel.objects.filter(park__in=subtree).order_by("-area_m2", "-pk")
        parcels = response.context["parcels"]
        assert [row.record for row in parcels.paginated_rows] == list(by_area[25:50])
        assert response.context["projects"].page.number == 1
        assert "parcels-sort=area_m2" in response.text  # the header sorts the other way

    def test_parcel_shows_its_projects(self, demo, staff_client):
        parcel = LandParcel.objects.get(code="缙云经济开发区2025-1号")
        response = staff_client.get(parcel.get_absolute_url())
        assert parcel.park.get_absolute_url() in response.text
        assert parcel.projects.get().get_absolute_url() in response.text

    def test_company_shows_its_projects(self, demo, staff_client):
        project = InvestmentProject.objects.get(name="江苏永久摩托车（缙云）工厂项目")
        response = staff_client.get(project.company.get_absolute_url())
        assert project.get_absolute_url() in response.text

    def test_reader_sees_no_edit_link(self, demo, client, django_user_model):
        reader = django_user_model.objects.create_user("reader", password="x")
        reader.user_permissions.add(Permission.objects.get(codename="view_investmentproject"))
        client.force_login(reader)
        project = InvestmentProject.objects.first()
        response = client.get(project.get_absolute_url())
        assert response.status_code == 200
        assert "/admin/" not in response.text

    def test_staff_without_change_permission_sees_no_edit_link(
        self, demo, client, django_user_model
    ):
        staff = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
        staff.user_permissions.add(Permission.objects.get(codename="view_investmentproject"))
        client.force_login(staff)
        response = client.get(InvestmentProject.objects.first().get_absolute_url())
        assert "在管理后台编辑" not in response.text

    @pytest.mark.parametrize(
        "path", [*LISTS, "/leases/", "/problems/", "/projects/1/", "/parks/1/", "/"]
    )
    def test_user_without_view_permission_is_refused(self, demo, client, django_user_model, path):
        client.force_login(django_user_model.objects.create_user("nobody", password="x"))
        assert client.get(path).status_code == 403
        assert client.get(path, {"_export": "csv"}).status_code == 403

    def test_unknown_record_is_404(self, demo, staff_client):
        assert staff_client.get("/projects/999999/").status_code == 404


class TestLanguagesAndAccess:
    @pytest.mark.parametrize(
        "path", ["/", *LISTS, "/projects/1/", "/parks/1/", "/parcels/1/", "/companies/1/"]
    )
    def test_anonymous_user_gets_the_login_page(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_language_can_be_chosen_before_logging_in(self, client):
        response = client.post(
            reverse("set_language"), {"language": "en", "next": "/accounts/login/"}
        )
        assert response.status_code == 302
        assert "Log in" in client.get(reverse("login")).text

    def test_chinese_by_default_and_english_on_request(self, demo, staff_client):
        chinese = staff_client.get("/projects/")
        assert "总投资（亿元）" in chinese.text
        staff_client.post(reverse("set_language"), {"language": "en", "next": "/projects/"})
        english = staff_client.get("/projects/")
        assert "Total investment (CNY 100M)" in english.text
        assert 'lang="en"' in english.text
        assert english.context["summary"] == chinese.context["summary"]


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        (Decimal("1E+1"), "10.00"),
        (Decimal("15"), "15.00"),
        (Decimal("1.6"), "1.60"),
        (Decimal("10.4"), "10.40"),
        (Decimal("0.000123"), "0.000123"),
        (Decimal("124800.5"), "124800.50"),
    ],
)
def test_csv_writes_amounts_in_plain_notation_with_two_places(stored, written):
    assert csv_value(stored) == written


def test_the_article_export_has_no_scientific_notation(demo, staff_client):
    rows = csv_rows(staff_client.get("/projects/", {**JAN_APR_2025, "_export": "csv"}))
    header, *body = rows
    amounts = [row[header.index("总投资（亿元）")] for row in body]
    assert len(amounts) == 10
    assert "10.00" in amounts and "15.00" in amounts
    assert all(re.fullmatch(r"\d+\.\d{2,}", amount) for amount in amounts), amounts
