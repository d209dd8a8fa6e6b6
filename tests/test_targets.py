"""Annual targets set on /targets/: added, changed and deleted by Managers on the app's own
pages, the amounts in 亿元, every rule explained beside its field, a save over someone
else's refused, every change in the target's history, and nobody else let in."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.forms import TargetForm
from projects.models import AnnualTarget, Park
from projects.roles import EDITOR, MANAGER, VIEWER, sync_roles

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
NEW = reverse("projects:target_add")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


@pytest.fixture
def roles(demo, django_user_model) -> dict[str, Client]:
    """A client of each role, and a second Manager's."""
    sync_roles()
    clients = {}
    for role in (VIEWER, EDITOR, MANAGER, "Manager2"):
        user = django_user_model.objects.create_user(role.lower())
        user.groups.add(Group.objects.get(name=role.removesuffix("2")))
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def edit_url(target: AnnualTarget) -> str:
    return reverse("projects:target_edit", args=[target.pk])


def delete_url(target: AnnualTarget) -> str:
    return reverse("projects:target_delete", args=[target.pk])


def opened(client: Client, url: str) -> dict:
    """What the target form on the page sends back if saved as it stands."""
    form = client.get(url).context["form"]
    return {field.html_name: field.value() for field in form if field.value() is not None}


def county(year: int = 2025) -> AnnualTarget:
    return AnnualTarget.objects.get(year=year, unit="county")


def errors_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "the page saved a target that breaks a rule"
    return {
        field: [str(message) for message in messages]
        for field, messages in response.context["form"].errors.items()
    }


class TestAdding:
    def test_a_manager_adds_a_target_in_yi_from_the_list_and_returns_to_its_year(self, roles):
        manager = roles[MANAGER]
        page = manager.get("/targets/")
        assert f'href="{NEW}"' in page.text and "新增年度目标" in page.text
        form = manager.get(NEW).context["form"]
        assert form["year"].value() == TODAY.year
        response = manager.post(
            NEW,
            {
                "year": "2026",
                "unit": "zone",
                "zone": "pearl_delta",
                "projects_100m": "6",
                "funds_wan": "12.5",
                "outside_funds_wan": "0.119167",
            },
            follow=True,
        )
        assert response.redirect_chain == [("/targets/?year=2026", 302)]
        assert "已保存年度目标：2026 珠三角。" in response.text
        listed = [row.record for row in response.context["table"].paginated_rows]
        target = AnnualTarget.objects.get(year=2026, zone="pearl_delta")
        assert listed == [target]
        assert (target.funds_wan, target.outside_funds_wan) == (
            Decimal("125000.00"),
            Decimal("1191.67"),
        )
        assert (target.projects_100m, target.investment_wan, target.park, target.staff) == (
            6,
            None,
            None,
            None,
        )
        (created,) = target.history.all()
        assert (created.history_type, created.history_user.username) == ("+", "manager")

    def test_the_amounts_are_shown_back_in_yi_as_stored(self, roles):
        page = roles[MANAGER].get(edit_url(county()))
        assert page.context["form"]["funds_wan"].label == "到位资金（亿元）"
        assert 'name="funds_wan" value="100.00"' in page.text  # 1,000,000 万元
        assert 'name="investment_wan" value="130.00"' in page.text

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("十亿", "请填写以亿元计的金额，例如 10.4。"),
            ("-1", "不能为负数。"),
            ("1.1234567", "以亿元计，最多 6 位小数。"),
        ],
    )
    def test_a_wrong_amount_is_explained_beside_its_field(self, roles, typed, message):
        data = {"year": "2026", "unit": "county", "funds_wan": typed}
        response = roles[MANAGER].post(NEW, data)
        assert errors_of(response) == {"funds_wan": [message]}
        assert 'id="id_funds_wan_error"' in response.text
        assert f'value="{typed}"' in response.text  # kept as typed
        assert not AnnualTarget.objects.filter(year=2026).exists()


