"""Load the demo ledger, its roles and its logins, without touching data entered since."""

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from projects.history import start_history
from projects.models import InvestmentProject
from projects.roles import EDITOR, MANAGER, VIEWER, sync_roles

# Fixture files in fixtures/, in the order their natural keys depend on each other.
DEMO_FIXTURES = [
    "staff",
    "sectors",
    "parks",
    "companies",
    "parcels",
    "projects",
    "leases",
    "departments",
    "followups",
    "problems",
    "funds",
    "targets",
    "warningrules",
]
# The demo logins: a superuser, one user per role (role None: superuser), and the demo
# staff responsible for projects (fixtures/staff.json).
DEMO_USERS = {
    "demo": None,
    "viewer": VIEWER,
    "editor": EDITOR,
    "manager": MANAGER,
    "liming": EDITOR,
    "chenjing": EDITOR,
    "zhaoqiang": EDITOR,
}


class Command(BaseCommand):
    help = (
        "Load the demo fixtures into an empty ledger, set up the roles and create the demo "
        "logins (demo, viewer, editor, manager, and the demo staff liming, chenjing, zhaoqiang)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = os.environ.get("DEMO_PASSWORD")
        if chosen:
            # The demo logins are real logins: they follow the password policy too.
            try:
                validate_password(chosen)
            except ValidationError as error:
                raise CommandError(
                    f"DEMO_PASSWORD is refused: {' '.join(error.messages)}"
                ) from None
        if InvestmentProject.objects.exists():
            self.stdout.write("The ledger already has projects: demo fixtures not loaded again.")
        else:
            call_command("loaddata", *DEMO_FIXTURES, verbosity=options["verbosity"])
            start_history(reason="示例数据")
        sync_roles()
        self.ensure_demo_users()

    def ensure_demo_users(self) -> None:
        """Create each demo login once, with the password from DEMO_PASSWORD or a generated
        one shown once; an existing login keeps its password unless DEMO_PASSWORD is set.
        The demo staff (``fixtures/staff.json``) come without passwords: a demo login among
        them gets one the first time."""
        users = get_user_model()
        chosen = os.environ.get("DEMO_PASSWORD")
        generated = secrets.token_urlsafe(12)
        for username, role in DEMO_USERS.items():
            user = users.objects.filter(username=username).first()
            if user is not None and user.has_usable_password() and not chosen:
                self.stdout.write(
                    f"User '{username}' exists; password unchanged (set DEMO_PASSWORD to reset it)."
                )
                continue
            if user is None:
                user = users(
                    username=username,
                    is_superuser=role is None,
                    is_staff=role in (None, EDITOR, MANAGER),
                )
            user.set_password(chosen or generated)
            user.save()
            if role is not None:
                user.groups.set([Group.objects.get(name=role)])
            shown = "(from DEMO_PASSWORD)" if chosen else f"{generated}  (shown once)"
            title = role or "superuser"
            self.stdout.write(self.style.SUCCESS(f"Demo login ({title}): {username} / {shown}"))
