#!/usr/bin/env python
"""Measure the ledger's heaviest pages on a large synthetic ledger.

    .venv/bin/python bench/run.py --projects 100000 --database-url sqlite:////tmp/bench_100k.sqlite3
    .venv/bin/python bench/run.py --projects 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_100k

The database is migrated and filled by ``generate_ledger`` unless it already holds the
ledger of that seed and size. Each page is requested through Django's test client as a
logged-in superuser, with DEBUG off, and timed from the request to the full response
(middleware, queries, rendering; no network). Beside it, the same question asked of the
Django admin's changelist and of hand-written SQL (the page's rows and its summary, the
floor any page could reach on this schema). Each page's rows, count and total are checked
against a plain ORM query first. See bench/README.md.
"""

import argparse
import csv
import io
import math
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SEED = 1
PER_PAGE = 25
ADMIN_PER_PAGE = 100
DEEP_PAGE = 2000
ADMIN = "/admin/projects/investmentproject/"
# Two characters, as most product words are: too short for a trigram index.
QUERY_TEXT = "电机"
# A word in every company's name, which the character indexes cannot narrow.
BROAD_TEXT = "有限公司"
LANDED_2024 = (date(2024, 1, 1), date(2024, 12, 31))
EXPORT_ROWS = 10_000


def configure(database_url: str) -> None:
    """Point Django at the benchmark database with production-like settings."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    for name, value in {
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }.items():
        os.environ.setdefault(name, value)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)


def refuse_unsafe_target(url: str) -> None:
    """Only scratch databases: a PostgreSQL database named bench_*, an SQLite file bench*."""
    import dj_database_url

    config = dj_database_url.parse(url)
    name = Path(config["NAME"]).name
    if not name.startswith("bench"):
        sys.exit(f"refusing {url}: the benchmark database's name must start with 'bench'")


def create_postgres_database(url: str) -> None:
    """Create the PostgreSQL database if it does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgres" not in config["ENGINE"]:
        return
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def write_results(name: str, text: str) -> None:
    """Write a table of results to ``bench/<name>``."""
    out = ROOT / "bench" / name
    out.write_text(text, encoding="utf-8")
    print(f"Written to {out.relative_to(ROOT)}")


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Timing:
    """Milliseconds of repeated runs, with the queries of one run."""

    samples: list[float]
    queries: int
    sql_ms: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)


class QueryLog(list):
    """An execute wrapper that keeps each query with its parameters and duration."""

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.append((sql, params, time.perf_counter() - started))


@dataclass
class Page:
    """One question: the page that answers it, the admin's answer and the raw SQL floor."""

    title: str
    url: str
    check: Callable
    admin_url: str | None = None
    admin_check: Callable | None = None
    raw: Callable | None = None
    repeat: int | None = None
    note: str = ""
    results: dict = field(default_factory=dict)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: sqlite:////tmp/bench_<N>.sqlite3")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument(
        "--q", default=QUERY_TEXT, help=f"free text of page 5 (default {QUERY_TEXT})"
    )
    parser.add_argument(
        "--broad-q",
        default=BROAD_TEXT,
        help=f"free text of page 9, found in most records (default {BROAD_TEXT})",
    )
    parser.add_argument("--only", help="comma-separated page numbers to run (1-based)")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE on SQLite too (PostgreSQL always gets VACUUM ANALYZE)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print each list query's plan after its page"
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:////tmp/bench_{args.projects}.sqlite3"
    refuse_unsafe_target(url)
    configure(url)
    create_postgres_database(url)

    import django

    django.setup()
    bench = Bench(args)
    bench.prepare()
    bench.run()


