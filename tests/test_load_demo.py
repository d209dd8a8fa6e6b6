"""`manage.py load_demo`, which `make demo` runs on every start."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from projects.models import InvestmentProject

pytestmark = pytest.mark.django_db


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_loads_an_empty_ledger_and_creates_a_superuser_with_a_printed_password(
    empty_ledger, monkeypatch
):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = run_load_demo()
    assert InvestmentProject.objects.count() > 100
    user = get_user_model().objects.get(username="demo")
    assert user.is_superuser and user.is_staff
    password = output.split("demo / ")[1].split()[0]
    assert user.check_password(password)
    validate_password(password, user)


def test_second_run_keeps_what_users_entered(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a-long-demo-passphrase")
    run_load_demo()
    project = InvestmentProject.objects.get(name="涵禧科技汽车零部件及新材料项目")
    project.total_investment_wan = 160000
    project.save()
    monkeypatch.delenv("DEMO_PASSWORD")
    output = run_load_demo()
    assert "not loaded again" in output
    project.refresh_from_db()
    assert project.total_investment_wan == 160000
    assert get_user_model().objects.get(username="demo").check_password("a-long-demo-passphrase")


def test_demo_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "chosen-by-the-operator")
    output = run_load_demo()
    assert "chosen-by-the-operator" not in output
    assert get_user_model().objects.get(username="demo").check_password("chosen-by-the-operator")


def test_a_demo_password_below_the_policy_is_refused(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "short-pw1")
    with pytest.raises(CommandError, match="DEMO_PASSWORD is refused: 密码长度太短"):
        run_load_demo()
    assert not get_user_model().objects.filter(username="demo").exists()
