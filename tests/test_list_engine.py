"""The list engine writes every django-tables2 column as django-tables2 itself does."""

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import django_tables2 as tables
import openpyxl
import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, DecimalField, FloatField, IntegerField
from django.test import RequestFactory
from django.utils.html import format_html
from django_tables2.rows import BoundRow

from projects import views
from projects.lists import cells
from projects.lists.tables import ListTable
from projects.models import Company, InvestmentProject
from projects.tables import ProjectTable
from projects.views import ProjectListView

pytestmark = pytest.mark.django_db


def striped(value) -> str:
    return "stripe-odd" if value else "stripe-even"


class EveryColumnTable(ListTable):
    """Every stock column of django-tables2, and every per-cell hook a table may have."""

    name = tables.Column(linkify=True)
    leased = tables.BooleanColumn(accessor="leased_manufacturing")
    signed = tables.DateColumn(accessor="signed_date", format="Y/m/d")
    created = tables.DateTimeColumn(accessor="company__history__first__history_date")
    template = tables.TemplateColumn("<em>{{ record.name }}</em> · {{ value }}", accessor="stage")
    link = tables.LinkColumn(
        "projects:project", args=[tables.A("pk")], text="查看", accessor="pk", orderable=False
    )
    company = tables.Column(linkify=True)
    check = tables.CheckBoxColumn(accessor="pk")
    parcels = tables.ManyToManyColumn(linkify_item=True)
    email = tables.EmailColumn(accessor="responsible")
    url = tables.URLColumn(accessor="notes")
    amount = tables.Column(accessor="total_investment_wan", localize=True)
    plain_amount = tables.Column(accessor="fixed_investment_wan", localize=False)
    zone = tables.Column(
        accessor="source_zone",
        attrs={"td": {"class": lambda record: striped(record.pk % 2), "data-id": "zone"}},
    )
    rendered = tables.Column(accessor="capacity", empty_values=())
    valued = tables.Column(accessor="expected_jobs")

    class Meta(ListTable.Meta):
        model = InvestmentProject
        fields = []

    def render_rendered(self, value, record, bound_row, bound_column):
        return format_html("<b>{}</b> ({}, {})", value or "—", record.pk, bound_column.name)

    def value_valued(self, value, record, bound_column):
        return f"{value} · {bound_column.name}"


def projects():
    return (
        InvestmentProject.objects.select_related("company")
        .prefetch_related("parcels")
        .order_by("pk")
    )


def table_rows(html: str) -> list[str]:
    body = re.search(r"<tbody[^>]*>(.*)</tbody>", html, re.S).group(1)
    return re.findall(r"<tr.*?</tr>", re.sub(r">\s+<", "><", body), re.S)


def plain_html(table: tables.Table, request) -> str:
    """The table as django-tables2 writes it with its own template, cell by cell."""
    table.template_name = "django_tables2/bootstrap5-responsive.html"
    return table.as_html(request)


@pytest.fixture
def request_(rf: RequestFactory, admin_user):
    request = rf.get("/projects/")
    request.user = admin_user
    return request


def test_every_stock_column_is_written_as_django_tables2_writes_it(demo, request_):
    InvestmentProject.objects.filter(pk=projects().first().pk).update(
        responsible="wang@jinyun.example", notes="https://jinyun.example/<x>"
    )
    table = EveryColumnTable(projects())
    tables.RequestConfig(request_, paginate={"per_page": 40}).configure(table)
    written = table_rows(table.as_html(request_))
    expected = table_rows(plain_html(table, request_))
    assert len(written) == 40
    assert written == expected
    assert "stripe-odd" in written[0] + written[1] and "stripe-even" in written[0] + written[1]
    assert "<em>" in written[0] and 'type="checkbox"' in written[0]
    assert "mailto:wang@jinyun.example" in written[0]


def test_every_stock_column_is_exported_as_django_tables2_exports_it(demo, request_):
    table = EveryColumnTable(projects())
    expected = [[cells.force_str(v, strings_only=True) for v in row] for row in table.as_values()]
    exported = [[cell(record) for _header, cell in table.export_columns()] for record in projects()]
    assert [header for header, _cell in table.export_columns()] == expected[0]
    assert exported == expected[1:]


@pytest.mark.parametrize("name", ["name", "company", "parcels", "link"])
def test_the_columns_it_can_compile_are_compiled(name):
    column = EveryColumnTable(projects()).columns[name]
    assert cells.compiled_page_cell(column, column._table)


@pytest.mark.parametrize("name", ["leased", "signed", "template", "check", "amount", "zone"])
def test_the_columns_it_cannot_compile_are_rendered_by_django_tables2(name):
    column = EveryColumnTable(projects()).columns[name]
    with pytest.raises(cells.NotCompiled):
        cells.compiled_page_cell(column, column._table)


def test_a_rendered_cell_gives_its_attributes_the_record(demo):
    table = EveryColumnTable(projects())
    row = BoundRow(projects().get(pk=projects()[1].pk), table=table)
    written = cells.page_cell(table.columns["zone"], table)(row)
    stripe = striped(row.record.pk % 2)
    assert written.startswith(f'<td class="{stripe}" data-id="zone" data-label="来源区域">')


class NewcomersProjectTable(ProjectTable):
    """What a newcomer adds to the projects list: a flag and a template."""

    above_scale = tables.BooleanColumn(accessor="company__above_scale", verbose_name="规上")
    summary = tables.TemplateColumn(
        "{{ record.name }}（{{ record.get_stage_display }}）", verbose_name="摘要", orderable=False
    )


