"""Write the monthly report (招商月报) of a period to a PDF or XLSX file, for a scheduled job."""

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from projects.reports import content, render
from projects.reports.views import ReportForm

FORMATS = (".pdf", ".xlsx")


class Command(BaseCommand):
    help = (
        "Write the monthly report of a period, counted by landed (default) or signed date, "
        "as the file named by -o: a .pdf or an .xlsx."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--basis", default="landed", choices=["landed", "signed"])
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
        )
        parser.add_argument("-o", "--output", required=True, type=Path, help="a .pdf or .xlsx")
        parser.add_argument(
            "--site-url",
            default="http://127.0.0.1:8000/",
            help="the address staff open the tracker at, which the PDF's links point to",
        )

    def handle(
        self,
        *args: Any,
        start: str,
        end: str,
        basis: str,
        language: str,
        output: Path,
        site_url: str,
        **options: Any,
    ) -> None:
        if output.suffix.lower() not in FORMATS:
            raise CommandError(f"{output}: the file must end in .pdf or .xlsx")
        form = ReportForm({"start": start, "end": end, "basis": basis}, timezone.localdate())
        if not form.is_valid():
            errors = "; ".join(
                f"--{name}: {' '.join(str(message) for message in messages)}"
                for name, messages in form.errors.items()
            )
            raise CommandError(errors)
        began = time.perf_counter()
        with translation.override(language):
            self.stdout.write("Counting the figures…")
            report = content.build(form.period())
            if output.suffix.lower() == ".pdf":
                self.stdout.write("Drawing the PDF…")
                data = render.pdf(report, site_url)
            else:
                data = render.xlsx(report)
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(f"{output}: {error.strerror}") from None
        seconds = time.perf_counter() - began
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {output} ({len(data):,} bytes) in {seconds:.1f} s.")
        )
