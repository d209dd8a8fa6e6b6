"""A record's page, list and API name other records only to users who may view those too."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from projects.models import Company, InvestmentProject, LeaseAgreement, Park
from projects.roles import VIEWER, sync_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def allowed_only(demo, django_user_model):
    """A logged-in client of a user with exactly the given view permissions."""

    def login(*models: str) -> Client:
        user = django_user_model.objects.create_user("narrow-" + "-".join(models))
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="projects", codename__in=[f"view_{m}" for m in models]
            )
        )
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def lease():
    """A lease whose own notes do not name its parcel, project or company."""
    leases = LeaseAgreement.objects.select_related("parcel", "project__company").order_by("pk")
    return next(
        lease
        for lease in leases
        if not any(
            name in lease.notes
            for name in (lease.parcel.code, lease.project.name, lease.project.company.name)
        )
    )


def test_a_company_page_lists_projects_only_to_who_may_view_projects(allowed_only):
    company = Company.objects.filter(projects__isnull=False).first()
    project = company.projects.first()
    page = allowed_only("company").get(company.get_absolute_url())
    assert page.status_code == 200
    assert company.name in page.text
    assert project.name not in page.text
    with_projects = allowed_only("company", "investmentproject").get(company.get_absolute_url())
    assert project.name in with_projects.text


def test_a_lease_page_withholds_parcel_project_and_company(allowed_only, lease):
    page = allowed_only("leaseagreement").get(lease.get_absolute_url())
    assert page.status_code == 200
    for name in (lease.parcel.code, lease.project.name, lease.project.company.name):
        assert name not in page.text
    assert "无权查看" in page.text


def test_the_lease_api_withholds_parcel_and_project(allowed_only, lease):
    rows = allowed_only("leaseagreement").get("/api/leases/", {"per_page": 100}).json()
    row = next(row for row in rows["results"] if row["id"] == lease.pk)
    assert "parcel" not in row and "project" not in row
    assert row["targets"]  # the lease's own targets come with it
    row = allowed_only("leaseagreement", "landparcel").get(f"/api/leases/{lease.pk}/").json()
    assert row["parcel"] == lease.parcel.code and "project" not in row


def test_the_lease_list_and_its_export_withhold_them_too(allowed_only, lease):
    client = allowed_only("leaseagreement")
    page = client.get("/leases/", {"q": ""})
    assert page.status_code == 200
    assert lease.project.name not in page.text and lease.parcel.code not in page.text
    export = client.get("/leases/", {"_export": "csv"}).getvalue().decode()
    assert lease.project.name not in export and lease.project.company.name not in export
    projects_only = allowed_only("leaseagreement", "investmentproject")
    export = projects_only.get("/leases/", {"_export": "csv"}).getvalue().decode()
    assert lease.project.name in export and lease.project.company.name not in export


def test_the_viewer_role_sees_every_related_record(demo, django_user_model, lease):
    sync_roles()
    user = django_user_model.objects.create_user("viewer")
    user.groups.add(Group.objects.get(name=VIEWER))
    viewer = Client()
    viewer.force_login(user)
    page = viewer.get(lease.get_absolute_url()).text
    for name in (lease.parcel.code, lease.project.name, lease.project.company.name):
        assert name in page
    assert "无权查看" not in page
    row = viewer.get(f"/api/leases/{lease.pk}/").json()
    assert row["parcel"] == lease.parcel.code and row["project"]
    export = viewer.get("/leases/", {"_export": "csv"}).getvalue().decode()
    assert lease.project.company.name in export


def test_the_history_names_a_related_record_only_to_who_may_view_it(allowed_only):
    project = InvestmentProject.objects.filter(park__isnull=False).first()
    before, after = project.park, Park.objects.exclude(pk=project.park_id).first()
    project.park = after
    project.save()
    page = allowed_only("investmentproject").get(project.get_absolute_url())
    change = page.context["history"][0]
    assert ("园区", "无权查看", "无权查看") in change.fields
    with_parks = allowed_only("investmentproject", "park").get(project.get_absolute_url())
    assert ("园区", before.name, after.name) in with_parks.context["history"][0].fields
