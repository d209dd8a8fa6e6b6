"""The README's backup procedure, run as written, restores a worked ledger into an empty database.

The commands come out of the README's "Backup and restore" section, so the test checks what
a reader would type: `dumpdata` against the ledger in use, everything else against a new,
empty database (a file on SQLite, a scratch database on PostgreSQL) in another process.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.commands import dumpdata
from django.db import connection
from django.utils import timezone

from projects import services
from projects.models import LEDGER_MODELS, Decision, LeaseAgreement, ProjectParcel
from projects.roles import MANAGER, sync_roles

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "县自然资源局-backup-2026"

# Run in the restored database: every row still meets the ledger's constraints.
CHECK_CONSTRAINTS = """
import json
from django.core.exceptions import ValidationError
from projects.models import LEDGER_MODELS

violations = []
for model in LEDGER_MODELS:
    for row in model.objects.all():
        try:
            row.validate_constraints()
        except ValidationError as error:
            violations.append(f"{model._meta.label} {row}: {error}")
print(json.dumps(violations, ensure_ascii=False))
"""


def backup_commands() -> list[list[str]]:
    """The commands of the README's "Backup and restore" section, as argument lists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Backup and restore\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            argv = shlex.split(line, comments=True)
            if argv:
                assert argv[:2] == [".venv/bin/python", "manage.py"], line
                commands.append(argv[2:])
    return commands


def dumped_labels() -> set[str]:
    """The models the README's dumpdata command names."""
    (dump,) = [argv for argv in backup_commands() if argv[0] == "dumpdata"]
    parser = dumpdata.Command().create_parser("manage.py", "dumpdata")
    return set(parser.parse_args(dump[1:]).args)


def manage(argv: list[str], database_url: str, cwd: Path) -> str:
    """Run a manage.py command in its own process, on the database ``database_url`` names."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *argv],
        cwd=cwd,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{argv}: {result.stderr[-2000:]}"
    return result.stdout


def comparable(path: Path) -> list[str]:
    """A dump's rows as sorted JSON, related lists in order, so two dumps compare equal."""
    rows = []
    for row in json.loads(path.read_text(encoding="utf-8")):
        for name, value in row["fields"].items():
            if isinstance(value, list) and all(isinstance(item, list) for item in value):
                row["fields"][name] = sorted(value)
        rows.append(json.dumps(row, sort_keys=True, ensure_ascii=False))
    return sorted(rows)


@pytest.fixture
def restore_database_url(tmp_path):
    """The URL of a new, empty database of the engine under test, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    settings = connection.settings_dict
    name = f"{settings['NAME']}_restore"
    server = psycopg.connect(
        dbname="postgres",
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        autocommit=True,
    )
    server.execute(f'DROP DATABASE IF EXISTS "{name}"')
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.close()


@pytest.fixture
def worked_ledger(demo):
    """The demo ledger after every step of the 先租后供 workflow, decided by a Manager."""
    sync_roles()
    manager = get_user_model().objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.groups.set([Group.objects.get(name=MANAGER)])
    today = timezone.localdate()
    leasing = LeaseAgreement.objects.filter(status=LeaseAgreement.Status.LEASING)
    converted, remediated, reclaimed, assessed, put_right = leasing.order_by("pk")[:5]

    def assess(lease, days_ago: int, *, passing: bool):
        # Far above every target (energy, the one kept low, at nothing), or nothing at all.
        amount = 10**7 if passing else 0
        return services.record_assessment(
            lease,
            kind="term_end",
            assessed_on=today - timedelta(days=days_ago),
            assessor="县自然资源局",
            fixed_investment_wan=amount,
            tax_wan=amount,
            output_wan=amount,
            floor_area_m2=lease.parcel.area_m2 * 10 if passing else 0,
            rd_expense_wan=amount,
            energy_tce=0,
        )

    def decide(assessment, kind: str, **details):
        services.decide(
            assessment,
            kind=kind,
            decided_on=assessment.assessed_on,
            reason="考核结论",
            user=manager,
            **details,
        )

    decide(assess(converted, 30, passing=True), Decision.Kind.CONVERT, transfer_price_wan=800)
    decide(
        assess(remediated, 30, passing=False),
        Decision.Kind.REMEDIATE,
        new_deadline=today + timedelta(days=180),
    )
    decide(assess(reclaimed, 30, passing=False), Decision.Kind.RECLAIM)
    assess(assessed, 10, passing=False)
    deadline = today + timedelta(days=30)
    decide(assess(put_right, 60, passing=False), Decision.Kind.REMEDIATE, new_deadline=deadline)
    decide(assess(put_right, 10, passing=True), Decision.Kind.CONVERT, transfer_price_wan=500)
    statuses = set(LeaseAgreement.objects.values_list("status", flat=True))
    assert statuses == set(LeaseAgreement.Status.values)
    assert Decision.objects.filter(decided_by=manager).count() == 5
    assert ProjectParcel.objects.exists()


def test_it_backs_up_every_ledger_model_and_the_users_and_roles_it_refers_to():
    ledger = {model._meta.label_lower for model in LEDGER_MODELS}
    assert ledger | {"auth.user", "auth.group"} <= dumped_labels()


def test_it_restores_every_row_into_an_empty_database(
    worked_ledger, restore_database_url, tmp_path, monkeypatch
):
    commands = backup_commands()
    monkeypatch.chdir(tmp_path)
    for argv in commands:
        if argv[0] == "dumpdata":
            call_command(*argv)
        else:
            manage(argv, restore_database_url, cwd=tmp_path)
    (backup,) = tmp_path.glob("*.json")
    manager = get_user_model().objects.get(username="manager")
    assert PASSWORD not in backup.read_text(encoding="utf-8")
    assert manager.password in backup.read_text(encoding="utf-8")

    restored = tmp_path / "restored"
    restored.mkdir()
    (dump,) = [argv for argv in commands if argv[0] == "dumpdata"]
    manage(dump, restore_database_url, cwd=restored)
    before, after = comparable(backup), comparable(restored / backup.name)
    assert {json.loads(row)["model"] for row in before} == dumped_labels()
    assert after == before

    checked = manage(
        ["shell", "--no-imports", "-c", CHECK_CONSTRAINTS], restore_database_url, tmp_path
    )
    assert json.loads(checked.splitlines()[-1]) == []
