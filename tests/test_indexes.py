"""The heavy queries of the lists and the dashboard can be answered from their indexes.

The demo tables are small enough for PostgreSQL to prefer reading them whole, so each
plan is taken with table scans (and sorts, where an order is checked) disabled: what
remains shows whether an index can serve the query as the pages write it, which is what
matters on a large ledger.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="plans are checked on PostgreSQL, as deployed"
    ),
]


def plans(
    client,
    url: str,
    marker: str,
    without: tuple[str, ...] = (),
    sorting: bool = False,
    unless: str | None = None,
) -> list[str]:
    """The plans of the queries of a page whose SQL contains ``marker`` (and not ``unless``,
    where given), with the indexes
    ``without`` dropped (inside the test's transaction, which undoes it), and sorting
    forbidden unless ``sorting``: an order must then come from an index."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not sorting:
            cursor.execute("SET LOCAL enable_sort = off")
        for index in without:
            cursor.execute(f"DROP INDEX {index}")
        for query in queries:
            if marker in query["sql"] and not (unless and unless in query["sql"]):
                cursor.execute(f"EXPLAIN {query['sql']}")
                found.append("\n".join(row[0] for row in cursor.fetchall()))
    assert found, f"no query of {url} contains {marker!r}"
    return found


def test_the_default_order_is_read_from_its_index(demo, staff_client):
    (page,) = plans(staff_client, "/projects/?page=2", "OFFSET 25")
    assert "using project_landed_desc_idx" in page


@pytest.mark.parametrize(
    ("sort", "index"),
    [("-landed_date", "project_landed_desc_idx"), ("-signed_date", "project_signed_desc_idx")],
)
def test_newest_first_with_the_undated_last_is_read_from_an_index(demo, staff_client, sort, index):
    (page,) = plans(staff_client, f"/projects/?sort={sort}&page=2", "OFFSET 25")
    assert f"using {index}" in page


@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("/projects/?sort=name&page=2", "projects_investmentproject_name_key"),
        ("/projects/?sort=-name&page=2", "projects_investmentproject_name_key"),
        ("/companies/?sort=name&page=2", "projects_company_name_key"),
        ("/parcels/?page=2", "parcel_code_order_idx"),
        ("/parcels/?sort=-code&page=2", "parcel_code_order_idx"),
    ],
)
def test_names_in_pinyin_and_codes_in_natural_order_are_read_from_an_index(
    demo, staff_client, url, index
):
    """A name's unique index is in its column's pinyin collation, and so serves the list
    sorted by it; parcel codes sort by their stored key, which has an index of its own."""
    (page,) = plans(staff_client, url, "OFFSET 25")
    assert f"using {index}" in page


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("-investment_wan", "company_investment_desc_idx"),
        ("investment_wan", "company_investment_idx"),
        ("-project_count", "company_project_count_idx"),
        ("project_count", "company_project_count_idx"),
    ],
)
def test_companies_sorted_by_their_totals_are_read_from_an_index(demo, staff_client, sort, index):
    """Each company's number of projects and total investment are stored on its row, so a
    sort by either, either way (the companies without projects last), needs no project."""
    (page,) = plans(staff_client, f"/companies/?sort={sort}&page=2", "OFFSET 25")
    assert f"using {index}" in page
    assert "projects_investmentproject" not in page


def test_the_dashboard_figures_come_from_their_index(demo, staff_client):
    """A period that cuts a year is counted from the projects (a whole year from their
    tally, below)."""
    url = "/?start=2025-01-01&end=2025-04-30&basis=landed"
    # The list's order index would serve the date range too; without it, the figures
    # index must serve every figure. It holds every column they read, so on a vacuumed
    # table PostgreSQL answers them from the index alone. The 红黄绿 card is not a figure
    # of the period: it reads the projects as of its own date, with their follow-ups.
    figures = plans(
        staff_client,
        url,
        'COUNT("projects_investmentproject"."id")',
        without=("project_landed_desc_idx",),
        sorting=True,
        unless='"projects_followup"',
    )
    assert len(figures) >= 8
    for plan in figures:
        if "leased_manufacturing" in plan:
            assert "project_leased_idx" in plan
        elif "started_date" in plan:  # the targets' projects started
            assert "project_started_figures_idx" in plan, plan
        else:
            assert "project_landed_figures_idx" in plan, plan


@pytest.mark.parametrize("basis", ["landed", "signed"])
def test_a_whole_years_dashboard_figures_come_from_the_tallys_year_index(demo, staff_client, basis):
    url = f"/?start=2025-01-01&end=2025-12-31&basis={basis}"
    figures = plans(staff_client, url, '"projects_projecttally"', sorting=True)
    assert len(figures) >= 8
    for plan in figures:
        assert f"projecttally_{basis}_year_idx" in plan, plan


def test_the_leases_needing_attention_are_found_from_an_index(demo, staff_client):
    """The home page's 需关注 list reads the leases from an index, by their stored next
    date, never the whole table nor the projects, and orders them by it."""
    rows, count = plans(staff_client, "/", '"next_date" <=', sorting=True)
    for plan in (rows, count):
        assert "Index" in plan and "Seq Scan" not in plan, plan
    # Only the rows shown are joined to their projects, to name them.
    assert "projects_investmentproject" not in count, count
