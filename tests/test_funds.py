"""Funds in place (到位资金) and annual targets (年度目标): recorded from a project's page
and in the admin, listed, exported, read through the API, imported from the exported
sheet, and counted on the dashboard, every figure opening exactly the rows it sums."""

import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from projects import admin_import
from projects.dashboard import Dashboard, Period
from projects.models import AnnualTarget, FundEntry, InvestmentProject, Park
from projects.models.funds import AMOUNT_NOT_POSITIVE, FundsInPlace, year_elapsed
from projects.models.staff import staff_name
from projects.resources import TargetResource
from projects.roles import EDITOR, MANAGER, VIEWER
from tests.test_admin_import import refused_rows

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
FIXTURES = Path(__file__).parent.parent / "fixtures"
DEMO_PERIOD = {"start": "2025-01-01", "end": "2025-04-30"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


def fixture_funds() -> list[dict]:
    rows = json.loads((FIXTURES / "funds.json").read_text())
    return [row["fields"] for row in rows if row["model"] == "projects.fundentry"]


def independent_sum(start: date, end: date, outside: bool = False) -> tuple[int, Decimal]:
    """The demo's funds in place between two days, summed from the fixture file itself."""
    rows = [
        row
        for row in fixture_funds()
        if start <= date.fromisoformat(row["received_on"]) <= end
        and (row["outside_province"] or not outside)
    ]
    return len(rows), sum((Decimal(row["amount_wan"]) for row in rows), Decimal(0))


def fund_form(**fields) -> dict:
    values = {
        "received_on": "2026-11-20",
        "amount_wan": "0.5",
        "kind": FundEntry.Kind.FIXED_ASSETS,
        "outside_province": "on",
        "source": "银行进账单（测试）",
        **fields,
    }
    return {"action": "fund", **{f"fund-{key}": value for key, value in values.items()}}


def listed(client, url: str, **params) -> list:
    response = client.get(url, params)
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


def figure_link(html: str, name: str) -> tuple[str, str]:
    """The text and the link of a dashboard figure marked ``data-figure``."""
    found = re.search(rf'href="([^"]+)" data-figure="{name}">([^<]+)<', html)
    assert found, name
    return found.group(2), found.group(1).replace("&amp;", "&")


class TestTheProjectPage:
    def project(self) -> InvestmentProject:
        return InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")

    def test_an_editor_records_funds_in_yi_and_sees_the_share_rise(self, roles):
        project = self.project()
        before = FundsInPlace.of(project)
        response = roles[EDITOR].post(project.get_absolute_url(), fund_form(), follow=True)
        assert "已记录2026-11-20到位资金0.50亿元。" in response.text
        entry = project.fund_entries.get(source="银行进账单（测试）")
        assert entry.amount_wan == Decimal("5000.00") and entry.outside_province
        assert entry.recorded_by.username == "editor"
        assert entry.history.count() == 1
        after = response.context["funds"]
        assert after.cumulative_wan == before.cumulative_wan + 5000
        share = after.cumulative_wan * 100 / project.total_investment_wan
        assert f'data-share="{share.quantize(Decimal("0.1"))}"' in response.text
        assert "<polyline" in response.text and "funds-over-total" not in response.text

    def test_funds_beyond_the_total_investment_show_a_warning(self, roles):
        project = self.project()
        rest = project.total_investment_wan - FundsInPlace.of(project).cumulative_wan
        amount_yi = (rest + 1).scaleb(-4)
        response = roles[EDITOR].post(
            project.get_absolute_url(), fund_form(amount_wan=str(amount_yi)), follow=True
        )
        assert FundsInPlace.of(project).exceeds_total
        assert "已超过项目总投资 15.00 亿元" in response.text

    def test_funds_up_to_the_total_show_no_warning(self, demo):
        project = self.project()
        funds = FundsInPlace.of(project)
        FundEntry.objects.create(
            project=project,
            received_on=TODAY,
            amount_wan=project.total_investment_wan - funds.cumulative_wan,
        )
        assert FundsInPlace.of(project).share == Decimal("100.0")
        assert not FundsInPlace.of(project).exceeds_total

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"amount_wan": "0"}, "amount_wan", "到位金额必须大于零。"),
            ({"amount_wan": "abc"}, "amount_wan", "请填写以亿元计的金额，例如 10.4。"),
            ({"received_on": "2026-12-01"}, "received_on", None),
        ],
    )
    def test_bad_input_is_explained_beside_its_field(self, roles, fields, field, message):
        project = self.project()
        count = FundEntry.objects.count()
        response = roles[EDITOR].post(project.get_absolute_url(), fund_form(**fields))
        assert response.status_code == 200
        errors = response.context["fund_form"].errors
        assert field in errors
        if message:
            assert errors[field] == [message]
        assert f'id="id_fund-{field}_error"' in response.text
        assert FundEntry.objects.count() == count

    def test_a_viewer_reads_funds_but_has_no_form_and_may_not_post(self, roles):
        project = self.project()
        page = roles[VIEWER].get(project.get_absolute_url())
        assert "累计到位" in page.text and 'value="fund"' not in page.text
        assert roles[VIEWER].post(project.get_absolute_url(), fund_form()).status_code == 403


