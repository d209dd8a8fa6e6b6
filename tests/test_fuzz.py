"""Generated hostile query strings against every page that reads its query string.

Each list page and its exports, the dashboard and its exports, each API list and each
admin changelist gets queries built from its own parameter names, with values of the
kind each expects and values nobody should send: NUL characters, huge and negative
numbers, dates of year 1, 9999 and beyond, words where dates belong, other scripts, very
long text, repeated keys, unknown sort keys and pages out of range. Every answer must be
a page, a redirect or a 4xx, never a server error.

The ledger is cut to a few records, so that thousands of requests take seconds; its
dates reach the ends of the calendar (year 1, December 9999).
"""

import random
import re
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from projects import api, dashboard, services, views
from projects.models import (
    Assessment,
    Company,
    Indicator,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    LeaseTarget,
    Park,
    Sector,
)
from projects.roles import VIEWER, sync_roles

pytestmark = pytest.mark.django_db

SEED = 20250501
MINIMUM_QUERIES = 2000
# Queries per target: fewer where a page costs more to write.
PAGE_QUERIES, DASHBOARD_QUERIES, API_QUERIES, ADMIN_QUERIES = 60, 40, 110, 80

HOSTILE = [
    "",
    "\x00",
    "a\x00b",
    "%00",
    "-99999999999999999999",
    "99999999999999999999999999999999",
    "1e999999",
    "NaN",
    "0000-00-00",
    "99999-01-01",
    "😀",
    "\u202e\u200b",
    "' OR 1=1 --",
    "<script>",
    "x" * 1000,
    "缙" * 300,
]
DATES = [
    "0001-01-01",
    "0001-12-31",
    "0002-01-01",
    "2025-01-01",
    "2025-04-30",
    "9999-12-01",
    "9999-12-31",
    "10000-01-01",
    "2025-02-30",
    "2025-13-01",
    "2025/3/5",
    "2025年3月5日",
    "yesterday",
]
NUMBERS = ["0", "1", "-1", "0.5", "10.4", "3650", "3651", "99999999999", "-1e-999", "Infinity"]
TEXTS = ["缙云", "有限公司", "测试", "%", "_", "a" * 101, "電機"]
REGEXES = ["(", "[z-a]", "^测试", "a{99999999}"]
YEARS = ["0", "1", "2025", "9999", "10000", "99999999999", "-1"]
MONTHS = ["0", "1", "12", "13"]
DAYS = ["0", "1", "31", "32"]
FLAGS = ["0", "1", "True", "False", "true", "yes"]
PAGES = ["0", "-1", "2", "last", "25", "50", "100", "101", "99999999999999999999"]
EXPORTS = ["csv", "xlsx", "pdf", "CSV"]
SORTS = ["pk", "-pk", "company__name", "company__password", "park__parent__parent__name", "-"]
ORDERS = ["1", "-2", "1.2.3", "99", "-0", "x", "2.-1"]

LIST_VIEWS = {
    "projects:project_list": views.ProjectListView,
    "projects:park_list": views.ParkListView,
    "projects:parcel_list": views.ParcelListView,
    "projects:company_list": views.CompanyListView,
    "projects:lease_list": views.LeaseListView,
    "projects:followup_list": views.FollowUpListView,
    "projects:problem_list": views.ProblemListView,
    "projects:department_list": views.DepartmentListView,
    "projects:warningrule_list": views.WarningRuleListView,
}


class Target:
    """A page that reads its query string: its path, and each of its parameters with
    values of the kind it expects."""

    def __init__(self, path: str, parameters: dict[str, list[str]], count: int) -> None:
        self.path = path
        self.parameters = parameters
        self.count = count

    def queries(self, rng: random.Random) -> list[str]:
        """``count`` query strings of one to four parameters, each usually of the kind it
        expects, a quarter of the time hostile, now and then given twice."""
        names = list(self.parameters)
        queries = []
        for _ in range(self.count):
            pairs = []
            for name in rng.sample(names, min(len(names), rng.randint(1, 4))):
                for _ in range(2 if rng.random() < 0.1 else 1):
                    expected = self.parameters[name]
                    pool = HOSTILE if not expected or rng.random() < 0.25 else expected
                    pairs.append((name, rng.choice(pool)))
            queries.append(urlencode(pairs))
        return queries


