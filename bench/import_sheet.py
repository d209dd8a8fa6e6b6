"""Time `import_ledger` on a generated sheet of new projects (default 10,000 rows).

Run from the project root against a scratch database, never the real one:

    DATABASE_URL=sqlite:////tmp/bench-import.sqlite3 .venv/bin/python bench/import_sheet.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import \\
        .venv/bin/python bench/import_sheet.py

It migrates the database, loads the demo ledger if it is empty, writes a CSV of N projects
that reference the demo's sectors, parks and companies (a tenth of them new companies), and
imports it twice: once new (every row created), once again (every row unchanged).
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinyun_tracker.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from projects.models import Company, InvestmentProject, Park, Sector  # noqa: E402

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


def write_sheet(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    sectors = list(Sector.objects.values_list("name", flat=True))
    parks = list(Park.objects.values_list("name", flat=True))
    companies = list(Company.objects.values_list("name", flat=True))
    zones = ["长三角", "珠三角", "中部地区", "省内"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for number in range(rows):
            company = (
                f"导入测试企业{number:05d}（示例）" if number % 10 == 0 else rng.choice(companies)
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


def timed_import(path: Path) -> float:
    start = time.perf_counter()
    call_command("import_ledger", str(path))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not InvestmentProject.objects.exists():
        call_command(
            "loaddata", "sectors", "parks", "companies", "parcels", "projects", verbosity=0
        )
    with tempfile.TemporaryDirectory() as folder:
        sheet = Path(folder) / "projects.csv"
        write_sheet(sheet, options.rows, options.seed)
        first = timed_import(sheet)
        again = timed_import(sheet)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{engine}: {options.rows} rows imported in {first:.1f} s", end="; ")
    print(f"re-imported unchanged in {again:.1f} s")


if __name__ == "__main__":
    main()
