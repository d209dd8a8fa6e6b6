"""A project's responsible staff: accounts by name, a filter, the sheet and old names."""

import csv
import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from projects.models import InvestmentProject
from projects.models.staff import staff_name
from projects.roles import VIEWER, sync_roles

pytestmark = pytest.mark.django_db

LIST = reverse("projects:project_list")


@pytest.fixture
def staff(django_user_model):
    sync_roles()

    def create(username: str, first: str = "", last: str = ""):
        user = django_user_model.objects.create_user(username, first_name=first, last_name=last)
        user.groups.set([Group.objects.get(name=VIEWER)])
        return user

    return create


def listed(response) -> set[str]:
    return {record.name for record in response.context["table"].paginated_rows.data}


def test_it_writes_staff_by_name_in_the_order_colleagues_do(staff):
    assert staff_name(staff("lm", "明", "李")) == "李明"
    assert staff_name(staff("ml", "Ming", "Li")) == "Ming Li"
    assert staff_name(staff("solo")) == "solo"


def test_it_lists_my_projects_and_anyones_by_account(demo, client, staff):
    me = staff("wuhua", "华", "吴")
    other = staff("sunli", "丽", "孙")
    mine = list(InvestmentProject.objects.order_by("pk")[:3])
    theirs = InvestmentProject.objects.order_by("pk")[3]
    for project in mine:
        project.owner = me
        project.save()
    theirs.owner = other
    theirs.save()
    client.force_login(me)

    response = client.get(LIST, {"owner": "me"})
    assert listed(response) == {project.name for project in mine}
    assert response.context["summary"]["count"] == 3
    assert listed(client.get(LIST, {"owner": other.pk})) == {theirs.name}
    # The filter offers staff by name, and its chip names the owner chosen.
    page = client.get(LIST, {"owner": other.pk}).text
    assert "孙丽" in page


def test_an_unknown_account_is_an_error_next_to_the_filter(demo, client, staff):
    client.force_login(staff("wuhua"))
    response = client.get(LIST, {"owner": "99999"})
    assert response.status_code == 200
    assert response.context["filter"].errors["owner"]
    assert listed(response) == set()


def test_a_deactivated_account_is_a_filter_only_while_it_owns_projects(demo, client, staff):
    client.force_login(staff("wuhua"))
    gone = staff("zhangzou", "走", "张")
    gone.is_active = False
    gone.save()
    assert client.get(LIST, {"owner": gone.pk}).context["filter"].errors["owner"]
    project = InvestmentProject.objects.order_by("pk").first()
    project.owner = gone
    project.save()
    response = client.get(LIST, {"owner": gone.pk})
    assert response.context["filter"].errors == {}
    assert listed(response) == {project.name}
    assert "张走（已停用）" in response.text


def test_the_page_names_the_owner_or_the_name_written_down(demo, client, staff):
    viewer = staff("wuhua", "华", "吴")
    client.force_login(viewer)
    owned = InvestmentProject.objects.filter(owner__isnull=False).select_related("owner").first()
    unowned = InvestmentProject.objects.filter(owner__isnull=True).exclude(responsible="").first()
    assert staff_name(owned.owner) in client.get(owned.get_absolute_url()).text
    assert unowned.responsible in client.get(unowned.get_absolute_url()).text


def test_names_written_before_accounts_become_owners_where_an_account_matches(demo, staff):
    li = staff("liming2", "明", "周")
    plain = InvestmentProject.objects.filter(owner__isnull=True).order_by("pk")
    first, second, third = plain[:3]
    InvestmentProject.objects.filter(pk=first.pk).update(responsible="周明")
    InvestmentProject.objects.filter(pk=second.pk).update(responsible="liming2")
    InvestmentProject.objects.filter(pk=third.pk).update(responsible="驻长三角招商组")
    migration = importlib.import_module("projects.migrations.0012_daily_work")

    migration.owners_from_names(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.owner, first.responsible) == (li, "")
    assert (second.owner, second.responsible) == (li, "")
    assert (third.owner, third.responsible) == (None, "驻长三角招商组")


def test_a_sheet_names_the_owner_by_name_and_keeps_other_names_as_text(
    demo, client, staff, tmp_path
):
    zhou = staff("zhouming", "明", "周")
    client.force_login(zhou)
    project = InvestmentProject.objects.filter(owner__isnull=True).order_by("pk").first()
    sheet = tmp_path / "owners.csv"
    header, row = csv_rows(client, {"q": project.name})
    row[header.index("责任人")] = "周明"
    write_csv(sheet, [header, row])
    call_command("import_ledger", str(sheet), stdout=io.StringIO())
    project.refresh_from_db()
    assert (project.owner, project.responsible) == (zhou, "")

    row[header.index("责任人")] = "县经济商务局外资科"
    write_csv(sheet, [header, row])
    call_command("import_ledger", str(sheet), stdout=io.StringIO())
    project.refresh_from_db()
    assert (project.owner, project.responsible) == (None, "县经济商务局外资科")


def test_the_export_writes_the_owners_name(demo, client, staff):
    client.force_login(staff("wuhua"))
    owned = InvestmentProject.objects.filter(owner__isnull=False).select_related("owner").first()
    rows = csv_rows(client, {"q": owned.name})
    header = rows[0]
    assert rows[1][header.index("责任人")] == staff_name(owned.owner)


def csv_rows(client, params) -> list[list[str]]:
    response = client.get(LIST, {**params, "_export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def write_csv(path, rows) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as sheet:
        csv.writer(sheet).writerows(rows)