class TestTheRules:
    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"unit": "zone"}, "zone", "请选择考核对象。"),
            ({"unit": "staff"}, "staff", "请选择考核对象。"),
            ({"unit": "county", "zone": "central"}, "zone", "与考核对象类别不符，应留空。"),
            (
                {"unit": "zone", "zone": "central", "park": "PARK"},
                "park",
                "与考核对象类别不符，应留空。",
            ),
            ({"unit": "county", "started": ""}, "projects_100m", "请至少填写一项目标。"),
            ({"unit": "county", "year": "1999"}, "year", "确保该值大于或等于2000。"),
        ],
    )
    def test_the_unit_names_its_own_field_and_only_it(self, roles, data, field, message):
        park = Park.objects.get(name="缙云经济开发区")
        data = {"year": "2026", "started": "3", **data}
        data = {key: str(park.pk) if value == "PARK" else value for key, value in data.items()}
        errors = errors_of(roles[MANAGER].post(NEW, data))
        assert errors == {field: [message]}

    def test_a_park_target_is_set_for_a_top_level_park(self, roles):
        sub_park = Park.objects.filter(parent__isnull=False).first()
        data = {"year": "2026", "unit": "park", "park": sub_park.pk, "started": "3"}
        errors = errors_of(roles[MANAGER].post(NEW, data))
        assert list(errors) == ["park"]
        top_level = [str(park) for park in TargetForm().fields["park"].queryset]
        assert str(sub_park) not in top_level and "缙云经济开发区" in top_level

    @pytest.mark.parametrize(
        ("unit", "field", "message"),
        [
            ("county", "year", "这一年已有全县目标。"),
            ("zone", "zone", "这一年已有该战区的目标。"),
            ("park", "park", "这一年已有该园区的目标。"),
            ("staff", "staff", "这一年已有该责任人的目标。"),
        ],
    )
    def test_a_second_target_of_a_unit_in_a_year_is_explained_beside_its_field(
        self, roles, unit, field, message
    ):
        existing = AnnualTarget.objects.filter(year=2025, unit=unit).first()
        data = opened(roles[MANAGER], edit_url(existing))
        data.pop("version")
        count = AnnualTarget.objects.count()
        response = roles[MANAGER].post(NEW, data)
        assert errors_of(response) == {field: [message]}
        assert "target_" not in response.text  # never the constraint's name
        assert AnnualTarget.objects.count() == count

    def test_moving_a_target_onto_a_unit_that_has_one_is_refused(self, roles):
        target = AnnualTarget.objects.get(year=2025, zone="central")
        data = {**opened(roles[MANAGER], edit_url(target)), "zone": "pearl_delta"}
        errors = errors_of(roles[MANAGER].post(edit_url(target), data))
        assert errors == {"zone": ["这一年已有该战区的目标。"]}
        target.refresh_from_db()
        assert target.zone == "central"

    def test_a_target_written_between_the_check_and_the_save_is_refused_beside_its_field(
        self, roles, monkeypatch
    ):
        """Two Managers adding the county's target at once: the second write breaks the
        constraint the first one's check passed, and is told so as the check would."""
        checked = TargetForm._post_clean

        def then_another_save(form):
            checked(form)
            AnnualTarget.objects.create(year=2026, unit="county", started=1)

        monkeypatch.setattr(TargetForm, "_post_clean", then_another_save)
        response = roles[MANAGER].post(NEW, {"year": "2026", "unit": "county", "started": "5"})
        assert errors_of(response) == {"year": ["这一年已有全县目标。"]}
        assert AnnualTarget.objects.get(year=2026, unit="county").started == 1


