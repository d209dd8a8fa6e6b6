"""Load the demo ledger and make sure the demo login exists, without touching entered data."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from projects.models import InvestmentProject

# Fixture files in fixtures/, in the order their natural keys depend on each other.
DEMO_FIXTURES = ["sectors", "parks", "companies", "parcels", "projects", "leases"]
DEMO_USERNAME = "demo"


class Command(BaseCommand):
    help = "Load the demo fixtures into an empty ledger and create the demo superuser."

    def handle(self, *args, **options) -> None:
        if InvestmentProject.objects.exists():
            self.stdout.write("The ledger already has projects: demo fixtures not loaded again.")
        else:
            call_command("loaddata", *DEMO_FIXTURES, verbosity=options["verbosity"])
        self.ensure_demo_user()

    def ensure_demo_user(self) -> None:
        """Create the demo superuser once; its password comes from DEMO_PASSWORD or is generated."""
        users = get_user_model()
        chosen = os.environ.get("DEMO_PASSWORD")
        user = users.objects.filter(username=DEMO_USERNAME).first()
        if user is not None and not chosen:
            self.stdout.write(
                f"User '{DEMO_USERNAME}' exists; password unchanged "
                "(set DEMO_PASSWORD to reset it)."
            )
            return
        if user is None:
            user = users(username=DEMO_USERNAME, is_staff=True, is_superuser=True)
        password = chosen or secrets.token_urlsafe(12)
        user.set_password(password)
        user.save()
        shown = "(from DEMO_PASSWORD)" if chosen else f"{password}  (shown once)"
        self.stdout.write(self.style.SUCCESS(f"Demo login: {DEMO_USERNAME} / {shown}"))
