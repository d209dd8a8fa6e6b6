#!/usr/bin/env python
"""Measure where a list page's time goes, part by part, beside the raw-SQL floor.

    .venv/bin/python bench/anatomy.py --database-url sqlite:////tmp/bench_100000.sqlite3
    .venv/bin/python bench/anatomy.py --database-url postgres://postgres@127.0.0.1:5432/bench_100k

Takes the list pages of bench/run.py (1 to 5) on a database it has filled, and the site's
frame alone (``base.html``, logged in: middleware, session, user, the navigation). Each page
is first timed plainly, then again with each part of the request timed on its own, every
part counted without the parts inside it:

- the SQL of every query;
- the ORM around it: building the queries, making rows into objects;
- the view: reading the filters, setting up the table and its pager;
- the filter panel's widgets;
- the table's rows (their cells);
- the templates (the frame, the table's head and pager, the summary);
- the rest: handling the request (middleware, session, user, URL), the test client.

Every figure is a mean, so that the parts of a page add up to its time with them timed,
which the last row gives: timing them adds its own small cost, and the machine's other
work makes two runs of the same page differ by some percent. See bench/README.md.
"""

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    BROAD_TEXT,
    QUERY_TEXT,
    SEED,
    Bench,
    configure,
    create_postgres_database,
    refuse_unsafe_target,
    write_results,
)

LIST_PAGES = range(5)  # bench/run.py's pages 1 to 5, the projects list
SQL, REST = "SQL", "request handling, test client"


class Parts:
    """Wall-clock time of the nested parts of a request, each without its inner parts."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.inner: list[float] = []

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        self.inner.append(0.0)
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.totals[name] += elapsed - self.inner.pop()
            if self.inner:
                self.inner[-1] += elapsed

    def timed(self, function: Callable, name: str) -> Callable:
        def run(*args, **kwargs):
            with self.part(name):
                return function(*args, **kwargs)

        return run

    def sql(self, execute, sql, params, many, context):
        with self.part(SQL):
            return execute(sql, params, many, context)


def instrumented(parts: Parts) -> ExitStack:
    """Patches that time each part of a list request (see the module's docstring)."""
    from django.db.models.query import QuerySet
    from django.forms.boundfield import BoundField
    from django.template.response import SimpleTemplateResponse

    from projects.lists.tables import ListTable
    from projects.lists.views import ObjectListView

    measured = [
        (QuerySet, "_fetch_all", "ORM"),
        (QuerySet, "aggregate", "ORM"),
        (ObjectListView, "get", "view: filters, table and pager set up"),
        (BoundField, "__str__", "filter panel widgets"),
        (ListTable, "body", "table rows (cells)"),
        (SimpleTemplateResponse, "render", "templates"),
    ]
    stack = ExitStack()
    for owner, attribute, name in measured:
        original = getattr(owner, attribute)
        stack.enter_context(mock.patch.object(owner, attribute, parts.timed(original, name)))
    return stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database bench/run.py filled")
    parser.add_argument("--repeat", type=int, default=200, help="requests per page and way")
    args = parser.parse_args()
    refuse_unsafe_target(args.database_url)
    configure(args.database_url)
    create_postgres_database(args.database_url)

    import django

    django.setup()
    from django.db import DatabaseError, connection
    from django.test import override_settings

    from projects.models import InvestmentProject

    try:
        projects = InvestmentProject.objects.count()
    except DatabaseError:  # not migrated yet
        projects = 0
    if not projects:
        sys.exit("The database holds no projects: fill it with bench/run.py first.")
    options = SimpleNamespace(
        projects=projects,
        seed=SEED,
        q=QUERY_TEXT,
        broad_q=BROAD_TEXT,
        analyze=False,
    )
    bench = Bench(options)
    bench.prepare()
    pages = [page for number, page in enumerate(bench.pages()) if number in LIST_PAGES]

    def plain(url: str) -> float:
        bench.request(url)
        samples = []
        for _run in range(args.repeat):
            started = time.perf_counter()
            bench.request(url)
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.mean(samples)

    def floor(page) -> float:
        with connection.cursor() as cursor:
            page.raw(cursor)
            started = time.perf_counter()
            for _run in range(args.repeat):
                page.raw(cursor)
        return (time.perf_counter() - started) * 1000 / args.repeat

    def split(url: str) -> dict[str, float]:
        parts = Parts()
        with instrumented(parts), connection.execute_wrapper(parts.sql):
            bench.request(url)
            parts.totals.clear()
            for _run in range(args.repeat):
                with parts.part(REST):
                    bench.request(url)
        return {name: seconds * 1000 / args.repeat for name, seconds in parts.totals.items()}

    with override_settings(ROOT_URLCONF="bench.urls"):
        from bench.urls import FRAME_URL

        print("The site's frame …", flush=True)
        frame = plain(FRAME_URL)
        columns = []
        for page in pages:
            print(f"{page.title} …", flush=True)
            columns.append((page, plain(page.url), split(page.url), floor(page)))
    report(bench, args, frame, columns)


def report(bench: Bench, args, frame: float, columns: list) -> None:
    def ms(value: float) -> str:
        return f"{value:.1f}"

    names = [name for name in columns[0][2] if name != REST] + [REST]
    header = "| part | " + " | ".join(page.title for page, *_rest in columns) + " |"
    lines = [
        f"# Where a list page's time goes: {bench.engine}, {bench.args.projects:,} projects",
        "",
        f"- {args.repeat} requests per page, plainly then with each part timed; mean ms "
        "per request, of each part without the parts inside it",
        f"- the site's frame alone (`base.html`, logged in): {ms(frame)} ms",
        "",
        header,
        "|---" * (len(columns) + 1) + "|",
        "| page | " + " | ".join(ms(plain) for _page, plain, *_rest in columns) + " |",
        "| raw-SQL floor | " + " | ".join(ms(floor) for *_rest, floor in columns) + " |",
        "| 3× the floor | " + " | ".join(ms(3 * floor) for *_rest, floor in columns) + " |",
    ]
    for name in names:
        cells = " | ".join(ms(parts.get(name, 0.0)) for _page, _plain, parts, _floor in columns)
        lines.append(f"| {name} | {cells} |")
    sums = " | ".join(ms(sum(parts.values())) for _page, _plain, parts, _floor in columns)
    lines.append(f"| page, with its parts timed | {sums} |")
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    write_results(f"results-anatomy-{bench.engine}-{bench.args.projects}.md", text)


if __name__ == "__main__":
    main()
