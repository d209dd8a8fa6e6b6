"""Import boundaries of parcels and parks from GeoJSON or a zipped Shapefile, all or none."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects import boundaries

# How often, in features written, the command says how far it is.
PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = (
        "Import boundaries from a GeoJSON file or a zipped Shapefile (with its .prj), "
        "matching parcels by code (property code or 地块编号) and parks by name (name, "
        "园区 or 名称). Nothing is imported if any feature is wrong; --dry-run only checks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check the file, change nothing")

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            features = boundaries.read_file(file.name, data, limit=None)
        except boundaries.BoundaryFileError as error:
            raise CommandError(f"{file.name}: {error}") from None
        self.stdout.write(f"{file.name}: {len(features)} features read.")

        def progress(done: int, total: int) -> None:
            if done % PROGRESS_EVERY == 0 or done == total:
                self.stdout.write(f"{done}/{total} boundaries written")

        result = boundaries.import_features(features, dry_run=dry_run, progress=progress)
        if result.errors:
            for number, reason in result.errors:
                self.stderr.write(f"feature {number}: {reason}")
            raise CommandError(
                f"{len(result.errors)} of {len(features)} features refused: nothing imported."
            )
        parcels = sum(1 for row in result.rows if isinstance(row.record, boundaries.LandParcel))
        parks = len(result.rows) - parcels
        for row in result.rows:
            if row.area_mismatch:
                self.stdout.write(
                    f"feature {row.number}: {row.record} is drawn {row.area_m2} m², "
                    f"recorded {row.recorded_m2} m²"
                )
        verb = "would be imported (dry run)" if dry_run else "imported"
        self.stdout.write(
            self.style.SUCCESS(f"Boundaries of {parcels} parcels and {parks} parks {verb}.")
        )
