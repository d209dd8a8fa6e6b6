#!/usr/bin/env python
"""Measure the pages of an earlier commit beside today's, in one interleaved run.

    .venv/bin/python bench/before_after.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bench_100k --before 3537a41

The earlier commit is checked out into a scratch worktree (its translations compiled), and
each checkout is served by its own gunicorn, as production serves it (one sync worker,
DEBUG off), from the same database, which bench/run.py must have filled. Every round asks
both servers for every page once, in a new random order, as a staff user of the Viewer
role, so that the machine's drift falls on both alike; the first round is not counted.
Before timing, each page must answer 200 on both and, for a list, link to the same records
in the same order, or, where the later commit sorts the list otherwise, to other records
(marked in the results). Results go to bench/results-before-after-<engine>-<N>.md. See
bench/README.md.
"""

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    LANDED_2024,
    percentile,
    refuse_unsafe_target,
    viewer_client,
    write_results,
)
from bench.throughput import (  # noqa: E402
    FORWARDED_HTTPS,
    fetch,
    free_port,
    gunicorn,
    ledger_size,
    server_environment,
    wait_until_healthy,
)

VARIANTS = ("before", "after")
RECORD_LINK = re.compile(r'href="(/(?:projects|parks|parcels|companies|leases)/\d+/)"')


def pages() -> list[tuple[str, str]]:
    """(title, path) of the pages a user reaches most: every list, the filtered, sorted,
    deep and searched projects list, the companies and parks sorted by their totals, two
    record pages, the dashboard for a year, part of a year and all years, and a year's
    funds in place."""
    from projects.models import LeaseAgreement, Park, Sector

    sector = Sector.objects.filter(name="短途交通").first() or Sector.objects.first()
    landed_from, landed_to = LANDED_2024
    filtered = {
        "sector": sector.pk,
        "size": "1yi",
        "landed_after": landed_from,
        "landed_before": landed_to,
    }
    lease = LeaseAgreement.objects.order_by("pk").first()
    park = Park.objects.order_by("pk").first()
    found = [
        ("Projects list", "/projects/"),
        ("Projects: sector + size=1yi + landed 2024", "/projects/?" + urlencode(filtered)),
        ("Projects: size=1yi", "/projects/?size=1yi"),
        ("Projects: zone=yangtze_delta", "/projects/?zone=yangtze_delta"),
        ("Projects: stage=started", "/projects/?stage=started"),
        (
            "Projects: landed 2024",
            "/projects/?" + urlencode({"landed_after": landed_from, "landed_before": landed_to}),
        ),
        ("Projects: sorted by -total_investment_wan", "/projects/?sort=-total_investment_wan"),
        ("Projects: page 2000", "/projects/?page=2000"),
        ("Projects: q=电机", "/projects/?q=%E7%94%B5%E6%9C%BA"),
        ("Parks list", "/parks/"),
        ("Parcels list", "/parcels/"),
        ("Companies list", "/companies/"),
        ("Companies: sorted by -investment_wan", "/companies/?sort=-investment_wan"),
        ("Companies: sorted by -project_count", "/companies/?sort=-project_count"),
        ("Parks: sorted by -project_count", "/parks/?sort=-project_count"),
        ("Leases list", "/leases/"),
        ("Dashboard, 2025", "/?start=2025-01-01&end=2025-12-31"),
        ("Dashboard, January to April 2025", "/?start=2025-01-01&end=2025-04-30"),
        ("Dashboard, all years", "/?start=2000-01-01&end=2026-12-31"),
        ("Funds in place, 2025", "/funds/?date_after=2025-01-01&date_before=2025-12-31"),
    ]
    if lease:
        found.append(
            ("A project's page (with a parcel and a lease)", f"/projects/{lease.project_id}/")
        )
    if park:
        found.append(("A park's page", f"/parks/{park.pk}/"))
    return found


