"""The monthly report: its sentences and figures (the dashboard's), the PDF and XLSX files
as a reader opens them, issuing and keeping versions, who may do what, the command."""

import io
import re
import socket
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
from django.utils import timezone
from weasyprint import HTML

from projects.dashboard import Period
from projects.models import InvestmentProject, IssuedReport
from projects.reports import content
from projects.reports.render import RefusedURL, StaticFilesFetcher
from projects.roles import EDITOR, MANAGER, VIEWER, sync_roles

pytestmark = pytest.mark.django_db

JAN_APR_2025 = {"start": "2025-01-01", "end": "2025-04-30"}
YEAR_2024 = {"start": "2024-01-01", "end": "2024-12-31"}
ARTICLE_SENTENCE = (
    "2025年1月至4月，全县招引落地亿元以上项目10个，含10亿元以上项目3个，总投资45.32亿元。"
)


def pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext extracts it, without the line breaks and spaces it
    puts where lines wrap."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", "", text)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user_in(demo, django_user_model):
    """A logged-in client for a user of the given role."""
    sync_roles()

    def login(role: str) -> Client:
        user = django_user_model.objects.create_user(role.lower(), first_name=role)
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def viewer(user_in):
    return user_in(VIEWER)


@pytest.fixture
def manager(user_in):
    return user_in(MANAGER)


def download(client: Client, kind: str, **params) -> bytes:
    response = client.get(f"/reports/monthly.{kind}", params)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content


class TestPdf:
    def test_it_says_the_articles_sentence(self, viewer):
        response = viewer.get("/reports/monthly.pdf", JAN_APR_2025)
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        assert ARTICLE_SENTENCE in text
        assert "缙云县招商引资工作月报" in text and "2025年1—4月" in text
        assert "总投资15亿元的涵禧科技汽车零部件及新材料项目" in text
        assert "湖南触米中大尺寸触摸屏生产线项目" in text

    def test_it_says_the_funds_in_place_against_the_countys_target(self, viewer):
        text = pdf_text(download(viewer, "pdf", **JAN_APR_2025))
        board = viewer.get("/", JAN_APR_2025).context
        county = next(
            line
            for section in board["targets"].sections
            if section.key == "funds_wan"
            for line in section.lines
            if line.kind == "county"
        )
        assert f"全县全年到位资金目标{county.target}亿元" in text
        assert f"完成率{county.rate}%，时序进度32.9%，欠进度" in text
        assert "到位资金按产业" in text and "年度目标" in text

    def test_a_report_made_before_its_year_ends_sets_the_target_against_that_day(self, demo):
        whole_year = Period(date(2025, 1, 1), date(2025, 12, 31))
        report = content.build(whole_year, made_on=date(2025, 4, 30))
        text = "".join(report.sections[0].sentences)
        assert "时序进度32.9%" in text  # 120 / 365, not the year's 100%

    def test_the_2024_report_counts_37_and_8(self, viewer):
        text = pdf_text(download(viewer, "pdf", **YEAR_2024))
        assert "2024年，全县招引落地亿元以上项目37个，含10亿元以上项目8个" in text

    def test_it_embeds_a_cjk_font_and_numbers_its_a4_pages(self, viewer, tmp_path):
        path = tmp_path / "report.pdf"
        path.write_bytes(download(viewer, "pdf", **JAN_APR_2025))
        fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True)
        cjk = [line for line in fonts.stdout.splitlines() if "CJK" in line]
        assert cjk and all(line.split()[-5] == "yes" for line in cjk)  # the "emb" column
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
        assert "(A4)" in info and pages > 1
        assert f"1/{pages}" in pdf_text(path.read_bytes())

    def test_a_signed_basis_counts_by_signed_date(self, viewer):
        text = pdf_text(download(viewer, "pdf", basis="signed", **JAN_APR_2025))
        assert "（按签约日期）" in text and "全县招引签约亿元以上项目" in text

    def test_it_is_english_for_a_user_reading_english(self, viewer):
        viewer.cookies["django_language"] = "en"
        text = pdf_text(download(viewer, "pdf", **JAN_APR_2025))
        assert "JinyunCountyinvestmentpromotionmonthlyreport" in text
        assert "InJanuarytoApril2025,10projectsofCNY100Mandabovelandedinthecounty" in text
        assert "3ofthemofCNY1Bandabove" in text and "45.32×CNY100M" in text

    def test_a_period_in_error_is_shown_beside_its_field(self, viewer):
        response = viewer.get("/reports/monthly.pdf", {"start": "2025-13-01", "end": "2025-04-30"})
        assert response.status_code == 302
        page = viewer.get(response["Location"])
        assert page.status_code == 200
        assert page.context["form"].errors["start"]
        assert "invalid-feedback" in page.text and "下载 PDF" not in page.text


