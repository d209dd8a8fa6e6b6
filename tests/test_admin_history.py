"""The admin's History: old versions are there to read, never saved back over a record."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from projects.models import Company, InvestmentProject, LandParcel, LeaseAgreement, Park
from projects.roles import EDITOR, MANAGER, VIEWER, sync_roles

pytestmark = pytest.mark.django_db

# The text field each model's test changes, to make a version worth going back to.
NOTES = {
    Park: "description",
    LandParcel: "notes",
    Company: "home_region",
    InvestmentProject: "notes",
    LeaseAgreement: "notes",
}


@pytest.fixture
def staff_in(demo, django_user_model):
    """A logged-in client of a staff user in the given role."""
    sync_roles()

    def login(role: str) -> Client:
        user = django_user_model.objects.create_user(role.lower(), is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        return client

    return login


def version_url(record, version) -> str:
    opts = record._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[record.pk, version.history_id],
    )


def form_data(client: Client, url: str) -> dict:
    """What the old version's form would send back: every field it shows, as shown."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, value in form.initial.items():
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    return data


def test_an_editor_cannot_turn_a_converted_lease_back_to_assessing(staff_in):
    lease = LeaseAgreement.objects.filter(status=LeaseAgreement.Status.CONVERTED).first()
    lease.status = LeaseAgreement.Status.ASSESSING
    lease.save()
    assessing = lease.history.latest()
    lease.status = LeaseAgreement.Status.CONVERTED
    lease.save()
    editor = staff_in(EDITOR)
    url = version_url(lease, assessing)

    response = editor.post(url, form_data(editor, url))

    assert response.status_code == 405
    lease.refresh_from_db()
    assert lease.status == LeaseAgreement.Status.CONVERTED
    assert lease.history.latest().status == LeaseAgreement.Status.CONVERTED


@pytest.mark.parametrize("model", list(NOTES), ids=lambda model: model.__name__)
@pytest.mark.parametrize("role", [VIEWER, EDITOR, MANAGER])
def test_no_role_reverts_a_record_to_an_old_version(staff_in, model, role):
    record = model.objects.order_by("pk").first()
    field = NOTES[model]
    setattr(record, field, "第一版")
    record.save()
    first = record.history.latest()
    setattr(record, field, "第二版")
    record.save()
    client = staff_in(role)
    url = version_url(record, first)

    page = client.get(url)
    response = client.post(url, form_data(client, url))

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert response.status_code == 405
    record.refresh_from_db()
    assert getattr(record, field) == "第二版"