def test_time_elapsed_counts_the_day_itself_in_common_and_leap_years():
    assert year_elapsed(date(2025, 4, 30)) == Decimal("32.9")  # 120 / 365
    assert year_elapsed(date(2024, 4, 30)) == Decimal("33.1")  # 121 / 366
    assert year_elapsed(date(2025, 1, 1)) == Decimal("0.3")  # 1 / 365
    assert year_elapsed(date(2025, 12, 31)) == Decimal("100.0")
    assert year_elapsed(date(2024, 12, 31)) == Decimal("100.0")  # 366 / 366
    assert year_elapsed(date(2024, 2, 29)) == Decimal("16.4")  # 60 / 366
    assert year_elapsed(date(2100, 3, 1)) == Decimal("16.4")  # 60 / 365: 2100 is no leap year


class TestTheFundsList:
    def test_its_filters_pick_the_entries_they_name(self, roles):
        viewer = roles[VIEWER]
        kept = listed(viewer, "/funds/", date_after="2025-01-01", date_before="2025-04-30")
        assert kept and all(date(2025, 1, 1) <= e.received_on <= date(2025, 4, 30) for e in kept)
        outside = listed(viewer, "/funds/", outside_province="true", kind="fixed_assets")
        assert outside and all(e.outside_province and e.kind == "fixed_assets" for e in outside)
        zone = listed(viewer, "/funds/", zone="yangtze_delta")
        assert zone and all(e.project.source_zone == "yangtze_delta" for e in zone)
        park = Park.objects.get(name="缙云经济开发区")
        subtree = Park.objects.tree().subtree(park.pk)
        in_park = listed(viewer, "/funds/", park=park.pk, per_page=100)
        assert in_park and all(e.project.park_id in subtree for e in in_park)
        assert any(e.project.park_id != park.pk for e in in_park)  # its sub-parks too

    def test_it_reports_a_filter_value_that_makes_no_sense(self, roles):
        response = roles[VIEWER].get("/funds/", {"outside_province": "maybe"})
        assert "outside_province" in response.context["filter"].form.errors
        assert not response.context["table"].paginated_rows.data

    def test_its_summary_is_the_independent_sum_of_the_fixtures(self, roles):
        response = roles[VIEWER].get(
            "/funds/", {"date_after": "2025-01-01", "date_before": "2025-04-30"}
        )
        count, total = independent_sum(date(2025, 1, 1), date(2025, 4, 30))
        assert response.context["summary"]["count"] == count
        assert response.context["summary"]["total"] == (total / 10000).quantize(Decimal("0.01"))

    def test_it_exports_every_entry_in_yi_with_its_uid(self, roles):
        response = roles[VIEWER].get("/funds/", {"_export": "xlsx"})
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        rows = list(book.active.iter_rows(values_only=True))
        assert rows[0][:3] == ("到位日期", "招引项目", "到位金额（亿元）")
        assert len(rows) == FundEntry.objects.count() + 1
        total = sum(Decimal(str(row[2])) for row in rows[1:])
        assert total * 10000 == sum(Decimal(row["amount_wan"]) for row in fixture_funds())

    def test_the_api_reads_funds_with_the_lists_filters(self, roles):
        body = roles[VIEWER].get("/api/funds/", {"outside_province": "true"}).json()
        assert body["count"] == sum(1 for row in fixture_funds() if row["outside_province"])
        assert all(row["outside_province"] for row in body["results"])
        assert roles[VIEWER].get("/api/funds/", {"kind": "gift"}).status_code == 400
        assert Client().get("/api/funds/").status_code in (401, 403)
        targets = roles[VIEWER].get("/api/targets/", {"year": 2025}).json()
        assert targets["count"] == AnnualTarget.objects.filter(year=2025).count() > 0