@pytest.mark.parametrize(
    "params",
    [
        JAN_APR_2025,
        YEAR_2024,
        {"start": "2025-03-01", "end": "2025-03-31", "basis": "signed"},
        {"start": "2030-01-01", "end": "2030-03-31"},
    ],
)
def test_every_figure_is_the_dashboards(params, viewer):
    """The report's figures, table by table, are the dashboard page's for the same period."""
    board = viewer.get("/", {**params, "as_of": params["end"]}).context
    period = Period(
        date.fromisoformat(params["start"]),
        date.fromisoformat(params["end"]),
        params.get("basis", "landed"),
    )
    report = content.build(period)
    sections = {section.title: section for section in report.sections}
    cards = board["cards"]
    assert report.headline["current"] == cards["current"]
    assert report.headline["previous"] == cards["previous"]
    for table in board["tables"]:
        rows = sections[str(table.title)].sheet.rows
        assert rows == [[item.label, item.count, item.total_yi] for item in table.figures]
    projects = sections["亿元以上项目清单"].sheet.rows
    assert len(projects) == cards["current"]["count"]
    assert sum((row[4] for row in projects), Decimal(0)) == cards["current"]["total_yi"]
    warnings = sections["预警（红黄绿）"].sheet.rows[0]
    assert warnings[1:] == [level.count for level in board["warnings"].levels]
    for table in board["funds_tables"]:
        rows = sections[str(table.title)].sheet.rows
        assert rows == [[item.label, item.count, item.total_yi] for item in table.figures]
    funds = board["funds"]["current"]
    if funds["all"].count:
        assert (
            f"全县实际到位资金{funds['all'].total_yi}亿元，"
            f"其中省外到位资金{funds['outside'].total_yi}亿元。"
        ) in "".join(report.sections[0].sentences)
    else:
        assert "全县没有到位资金记录。" in "".join(report.sections[0].sentences)

    text = pdf_text(download(viewer, "pdf", **params))
    verb = "签约" if params.get("basis") == "signed" else "落地"
    current = cards["current"]
    if current["count"]:
        assert (
            f"全县招引{verb}亿元以上项目{current['count']}个，含10亿元以上项目"
            f"{current['count_1b']}个，总投资{current['total_yi']}亿元。"
        ) in text
    else:
        assert f"全县没有招引{verb}亿元以上项目。" in text
        assert "本期没有项目。" in text


class TestStaticFilesOnly:
    def test_it_reads_the_apps_static_files(self):
        fetcher = StaticFilesFetcher("http://testserver/")
        response = fetcher("http://testserver/static/projects/report.css")
        assert b"@page" in response.read()

    @pytest.mark.parametrize(
        "url",
        [
            "http://example.com/static/projects/report.css",
            "https://testserver/static/projects/report.css",
            "http://testserver/projects/",
            "http://testserver/static/../../jinyun_tracker/settings.py",
            "http://testserver/static/projects/missing.css",
            "file:///etc/passwd",
            "data:text/css,body{}",
        ],
    )
    def test_it_refuses_anything_else(self, url):
        with pytest.raises(RefusedURL):
            StaticFilesFetcher("http://testserver/")(url)

    def test_it_reads_collected_static_files_with_hashed_names(self, settings, tmp_path):
        # In production the pages name static files by their hash, served from STATIC_ROOT.
        settings.STATIC_ROOT = tmp_path / "static"
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
            },
        }
        call_command("collectstatic", "--no-input", verbosity=0)
        url = static("projects/report.css")
        assert url != "/static/projects/report.css"
        response = StaticFilesFetcher("http://testserver/")(f"http://testserver{url}")
        assert b"@page" in response.read()

    def test_drawing_a_page_never_opens_a_connection(self, monkeypatch):
        opened = []
        monkeypatch.setattr(socket.socket, "connect", lambda self, address: opened.append(address))
        page = (
            '<link rel="stylesheet" href="http://example.com/x.css">'
            '<img src="https://example.com/logo.png">'
            '<p style="background: url(//example.org/a.png)">缙云</p>'
        )
        fetcher = StaticFilesFetcher("http://testserver/")
        HTML(string=page, base_url="http://testserver/", url_fetcher=fetcher).write_pdf()
        assert opened == []