def form_values(field: forms.Field) -> list[str]:
    """Values of the kind a form field expects, right and wrong."""
    if isinstance(field, forms.DateField):
        return DATES
    if isinstance(field, forms.ChoiceField):
        values = []
        for value, label in field.choices:
            if isinstance(label, list | tuple):  # a group of choices
                values.extend(str(member) for member, _label in label)
            else:
                values.append(str(value))
        return values
    if isinstance(field, forms.DecimalField | forms.IntegerField):
        return NUMBERS
    return TEXTS


def field_values(model: type[models.Model], name: str) -> list[str]:
    """Values of the kind an admin changelist parameter (``field__lookup``) expects."""
    lookup = name.rpartition("__")[2]
    by_lookup = {"year": YEARS, "month": MONTHS, "day": DAYS, "isnull": FLAGS, "regex": REGEXES}
    if lookup in by_lookup:
        return by_lookup[lookup]
    try:
        field = model._meta.get_field(name.partition("__")[0])
    except FieldDoesNotExist:
        return TEXTS
    if field.is_relation or isinstance(field, models.IntegerField | models.DecimalField):
        return NUMBERS
    if field.choices:
        return [str(value) for value, _label in field.flatchoices]
    if isinstance(field, models.DateField):  # and DateTimeField
        return DATES
    if isinstance(field, models.BooleanField):
        return FLAGS
    return TEXTS


def list_targets() -> list[Target]:
    """The list pages, whose exports are the same addresses with ``_export``."""
    targets = []
    for url_name, view in LIST_VIEWS.items():
        filterset = view.filterset_class(queryset=view.queryset.none())
        parameters = {name: form_values(field) for name, field in filterset.form.fields.items()}
        columns = [
            name for name, column in view.table_class.base_columns.items() if column.orderable
        ]
        parameters.update(
            sort=[*columns, *(f"-{name}" for name in columns), *SORTS],
            page=PAGES,
            per_page=PAGES,
            _export=EXPORTS,
        )
        targets.append(Target(reverse(url_name), parameters, PAGE_QUERIES))
    return targets


def dashboard_target() -> Target:
    """The dashboard, whose exports are the same address with ``_export``."""
    parameters = {
        name: form_values(field) for name, field in dashboard.PeriodForm.base_fields.items()
    }
    return Target(reverse("home"), {**parameters, "_export": EXPORTS}, DASHBOARD_QUERIES)


def api_targets() -> list[Target]:
    """The API's lists, with the list pages' filters and the API's own paging."""
    targets = []
    for prefix, viewset, _basename in api.router.registry:
        filterset = viewset.filterset_class(queryset=viewset.queryset.none())
        parameters = {name: form_values(field) for name, field in filterset.form.fields.items()}
        parameters.update(page=PAGES, per_page=PAGES)
        targets.append(Target(f"/api/{prefix}/", parameters, API_QUERIES))
    return targets


def admin_targets(superuser) -> list[Target]:
    """Every admin changelist: the parameters of its filters (as the changelist names
    them), its date hierarchy, search, sort and page, and lookups typed by hand on its
    model's own fields."""
    targets = []
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        model_admin = admin.site.get_model_admin(model)
        request = RequestFactory().get("/")
        request.user = superuser
        names = [
            parameter
            for spec in model_admin.get_changelist_instance(request).filter_specs
            for parameter in spec.expected_parameters()
        ]
        if model_admin.date_hierarchy:
            names.extend(
                f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")
            )
        for field in model._meta.concrete_fields:
            if not field.is_relation:
                names.extend(f"{field.name}{lookup}" for lookup in ("", "__gte", "__lt", "__in"))
                if isinstance(field, models.CharField):
                    names.append(f"{field.name}__regex")
        parameters = {name: field_values(model, name) for name in names}
        parameters.update(q=TEXTS, o=ORDERS, p=PAGES, all=[""], _facets=FLAGS, e=["1"])
        opts = model._meta
        path = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        targets.append(Target(path, parameters, ADMIN_QUERIES))
    return targets


def shown(url: str) -> str:
    """The address as a failure names it: whole, unless it is too long to read, when its
    long values are cut (the seed makes the same address again)."""
    if len(url) <= 1000:
        return url
    return re.sub(r"=([^&]{40})[^&]+", lambda match: f"={match[1]}…", url) + " (cut)"