class Bench:
    def __init__(self, args) -> None:
        from django.db import connection

        self.args = args
        self.connection = connection
        self.engine = connection.vendor
        self.generated_in = None

    # -- the database --------------------------------------------------------------------

    def prepare(self) -> None:
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        from projects.models import AnnualTarget, InvestmentProject

        call_command("migrate", verbosity=0)
        tag = f"（示例·生成S{self.args.seed}-"
        have = InvestmentProject.objects.filter(name__contains=tag).count()
        if have == 0:
            print(f"Generating {self.args.projects:,} projects (seed {self.args.seed}) …")
            started = time.perf_counter()
            call_command("generate_ledger", projects=self.args.projects, seed=self.args.seed)
            self.generated_in = time.perf_counter() - started
        elif have != self.args.projects:
            sys.exit(
                f"The database holds {have:,} projects of seed {self.args.seed}, not "
                f"{self.args.projects:,}: use another --seed or a fresh database."
            )
        with self.connection.cursor() as cursor:
            if self.engine == "postgresql":
                # What autovacuum does soon after a bulk load: statistics for the planner,
                # and the visibility map that lets an index answer without the table.
                cursor.execute("VACUUM ANALYZE")
            elif self.args.analyze:
                cursor.execute("ANALYZE")
        # Targets for the dashboard's year, so that its targets table is measured too.
        targets = [{"unit": "county"}] + [
            {"unit": "zone", "zone": zone} for zone in ("yangtze_delta", "pearl_delta", "central")
        ]
        for unit in targets:
            AnnualTarget.objects.get_or_create(
                year=2025,
                **unit,
                defaults={"projects_100m": 1000, "funds_wan": 10_000_000, "illustrative": True},
            )
        users = get_user_model()
        user = users.objects.filter(username="bench").first() or users.objects.create_superuser(
            "bench", "bench@example.invalid", None
        )
        self.client = Client()
        self.client.force_login(user)

    # -- what is measured ------------------------------------------------------------------

    def pages(self) -> list[Page]:
        from django.db.models import F

        from projects.models import InvestmentProject, LeaseAgreement, Sector

        projects = InvestmentProject.objects.all()
        newest_first = (F("landed_date").desc(nulls_last=True), "-pk")
        sector = Sector.objects.filter(name="短途交通").first() or Sector.objects.first()
        landed_from, landed_to = LANDED_2024
        filtered = projects.filter(
            sector=sector,
            total_investment_wan__gte=10000,
            landed_date__gte=landed_from,
            landed_date__lte=landed_to,
        )
        # The landed date from which about EXPORT_ROWS projects have landed.
        landed = projects.filter(landed_date__isnull=False).order_by("-landed_date")
        total = landed.count()
        export_from = landed.values_list("landed_date", flat=True)[min(EXPORT_ROWS, total) - 1]
        lease = LeaseAgreement.objects.order_by("pk").first()
        detail = lease.project_id if lease else projects.order_by("pk").first().pk

        where_filtered = (
            "p.sector_id = %s AND p.total_investment_wan >= 10000 "
            "AND p.landed_date >= %s AND p.landed_date <= %s"
        )
        filtered_params = [sector.pk, landed_from, landed_to]
        newest_sql = "p.landed_date DESC NULLS LAST, p.id DESC"
        deep_page = min(DEEP_PAGE, max(1, math.ceil(projects.count() / PER_PAGE)))
        deep_note = (
            f"page {DEEP_PAGE} of {PER_PAGE} (offset {(DEEP_PAGE - 1) * PER_PAGE:,}); "
            f"admin: page {(DEEP_PAGE - 1) * PER_PAGE // ADMIN_PER_PAGE + 1} of "
            f"{ADMIN_PER_PAGE}, the same rows"
        )
        if deep_page < DEEP_PAGE:
            deep_note += f"; past the end, the list shows its last page ({deep_page})"
        period = {"start": "2025-01-01", "end": "2025-12-31"}

        return [
            Page(
                "Projects list, unfiltered",
                "/projects/",
                self.list_check(projects.order_by(*newest_first)),
                ADMIN,
                self.admin_check(projects),
                self.raw_list("TRUE", [], newest_sql),
            ),
            Page(
                "Filtered: sector + size=1yi + landed 2024",
                "/projects/?"
                + urlencode(
                    {
                        "sector": sector.pk,
                        "size": "1yi",
                        "landed_after": landed_from,
                        "landed_before": landed_to,
                    }
                ),
                self.list_check(filtered.order_by(*newest_first)),
                ADMIN
                + "?"
                + urlencode(
                    {
                        "sector__id__exact": sector.pk,
                        "size_tier": "1yi",
                        "landed_date__gte": landed_from,
                        "landed_date__lte": landed_to,
                    }
                ),
                self.admin_check(filtered),
                self.raw_list(where_filtered, filtered_params, newest_sql),
                note=f"sector {sector.name}",
            ),
            Page(
                "Sorted by -total_investment_wan",
                "/projects/?sort=-total_investment_wan",
                self.list_check(projects.order_by("-total_investment_wan", "-pk")),
                ADMIN + "?o=-5",
                self.admin_check(projects),
                self.raw_list("TRUE", [], "p.total_investment_wan DESC, p.id DESC"),
            ),
            Page(
                "Deep page",
                f"/projects/?page={DEEP_PAGE}",
                self.list_check(projects.order_by(*newest_first), page=deep_page),
                ADMIN + f"?p={(DEEP_PAGE - 1) * PER_PAGE // ADMIN_PER_PAGE + 1}",
                self.admin_check(projects),
                self.raw_list("TRUE", [], newest_sql, page=deep_page),
                note=deep_note,
            ),
            self.text_page(self.args.q, newest_first, newest_sql),
            Page(
                "Dashboard, year 2025",
                "/?" + urlencode(period),
                self.dashboard_check(projects),
                raw=self.raw_dashboard,
                note="no admin equivalent",
            ),
            Page(
                f"CSV export, landed from {export_from}",
                "/projects/?" + urlencode({"landed_after": export_from, "_export": "csv"}),
                self.export_check(projects.filter(landed_date__gte=export_from)),
                raw=self.raw_export(export_from),
                repeat=max(3, self.args.repeat // 3),
                note="no admin equivalent",
            ),
            Page(
                "Project detail (with parcel and lease)",
                f"/projects/{detail}/",
                self.detail_check(detail),
                f"{ADMIN}{detail}/change/",
                self.detail_check(detail, admin=True),
                self.raw_detail(detail),
            ),
            self.text_page(self.args.broad_q, newest_first, newest_sql),
        ]

    def text_page(self, text: str, newest_first: tuple, newest_sql: str) -> Page:
        """The projects list searched for ``text``, with the raw SQL of that search."""
        from django.db.models import Q

        from projects.models import InvestmentProject
        from projects.search import CHARACTER_INDEXED, CHARACTERS, COMMON_SHARE, character_shares

        found = InvestmentProject.objects.filter(
            Q(name__icontains=text) | Q(company__name__icontains=text) | Q(capacity__icontains=text)
        )
        like = f"%{text}%"
        if self.engine == "postgresql":
            # As the list searches (projects/search.py): each table's candidates come from
            # its character indexes, then the text decides; a table where the characters
            # are too common is read whole instead. Written in the list's own words: a
            # plain ``name LIKE`` would let the planner see that most companies match, and
            # it then tests each project against them one by one instead of hashing them.
            shares = character_shares(self.connection, text)

            def narrow(label: str, *columns: str) -> bool:
                indexes = CHARACTER_INDEXED[label]
                return all(shares.get(indexes[column], 0) <= COMMON_SHARE for column in columns)

            def has(column: str) -> str:
                return f"{CHARACTERS % column} @> {CHARACTERS % '%s'}"

            company_keys = "SELECT id FROM projects_company WHERE UPPER(name) LIKE UPPER(%s)"
            company_params = [like]
            if narrow("projects.company", "name"):
                company_keys += f" AND {has('name')}"
                company_params.append(text)
            where_text = (
                "(UPPER(p.name) LIKE UPPER(%s) OR UPPER(p.capacity) LIKE UPPER(%s) OR "
                f"p.company_id IN ({company_keys}))"
            )
            text_params = [like, like, *company_params]
            if narrow("projects.company", "name") and narrow(
                "projects.investmentproject", "name", "capacity"
            ):
                where_text = (
                    f"({has('p.name')} OR {has('p.capacity')} OR p.company_id = ANY(ARRAY("
                    f"SELECT id FROM projects_company WHERE {has('name')}))) AND {where_text}"
                )
                text_params = [*[text] * 3, *text_params]
        else:
            where_text = "(p.name LIKE %s OR c.name LIKE %s OR p.capacity LIKE %s)"
            text_params = [like, like, like]
        return Page(
            f"Free text q={text}",
            "/projects/?" + urlencode({"q": text}),
            self.list_check(found.order_by(*newest_first)),
            ADMIN + "?" + urlencode({"q": text}),
            self.admin_check(found),
            self.raw_list(where_text, text_params, newest_sql),
        )

    # -- checks against a plain ORM query ---------------------------------------------------

    def list_check(self, expected, page: int = 1) -> Callable:
        from django.db.models import Sum

        from projects.units import wan_to_yi

        def check(response) -> dict:
            context = response.context_data
            shown = [row.record.pk for row in context["table"].page.object_list]
            start = (page - 1) * PER_PAGE
            wanted = list(expected.values_list("pk", flat=True)[start : start + PER_PAGE])
            assert shown == wanted, f"rows differ: {shown[:5]} vs {wanted[:5]}"
            count = expected.count()
            total = wan_to_yi(expected.aggregate(x=Sum("total_investment_wan"))["x"] or 0)
            assert context["summary"]["count"] == count, (context["summary"], count)
            assert context["summary"]["total"] == total, (context["summary"], total)
            return {"pks": wanted, "count": count, "total": total}

        return check

    def admin_check(self, expected) -> Callable:
        def check(response) -> None:
            changelist = response.context_data["cl"]
            assert changelist.result_count == expected.count(), changelist.result_count

        return check

    def dashboard_check(self, projects) -> Callable:
        from django.db.models import Count, Sum

        from projects.models import FundEntry
        from projects.units import wan_to_yi

        def check(response) -> None:
            current = response.context_data["cards"]["current"]
            counted = projects.filter(
                landed_date__gte=date(2025, 1, 1),
                landed_date__lte=date(2025, 12, 31),
                total_investment_wan__gte=10000,
            )
            assert current["count"] == counted.count(), current
            total = counted.aggregate(x=Sum("total_investment_wan"))["x"] or 0
            assert current["total_yi"] == wan_to_yi(total), current
            funds = response.context_data["funds"]["current"]["all"]
            arrived = FundEntry.objects.filter(received_on__year=2025).aggregate(
                count=Count("*"), total=Sum("amount_wan")
            )
            assert funds.count == arrived["count"], funds
            assert funds.total_yi == wan_to_yi(arrived["total"] or 0), funds
            assert response.context_data["targets"] is not None

        return check

    def export_check(self, expected) -> Callable:
        def check(response) -> None:
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert len(rows) - 1 == expected.count(), (len(rows), expected.count())

        return check

    def detail_check(self, pk: int, admin: bool = False) -> Callable:
        def check(response) -> None:
            key = "original" if admin else "project"
            assert response.context_data[key].pk == pk

        return check

    # -- the floor: hand-written SQL --------------------------------------------------------

    LIST_COLUMNS = (
        "p.id, p.name, c.id, c.name, s.name, k.id, k.name, p.total_investment_wan, "
        "p.stage, p.source_zone, p.signed_date, p.landed_date, p.leased_manufacturing"
    )
    LIST_FROM = (
        "FROM projects_investmentproject p "
        "JOIN projects_company c ON c.id = p.company_id "
        "JOIN projects_sector s ON s.id = p.sector_id "
        "LEFT JOIN projects_park k ON k.id = p.park_id"
    )

    def raw_list(self, where: str, params: list, order: str, page: int = 1) -> Callable:
        """The page's rows, then its count and total in one aggregate."""
        needs_company = "c." in where
        join = "JOIN projects_company c ON c.id = p.company_id" if needs_company else ""

        def run(cursor) -> dict:
            # The page's keys first, then its rows joined: as the list reads a page.
            cursor.execute(
                f"SELECT {self.LIST_COLUMNS} {self.LIST_FROM} WHERE p.id IN ("
                f"SELECT p.id FROM projects_investmentproject p {join} WHERE {where} "
                f"ORDER BY {order} LIMIT {PER_PAGE} OFFSET {(page - 1) * PER_PAGE}"
                f") ORDER BY {order}",
                params,
            )
            pks = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT COUNT(*), SUM(p.total_investment_wan) "
                f"FROM projects_investmentproject p {join} WHERE {where}",
                params,
            )
            count, total = cursor.fetchone()
            return {"pks": pks, "count": count, "total": total, "statements": 2}

        return run

    def raw_export(self, landed_from: date) -> Callable:
        def run(cursor) -> dict:
            cursor.execute(
                f"SELECT {self.LIST_COLUMNS}, p.fixed_investment_wan, p.capacity, "
                f"p.illustrative {self.LIST_FROM} WHERE p.landed_date >= %s "
                "ORDER BY p.landed_date DESC NULLS LAST, p.id DESC",
                [landed_from],
            )
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT COUNT(*), SUM(total_investment_wan) FROM projects_investmentproject "
                "WHERE landed_date >= %s",
                [landed_from],
            )
            cursor.fetchone()
            return {"count": len(rows), "statements": 2}

        return run

    def raw_dashboard(self, cursor) -> dict:
        """The dashboard's figures for 2025: headline cards for the year and the year
        before, the leased count, six breakdowns and the two lease lists."""
        month = (
            "strftime('%%Y-%%m', p.landed_date)"
            if self.engine == "sqlite"
            else "date_trunc('month', p.landed_date)"
        )
        year = ["2025-01-01", "2025-12-31"]
        in_period = (
            "p.landed_date >= %s AND p.landed_date <= %s AND p.total_investment_wan >= 10000"
        )
        statements = [
            ("SELECT id, name, parent_id FROM projects_park", []),
            ('SELECT id, name, "group", sort_order FROM projects_sector', []),
        ]
        for start, end in (year, ["2024-01-01", "2024-12-31"]):
            statements.append(
                (
                    "SELECT COUNT(*), SUM(CASE WHEN p.total_investment_wan >= 100000 THEN 1 "
                    "ELSE 0 END), SUM(p.total_investment_wan) FROM projects_investmentproject p "
                    f"WHERE {in_period}",
                    [start, end],
                )
            )
        statements.append(
            (
                "SELECT COUNT(*) FROM projects_investmentproject p WHERE "
                "p.total_investment_wan >= 10000 AND p.leased_manufacturing "
                "AND p.landed_date IS NOT NULL",
                [],
            )
        )
        for group, join in (
            ("p.sector_id", ""),
            ('s."group"', "JOIN projects_sector s ON s.id = p.sector_id"),
            ("p.park_id", ""),
            ("p.source_zone", ""),
            ("p.stage", ""),
            (month, ""),
        ):
            statements.append(
                (
                    f"SELECT {group}, COUNT(*), SUM(p.total_investment_wan) "
                    f"FROM projects_investmentproject p {join} WHERE {in_period} "
                    f"GROUP BY {group} ORDER BY {group}",
                    year,
                )
            )
        today = date.today()
        # Dates to meet in the next 90 days, then dates passed unmet.
        for bounds in ([today, today + timedelta(days=90)], [today - timedelta(days=1)]):
            window = "BETWEEN %s AND %s" if len(bounds) == 2 else "<= %s"
            statements.append(
                (
                    "SELECT l.id, l.end_date, q.code, p.name FROM projects_leaseagreement l "
                    "JOIN projects_landparcel q ON q.id = l.parcel_id "
                    "JOIN projects_investmentproject p ON p.id = l.project_id "
                    "WHERE l.status IN ('leasing', 'assessing', 'remediation') AND ("
                    f"(l.end_date {window} AND l.status <> 'remediation') "
                    f"OR (l.start_deadline {window} AND p.started_date IS NULL) "
                    f"OR (l.completion_deadline {window} AND p.completed_date IS NULL) "
                    f"OR (l.production_deadline {window} AND p.production_date IS NULL) "
                    f"OR (l.remediation_deadline {window} AND l.status = 'remediation')) "
                    "ORDER BY l.end_date, l.id LIMIT 20",
                    bounds * 5,
                )
            )
        for statement, params in statements:
            cursor.execute(statement, params)
            cursor.fetchall()
        return {"statements": len(statements)}

    def raw_detail(self, pk: int) -> Callable:
        def run(cursor) -> dict:
            for statement in (
                f"SELECT p.*, c.name, s.name, k.name, g.name {self.LIST_FROM} "
                "LEFT JOIN projects_park g ON g.id = k.parent_id WHERE p.id = %s",
                "SELECT q.*, k.name FROM projects_landparcel q "
                "JOIN projects_projectparcel pp ON pp.parcel_id = q.id "
                "JOIN projects_park k ON k.id = q.park_id WHERE pp.project_id = %s",
                "SELECT l.*, q.code FROM projects_leaseagreement l "
                "JOIN projects_landparcel q ON q.id = l.parcel_id WHERE l.project_id = %s",
                "SELECT * FROM projects_historicalinvestmentproject WHERE id = %s "
                "ORDER BY history_date DESC LIMIT 21",
            ):
                cursor.execute(statement, [pk])
                cursor.fetchall()
            return {"statements": 4}

        return run

    # -- measuring --------------------------------------------------------------------------

    def request(self, url: str):
        from django.http import HttpResponse

        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            # An export is written while it is sent: read it whole, so that all of it is
            # timed, and keep it for the checks.
            return HttpResponse(response.getvalue(), content_type=response["Content-Type"])
        return response

    def time_requests(self, url: str, repeat: int) -> Timing:
        self.request(url)  # warm caches: templates, the first connection, the plan cache
        samples = []
        for _run in range(repeat):
            started = time.perf_counter()
            self.request(url)
            samples.append((time.perf_counter() - started) * 1000)
        # Queries are counted and timed on runs of their own, so that timing each query
        # does not weigh on the timed runs.
        sql_times, counts = [], []
        for _run in range(3):
            queries = QueryLog()
            with self.connection.execute_wrapper(queries):
                self.request(url)
            counts.append(len(queries))
            sql_times.append(sum(seconds for _sql, _params, seconds in queries) * 1000)
        self.last_queries = queries
        return Timing(samples, max(counts), statistics.median(sql_times))

    def time_raw(self, raw: Callable, repeat: int) -> tuple[Timing, dict]:
        with self.connection.cursor() as cursor:
            result = raw(cursor)
            samples = []
            for _run in range(repeat):
                started = time.perf_counter()
                raw(cursor)
                samples.append((time.perf_counter() - started) * 1000)
        return Timing(samples, result["statements"]), result

    def explain(self, queries) -> None:
        prefix = "EXPLAIN ANALYZE " if self.engine == "postgresql" else "EXPLAIN QUERY PLAN "
        with self.connection.cursor() as cursor:
            for sql, params, _seconds in queries:
                if not sql.startswith("SELECT") or "django_session" in sql or "auth_user" in sql:
                    continue
                cursor.execute(prefix + sql, params)
                print("   ", sql[:300])
                for row in cursor.fetchall():
                    print("      ", " | ".join(str(column) for column in row))

    def run(self) -> None:
        from projects.units import wan_to_yi

        pages = self.pages()
        selected = (
            {int(n) for n in self.args.only.split(",")} if self.args.only else set(range(1, 99))
        )
        for number, page in enumerate(pages, 1):
            if number not in selected:
                continue
            repeat = page.repeat or self.args.repeat
            print(f"[{number}/{len(pages)}] {page.title} …", flush=True)
            expected = page.check(self.request(page.url))
            page.results["list"] = self.time_requests(page.url, repeat)
            if self.args.explain:
                self.explain(self.last_queries)
            if page.admin_url:
                page.admin_check(self.request(page.admin_url))
                page.results["admin"] = self.time_requests(page.admin_url, repeat)
            if page.raw:
                timing, result = self.time_raw(page.raw, repeat)
                if expected and "pks" in result:
                    assert result["pks"] == expected["pks"], "raw SQL rows differ"
                    assert result["count"] == expected["count"], "raw SQL count differs"
                    raw_total = wan_to_yi(Decimal(str(result["total"] or 0)))
                    assert raw_total == expected["total"], "raw SQL total differs"
                page.results["raw"] = timing
        self.report([page for number, page in enumerate(pages, 1) if number in selected])

    # -- the report -------------------------------------------------------------------------

    def report(self, pages: list[Page]) -> None:
        from django.db import connection

        from projects.models import InvestmentProject

        def ms(value: float | None) -> str:
            if value is None:
                return "—"
            return f"{value:.1f}" if value < 100 else f"{value:.0f}"

        def cell(timing: Timing | None) -> tuple[str, str]:
            if timing is None:
                return "—", "—"
            return f"{ms(timing.median)} / {ms(timing.p95)}", str(timing.queries)

        def ratio(page: Page, other: str) -> str:
            if other not in page.results:
                return "—"
            return f"{page.results['list'].median / page.results[other].median:.1f}×"

        if self.engine == "postgresql":
            engine_version = f"PostgreSQL {connection.pg_version // 10000}"
        else:
            engine_version = f"SQLite {sqlite3.sqlite_version}"
        lines = [
            f"# Benchmark: {self.engine}, {self.args.projects:,} generated projects",
            "",
            f"- {date.today()}, {engine_version}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end",
            f"- database: {InvestmentProject.objects.count():,} projects in all; seed "
            f"{self.args.seed}"
            + (
                f"; generated in this run in {self.generated_in:.1f}s"
                if self.generated_in
                else "; reused"
            ),
            f"- DEBUG off, superuser, {self.args.repeat} timed requests per page after one "
            "warm-up (the export fewer); times in ms, median / p95 (nearest rank); "
            "queries counted on separate runs",
            "- every list page's rows, count and total were checked against a plain ORM "
            "query, the raw SQL's against the same, the admin's count too",
            "",
            "| # | page | list ms | list q | list SQL ms | admin ms | admin q | raw SQL ms "
            "| raw q | list/admin | list/raw |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for number, page in enumerate(pages, 1):
            listed = page.results["list"]
            list_ms, list_q = cell(listed)
            admin_ms, admin_q = cell(page.results.get("admin"))
            raw_ms, raw_q = cell(page.results.get("raw"))
            lines.append(
                f"| {number} | {page.title} | {list_ms} | {list_q} | {ms(listed.sql_ms)} "
                f"| {admin_ms} | {admin_q} | {raw_ms} | {raw_q} | {ratio(page, 'admin')} "
                f"| {ratio(page, 'raw')} |"
            )
        notes = [f"- {page.title}: {page.note}" for page in pages if page.note]
        if notes:
            lines += ["", "Notes:", "", *notes]
        text = "\n".join(lines) + "\n"
        # A partial run keeps the full table.
        chosen = self.args.q != QUERY_TEXT or self.args.broad_q != BROAD_TEXT
        suffix = "-partial" if self.args.only or chosen else ""
        print()
        print(text)
        write_results(f"results-{self.engine}-{self.args.projects}{suffix}.md", text)


if __name__ == "__main__":
    main()