class TestXlsx:
    def test_it_has_a_sheet_per_section_the_sentences_first(self, viewer):
        workbook = openpyxl.load_workbook(io.BytesIO(download(viewer, "xlsx", **JAN_APR_2025)))
        report = content.build(Period(date(2025, 1, 1), date(2025, 4, 30)))
        assert workbook.sheetnames == [section.title for section in report.sections]
        summary = workbook.worksheets[0]
        assert summary["A1"].value == "摘要"
        assert summary["A2"].value == ARTICLE_SENTENCE
        assert all(sheet.freeze_panes == "A2" for sheet in workbook.worksheets)
        # Widths fitted to the contents: the sentences at the widest, the names wide.
        assert summary.column_dimensions["A"].width == 60
        projects = workbook["亿元以上项目清单"]
        assert projects.column_dimensions["A"].width > projects.column_dimensions["E"].width

    def test_its_amounts_are_numbers_with_two_decimals(self, viewer):
        workbook = openpyxl.load_workbook(io.BytesIO(download(viewer, "xlsx", **JAN_APR_2025)))
        overview = workbook["概况"]
        total = next(
            row for row in overview.iter_rows(min_row=2) if row[0].value == "总投资（亿元）"
        )
        assert total[1].value == pytest.approx(45.32) and total[1].number_format == "0.00"
        projects = workbook["亿元以上项目清单"]
        amounts = [row[4] for row in projects.iter_rows(min_row=2)]
        assert len(amounts) == 10 and all(cell.number_format == "0.00" for cell in amounts)
        assert sum(Decimal(str(cell.value)) for cell in amounts) == Decimal("45.32")


class TestIssuing:
    def issue(self, client: Client, **params) -> IssuedReport:
        response = client.post("/reports/", {"basis": "landed", **params})
        assert response.status_code == 302
        return IssuedReport.objects.latest("pk")

    def test_a_manager_issues_and_anyone_who_may_view_downloads_it(self, manager, viewer):
        issued = self.issue(manager, **JAN_APR_2025)
        assert (issued.start, issued.end, issued.version) == (
            date(2025, 1, 1),
            date(2025, 4, 30),
            1,
        )
        assert issued.issued_by.username == "manager" and issued.language == "zh-hans"
        page = viewer.get("/reports/", JAN_APR_2025)
        assert "已印发的月报" in page.text and f"/reports/issued/{issued.pk}.pdf" in page.text
        response = viewer.get(f"/reports/issued/{issued.pk}.pdf")
        assert response.status_code == 200
        pdf = b"".join(response.streaming_content)
        assert ARTICLE_SENTENCE in pdf_text(pdf)
        xlsx = b"".join(viewer.get(f"/reports/issued/{issued.pk}.xlsx").streaming_content)
        assert (
            openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]["A2"].value == ARTICLE_SENTENCE
        )

    def test_reissuing_keeps_both_versions(self, manager):
        first = self.issue(manager, **JAN_APR_2025)
        second = self.issue(manager, **JAN_APR_2025)
        assert (first.version, second.version) == (1, 2)
        assert first.pdf.name != second.pdf.name
        assert IssuedReport.objects.count() == 2
        for issued in (first, second):
            with issued.pdf.open("rb") as file:
                assert ARTICLE_SENTENCE in pdf_text(file.read())

    def test_an_issued_report_does_not_change_with_the_data(self, manager):
        issued = self.issue(manager, **JAN_APR_2025)
        before = b"".join(manager.get(f"/reports/issued/{issued.pk}.pdf").streaming_content)
        project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
        project.total_investment_wan += 10000
        project.save()
        after = b"".join(manager.get(f"/reports/issued/{issued.pk}.pdf").streaming_content)
        assert after == before
        assert "总投资46.32亿元" in pdf_text(download(manager, "pdf", **JAN_APR_2025))

    def test_a_file_gone_from_the_storage_is_not_found(self, manager):
        issued = self.issue(manager, **JAN_APR_2025)
        issued.pdf.storage.delete(issued.pdf.name)
        assert manager.get(f"/reports/issued/{issued.pk}.pdf").status_code == 404
        assert manager.get(f"/reports/issued/{issued.pk}.xlsx").status_code == 200

    def test_a_period_in_error_is_not_issued(self, manager):
        response = manager.post("/reports/", {"start": "2025-05-01", "end": "2025-04-30"})
        assert response.status_code == 302
        page = manager.get(response["Location"])
        assert "期间有误，未印发" in page.text and page.context["form"].errors["end"]
        assert not IssuedReport.objects.exists()