@pytest.fixture
def newcomers_table(monkeypatch):
    monkeypatch.setattr(ProjectListView, "table_class", NewcomersProjectTable)


def test_a_newcomers_columns_show_on_the_page_and_in_both_exports(
    demo, staff_client, newcomers_table
):
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    Company.objects.filter(pk=project.company_id).update(above_scale=True)
    params = {"q": "涵禧"}
    page = staff_client.get("/projects/", params)
    assert page.status_code == 200
    assert "涵禧科技汽车零部件及新材料项目（落地）" in page.text
    assert "✔" in page.text  # BooleanColumn's mark
    rows = list(
        csv.reader(
            io.StringIO(
                staff_client.get("/projects/", {**params, "_export": "csv"})
                .getvalue()
                .decode("utf-8-sig")
            )
        )
    )
    header, row = rows
    assert row[header.index("规上")] == "True"
    assert row[header.index("摘要")] == "涵禧科技汽车零部件及新材料项目（落地）"
    xlsx = staff_client.get("/projects/", {**params, "_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[cell.value for cell in sheet_row] for sheet_row in sheet.iter_rows()]
    assert values[1][values[0].index("摘要")] == "涵禧科技汽车零部件及新材料项目（落地）"
    assert values[1][values[0].index("规上")] in (True, "True")


LIST_VIEWS = {
    "/projects/": views.ProjectListView,
    "/parks/": views.ParkListView,
    "/parcels/": views.ParcelListView,
    "/companies/": views.CompanyListView,
    "/leases/": views.LeaseListView,
    "/followups/": views.FollowUpListView,
    "/problems/": views.ProblemListView,
    "/departments/": views.DepartmentListView,
    "/warning-rules/": views.WarningRuleListView,
}


def orderable_columns():
    for path, view in LIST_VIEWS.items():
        for name, column in view.table_class.base_columns.items():
            if column.orderable is not False:
                yield path, name


@pytest.mark.parametrize(("path", "name"), list(orderable_columns()))
def test_every_orderable_column_sorts_both_ways(demo, staff_client, path, name):
    pages = []
    for sort in (name, f"-{name}"):
        response = staff_client.get(path, {"sort": sort, "per_page": 100})
        assert response.status_code == 200, sort
        table = response.context["table"]
        assert table.order_by == (sort,)
        keys = [row.record.pk for row in table.paginated_rows]
        assert len(keys) == len(set(keys)) == min(table.paginator.count, 100)
        pages.append(keys)
    if len(pages[0]) > 1:
        assert pages[0] != pages[1] or len(set(pages[0])) == 1


# Dates whose first click puts the soonest first, on purpose: a deadline is read from the
# most urgent one.
SOONEST_FIRST = {("/leases/", "next_date"), ("/problems/", "due_on")}


def shows_a_number_or_a_date(view, name: str) -> bool:
    """Whether a column of a list shows an amount, an area, a count or a date, by the model
    field or the annotation of the list's queryset that it reads, as its filter set gives
    it (the projects' warnings are annotated there)."""
    queryset = view.filterset_class(queryset=view.queryset).queryset
    accessor = str(view.table_class.base_columns[name].accessor or name)
    if accessor in queryset.query.annotations:
        field = queryset.query.annotations[accessor].output_field
    else:
        model = queryset.model
        try:
            for part in accessor.replace(".", "__").split("__"):
                field = model._meta.get_field(part)
                model = field.related_model or model
        except FieldDoesNotExist:
            return False  # a property (size_tier): shown as a label
    return isinstance(field, DecimalField | IntegerField | FloatField | DateField)


def header_sort(response, name: str) -> str:
    """The sort that the header link of the column ``name`` asks for."""
    thead = re.search(r"<thead.*?</thead>", response.content.decode(), re.S)[0]
    links = re.findall(r'<a href="([^"]*)"', thead)
    sorts = [parse_qs(urlsplit(unescape(link)).query)["sort"][0] for link in links]
    (sort,) = [sort for sort in sorts if sort.removeprefix("-") == name]
    return sort


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (path, name)
        for path, name in orderable_columns()
        if LIST_VIEWS[path].table_class.base_columns[name].visible  # has a header to click
    ],
)
def test_numbers_and_dates_sort_descending_on_the_first_click(demo, staff_client, path, name):
    """Largest or latest first on the first click of a number's or a date's header, then
    ascending on the second; any other column ascending first."""
    view = LIST_VIEWS[path]
    other = next(column for column, _ in view.table_class.base_columns.items() if column != name)
    first = header_sort(staff_client.get(path, {"sort": other}), name)
    descending = shows_a_number_or_a_date(view, name) and (path, name) not in SOONEST_FIRST
    assert first == (f"-{name}" if descending else name)
    assert header_sort(staff_client.get(path, {"sort": first}), name) == (
        name if descending else f"-{name}"
    )


def test_the_first_click_on_the_column_a_list_is_sorted_by_reverses_it(demo, staff_client):
    """The projects list opens newest landed first, the parcels list by code: their
    headers say so, and their first click sorts the other way."""
    projects = staff_client.get("/projects/")
    assert projects.context["table"].order_by == ("-landed_date",)
    assert header_sort(projects, "landed_date") == "landed_date"
    assert header_sort(staff_client.get("/parcels/"), "code") == "-code"


def test_every_sort_ends_with_the_primary_key_in_its_direction(demo, staff_client):
    up = staff_client.get("/projects/", {"sort": "stage"}).context["table"].data.data
    down = staff_client.get("/projects/", {"sort": "-park"}).context["table"].data.data
    assert str(up.query.order_by[-1]) == "pk"
    assert str(down.query.order_by[-1]) == "-pk"
