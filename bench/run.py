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
import random
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
# Enough samples for the 95th percentile to be one, not the slowest run.
MIN_ROUNDS = 40
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


def viewer_client():
    """A logged-in test client of a staff user of the Viewer role, who pays for the
    permission checks a superuser skips, and may read the admin."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from projects.roles import VIEWER, sync_roles

    sync_roles()
    user, _created = get_user_model().objects.get_or_create(
        username="bench-viewer", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name=VIEWER))
    client = Client()
    client.force_login(user)
    return client


def write_results(name: str, text: str) -> None:
    """Write a table of results to ``bench/<name>``."""
    out = ROOT / "bench" / name
    out.write_text(text, encoding="utf-8")
    print(f"Written to {out.relative_to(ROOT)}")


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class QueryLog(list):
    """An execute wrapper that keeps each query with its parameters and duration."""

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.append((sql, params, time.perf_counter() - started))


VARIANTS = ("list", "book", "admin", "raw")
VARIANT_TITLES = {
    "list": "page",
    "book": "by the book",
    "admin": f"admin ({PER_PAGE} rows)",
    "raw": "raw SQL",
}


@dataclass
class Page:
    """One question, asked of the page that answers it and, where they can answer it with
    the same rows, of its by-the-book peer (``bench/book.py``), of the Django admin and of
    hand-written SQL: ``urls`` and ``checks`` by variant, ``raw`` the SQL."""

    title: str
    urls: dict[str, str]
    checks: dict[str, Callable]
    raw: Callable | None = None
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)
    first_bytes: list[float] = field(default_factory=list)
    queries: dict[str, int] = field(default_factory=dict)
    sql_ms: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.urls["list"]

    @property
    def variants(self) -> list[str]:
        asked = [*self.urls, *(["raw"] if self.raw else [])]
        return [variant for variant in VARIANTS if variant in asked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: sqlite:////tmp/bench_<N>.sqlite3")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--rounds", type=int, default=MIN_ROUNDS, help=f"timed rounds (at least {MIN_ROUNDS})"
    )
    parser.add_argument(
        "--q", default=QUERY_TEXT, help=f"free text of a narrow search (default {QUERY_TEXT})"
    )
    parser.add_argument(
        "--broad-q",
        default=BROAD_TEXT,
        help=f"free text found in most records (default {BROAD_TEXT})",
    )
    parser.add_argument("--only", help="comma-separated page numbers to run (1-based)")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE on SQLite too (PostgreSQL always gets VACUUM ANALYZE)",
    )
    parser.add_argument("--explain", action="store_true", help="print each page's query plans once")
    args = parser.parse_args()
    if args.rounds < MIN_ROUNDS:
        sys.exit(f"at least {MIN_ROUNDS} rounds, so that the 95th percentile is one")
    url = args.database_url or f"sqlite:////tmp/bench_{args.projects}.sqlite3"
    refuse_unsafe_target(url)
    configure(url)
    create_postgres_database(url)

    import django

    django.setup()
    from django.test import override_settings

    bench = Bench(args)
    bench.prepare()
    with override_settings(ROOT_URLCONF="bench.urls"):
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
        from django.contrib import admin
        from django.core.management import call_command
        from django.db.models import F

        from projects.models import AnnualTarget, InvestmentProject, WarningRule

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
        # The demo's warning rules, as a county keeps them: the 红黄绿 card reads its
        # figures from the warnings' tally for stored rules only.
        if not WarningRule.objects.exists():
            call_command("loaddata", ROOT / "fixtures" / "warningrules.json", verbosity=0)
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
        self.client = viewer_client()
        # The admin at the list's page size and in its order, so that both show the same
        # rows (which is checked).
        projects_admin = admin.site._registry[InvestmentProject]
        projects_admin.list_per_page = PER_PAGE
        projects_admin.ordering = (F("landed_date").desc(nulls_last=True), "-pk")

    def admin_column(self, name: str, descending: bool) -> str:
        """The admin's ``o`` parameter for a column, as the admin numbers its columns for
        this user (an amount's column is a function named after its field)."""
        from django.test import override_settings

        with override_settings(ROOT_URLCONF="bench.urls"):
            shown = [
                getattr(column, "__name__", column)
                for column in self.request(ADMIN).context_data["cl"].list_display
            ]
        return ("-" if descending else "") + str(shown.index(name))

    # -- what is measured ------------------------------------------------------------------

    def pages(self) -> list[Page]:
        from django.db.models import Count, F, Q, Sum
        from django.db.models.functions import Coalesce

        from bench.urls import BOOK_URL
        from projects.lists.data import per_row
        from projects.models import Company, InvestmentProject, LandParcel, Park, Sector, SizeTier
        from projects.tables import ProjectTable

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
        lease = projects.filter(leases__isnull=False).order_by("pk").first()
        detail = (lease or projects.order_by("pk").first()).pk
        where_filtered = (
            "p.sector_id = %s AND p.total_investment_wan >= 10000 "
            "AND p.landed_date >= %s AND p.landed_date <= %s"
        )
        filtered_params = [sector.pk, landed_from, landed_to]
        newest_sql = "p.landed_date DESC NULLS LAST, p.id DESC"
        deep_page = min(DEEP_PAGE, max(1, math.ceil(projects.count() / PER_PAGE)))
        by_investment = self.admin_column("total_investment_wan", descending=True)

        def asked(title, params, rows, admin=None, book=True, raw=None, page=1, note=""):
            """A projects-list question: the list, its peers where they answer alike."""
            check = self.list_check(rows, page)
            urls = {"list": "/projects/?" + urlencode(params)}
            checks = {"list": check}
            if book:
                urls["book"] = BOOK_URL + "?" + urlencode(params)
                checks["book"] = self.rows_check(check, "table")
            if admin is not None:
                urls["admin"] = ADMIN + "?" + urlencode(admin)
                checks["admin"] = self.rows_check(check, "cl")
            return Page(title, urls, checks, raw, note)

        pages = [
            asked(
                "Projects list, unfiltered",
                {},
                projects.order_by(*newest_first),
                admin={},
                raw=self.raw_list("TRUE", [], newest_sql),
            ),
            asked(
                "Filtered: sector + size=1yi + landed 2024",
                {
                    "sector": sector.pk,
                    "size": "1yi",
                    "landed_after": landed_from,
                    "landed_before": landed_to,
                },
                filtered.order_by(*newest_first),
                admin={
                    "sector__id__exact": sector.pk,
                    "size_tier": "1yi",
                    "landed_date__gte": landed_from,
                    "landed_date__lte": landed_to,
                },
                raw=self.raw_list(where_filtered, filtered_params, newest_sql),
                note=f"sector {sector.name}",
            ),
            asked(
                "Sorted by -total_investment_wan",
                {"sort": "-total_investment_wan"},
                projects.order_by("-total_investment_wan", "-pk"),
                admin={"o": by_investment},
                raw=self.raw_list("TRUE", [], "p.total_investment_wan DESC, p.id DESC"),
            ),
            asked(
                f"Deep page {deep_page}",
                {"page": deep_page},
                projects.order_by(*newest_first),
                admin={"p": deep_page},
                raw=self.raw_list("TRUE", [], newest_sql, page=deep_page),
                page=deep_page,
                note=f"page {deep_page} of {PER_PAGE} rows (offset {(deep_page - 1) * PER_PAGE:,})",
            ),
        ]
        # The common filters one at a time: each page's count and total cover every project
        # the filter selects.
        top_park = Park.objects.filter(parent=None).order_by("-project_count", "pk").first()
        for label, params, condition in (
            ("size=1yi", {"size": "1yi"}, SizeTier.counted_q("1yi")),
            (f"sector {sector.name}", {"sector": sector.pk}, Q(sector=sector)),
            (
                f"park {top_park.name} with its sub-parks",
                {"park": top_park.pk},
                Q(park__in=Park.objects.tree().subtree(top_park.pk)),
            ),
            ("zone=yangtze_delta", {"zone": "yangtze_delta"}, Q(source_zone="yangtze_delta")),
            ("stage=started", {"stage": "started"}, Q(stage="started")),
            (
                "landed in 2024",
                {"landed_after": landed_from, "landed_before": landed_to},
                Q(landed_date__gte=landed_from, landed_date__lte=landed_to),
            ),
        ):
            pages.append(
                asked(
                    f"Filtered: {label}",
                    params,
                    projects.filter(condition).order_by(*newest_first),
                    book=False,
                )
            )
        for text in (self.args.q, self.args.broad_q):
            found = projects.filter(
                Q(name__icontains=text)
                | Q(company__name__icontains=text)
                | Q(capacity__icontains=text)
            )
            pages.append(
                asked(
                    f"Free text q={text}",
                    {"q": text},
                    found.order_by(*newest_first),
                    admin={"q": text},
                    raw=self.raw_list(*self.raw_search(text), newest_sql),
                )
            )
        # Every column a user can sort the projects by, in the order its first click gives.
        table = ProjectTable(InvestmentProject.objects.none())
        asked_already = {page.url for page in pages}
        for column in table.columns:
            order = "-" if column.column.initial_sort_descending else ""
            if not column.orderable or f"/projects/?sort={order}{column.name}" in asked_already:
                continue
            pages.append(
                Page(
                    f"Projects sorted by {order}{column.name}",
                    {"list": f"/projects/?sort={order}{column.name}"},
                    {"list": self.count_check("table", projects.count())},
                )
            )
        for basis in ("landed", "signed"):
            for size in ("1yi", "10yi", "all"):
                for label, start, end in (
                    ("year 2025", "2025-01-01", "2025-12-31"),
                    ("all years", "2000-01-01", "2026-12-31"),
                ):
                    params = {"start": start, "end": end, "basis": basis, "size": size}
                    checked = basis == "landed" and size == "1yi" and label == "year 2025"
                    pages.append(
                        Page(
                            f"Dashboard, {label}, {basis}, size={size}",
                            {"list": "/?" + urlencode(params)},
                            {"list": self.dashboard_check(projects) if checked else answered},
                            raw=self.raw_dashboard if checked else None,
                        )
                    )
        # Each total worked out afresh from the records, not read from the stored columns.
        companies = Company.objects.annotate(
            fresh_project_count=Count("projects"),
            fresh_investment_wan=Sum("projects__total_investment_wan"),
        )
        # One subquery each: joining both to the parks would pair every project with every
        # parcel of its park.
        parks = Park.objects.annotate(
            fresh_project_count=Coalesce(per_row(InvestmentProject.objects, "park", Count("*")), 0),
            fresh_parcel_count=Coalesce(per_row(LandParcel.objects, "park", Count("*")), 0),
        )
        for listing, found, sort in (
            ("companies", companies, "investment_wan"),
            ("companies", companies, "project_count"),
            ("parks", parks, "project_count"),
            ("parks", parks, "parcel_count"),
        ):
            fresh = F(f"fresh_{sort}")
            pages.append(
                Page(
                    f"{listing.capitalize()} sorted by -{sort}",
                    {"list": f"/{listing}/?sort=-{sort}"},
                    {
                        "list": self.totals_check(
                            found.order_by(fresh.desc(nulls_last=True), "-pk"), sort
                        )
                    },
                )
            )
        largest_park = Park.objects.annotate(n=Count("projects")).order_by("-n", "pk").first()
        largest_company = Company.objects.annotate(n=Count("projects")).order_by("-n", "pk").first()
        pages += [
            Page(
                "Largest park's page",
                {"list": f"/parks/{largest_park.pk}/"},
                {"list": self.detail_check("park", largest_park.pk)},
                note=f"{largest_park.n:,} projects of its own",
            ),
            Page(
                "Largest company's page",
                {"list": f"/companies/{largest_company.pk}/"},
                {"list": self.detail_check("company", largest_company.pk)},
                note=f"{largest_company.n:,} projects",
            ),
        ]
        for basis in ("landed", "signed"):
            # The date from which about EXPORT_ROWS projects have reached this stage.
            dated = projects.filter(**{f"{basis}_date__isnull": False})
            newest = dated.order_by(f"-{basis}_date").values_list(f"{basis}_date", flat=True)
            since = newest[min(EXPORT_ROWS, dated.count()) - 1]
            export_url = "/projects/?" + urlencode({f"{basis}_after": since, "_export": "csv"})
            pages.append(
                Page(
                    f"CSV export, {basis} from {since}",
                    {"list": export_url},
                    {"list": self.export_check(projects.filter(**{f"{basis}_date__gte": since}))},
                    raw=self.raw_export(basis, since),
                )
            )
        pages += [
            Page(
                "Leases due within 90 days",
                {"list": "/leases/?due_within=90"},
                {"list": answered},
            ),
            Page(
                "Project detail (with parcel and lease)",
                {"list": f"/projects/{detail}/", "admin": f"{ADMIN}{detail}/change/"},
                {
                    "list": self.detail_check("project", detail),
                    "admin": self.detail_check("original", detail),
                },
                raw=self.raw_detail(detail),
            ),
        ]
        return pages

    def raw_search(self, text: str) -> tuple[str, list]:
        """The WHERE clause of a free-text search in SQL, with its parameters."""
        from projects.search import CHARACTER_INDEXED, CHARACTERS, COMMON_SHARE, character_shares

        like = f"%{text}%"
        if self.engine != "postgresql":
            return (
                "(p.name LIKE %s OR c.name LIKE %s OR p.capacity LIKE %s)",
                [like, like, like],
            )
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
        return where_text, text_params

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
            check.expected = {"pks": wanted, "count": count, "total": total}  # type: ignore[attr-defined]
            return check.expected  # type: ignore[attr-defined]

        return check

    def rows_check(self, listed: Callable, context_key: str) -> Callable:
        """A peer's check: the same rows as the list's, in the same order, and as many."""

        def check(response) -> None:
            found = response.context_data[context_key]
            if context_key == "cl":  # the admin's changelist
                shown, count = [row.pk for row in found.result_list], found.result_count
            else:
                shown = [row.record.pk for row in found.page.object_list]
                count = found.paginator.count
            expected = listed.expected  # type: ignore[attr-defined]
            assert shown == expected["pks"], f"rows differ: {shown[:5]} vs {expected['pks'][:5]}"
            assert count == expected["count"], (count, expected["count"])

        return check

    def totals_check(self, expected, sort: str) -> Callable:
        """A list sorted by a stored total: the first page's rows, in order, and each
        row's total, as a fresh count of the records gives them, and as many rows."""

        def check(response) -> None:
            table = response.context_data["table"]
            shown = [(row.record.pk, getattr(row.record, sort)) for row in table.page.object_list]
            wanted = list(expected.values_list("pk", f"fresh_{sort}")[:PER_PAGE])
            assert shown == wanted, f"rows differ: {shown[:3]} vs {wanted[:3]}"
            assert table.paginator.count == expected.count(), table.paginator.count

        return check

    def count_check(self, context_key: str, expected: int) -> Callable:
        def check(response) -> None:
            count = response.context_data[context_key].paginator.count
            assert count == expected, (count, expected)

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
            # The breakdowns read from the tallies, against the rows grouped here.
            entries = FundEntry.objects.filter(received_on__year=2025)
            for table, rows, key, amount in (
                (
                    response.context_data["tables"][0],
                    counted,
                    "sector__name",
                    "total_investment_wan",
                ),
                (
                    response.context_data["funds_tables"][0],
                    entries,
                    "project__sector__name",
                    "amount_wan",
                ),
            ):
                grouped = rows.values(key).annotate(n=Count("*"), total=Sum(amount)).order_by()
                plain = {row[key]: (row["n"], wan_to_yi(row["total"] or 0)) for row in grouped}
                shown = {item.label: (item.count, item.total_yi) for item in table.figures}
                assert shown == plain, (table.title, shown, plain)

        return check

    def export_check(self, expected) -> Callable:
        def check(response) -> None:
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert len(rows) - 1 == expected.count(), (len(rows), expected.count())

        return check

    def detail_check(self, context_key: str, pk: int) -> Callable:
        def check(response) -> None:
            assert response.context_data[context_key].pk == pk

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

    def raw_export(self, basis: str, since: date) -> Callable:
        column = f"p.{basis}_date"

        def run(cursor) -> dict:
            cursor.execute(
                f"SELECT {self.LIST_COLUMNS}, p.fixed_investment_wan, p.capacity, "
                f"p.illustrative {self.LIST_FROM} WHERE {column} >= %s "
                # In the list's order, whatever the filter.
                "ORDER BY p.landed_date DESC NULLS LAST, p.id DESC",
                [since],
            )
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT COUNT(*), SUM(total_investment_wan) FROM projects_investmentproject p "
                f"WHERE {column} >= %s",
                [since],
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
            # An export is written while it is sent: read it whole, and keep it for the
            # checks.
            return HttpResponse(response.getvalue(), content_type=response["Content-Type"])
        return response

    def timed(self, page: Page, variant: str) -> None:
        """Ask ``page`` of ``variant`` once, timing it; of an export also its first byte."""
        started = time.perf_counter()
        if variant == "raw":
            with self.connection.cursor() as cursor:
                page.raw(cursor)  # type: ignore[misc]
        else:
            response = self.client.get(page.urls[variant])
            assert response.status_code == 200, (page.urls[variant], response.status_code)
            if response.streaming:
                chunks = iter(response.streaming_content)
                next(chunks, b"")
                page.first_bytes.append((time.perf_counter() - started) * 1000)
                for _chunk in chunks:
                    pass
        page.samples.setdefault(variant, []).append((time.perf_counter() - started) * 1000)

    def check(self, page: Page) -> None:
        """Check every variant's answer against a plain ORM query (and the raw SQL's rows,
        count and total against the list's), and count each variant's queries and their
        time on a second request, warm as the timed ones are, so that timing each query
        weighs on no timed run."""
        from projects.units import wan_to_yi

        expected = None
        for variant in page.variants:
            if variant == "raw":
                with self.connection.cursor() as cursor:
                    result = page.raw(cursor)  # type: ignore[misc]
                page.queries[variant] = result["statements"]
                continue
            found = page.checks[variant](self.request(page.urls[variant]))
            expected = expected or found
            queries = QueryLog()
            with self.connection.execute_wrapper(queries):
                self.request(page.urls[variant])
            page.queries[variant] = len(queries)
            page.sql_ms[variant] = sum(seconds for _sql, _params, seconds in queries) * 1000
            if variant == "list" and self.args.explain:
                self.explain(queries)
        if page.raw and expected and "pks" in result:
            assert result["pks"] == expected["pks"], "raw SQL rows differ"
            assert result["count"] == expected["count"], "raw SQL count differs"
            raw_total = wan_to_yi(Decimal(str(result["total"] or 0)))
            assert raw_total == expected["total"], "raw SQL total differs"

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
        pages = self.pages()
        if self.args.only:
            chosen = {int(n) for n in self.args.only.split(",")}
            pages = [page for number, page in enumerate(pages, 1) if number in chosen]
        for number, page in enumerate(pages, 1):
            print(f"[{number}/{len(pages)}] checking {page.title} …", flush=True)
            self.check(page)
        # Every round asks every variant of every page once, in a new random order, so
        # that the machine's drift falls on all of them alike.
        work = [(page, variant) for page in pages for variant in page.variants]
        shuffle = random.Random(self.args.seed)
        self.load = [os.getloadavg()[0]]
        for round_number in range(1, self.args.rounds + 1):
            shuffle.shuffle(work)
            for page, variant in work:
                self.timed(page, variant)
            if round_number % 10 == 0:
                print(f"round {round_number}/{self.args.rounds}", flush=True)
        self.load.append(os.getloadavg()[0])
        self.report(pages)

    # -- the report -------------------------------------------------------------------------

    def report(self, pages: list[Page]) -> None:
        from projects.models import InvestmentProject

        def ms(value: float) -> str:
            return f"{value:.1f}" if value < 100 else f"{value:.0f}"

        def cell(samples: list[float] | None) -> str:
            if not samples:
                return "—"
            return f"{ms(statistics.median(samples))} / {ms(percentile(samples, 0.95))}"

        def ratio(page: Page, other: str) -> str:
            if other not in page.samples:
                return "—"
            ours = statistics.median(page.samples["list"])
            return f"{ours / statistics.median(page.samples[other]):.2f}×"

        if self.engine == "postgresql":
            engine_version = f"PostgreSQL {self.connection.pg_version // 10000}"
        else:
            engine_version = f"SQLite {sqlite3.sqlite_version}"
        peers = [variant for variant in VARIANTS if variant != "list"]
        lines = [
            f"# Benchmark: {self.engine}, {self.args.projects:,} generated projects",
            "",
            f"- {date.today()}, {engine_version}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs; load average {self.load[0]:.2f} before the timed rounds, "
            f"{self.load[1]:.2f} after",
            f"- database: {InvestmentProject.objects.count():,} projects in all; seed "
            f"{self.args.seed}"
            + (
                f"; generated in this run in {self.generated_in:.1f}s"
                if self.generated_in
                else "; reused"
            ),
            f"- DEBUG off, a staff user of the Viewer role; {self.args.rounds} rounds, each "
            "asking every variant of every page once in a new random order; times in ms, "
            "median / p95 (nearest rank); queries (q) and the page's time in them (SQL ms) "
            "counted on a request of their own",
            "- every variant's rows, count and total were checked first against a plain ORM "
            "query, the peers' rows against the page's; exports: time to the first byte "
            "and to the last",
            "",
            "| # | page | page ms | q | SQL ms | "
            + " | ".join(f"{VARIANT_TITLES[v]} ms | q" for v in peers)
            + " | page ÷ book | page ÷ admin | page ÷ raw | first byte ms |",
            "|---|---|---|---|---|" + "---|---|" * len(peers) + "---|---|---|---|",
        ]
        for number, page in enumerate(pages, 1):
            cells = [
                cell(page.samples.get("list")),
                str(page.queries["list"]),
                ms(page.sql_ms["list"]),
            ]
            for variant in peers:
                cells += [cell(page.samples.get(variant)), str(page.queries.get(variant, "—"))]
            ratios = [ratio(page, variant) for variant in ("book", "admin", "raw")]
            lines.append(
                f"| {number} | {page.title} | "
                + " | ".join([*cells, *ratios, cell(page.first_bytes)])
                + " |"
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


def answered(response) -> None:
    """A page whose answer is checked only by its status (200, which every request
    asserts): its figures are another page's, checked there."""


if __name__ == "__main__":
    main()
