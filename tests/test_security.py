"""Who may see and change what, who changed it, logins that resist guessing, production mode."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from projects.models import Company, InvestmentProject, LeaseAgreement, Park
from projects.roles import EDITOR, MANAGER, VIEWER, sync_roles

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-test-passphrase"
# Pages anyone may open without logging in.
OPEN_URL_NAMES = {"login", "set_language"}


def ledger_urls() -> list[str]:
    """Every page of the ledger, found from the URL resolver so new pages are covered."""
    urls = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, pattern.namespace or namespace)
                continue
            assert isinstance(pattern, URLPattern)
            groups = set(pattern.pattern.regex.groupindex)
            if pattern.name in OPEN_URL_NAMES or pattern.name is None or "format" in groups:
                continue
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            if "pk" in groups:
                view = getattr(pattern.callback, "view_class", None) or pattern.callback.cls
                model = view.queryset.model if view.queryset is not None else view.model
                urls.append(reverse(name, kwargs={"pk": model.objects.order_by("pk").first().pk}))
            else:
                urls.append(reverse(name))

    walk(get_resolver().url_patterns)
    return urls


def writes(url: str) -> bool:
    """Whether the page changes the ledger: it needs a permission other than to view."""
    view = getattr(resolve(url).func, "view_class", None)
    required = getattr(view, "permission_required", None) or ()
    required = (required,) if isinstance(required, str) else required
    return any(not permission.partition(".")[2].startswith("view_") for permission in required)


@pytest.fixture
def roles(demo):
    sync_roles()


@pytest.fixture
def user_in(django_user_model, roles):
    """A logged-in client for a user of the given role."""

    def login(role: str) -> Client:
        user = django_user_model.objects.create_user(
            role.lower(), password=PASSWORD, is_staff=role != VIEWER
        )
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        return client

    return login


def test_the_url_list_covers_every_kind_of_page(demo):
    urls = ledger_urls()
    for expected in ["/", "/projects/", "/leases/", "/accounts/logout/", "/api/projects/"]:
        assert expected in urls
    assert any(url.startswith("/leases/") and url != "/leases/" for url in urls)


def test_anonymous_users_are_sent_to_the_login_page_everywhere(demo, client):
    for url in ledger_urls():
        response = client.get(url)
        if url.startswith("/api/"):  # the API answers for itself rather than redirecting
            assert response.status_code in (401, 403), url
            continue
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    admin = client.get("/admin/projects/investmentproject/")
    assert admin.status_code == 302


class TestHealthCheck:
    def test_it_is_open_and_says_nothing_of_the_data(self, client, db):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_it_answers_plain_http_where_every_page_is_redirected(self, client, db, settings):
        settings.SECURE_SSL_REDIRECT = True
        assert client.get("/accounts/login/").status_code == 301
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_it_reports_the_database_down_even_with_a_session(self, demo, staff_client):
        failing = mock.patch.object(
            connections[DEFAULT_DB_ALIAS], "cursor", side_effect=OperationalError("down")
        )
        with failing:
            response = staff_client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "database unavailable"}
        assert staff_client.get("/healthz").status_code == 200


class TestRoles:
    def test_setup_roles_is_idempotent(self, demo):
        call_command("setup_roles", verbosity=0)
        first = {
            g.name: set(g.permissions.values_list("codename", flat=True))
            for g in Group.objects.all()
        }
        call_command("setup_roles", verbosity=0)
        second = {
            g.name: set(g.permissions.values_list("codename", flat=True))
            for g in Group.objects.all()
        }
        assert first == second
        assert all(codename.startswith("view_") for codename in first[VIEWER])
        assert "decide_lease" in first[MANAGER] and "decide_lease" not in first[EDITOR]
        assert "delete_investmentproject" not in first[EDITOR]

    def test_viewer_reads_everything_and_writes_nothing(self, user_in):
        viewer = user_in(VIEWER)
        urls = [url for url in ledger_urls() if url != "/accounts/logout/"]
        assert any(writes(url) for url in urls)
        for url in urls:
            assert viewer.get(url).status_code == (403 if writes(url) else 200), url
        assert viewer.get("/projects/", {"_export": "xlsx"}).status_code == 200
        project = InvestmentProject.objects.first()
        for url in [
            reverse("admin:projects_investmentproject_change", args=[project.pk]),
            reverse("admin:projects_investmentproject_add"),
            reverse("admin:projects_investmentproject_delete", args=[project.pk]),
            reverse("admin:index"),
        ]:
            assert viewer.get(url).status_code == 403, url
        lease = LeaseAgreement.objects.filter(status="leasing").first()
        response = viewer.post(lease.get_absolute_url(), {"action": "assess"})
        assert response.status_code == 403
        page = viewer.get(project.get_absolute_url())
        assert "/admin/" not in page.text
        lease_page = viewer.get(lease.get_absolute_url())
        assert "记录考核" not in lease_page.text

    def test_editor_changes_records_and_records_assessments_but_does_not_decide(self, user_in):
        editor = user_in(EDITOR)
        project = InvestmentProject.objects.first()
        assert (
            editor.get(
                reverse("admin:projects_investmentproject_change", args=[project.pk])
            ).status_code
            == 200
        )
        assert (
            editor.get(
                reverse("admin:projects_investmentproject_delete", args=[project.pk])
            ).status_code
            == 403
        )
        assert "在管理后台编辑" in editor.get(project.get_absolute_url()).text
        lease = LeaseAgreement.objects.filter(status="assessing").first()
        page = editor.get(lease.get_absolute_url())
        assert "记录考核" in page.text and "对最近一次考核作出决定" not in page.text
        response = editor.post(
            lease.get_absolute_url(), {"action": "decide", "decide-kind": "reclaim"}
        )
        assert response.status_code == 403

    def test_manager_decides(self, user_in):
        manager = user_in(MANAGER)
        lease = LeaseAgreement.objects.filter(status="assessing").first()
        response = manager.post(
            lease.get_absolute_url(),
            {
                "action": "decide",
                "decide-kind": "remediate",
                "decide-decided_on": timezone.localdate().isoformat(),
                "decide-reason": "整改",
                "decide-new_deadline": (timezone.localdate() + timedelta(days=180)).isoformat(),
            },
        )
        assert response.status_code in (200, 302)
        lease.refresh_from_db()
        # The demo's pending assessment met every target, so only a conversion is allowed.
        assert lease.status == LeaseAgreement.Status.ASSESSING
        assert "无需整改" in response.text


def test_csrf_is_enforced_on_posts(demo, django_user_model):
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_superuser("boss", password=PASSWORD))
    lease = LeaseAgreement.objects.filter(status="leasing").first()
    project = InvestmentProject.objects.first()
    for url, data in [
        (lease.get_absolute_url(), {"action": "assess"}),
        (reverse("admin:projects_investmentproject_change", args=[project.pk]), {"name": "x"}),
        (reverse("logout"), {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert not lease.assessments.filter(assessed_on=timezone.localdate()).exists()


class TestLogin:
    def login(self, client, password):
        return client.post(reverse("login"), {"username": "clerk", "password": password})

    def test_five_wrong_passwords_lock_the_account_at_this_address(self, db, django_user_model):
        django_user_model.objects.create_user("clerk", password=PASSWORD)
        client = Client()
        for _ in range(4):
            response = self.login(client, "wrong")
            assert response.status_code == 200
            assert "请输入一个正确的" in response.text
        fifth = self.login(client, "wrong")
        assert fifth.status_code == 429
        locked = self.login(client, PASSWORD)
        assert locked.status_code == 429
        assert "已被暂时锁定" in locked.text
        assert "_auth_user_id" not in client.session
        other_address = Client(REMOTE_ADDR="10.0.0.9")
        assert self.login(other_address, PASSWORD).status_code == 302

    def test_the_lock_is_released_after_the_cool_off(self, db, django_user_model, settings):
        django_user_model.objects.create_user("clerk", password=PASSWORD)
        client = Client()
        for _ in range(5):
            self.login(client, "wrong")
        assert self.login(client, PASSWORD).status_code == 429
        AccessAttempt.objects.update(
            attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
        )
        assert self.login(client, PASSWORD).status_code == 302

    @pytest.mark.parametrize(("password", "accepted"), [("Qz7#kLp2x", False), ("Qz7#kLp2xw", True)])
    def test_a_new_password_needs_ten_characters(self, db, django_user_model, password, accepted):
        user = django_user_model.objects.create_user("clerk", password=PASSWORD)
        form = PasswordChangeForm(
            user,
            {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
        )
        assert form.is_valid() is accepted
        if not accepted:
            assert form.errors["new_password2"] == ["密码长度太短。密码必须包含至少 10 个字符。"]

    def test_logout_ends_the_session(self, demo, staff_client):
        assert staff_client.get("/projects/").status_code == 200
        staff_client.post(reverse("logout"))
        assert staff_client.get("/projects/").status_code == 302


class TestHistory:
    def test_an_admin_edit_is_recorded_with_its_user_and_fields(
        self, demo, staff_client, admin_user
    ):
        project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
        url = reverse("admin:projects_investmentproject_change", args=[project.pk])
        form = staff_client.get(url).context["adminform"].form
        # What the form shows (amounts in 亿元), as a browser sends it back.
        data = {name: form[name].value() for name in form.fields}
        data = {name: value for name, value in data.items() if value is not None}
        data.update(
            {
                "total_investment_wan": "16",
                "projectparcel_set-TOTAL_FORMS": "0",
                "projectparcel_set-INITIAL_FORMS": "0",
            }
        )
        data = {key: (value.pk if hasattr(value, "pk") else value) for key, value in data.items()}
        response = staff_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        latest = project.history.latest()
        assert latest.history_user == admin_user
        assert latest.history_type == "~"
        page = staff_client.get(project.get_absolute_url())
        change = page.context["history"][0]
        assert change.who == admin_user.username
        assert ("总投资（亿元）", "15.00", "16.00") in change.fields

    def test_a_deleted_record_keeps_its_last_state(self, demo):
        company = Company.objects.create(name="将被删除的企业")
        pk = company.pk
        company.delete()
        last = Company.history.filter(id=pk).latest()
        assert last.history_type == "-"
        assert last.name == "将被删除的企业"

    def test_demo_records_start_their_history_when_loaded(self, empty_ledger):
        call_command("load_demo", verbosity=0)
        project = InvestmentProject.objects.first()
        assert project.history.count() == 1


class TestEscaping:
    PAYLOAD = "<script>alert(1)</script>"

    def test_markup_in_names_is_shown_escaped_everywhere(self, demo, staff_client):
        park = Park.objects.get(name="丽缙高新区")
        Park.objects.filter(pk=park.pk).update(name=f"园区{self.PAYLOAD}")
        project = InvestmentProject.objects.filter(park=park, landed_date__year=2025).first()
        InvestmentProject.objects.filter(pk=project.pk).update(name=f"项目{self.PAYLOAD}")
        Company.objects.filter(pk=project.company_id).update(name=f"企业{self.PAYLOAD}")
        pages = [
            "/?start=2025-01-01&end=2025-12-31",
            "/projects/?q=script",
            "/parks/",
            "/companies/?q=script",
            project.get_absolute_url(),
            park.get_absolute_url(),
            project.company.get_absolute_url(),
        ]
        for url in pages:
            text = staff_client.get(url).text
            assert self.PAYLOAD not in text, url
            assert "&lt;script&gt;" in text, url
        export = staff_client.get("/projects/", {"q": "script", "_export": "csv"})
        assert export["Content-Type"].startswith("text/csv")
        assert f"项目{self.PAYLOAD}" in export.getvalue().decode()  # text, never HTML


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tracker.jinyun.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
