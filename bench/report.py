#!/usr/bin/env python
"""Time the monthly report's PDF of January–April 2025 on the demo ledger.

    .venv/bin/python bench/report.py --database-url sqlite:////tmp/bench_report.sqlite3

The database (a scratch one, named bench*; a PostgreSQL one is created if missing) is
migrated and given the demo ledger if it has no projects. The PDF is requested
``--repeat`` times through Django's test client as a logged-in superuser with the
benchmark's production settings, after one warm-up request; each request counts the
figures and draws the PDF. The same number of times, the two parts are then timed apart:
counting the figures (``content.build``) and drawing the PDF (``render.pdf``). Prints the
median, the fastest and the slowest, in seconds, as the Markdown table of
bench/results-report-*.md.
"""

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import configure, create_postgres_database, refuse_unsafe_target  # noqa: E402

URL = "/reports/monthly.pdf?start=2025-01-01&end=2025-04-30"


def timed(action, repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - began)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a benchmark database, bench*")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each, at least 10")
    args = parser.parse_args()
    if args.repeat < 10:
        sys.exit("--repeat must be at least 10")
    refuse_unsafe_target(args.database_url)
    create_postgres_database(args.database_url)
    configure(args.database_url)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from projects.dashboard import Period
    from projects.management.commands.load_demo import DEMO_FIXTURES
    from projects.models import InvestmentProject
    from projects.reports import content, render

    call_command("migrate", verbosity=0)
    if not InvestmentProject.objects.exists():
        call_command("loaddata", *DEMO_FIXTURES, verbosity=0)
    user, _created = get_user_model().objects.get_or_create(
        username="bench-report", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    def request() -> None:
        response = client.get(URL)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")

    request()  # warm-up: templates, fonts, stylesheets
    period = Period(date(2025, 1, 1), date(2025, 4, 30))
    report = content.build(period)
    rows = {
        "request (figures and PDF)": timed(request, args.repeat),
        "figures (content.build)": timed(lambda: content.build(period), args.repeat),
        "PDF (render.pdf)": timed(lambda: render.pdf(report, "http://testserver/"), args.repeat),
    }
    print(f"{URL}, {args.repeat} runs each, seconds")
    print("| part | median | fastest | slowest |")
    print("| --- | --- | --- | --- |")
    for name, seconds in rows.items():
        print(
            f"| {name} | {statistics.median(seconds):.2f} | {min(seconds):.2f} "
            f"| {max(seconds):.2f} |"
        )


if __name__ == "__main__":
    main()