class TestPermissions:
    def test_a_viewer_downloads_but_cannot_issue(self, viewer):
        page = viewer.get("/reports/", JAN_APR_2025)
        assert (
            page.status_code == 200 and "下载 PDF" in page.text and "印发</button>" not in page.text
        )
        assert viewer.post("/reports/", {**JAN_APR_2025, "basis": "landed"}).status_code == 403
        assert not IssuedReport.objects.exists()

    def test_an_editor_cannot_issue(self, user_in):
        editor = user_in(EDITOR)
        assert editor.post("/reports/", {**JAN_APR_2025, "basis": "landed"}).status_code == 403

    def test_a_manager_is_offered_to_issue(self, manager):
        assert "印发</button>" in manager.get("/reports/", JAN_APR_2025).text

    def test_issued_files_need_their_view_permission(self, manager, demo, django_user_model):
        TestIssuing().issue(manager, **JAN_APR_2025)
        issued = IssuedReport.objects.get()
        user = django_user_model.objects.create_user("dashboard-only")
        dashboard = ["view_investmentproject", "view_leaseagreement"]
        user.user_permissions.set(Permission.objects.filter(codename__in=dashboard))
        client = Client()
        client.force_login(user)
        # The report holds funds in place and targets, which this user may not see.
        assert client.get("/reports/monthly.pdf", JAN_APR_2025).status_code == 403
        funds_and_targets = [*dashboard, "view_fundentry", "view_annualtarget"]
        user.user_permissions.set(Permission.objects.filter(codename__in=funds_and_targets))
        client.force_login(user)
        assert client.get("/reports/monthly.pdf", JAN_APR_2025).status_code == 200
        assert client.get(f"/reports/issued/{issued.pk}.pdf").status_code == 403
        assert "已印发的月报" not in client.get("/reports/").text

    def test_anonymous_users_are_sent_to_log_in(self, manager, client):
        issued = TestIssuing().issue(manager, **JAN_APR_2025)
        for url in [
            "/reports/",
            "/reports/monthly.pdf",
            "/reports/monthly.xlsx",
            f"/reports/issued/{issued.pk}.pdf",
        ]:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(
                "/accounts/login/"
            ), url
        assert client.post("/reports/", JAN_APR_2025).status_code == 302
        assert IssuedReport.objects.count() == 1

    def test_issued_files_are_not_public_media(self, manager, client, settings):
        issued = TestIssuing().issue(manager, **JAN_APR_2025)
        assert client.get(f"/{issued.pdf.name}").status_code in (302, 404)
        assert client.get(f"/media/{issued.pdf.name}").status_code in (302, 404)


class TestPages:
    def test_the_dashboard_links_to_its_periods_report(self, viewer):
        page = viewer.get("/", {**JAN_APR_2025, "basis": "signed"})
        assert "/reports/?start=2025-01-01&amp;end=2025-04-30&amp;basis=signed" in page.text
        report = viewer.get("/reports/", {**JAN_APR_2025, "basis": "signed"})
        assert "全县招引签约亿元以上项目" in report.text

    def test_the_navigation_links_to_the_reports(self, viewer):
        assert 'href="/reports/"' in viewer.get("/projects/").text

    def test_the_page_opens_on_the_year_to_last_month(self, viewer):
        form = viewer.get("/reports/").context["form"]
        month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
        assert form.cleaned_data["start"] == date(month_end.year, 1, 1)
        assert form.cleaned_data["end"] == month_end


class TestCommand:
    def test_it_writes_a_pdf(self, demo, tmp_path):
        output = tmp_path / "report.pdf"
        out = io.StringIO()
        call_command(
            "monthly_report",
            "--start",
            "2025-01-01",
            "--end",
            "2025-04-30",
            "-o",
            str(output),
            stdout=out,
        )
        assert ARTICLE_SENTENCE in pdf_text(output.read_bytes())
        assert "Drawing the PDF" in out.getvalue() and "Wrote" in out.getvalue()

    def test_it_writes_an_xlsx_in_english(self, demo, tmp_path):
        output = tmp_path / "report.xlsx"
        call_command(
            "monthly_report",
            "--start",
            "2024-01-01",
            "--end",
            "2024-12-31",
            "--language",
            "en",
            "-o",
            str(output),
            stdout=io.StringIO(),
        )
        summary = openpyxl.load_workbook(output).worksheets[0]
        assert "37 projects" in summary["A2"].value

    def test_it_refuses_a_wrong_period(self, demo, tmp_path):
        from django.core.management import CommandError

        with pytest.raises(CommandError, match="--end"):
            call_command(
                "monthly_report",
                "--start",
                "2025-05-01",
                "--end",
                "2025-04-30",
                "-o",
                str(tmp_path / "r.pdf"),
            )


def test_the_admin_lists_issued_reports_to_read_only(manager, staff_client):
    issued = TestIssuing().issue(manager, **JAN_APR_2025)
    listing = staff_client.get("/admin/projects/issuedreport/")
    assert listing.status_code == 200 and f"/reports/issued/{issued.pk}.pdf" in listing.text
    assert staff_client.get("/admin/projects/issuedreport/add/").status_code == 403
    change = staff_client.post(f"/admin/projects/issuedreport/{issued.pk}/change/", {"version": 9})
    assert change.status_code in (302, 403)
    issued.refresh_from_db()
    assert issued.version == 1
