#!/usr/bin/env python
"""Time a sheet of new projects through the admin's import and `import_ledger`.

    .venv/bin/python bench/import_sheet.py --database-url sqlite:////tmp/bench_import.sqlite3
    .venv/bin/python bench/import_sheet.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bench_import

The database (created if need be) is migrated, and the demo ledger loaded if it is empty.
Each repeat writes two CSV sheets of N new projects (default 10,000) that reference the
demo's sectors, parks and companies, a tenth of them new companies, and times: the admin's
preview of the first (every row checked, nothing saved) and its confirmation (every row
checked again and imported), through Django's test client as a logged-in superuser with
DEBUG off; then `import_ledger` on the second sheet (every row created) and on the same
sheet again (every row unchanged). Results go to bench/results-import-<engine>-<N>.md.
See bench/README.md.
"""

import argparse
import csv
import io
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    configure,
    create_postgres_database,
    refuse_unsafe_target,
    write_results,
)

ADMIN_IMPORT = "/admin/projects/investmentproject/import/"
ADMIN_CONFIRM = "/admin/projects/investmentproject/process_import/"
HEADERS = [
    "项目名称",
    "企业",
    "产业",
    "园区",
    "总投资（亿元）",
    "阶段",
    "来源区域",
    "签约日期",
    "落地日期",
    "示例数据",
]
STEPS = {
    "preview": "admin: preview (checked, nothing saved)",
    "confirm": "admin: confirm (checked again, imported)",
    "command": "`import_ledger`, new rows",
    "again": "`import_ledger`, the same sheet again (unchanged)",
}
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


def write_sheet(path: Path, rows: int, seed: int) -> None:
    """A CSV of ``rows`` new projects, named after the seed so each sheet's rows are new."""
    from projects.models import Company, Park, Sector

    rng = random.Random(seed)
    sectors = list(Sector.objects.values_list("name", flat=True))
    parks = list(Park.objects.values_list("name", flat=True))
    companies = list(Company.objects.filter(illustrative=False).values_list("name", flat=True))
    zones = ["长三角", "珠三角", "中部地区", "省内"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for number in range(rows):
            company = (
                f"导入测试企业{seed}-{number:05d}（示例）"
                if number % 10 == 0
                else rng.choice(companies)
            )
            year = rng.randint(2018, 2025)
            writer.writerow(
                [
                    f"导入测试项目{seed}-{number:05d}（示例）",
                    company,
                    rng.choice(sectors),
                    rng.choice(parks),
                    f"{rng.lognormvariate(0, 1):.4f}",
                    "落地",
                    rng.choice(zones),
                    f"{year}-0{rng.randint(1, 6)}-1{rng.randint(0, 9)}",
                    f"{year}年{rng.randint(7, 12)}月{rng.randint(1, 28)}日",
                    "是",
                ]
            )


def timed(step, *args) -> float:
    """Seconds that ``step(*args)`` took."""
    started = time.perf_counter()
    step(*args)
    return time.perf_counter() - started


class AdminImport:
    """The admin's two steps, as a browser takes them, each checked for its outcome."""

    def __init__(self, rows: int) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        users = get_user_model()
        user = users.objects.filter(username="bench").first() or users.objects.create_superuser(
            "bench", "bench@example.invalid", None
        )
        self.client = Client()
        self.client.force_login(user)
        self.rows = rows
        self.confirmation: dict[str, str] = {}

    def preview(self, sheet: Path) -> None:
        with sheet.open("rb") as upload:
            response = self.client.post(
                ADMIN_IMPORT, {"import_file": upload, "format": "0", "resource": "0"}
            )
        page = response.content.decode()
        self.confirmation = dict(HIDDEN_INPUT.findall(page.split(ADMIN_CONFIRM)[-1]))
        if response.status_code != 200 or "import_file_name" not in self.confirmation:
            sys.exit(f"The preview gave {response.status_code} without a confirmation form.")

    def confirm(self, sheet: Path) -> None:
        from projects.models import InvestmentProject

        before = InvestmentProject.objects.count()
        response = self.client.post(ADMIN_CONFIRM, self.confirmation)
        added = InvestmentProject.objects.count() - before
        if response.status_code != 302 or added != self.rows:
            sys.exit(f"The confirmation gave {response.status_code} and {added:,} new projects.")


def command(sheet: Path, expected: str) -> None:
    """`import_ledger` on the sheet, which must report ``expected``."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("import_ledger", str(sheet), stdout=out, stderr=io.StringIO())
    if expected not in out.getvalue():
        sys.exit(f"import_ledger said {out.getvalue()!r}, not {expected!r}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a benchmark database, bench*")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each step")
    args = parser.parse_args()
    refuse_unsafe_target(args.database_url)
    configure(args.database_url)
    create_postgres_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from projects.history import start_history
    from projects.management.commands.load_demo import DEMO_FIXTURES
    from projects.models import InvestmentProject

    call_command("migrate", verbosity=0)
    if not InvestmentProject.objects.exists():
        call_command("loaddata", *DEMO_FIXTURES, verbosity=0)
        start_history(reason="示例数据")
    admin = AdminImport(args.rows)
    seconds: dict[str, list[float]] = {step: [] for step in STEPS}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.repeat):
            # Seeds no earlier run of this database used, so every row is new.
            seed = args.seed * 1000 + 2 * run + InvestmentProject.objects.count()
            first, second = Path(folder) / "admin.csv", Path(folder) / "command.csv"
            write_sheet(first, args.rows, seed)
            write_sheet(second, args.rows, seed + 1)
            seconds["preview"].append(timed(admin.preview, first))
            seconds["confirm"].append(timed(admin.confirm, first))
            seconds["command"].append(timed(command, second, f"{args.rows} new"))
            seconds["again"].append(timed(command, second, f"{args.rows} unchanged"))
            print(
                f"run {run + 1}: "
                + ", ".join(f"{step} {times[-1]:.1f} s" for step, times in seconds.items()),
                flush=True,
            )

    engine = connection.vendor
    if engine == "postgresql":
        engine_version = f"PostgreSQL {connection.pg_version // 10000}"
    else:
        engine_version = f"SQLite {sqlite3.sqlite_version}"
    lines = [
        f"# Import benchmark: {engine}, sheets of {args.rows:,} new projects",
        "",
        f"- {date.today()}, {engine_version}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end",
        f"- database: the demo ledger, {InvestmentProject.objects.count():,} projects at the end",
        f"- DEBUG off, superuser; {args.repeat} runs of each step, a new sheet each run; "
        "times in s, median (min–max)",
        "",
        "| step | s |",
        "|---|---|",
        *(
            f"| {title} | {statistics.median(seconds[step]):.1f} "
            f"({min(seconds[step]):.1f}–{max(seconds[step]):.1f}) |"
            for step, title in STEPS.items()
        ),
    ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    write_results(f"results-import-{engine}-{args.rows}.md", text)


if __name__ == "__main__":
    main()
