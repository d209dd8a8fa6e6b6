"""Import a CSV or XLSX sheet into the ledger from the shell, all rows or none."""

from pathlib import Path
from typing import Any

import tablib
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from projects.resources import SHEET_RESOURCES
from projects.sheet_rows import SheetResult


def read_sheet(path: Path) -> tablib.Dataset:
    """The sheet's rows under its first row of headers; a CSV may start with a BOM."""
    if path.suffix.lower() == ".xlsx":
        return tablib.Dataset().load(path.read_bytes(), format="xlsx")
    if path.suffix.lower() == ".csv":
        return tablib.Dataset().load(path.read_text(encoding="utf-8-sig"), format="csv")
    raise CommandError(f"{path.name}: only .csv and .xlsx sheets can be imported")


def problems(result: SheetResult) -> list[str]:
    """Why the sheet is refused as a whole (its headers), then every refused row, as
    'row N, column: reason', in row order (the header row is row 1)."""
    if result.base_errors:
        return [str(error.error) for error in result.base_errors]
    return [
        f"row {row.number}, {column}: {reason}" if column else f"row {row.number}: {reason}"
        for row in result.refused_rows()
        for column, reason in row.reasons
    ]


class Command(BaseCommand):
    help = (
        "Import a sheet of projects, or of any other kind the admin imports (--kind), with "
        "the headers the exports write. Nothing is imported if any row is wrong; --dry-run "
        "only checks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--kind",
            choices=sorted(SHEET_RESOURCES),
            default="projects",
            help="what the sheet holds, named by the address of the list that exports it",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the sheet, change nothing"
        )

    def handle(self, *args: Any, file: Path, kind: str, dry_run: bool, **options: Any) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        dataset = read_sheet(file)
        total = len(dataset)

        def progress(done: int) -> None:
            if done % 100 == 0 or done == total:
                self.stderr.write(
                    f"\r{kind}: {done}/{total} rows", ending="\n" if done == total else ""
                )
                self.stderr.flush()

        resource = SHEET_RESOURCES[kind](progress=progress, show_changes=False)
        # All rows or none: a sheet with any refused row leaves the ledger as it was.
        with transaction.atomic():
            result = resource.import_data(dataset, dry_run=dry_run, raise_errors=False)
            refused = problems(result)
            if refused:
                transaction.set_rollback(True)
        if refused:
            self.stderr.write("\n".join(refused))
            raise CommandError(f"{len(refused)} problem(s) in {file.name}: nothing was imported")
        totals = result.totals
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{file.name}: {totals['new']} new, {totals['update']} updated, "
            f"{totals['skip']} unchanged {kind} {verb} imported"
        )
