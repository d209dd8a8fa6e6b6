#!/usr/bin/env python
"""Measure a list page beside its by-the-book peer and the Django admin, like with like.

    .venv/bin/python bench/peer.py --projects 100000
    .venv/bin/python bench/peer.py --projects 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_100k

For each question, three pages give the same 25 rows in the same order, which is checked
first: the projects list (``/projects/``), the same list written by the book
(``bench/book.py``: django-tables2 and django-filter as documented, cell by cell) and the
Django admin's changelist, set to 25 rows a page. They are requested through Django's test
client as a staff user of the Viewer role (who pays for the permission checks a superuser
skips), with DEBUG off. Every round requests every page of every question once, in a new
random order, so that the machine's drift falls on all of them alike; the first round is
not counted. The database is filled as ``bench/run.py`` fills it. See bench/README.md.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    ADMIN,
    BROAD_TEXT,
    QUERY_TEXT,
    SEED,
    Bench,
    configure,
    create_postgres_database,
    percentile,
    refuse_unsafe_target,
    write_results,
)

VARIANTS = ("list", "book", "admin")
LANDED_2024 = (date(2024, 1, 1), date(2024, 12, 31))


@dataclass
class Question:
    """One question, asked of each page: its URLs and the queryset of its rows."""

    title: str
    urls: dict[str, str]
    rows: object
    samples: dict[str, list[float]] = field(default_factory=lambda: {v: [] for v in VARIANTS})
    queries: dict[str, int] = field(default_factory=dict)


def questions(text: str, admin_column) -> list[Question]:
    """Questions whose order puts no empty value first, so the admin gives the same rows.
    ``admin_column`` gives the admin's ``o`` parameter of a column, for this user."""
    from django.db.models import Q

    from bench.urls import BOOK_URL
    from projects.models import InvestmentProject, Sector

    projects = InvestmentProject.objects.all()
    sector = Sector.objects.filter(name="短途交通").first() or Sector.objects.first()
    landed_from, landed_to = LANDED_2024

    def asked(title: str, params: dict, admin: dict, rows) -> Question:
        return Question(
            title,
            {
                "list": "/projects/?" + urlencode(params),
                "book": BOOK_URL + "?" + urlencode(params),
                "admin": ADMIN + "?" + urlencode(admin),
            },
            rows,
        )

    found = Q(name__icontains=text) | Q(company__name__icontains=text)
    found |= Q(capacity__icontains=text)
    return [
        asked(
            "sorted by investment, descending",
            {"sort": "-total_investment_wan"},
            {"o": admin_column("total_investment_wan", descending=True)},
            projects.order_by("-total_investment_wan", "-pk"),
        ),
        asked(
            "sector + 亿元以上 + landed 2024, newest first",
            {
                "sector": sector.pk,
                "size": "1yi",
                "landed_after": landed_from,
                "landed_before": landed_to,
            },
            {
                "sector__id__exact": sector.pk,
                "size_tier": "1yi",
                "landed_date__gte": landed_from,
                "landed_date__lte": landed_to,
                "o": admin_column("landed_date", descending=True),
            },
            projects.filter(
                sector=sector,
                total_investment_wan__gte=10000,
                landed_date__range=LANDED_2024,
            ).order_by("-landed_date", "-pk"),
        ),
        asked(
            f"q={text}, sorted by investment",
            {"q": text, "sort": "-total_investment_wan"},
            {"q": text, "o": admin_column("total_investment_wan", descending=True)},
            projects.filter(found).order_by("-total_investment_wan", "-pk"),
        ),
    ]


def shown_rows(variant: str, response) -> list[int]:
    if variant == "admin":
        return [project.pk for project in response.context_data["cl"].result_list]
    return [row.record.pk for row in response.context_data["table"].page.object_list]


