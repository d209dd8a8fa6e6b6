"""Create or update the Viewer, Editor and Manager groups; safe to run any number of times."""

from typing import Any

from django.core.management.base import BaseCommand

from projects.roles import sync_roles


class Command(BaseCommand):
    help = "Create the Viewer, Editor and Manager groups and set their permissions."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in sync_roles().items():
            self.stdout.write(f"{name}: {count} permissions")