def failures(client: Client, targets: list[Target]) -> list[str]:
    """For each target, the first query the server failed on, with what it answered."""
    found = []
    for target in targets:
        rng = random.Random(f"{SEED}{target.path}")
        for query in target.queries(rng):
            url = f"{target.path}?{query}"
            # Each request in a savepoint of its own: a statement PostgreSQL refused
            # would otherwise fail every request after it, and blame them.
            try:
                with transaction.atomic():
                    response = client.get(url)
                    if response.streaming:
                        b"".join(response.streaming_content)
            except Exception as error:
                found.append(f"GET {shown(url)} raised {error!r}")
                break
            if not 200 <= response.status_code < 500:
                found.append(f"GET {shown(url)} answered {response.status_code}")
                break
    return found


@pytest.fixture
def small_ledger(empty_ledger) -> None:
    """A ledger of a few records of each kind, whose dates reach year 1 and December 9999."""
    sector = Sector.objects.create(name="测试产业", group=Sector.Group.LEADING)
    zone = Park.objects.create(name="测试园区", kind=Park.Kind.DEVELOPMENT_ZONE)
    park = Park.objects.create(name="测试子园区", kind=Park.Kind.INDUSTRIAL_PARK, parent=zone)
    company = Company.objects.create(name="测试企业有限公司", home_region="缙云")
    parcel = LandParcel.objects.create(
        code="测试园区2022-1号",
        park=park,
        area_m2=Decimal("33333.33"),
        supply_mode=LandParcel.SupplyMode.LEASE_FIRST,
        status=LandParcel.Status.LEASED,
    )
    common = {"company": company, "sector": sector, "total_investment_wan": Decimal("20000")}
    last = InvestmentProject.objects.create(
        name="测试项目（最后一个月）",
        park=park,
        stage=InvestmentProject.Stage.LANDED,
        signed_date=date(9999, 12, 1),
        landed_date=date(9999, 12, 31),
        leased_manufacturing=True,
        **common,
    )
    InvestmentProject.objects.create(
        name="测试项目（公元元年）",
        park=zone,
        stage=InvestmentProject.Stage.LANDED,
        signed_date=date(1, 1, 1),
        landed_date=date(1, 1, 1),
        **common,
    )
    InvestmentProject.objects.create(
        name="测试项目（未定园区）", stage=InvestmentProject.Stage.NEGOTIATING, **common
    )
    lease = LeaseAgreement.objects.create(
        parcel=parcel,
        project=last,
        start_date=date(2022, 1, 10),
        annual_rent_wan=Decimal("40"),
        start_deadline=date(2022, 7, 10),
        completion_deadline=date(2024, 1, 10),
        production_deadline=date(2024, 7, 10),
    )
    LeaseTarget.objects.create(
        lease=lease,
        indicator=Indicator.TAX_PER_MU,
        direction="at_least",
        target_value=Decimal("25"),
    )
    services.record_assessment(
        lease,
        kind=Assessment.Kind.TERM_END,
        assessed_on=date(2026, 11, 1),
        assessor="联合考核组",
        tax_wan=Decimal("1250"),
    )


@pytest.fixture
def viewer(small_ledger, django_user_model) -> Client:
    """A client logged in as an ordinary Viewer."""
    sync_roles()
    user = django_user_model.objects.create_user("fuzz-viewer", password="unused-passphrase")
    user.groups.add(Group.objects.get(name=VIEWER))
    client = Client()
    client.force_login(user)
    return client


def test_it_sends_at_least_two_thousand_queries(small_ledger, admin_user):
    targets = [*list_targets(), dashboard_target(), *api_targets(), *admin_targets(admin_user)]
    assert sum(target.count for target in targets) >= MINIMUM_QUERIES
    paths = {target.path for target in targets}
    assert {"/", "/projects/", "/leases/", "/api/leases/"} <= paths
    assert {"/admin/projects/investmentproject/", "/admin/auth/user/"} <= paths


def test_it_never_fails_on_a_page_whatever_the_query(viewer):
    found = failures(viewer, [*list_targets(), dashboard_target(), *api_targets()])
    assert not found, "\n".join(found)


# Dates typed for a date and time field are taken as naive ones, and Django says so.
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_it_never_fails_on_an_admin_changelist_whatever_the_query(
    small_ledger, admin_client, admin_user
):
    found = failures(admin_client, admin_targets(admin_user))
    assert not found, "\n".join(found)