def viewer_client(bench: Bench):
    """A logged-in client of a staff user in the Viewer role."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from projects.roles import VIEWER, sync_roles

    sync_roles()
    users = get_user_model()
    user, _created = users.objects.get_or_create(
        username="bench-viewer", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name=VIEWER))
    client = Client()
    client.force_login(user)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: sqlite:////tmp/bench_<N>.sqlite3")
    parser.add_argument("--rounds", type=int, default=60, help="timed rounds (at least 40)")
    parser.add_argument("--q", default=QUERY_TEXT)
    args = parser.parse_args()
    if args.rounds < 40:
        sys.exit("at least 40 rounds, so that the 95th percentile is one")
    url = args.database_url or f"sqlite:////tmp/bench_{args.projects}.sqlite3"
    refuse_unsafe_target(url)
    configure(url)
    create_postgres_database(url)

    import django

    django.setup()
    from django.contrib import admin
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from projects.models import InvestmentProject

    options = argparse.Namespace(
        projects=args.projects, seed=SEED, q=args.q, broad_q=BROAD_TEXT, analyze=False
    )
    bench = Bench(options)
    bench.prepare()
    # The admin at the list's page size, so that both show the same rows.
    admin.site._registry[InvestmentProject].list_per_page = 25

    with override_settings(ROOT_URLCONF="bench.urls"):
        client = viewer_client(bench)
        # The admin numbers its columns as it shows them to this user (no action checkbox
        # for a user who may not delete).
        # An amount's column is a function named after its field (shown in 亿元).
        shown_columns = [
            getattr(column, "__name__", column)
            for column in client.get(ADMIN).context_data["cl"].list_display
        ]

        def admin_column(name: str, descending: bool) -> str:
            return ("-" if descending else "") + str(shown_columns.index(name))

        asked = questions(args.q, admin_column)

        def get(url: str):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        for question in asked:  # the same rows, and a first request to warm every cache
            wanted = list(question.rows.values_list("pk", flat=True)[:25])
            assert wanted, question.title
            for variant, page in question.urls.items():
                with CaptureQueriesContext(connection) as queries:
                    response = get(page)
                question.queries[variant] = len(queries)
                shown = shown_rows(variant, response)
                assert shown == wanted, (question.title, variant, shown[:5], wanted[:5])
        load_before = os.getloadavg()
        work = [(question, variant) for question in asked for variant in VARIANTS]
        shuffle = random.Random(SEED)
        for round_number in range(args.rounds + 1):
            shuffle.shuffle(work)
            for question, variant in work:
                started = time.perf_counter()
                get(question.urls[variant])
                if round_number:  # the first round is not counted
                    question.samples[variant].append((time.perf_counter() - started) * 1000)
        load_after = os.getloadavg()
    report(bench, args, asked, load_before, load_after)


def report(bench: Bench, args, asked: list[Question], before, after) -> None:
    def ms(samples: list[float]) -> str:
        return f"{statistics.median(samples):.1f} / {percentile(samples, 0.95):.1f}"

    def ratio(question: Question, other: str) -> str:
        ours = statistics.median(question.samples["list"])
        return f"{ours / statistics.median(question.samples[other]):.2f}×"

    lines = [
        f"# Like with like: {bench.engine}, {args.projects:,} projects",
        "",
        f"- {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"- {args.rounds} interleaved rounds (random order each round, the first not "
        "counted), as a staff user of the Viewer role; median / 95th percentile, ms; "
        "queries per request",
        f"- load average before: {before[0]:.2f}, after: {after[0]:.2f}",
        "",
        "| question | list | by the book | admin (25 rows) | list ÷ book | list ÷ admin |",
        "|---|---|---|---|---|---|",
    ]
    for question in asked:
        cells = [f"{ms(question.samples[v])} ({question.queries[v]} q)" for v in VARIANTS]
        lines.append(
            f"| {question.title} | {' | '.join(cells)} | "
            f"{ratio(question, 'book')} | {ratio(question, 'admin')} |"
        )
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    write_results(f"results-peer-{bench.engine}-{args.projects}.md", text)


if __name__ == "__main__":
    main()
