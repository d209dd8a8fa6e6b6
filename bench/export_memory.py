#!/usr/bin/env python
"""Measure the time and the memory of a large list export, read as a client reads it.

    .venv/bin/python bench/export_memory.py --database-url sqlite:////tmp/bench_100k.sqlite3
    .venv/bin/python bench/export_memory.py --rows 10000 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_1m

Requests ``/projects/?landed_after=<date>&_export=csv`` (or xlsx), the date chosen so that
about ``--rows`` projects, never more than the export cap, have landed since, through
Django's test client as a logged-in superuser with the benchmark's production settings. The
response is read chunk by chunk and nothing of it kept. Reports the time from the request to
the last byte and the growth of the process's peak resident set size (``ru_maxrss``) over
that request. A peak once reached hides any lower one, so each size is measured in a process
of its own, after one small export that loads what any export needs. See bench/README.md.
"""

import argparse
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import configure, refuse_unsafe_target  # noqa: E402


def peak_rss_mib() -> float:
    """The peak resident set size of this process so far (Linux counts ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a benchmark database, bench*")
    parser.add_argument("--rows", type=int, default=50_000, help="about how many rows to export")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()
    refuse_unsafe_target(args.database_url)
    configure(args.database_url)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from projects.lists.export import ListExport
    from projects.models import InvestmentProject

    landed = InvestmentProject.objects.filter(landed_date__isnull=False).order_by("-landed_date")
    total = landed.count()
    if not total:
        sys.exit("The database holds no landed projects: fill it with bench/run.py first.")
    wanted = min(args.rows, total, ListExport.row_limit)
    since = landed.values_list("landed_date", flat=True)[wanted - 1]
    if landed.filter(landed_date__gte=since).count() > ListExport.row_limit:
        since += timedelta(days=1)  # the projects landed that day would pass the cap
    expected = landed.filter(landed_date__gte=since).count()
    newest = landed.values_list("landed_date", flat=True)[0]

    users = get_user_model()
    user = users.objects.filter(username="bench").first() or users.objects.create_superuser(
        "bench", "bench@example.invalid", None
    )
    client = Client()
    client.force_login(user)

    def export(landed_after) -> tuple[int, int]:
        """Bytes and CSV lines received (lines only count for CSV)."""
        query = urlencode({"landed_after": landed_after, "_export": args.format})
        response = client.get(f"/projects/?{query}")
        if response.status_code != 200 or not response.streaming:
            sys.exit(f"/projects/?{query} gave {response.status_code}, not a streamed file")
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\r\n")
        return size, lines

    export(newest)
    before = peak_rss_mib()
    started = time.perf_counter()
    size, lines = export(since)
    seconds = time.perf_counter() - started
    after = peak_rss_mib()
    if args.format == "csv" and lines - 1 != expected:
        sys.exit(f"The export has {lines - 1:,} rows, the database {expected:,}.")
    print(
        f"{connection.vendor}, {total:,} landed projects: {args.format} export of "
        f"{expected:,} rows (landed from {since}) in {seconds:.2f} s, "
        f"{size / 2**20:.1f} MiB sent; peak RSS {before:.0f} → {after:.0f} MiB "
        f"(+{after - before:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