class TestChanging:
    def test_a_manager_changes_a_target_and_the_change_is_in_its_history(self, roles):
        target = county()
        data = {**opened(roles[MANAGER], edit_url(target)), "funds_wan": "110"}
        response = roles[MANAGER].post(edit_url(target), data, follow=True)
        assert response.redirect_chain == [("/targets/?year=2025", 302)]
        assert "已保存年度目标：2025 全县。" in response.text
        target.refresh_from_db()
        assert target.funds_wan == Decimal("1100000.00")
        assert target.investment_wan == Decimal("1300000.00")  # kept as it was shown
        latest = target.history.latest()
        assert (latest.history_type, latest.history_user.username) == ("~", "manager")
        page = roles[MANAGER].get(edit_url(target))
        assert "到位资金（亿元）：100.00 → 110.00" in page.text

    def test_a_save_over_a_change_made_since_is_refused_keeping_what_was_typed(self, roles):
        target = county()
        mine = {**opened(roles[MANAGER], edit_url(target)), "started": "55"}
        theirs = {**opened(roles["Manager2"], edit_url(target)), "funds_wan": "90"}
        assert roles["Manager2"].post(edit_url(target), theirs).status_code == 302
        refused = roles[MANAGER].post(edit_url(target), mine)
        form = refused.context["form"]
        assert "你的修改尚未保存" in " ".join(form.non_field_errors())
        assert form.errors["funds_wan"] == ["对方已改为：90.00（你打开时为：100.00）"]
        assert 'name="started" value="55"' in refused.text
        target.refresh_from_db()
        assert (target.started, target.funds_wan) == (50, Decimal("900000.00"))
        # Saved again, knowing the other change, it goes through.
        again = {**mine, "version": form.data["version"], "funds_wan": "90"}
        assert roles[MANAGER].post(edit_url(target), again).status_code == 302
        target.refresh_from_db()
        assert (target.started, target.funds_wan) == (55, Decimal("900000.00"))

    def test_a_deactivated_staff_members_target_stays_theirs_when_changed(self, roles):
        target = AnnualTarget.objects.get(year=2025, unit="staff")
        target.staff.is_active = False
        target.staff.save()
        data = {**opened(roles[MANAGER], edit_url(target)), "projects_100m": "4"}
        assert roles[MANAGER].post(edit_url(target), data).status_code == 302
        target.refresh_from_db()
        assert (target.staff.username, target.projects_100m) == ("liming", 4)
        assert target.funds_wan == Decimal("200000.00")
        # A new target is set only for active staff.
        new = roles[MANAGER].get(NEW).context["form"]
        assert target.staff not in new.fields["staff"].queryset

    def test_each_row_links_to_its_page_for_managers_only_and_the_export_leaves_it_out(self, roles):
        target = county()
        page = roles[MANAGER].get("/targets/").text
        assert f'href="{edit_url(target)}"' in page
        for role in (VIEWER, EDITOR):
            page = roles[role].get("/targets/").text
            assert "/edit/" not in page and "新增年度目标" not in page
        export = roles[MANAGER].get("/targets/", {"_export": "csv"})
        header = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()[0]
        assert "操作" not in header and "考核对象" in header


@pytest.mark.django_db(transaction=True)
def test_a_target_is_changed_outside_a_tests_transaction(django_user_model):
    """The page's save locks the row it compares versions of, which PostgreSQL allows only
    inside a transaction: the view opens its own."""
    sync_roles()
    manager = django_user_model.objects.create_user("manager-tx")
    manager.groups.add(Group.objects.get(name=MANAGER))
    client = Client()
    client.force_login(manager)
    target = AnnualTarget.objects.create(year=2026, unit="county", started=3)
    data = {**opened(client, edit_url(target)), "started": "4"}
    assert client.post(edit_url(target), data).status_code == 302
    target.refresh_from_db()
    assert target.started == 4


class TestDeleting:
    def test_a_manager_deletes_a_target_after_confirming_and_its_history_keeps_it(self, roles):
        target = AnnualTarget.objects.get(year=2025, zone="central")
        page = roles[MANAGER].get(edit_url(target))
        assert f'href="{delete_url(target)}"' in page.text
        english = roles[MANAGER].get(edit_url(target), HTTP_ACCEPT_LANGUAGE="en").text
        assert f'href="{delete_url(target)}">Delete</a>' in english
        confirm = roles[MANAGER].get(delete_url(target))
        assert "确定删除 2025 中部地区 的年度目标吗" in confirm.text
        response = roles[MANAGER].post(delete_url(target), follow=True)
        assert response.redirect_chain == [("/targets/?year=2025", 302)]
        assert "已删除年度目标：2025 中部地区。" in response.text
        assert not AnnualTarget.objects.filter(pk=target.pk).exists()
        deleted = AnnualTarget.history.filter(id=target.pk).latest()
        assert (deleted.history_type, deleted.zone) == ("-", "central")


class TestPermissions:
    @pytest.mark.parametrize("role", [VIEWER, EDITOR])
    def test_viewers_and_editors_may_neither_open_nor_post_the_targets_pages(self, roles, role):
        client = roles[role]
        target = county()
        data = {"year": "2026", "unit": "county", "started": "3"}
        for url in (NEW, edit_url(target), delete_url(target)):
            assert client.get(url).status_code == 403, url
            assert client.post(url, data).status_code == 403, url
        assert not AnnualTarget.objects.filter(year=2026).exists()
        assert AnnualTarget.objects.filter(pk=target.pk, started=50).exists()

    def test_anonymous_users_are_sent_to_log_in(self, roles):
        target = county()
        for url in (NEW, edit_url(target), delete_url(target)):
            response = Client().post(url, {"year": "2026", "unit": "county", "started": "3"})
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