class TestPermissions:
    def test_viewers_read_the_lists_but_may_not_record(self, roles):
        assert roles[VIEWER].get("/funds/").status_code == 200
        targets = roles[VIEWER].get("/targets/")
        assert targets.status_code == 200
        assert ">2025</td>" in targets.text and "2,025" not in targets.text  # a year
        assert Client().get("/funds/").status_code == 302  # to the login page

    def test_editors_record_funds_but_do_not_set_targets(self, roles):
        assert roles[EDITOR].get("/admin/projects/fundentry/add/").status_code == 200
        assert roles[EDITOR].get("/admin/projects/annualtarget/add/").status_code == 403
        assert "新增年度目标" not in roles[EDITOR].get("/targets/").text

    def test_managers_set_targets_on_the_targets_page_or_in_the_admin(self, roles):
        page = roles[MANAGER].get("/targets/")
        assert 'href="/targets/new/">新增年度目标' in page.text
        add = "/admin/projects/annualtarget/add/"
        response = roles[MANAGER].post(
            add, {"year": "2026", "unit": "county", "funds_wan": "80", "illustrative": ""}
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert AnnualTarget.objects.get(year=2026, unit="county").funds_wan == 800000

    def test_a_target_names_its_unit_and_only_its_unit(self, roles):
        add = "/admin/projects/annualtarget/add/"
        response = roles[MANAGER].post(add, {"year": "2026", "unit": "zone", "started": "3"})
        assert response.context["adminform"].form.errors["zone"] == ["请选择考核对象。"]
        park = Park.objects.filter(parent__isnull=False).first()
        response = roles[MANAGER].post(
            add, {"year": "2026", "unit": "park", "park": park.pk, "started": "3"}
        )
        assert "park" in response.context["adminform"].form.errors

    def test_a_mistyped_figure_is_not_also_told_to_be_filled_in(self, roles):
        add = "/admin/projects/annualtarget/add/"
        response = roles[MANAGER].post(add, {"year": "2026", "unit": "county", "funds_wan": "x"})
        assert list(response.context["adminform"].form.errors) == ["funds_wan"]
        response = roles[MANAGER].post(add, {"year": "2026", "unit": "county"})
        errors = response.context["adminform"].form.errors
        assert errors == {"projects_100m": ["请至少填写一项目标。"]}


class TestTheDashboard:
    def test_funds_equal_the_fixtures_and_open_exactly_the_entries_summed(self, roles):
        viewer = roles[VIEWER]
        html = viewer.get("/", DEMO_PERIOD).text
        shown, url = figure_link(html, "funds")
        count, total = independent_sum(date(2025, 1, 1), date(2025, 4, 30))
        assert Decimal(shown) == (total / 10000).quantize(Decimal("0.01"))
        listing = viewer.get(url)
        assert listing.context["summary"]["count"] == count
        assert str(listing.context["summary"]["total"]) == shown

        shown, url = figure_link(html, "outside-funds")
        count, total = independent_sum(date(2025, 1, 1), date(2025, 4, 30), outside=True)
        assert Decimal(shown) == (total / 10000).quantize(Decimal("0.01"))
        assert viewer.get(url).context["summary"]["count"] == count

        shown, url = figure_link(html, "funds-previous")
        count, total = independent_sum(date(2024, 1, 1), date(2024, 4, 30))
        assert Decimal(shown) == (total / 10000).quantize(Decimal("0.01"))
        assert "date_after=2024-01-01" in url

    def test_each_breakdown_adds_up_to_the_card_and_lists_its_rows(self, roles):
        board = Dashboard(Period(date(2025, 1, 1), date(2025, 4, 30)), "100m")
        card = board.funds()["current"]["all"]
        for table in board.funds_breakdowns():
            assert sum(item.total_yi for item in table.figures) == pytest.approx(
                card.total_yi, abs=Decimal("0.05")
            ), table.title
            assert sum(item.count for item in table.figures) == card.count
            item = table.figures[0]
            summary = roles[VIEWER].get(item.url).context["summary"]
            assert (summary["count"], summary["total"]) == (item.count, item.total_yi)

    def test_the_targets_show_rates_below_near_and_above_time_elapsed(self, roles):
        html = roles[VIEWER].get("/", DEMO_PERIOD).text
        assert "2025年度目标完成情况" in html
        assert 'data-figure="elapsed">32.9%' in html
        board = Dashboard(Period(date(2025, 1, 1), date(2025, 4, 30)), "100m").targets(TODAY)
        funds = next(section for section in board.sections if section.key == "funds_wan")
        rates = {line.unit: line.rate for line in funds.lines}
        assert rates["长三角"] > board.elapsed + 5 > board.elapsed - 5 > rates["珠三角"]
        assert abs(rates["全县"] - board.elapsed) < 2
        # Every actual opens the rows it counts: the funds list's summary is the actual.
        for line in funds.lines:
            summary = roles[VIEWER].get(line.url).context["summary"]
            assert summary["total"] == line.actual, line.unit

    @pytest.mark.parametrize(
        ("days_after_today", "ends_later"), [(0, False), (1, True), (245, True)]
    )
    def test_a_period_ending_after_today_is_counted_to_today(
        self, roles, monkeypatch, days_after_today, ends_later
    ):
        today = date(2025, 4, 30)
        monkeypatch.setattr(timezone, "localdate", lambda *args: today)
        end = today + timedelta(days=days_after_today)
        # A project landing after today, which a count to the period's end would include.
        signed = InvestmentProject.objects.filter(
            total_investment_wan__gte=10000, signed_date__lte=today, landed_date=None
        )
        assert signed.filter(pk=signed[0].pk).update(landed_date=today + timedelta(days=1))
        response = roles[VIEWER].get("/", {"start": "2025-01-01", "end": end.isoformat()})
        board = response.context["targets"]
        assert (board.as_of, board.elapsed) == (today, Decimal("32.9"))  # 120 / 365
        assert 'data-as-of="2025-04-30"' in response.text
        assert (f"所选期间至 {end:%Y-%m-%d} 尚未结束" in response.text) is ends_later
        county = next(
            line
            for section in board.sections
            if section.key == "projects_100m"
            for line in section.lines
            if line.kind == "county"
        )
        assert "landed_before=2025-04-30" in county.url
        listed = roles[VIEWER].get(county.url).context["summary"]["count"]
        assert (
            county.actual
            == listed
            == InvestmentProject.objects.filter(
                total_investment_wan__gte=10000,
                landed_date__range=(date(2025, 1, 1), today),
            ).count()
        )

    def test_a_deactivated_staff_members_figures_open_exactly_their_rows(self, roles):
        target = AnnualTarget.objects.get(year=2025, unit="staff")
        staff = target.staff
        staff.is_active = False
        staff.save()
        board = roles[VIEWER].get("/", DEMO_PERIOD).context["targets"]
        start, end = date(2025, 1, 1), date(2025, 4, 30)
        landed = InvestmentProject.objects.filter(
            owner=staff, landed_date__range=(start, end), total_investment_wan__gte=10000
        )
        funds = FundEntry.objects.filter(project__owner=staff, received_on__range=(start, end))
        expected = {
            "projects_100m": landed,
            "projects_1b": landed.filter(total_investment_wan__gte=100000),
            "investment_wan": landed,
            "funds_wan": funds,
            "outside_funds_wan": funds.filter(outside_province=True),
            "started": InvestmentProject.objects.filter(
                owner=staff, started_date__range=(start, end)
            ),
        }
        assert landed.exists() and funds.exists()
        for section in board.sections:
            (line,) = (line for line in section.lines if line.kind == "staff")
            response = roles[VIEWER].get(f"{line.url}&per_page=100")
            assert response.context["filter"].form.errors == {}, section.key
            rows = {row.record.pk for row in response.context["table"].paginated_rows}
            assert rows == set(expected[section.key].values_list("pk", flat=True)), section.key
            summary = response.context["summary"]
            shown = summary["total"] if section.in_yi else summary["count"]
            assert shown == line.actual, section.key
            chips = [chip.value for chip in response.context["filter_chips"]]
            assert f"{staff_name(staff)}（已停用）" in chips
        # Offered after the active staff, so that nobody takes them for a colleague at work.
        owners = roles[VIEWER].get("/projects/").context["filter"].form.fields["owner"]
        names = [str(label) for _value, label in owners.choices]
        assert names[-1] == f"{staff_name(staff)}（已停用）"

    def test_units_are_ranked_with_ties_shared_and_no_target_unranked(self, demo):
        board = Dashboard(Period(date(2025, 1, 1), date(2025, 4, 30)), "100m").targets(TODAY)
        started = next(section for section in board.sections if section.key == "started")
        parks = [line for line in started.lines if line.kind == "park"]
        ranks = sorted(line.rank for line in parks)
        assert ranks[0] == 1
        tied = [line for line in parks if line.tied]
        assert len({line.rank for line in tied}) == 1 and len(tied) > 1
        # After a tie of n at rank r, the next rank is r + n.
        after = [line.rank for line in parks if line.rank > tied[0].rank]
        assert all(rank >= tied[0].rank + len(tied) for rank in after)
        county = next(line for line in started.lines if line.kind == "county")
        assert county.rank is None
        outside = next(s for s in board.sections if s.key == "outside_funds_wan")
        unset = [line for line in outside.lines if line.target is None]
        assert unset and all(line.rank is None and line.rate is None for line in unset)

    def test_the_export_carries_the_funds_and_the_targets(self, roles):
        response = roles[VIEWER].get("/", {**DEMO_PERIOD, "_export": "xlsx"})
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        overview = [row for row in book["概况"].iter_rows(values_only=True)]
        assert any(row[0] == "到位资金（亿元）" for row in overview)
        targets = list(book["年度目标"].iter_rows(values_only=True))
        assert targets[0][5] == "完成率（%）"
        assert any(row[2] == "长三角" and row[0] == "到位资金（亿元）" for row in targets)

    def test_recording_funds_changes_the_dashboard(self, roles):
        before, _url = figure_link(roles[VIEWER].get("/", DEMO_PERIOD).text, "funds")
        FundEntry.objects.create(
            project=InvestmentProject.objects.first(),
            received_on=date(2025, 4, 30),
            amount_wan=Decimal("12345.00"),
        )
        after, _url = figure_link(roles[VIEWER].get("/", DEMO_PERIOD).text, "funds")
        assert Decimal(after) - Decimal(before) == Decimal("1.23")


@pytest.fixture
def previews(tmp_path, monkeypatch):
    monkeypatch.setattr(admin_import, "PREVIEW_FOLDER", tmp_path / "previews")


def test_it_imports_funds_from_the_exported_sheet_format(previews, roles):
    client = roles[EDITOR]
    header = ",".join(
        [
            "到位日期",
            "招引项目",
            "到位金额（亿元）",
            "资金类别",
            "省外资金",
            "资金来源或凭证",
            "记录人",
            "示例数据",
            "记录编号",
        ]
    )
    row = "2026-11-02,涵禧科技汽车零部件及新材料项目,0.25,注册资本,是,验资报告（导入）,,否,"
    sheet = SimpleUploadedFile("funds.csv", f"{header}\n{row}".encode())
    preview = client.post(
        "/admin/projects/fundentry/import/", {"import_file": sheet, "format": "0", "resource": "0"}
    )
    assert preview.context["confirm_form"], preview.context["form"].errors
    confirm = {**preview.context["confirm_form"].initial, "resource": "0"}
    assert client.post("/admin/projects/fundentry/process_import/", confirm).status_code == 302
    entry = FundEntry.objects.get(source="验资报告（导入）")
    assert entry.amount_wan == Decimal("2500.00") and entry.kind == "registered_capital"
    assert entry.outside_province


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_amount_of_nothing_is_refused_beside_its_column(previews, roles, language):
    header = "到位日期,招引项目,到位金额（亿元）"
    rows = [f"2026-11-02,涵禧科技汽车零部件及新材料项目,{amount}" for amount in ("0.25", "0")]
    count = FundEntry.objects.count()
    preview = roles[EDITOR].post(
        "/admin/projects/fundentry/import/",
        {
            "import_file": SimpleUploadedFile("funds.csv", "\n".join([header, *rows]).encode()),
            "format": "0",
            "resource": "0",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert not preview.context.get("confirm_form")
    with translation.override(language):
        reason = gettext("%(column)s：%(reason)s") % {
            "column": "到位金额（亿元）",
            "reason": AMOUNT_NOT_POSITIVE,
        }
    assert refused_rows(preview.text) == [("3", reason)]
    assert FundEntry.objects.count() == count


def test_the_demo_funds_never_exceed_a_projects_total(demo):
    for project in InvestmentProject.objects.filter(fund_entries__isnull=False).distinct():
        assert not FundsInPlace.of(project).exceeds_total, project.name
    years = {entry.received_on.year for entry in FundEntry.objects.all()}
    assert years == {2024, 2025}
    assert FundEntry.objects.filter(outside_province=True).exists()
    assert not FundEntry.objects.filter(illustrative=False).exists()


class TestTargetSheets:
    def test_an_exported_targets_sheet_imports_back_unchanged(self, roles):
        response = roles[VIEWER].get("/targets/", {"_export": "xlsx"})
        dataset = tablib.Dataset().load(b"".join(response.streaming_content), format="xlsx")
        assert dataset.headers[:3] == ["年度", "考核对象类别", "考核对象"]
        result = TargetResource().import_data(dataset, dry_run=True)
        assert not result.has_errors() and not result.has_validation_errors(), [
            row.reasons for row in result.refused_rows()
        ]
        assert result.totals["new"] == 0 and result.totals["update"] == 0

    def test_a_sheet_sets_new_targets_by_the_units_names(self, roles):
        dataset = tablib.Dataset(
            [2026, "招商战区", "珠三角", 5, "", "", "12.5", "", "", "是", ""],
            [2026, "园区", "丽缙高新区", 4, 1, "", "", "", 6, "是", ""],
            [2026, "责任人", "李明", 2, "", "", "", "", "", "是", ""],
            headers=[
                "年度",
                "考核对象类别",
                "考核对象",
                "落地亿元以上项目（个）",
                "落地10亿元以上项目（个）",
                "亿元以上项目总投资（亿元）",
                "到位资金（亿元）",
                "省外到位资金（亿元）",
                "开工项目（个）",
                "示例数据",
                "记录编号",
            ],
        )
        result = TargetResource().import_data(dataset, dry_run=False)
        assert not result.has_validation_errors(), [r.reasons for r in result.refused_rows()]
        zone = AnnualTarget.objects.get(year=2026, unit="zone")
        assert zone.zone == "pearl_delta" and zone.funds_wan == Decimal("125000.00")
        assert AnnualTarget.objects.get(year=2026, unit="park").park.name == "丽缙高新区"
        assert AnnualTarget.objects.get(year=2026, unit="staff").staff.username == "liming"

    def test_a_sub_park_or_a_second_target_of_a_unit_is_refused(self, roles):
        headers = ["年度", "考核对象类别", "考核对象", "开工项目（个）", "记录编号"]
        for row in ([2026, "园区", "新碧园区", 3, ""], [2025, "招商战区", "长三角", 3, ""]):
            result = TargetResource().import_data(
                tablib.Dataset(row, headers=headers), dry_run=True
            )
            assert result.has_validation_errors() or result.has_errors(), row