def checkout(commit: str, folder: Path) -> Path:
    """The commit in a scratch worktree, with its translations compiled as `make` would."""
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), commit],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    for catalogue in folder.glob("projects/locale/*/LC_MESSAGES/django.po"):
        subprocess.run(
            ["msgfmt", "-o", str(catalogue.with_suffix(".mo")), str(catalogue)], check=True
        )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database filled by bench/run.py")
    parser.add_argument("--before", required=True, help="the earlier commit")
    parser.add_argument("--after", help="the later commit (default: this checkout as it is)")
    parser.add_argument("--rounds", type=int, default=60, help="timed rounds (at least 40)")
    parser.add_argument(
        "--only", help="the pages whose titles hold one of these texts, e.g. Projects,Funds"
    )
    args = parser.parse_args()
    refuse_unsafe_target(args.database_url)
    if args.rounds < 40:
        sys.exit("at least 40 rounds, so that the 95th percentile is not the maximum")
    if shutil.which("msgfmt") is None:
        sys.exit("msgfmt is missing: run `make messages` once (it installs gettext)")
    os.environ.update(server_environment(args.database_url))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.conf import settings

    engine, projects = ledger_size(args.database_url)
    session = viewer_client().cookies[settings.SESSION_COOKIE_NAME].value
    headers = [f"Cookie: {settings.SESSION_COOKIE_NAME}={session}", FORWARDED_HTTPS]
    wanted = None if args.only is None else args.only.split(",")
    asked = [page for page in pages() if wanted is None or any(text in page[0] for text in wanted)]
    before_commit = subprocess.run(
        ["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    after_commit = subprocess.run(
        ["git", "rev-parse", "--short", args.after or "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    load_before = os.getloadavg()

    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        codes = {"before": checkout(args.before, scratch / "before"), "after": ROOT}
        if args.after:
            codes["after"] = checkout(args.after, scratch / "after")
        for code in codes.values():
            if code != ROOT:
                stack.callback(
                    subprocess.run,
                    ["git", "worktree", "remove", "--force", str(code)],
                    cwd=ROOT,
                    capture_output=True,
                )
        ports = {}
        for variant, code in codes.items():
            log = Path(f"/tmp/bench-before-after-{variant}.log")
            port = free_port()
            server = stack.enter_context(gunicorn(1, port, code, log))
            wait_until_healthy(server, port, log)
            ports[variant] = port

        reordered = set()
        for title, path in asked:
            shown = {}
            for variant in VARIANTS:
                status, location, body = fetch(ports[variant], path, headers)
                if status != 200:
                    sys.exit(f"{variant}: {path} answered {status} {location}".rstrip())
                shown[variant] = RECORD_LINK.findall(body)
            is_list = path.split("?")[0].count("/") == 2  # /projects/, not a record or /
            if is_list and shown["before"] != shown["after"]:
                if set(shown["before"]) == set(shown["after"]) or not shown["before"]:
                    sys.exit(f"{title}: the two commits link to different records")
                # Another order by design (parcel codes in natural order): said in the table.
                reordered.add(path)

        samples = {(path, variant): [] for _title, path in asked for variant in VARIANTS}
        for number in range(args.rounds + 1):
            order = [(path, variant) for _title, path in asked for variant in VARIANTS]
            random.shuffle(order)
            for path, variant in order:
                started = time.perf_counter()
                status, _location, _body = fetch(ports[variant], path, headers)
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200:
                    sys.exit(f"{variant}: {path} answered {status}")
                if number:
                    samples[path, variant].append(elapsed)
            if number % 10 == 0:
                print(f"round {number}/{args.rounds}", flush=True)
    load_after = os.getloadavg()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f}"

    lines = [
        f"# Before and after: {engine}, {projects:,} projects",
        "",
        f"- before: {before_commit}; after: {after_commit}; each served by gunicorn (1 sync "
        "worker, DEBUG off) from the same database, over HTTP on 127.0.0.1",
        f"- {args.rounds} interleaved rounds (random order each round, the first not counted), "
        "as a staff user of the Viewer role; median / 95th percentile, ms, as the client saw it",
        f"- {os.cpu_count()} CPUs; load average before: {load_before[0]:.2f}, after: "
        f"{load_after[0]:.2f}",
        "",
        "| page | before | after | after ÷ before (medians) |",
        "|---|---|---|---|",
    ]
    for title, path in asked:
        old_ms, new_ms = samples[path, "before"], samples[path, "after"]
        ratio = statistics.median(new_ms) / statistics.median(old_ms)
        mark = " †" if path in reordered else ""
        lines.append(f"| {title}{mark} | {ms(old_ms)} | {ms(new_ms)} | {ratio:.2f}× |")
    if reordered:
        lines += ["", "† the two commits sort this list differently, so its page shows other rows"]
    text = "\n".join(lines) + "\n"
    print(text)
    suffix = f"-{before_commit}-{after_commit}" if args.after else ""
    if args.only:
        suffix += "-partial"  # never replaces a table of every page
    write_results(f"results-before-after-{engine}-{projects}{suffix}.md", text)


if __name__ == "__main__":
    main()
