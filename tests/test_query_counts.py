"""Exact query counts of every list and record page, the dashboard and the monthly report,
kept as baselines in one file.

A lost ``select_related``, a new per-row query or a new related table shows up here at
once. The counts do not depend on how many rows a page shows: each list is counted at
25 and at 100 rows a page, each record page for the record with the most related rows.
Change ``query_counts.json`` only for a change that means to add or save a query.
"""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects.models import (
    Company,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    Park,
    Problem,
)
from projects.roles import VIEWER, sync_roles

pytestmark = pytest.mark.django_db

BASELINES = json.loads((Path(__file__).parent / "query_counts.json").read_text())
LISTS = {
    "project_list": "/projects/",
    "park_list": "/parks/",
    "parcel_list": "/parcels/",
    "company_list": "/companies/",
    "lease_list": "/leases/",
    "followup_list": "/followups/",
    "problem_list": "/problems/",
    "fund_list": "/funds/",
    "target_list": "/targets/",
    "department_list": "/departments/",
    "warningrule_list": "/warning-rules/",
}
# For each record page, the relation whose rows it lists most of.
RECORDS = {
    "project": (InvestmentProject, "parcels"),
    "park": (Park, "parcels"),
    "parcel": (LandParcel, "projects"),
    "company": (Company, "projects"),
    "lease": (LeaseAgreement, "assessments"),
    "problem": (Problem, "project"),
}


@pytest.fixture
def viewer(demo, django_user_model) -> Client:
    """An ordinary reader, who pays for the permission checks a superuser skips."""
    sync_roles()
    user = django_user_model.objects.create_user("reader")
    user.groups.add(Group.objects.get(name=VIEWER))
    client = Client()
    client.force_login(user)
    client.get("/")  # the session's first request reads more than any later one
    return client


def queries_of(client: Client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_page_runs_its_baseline_of_queries_at_any_size(viewer, name):
    counts = {queries_of(viewer, LISTS[name], {"per_page": size}) for size in (25, 100)}
    assert counts == {BASELINES[name]}, "query_counts.json"


@pytest.mark.parametrize("name", RECORDS)
def test_a_record_page_runs_its_baseline_of_queries(viewer, name):
    model, relation = RECORDS[name]
    record = model.objects.annotate(rows=Count(relation)).order_by("-rows", "pk").first()
    assert queries_of(viewer, record.get_absolute_url()) == BASELINES[name], "query_counts.json"


def test_the_baselines_cover_every_page_and_nothing_else():
    assert set(BASELINES) == {*LISTS, *RECORDS, "dashboard", "reports", "report_pdf"}


def test_the_dashboard_runs_its_baseline_of_queries(viewer):
    period = {"start": "2025-01-01", "end": "2025-04-30"}
    assert queries_of(viewer, "/", period) == BASELINES["dashboard"], "query_counts.json"


@pytest.mark.parametrize("name", ["reports", "report_pdf"])
def test_the_monthly_report_runs_its_baseline_of_queries_for_any_period(viewer, name):
    url = {"reports": "/reports/", "report_pdf": "/reports/monthly.pdf"}[name]
    periods = [
        {"start": "2025-01-01", "end": "2025-04-30"},
        {"start": "2021-01-01", "end": "2025-12-31"},
    ]
    counts = {queries_of(viewer, url, period) for period in periods}
    assert counts == {BASELINES[name]}, "query_counts.json"
