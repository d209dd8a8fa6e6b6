"""The changes the benchmark report proposes, applied at run time on a scratch database so
their effect can be measured before anyone edits the app: ``bench/run.py --proposals``.

Nothing here is app code: each change says which file it belongs in, and the report gives
the code to write there. Python changes are patched into the running process; index
changes are created in the benchmark database and dropped again when the run ends.
"""

import functools

# Indexes proposed for PostgreSQL only (SQLite cannot declare NULLS LAST in an index, and
# has no trigram index; its plain descending scan already gives the list's order).
POSTGRES_INDEXES = {
    "bench_project_landed_desc_idx": (
        "ON projects_investmentproject (landed_date DESC NULLS LAST, id DESC)"
    ),
    "bench_project_name_trgm_idx": (
        "ON projects_investmentproject USING gin (UPPER(name::text) gin_trgm_ops)"
    ),
    "bench_project_capacity_trgm_idx": (
        "ON projects_investmentproject USING gin (UPPER(capacity::text) gin_trgm_ops)"
    ),
    "bench_company_name_trgm_idx": (
        "ON projects_company USING gin (UPPER(name::text) gin_trgm_ops)"
    ),
}
# Proposed for both engines: the dashboard's count of leased manufacturing projects.
PORTABLE_INDEXES = {
    "bench_project_leased_investment_idx": (
        "ON projects_investmentproject (total_investment_wan) WHERE leased_manufacturing"
    ),
}


def apply(connection) -> list[str]:
    """Apply every proposal; return what was applied, for the report."""
    applied = [
        no_distinct_for_single_valued_choices(),
        one_aggregate_for_count_and_total(),
        cached_signatures(),
        related_text_as_subquery(),
        one_query_for_the_breakdowns(),
    ]
    applied += create_indexes(connection)
    return applied


def no_distinct_for_single_valued_choices() -> str:
    """projects/filters.py: ``checkboxes()`` and ``SectorFilter`` get ``distinct=False``.

    django-filter's MultipleChoiceFilter adds DISTINCT by default, for filters across
    many-valued relations; stage, zone, sector and sector group are single-valued, and
    DISTINCT over every selected column turned COUNT and SUM into subqueries.
    """
    import django_filters

    from projects import filters

    for filterset in (
        filters.ProjectFilterSet,
        filters.ParcelFilterSet,
        filters.ParkFilterSet,
        filters.LeaseFilterSet,
    ):
        for filter_ in filterset.base_filters.values():
            if isinstance(filter_, django_filters.MultipleChoiceFilter):
                filter_.distinct = False
    return "filters.py: MultipleChoiceFilter(distinct=False) on single-valued fields"


def one_aggregate_for_count_and_total() -> str:
    """projects/listing.py: count and total in one aggregate, the count handed to the
    paginator, so a list scans its filtered set once instead of twice."""
    from django.db.models import Count, Sum
    from django.utils.functional import cached_property

    from projects import listing

    def aggregates(self) -> dict:
        wanted = {"count": Count("pk")}
        if self.total is not None:
            wanted["total"] = Sum(self.total[0])
        return self.object_list.aggregate(**wanted)

    aggregates_property = cached_property(aggregates)
    aggregates_property.__set_name__(listing.ObjectListView, "aggregates")
    listing.ObjectListView.aggregates = aggregates_property

    original_pagination = listing.ObjectListView.get_table_pagination

    def get_table_pagination(self, table):
        pagination = original_pagination(self, table)
        if pagination is not False:
            pagination["count"] = self.aggregates["count"]
        return pagination

    listing.ObjectListView.get_table_pagination = get_table_pagination

    original_init = listing.LedgerPaginator.__init__

    def paginator_init(self, object_list, per_page, *args, count=None, **kwargs):
        original_init(self, object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # Paginator.count is a cached_property: this value wins

    listing.LedgerPaginator.__init__ = paginator_init

    def get_summary(self, table) -> dict:
        from decimal import Decimal

        summary = {"count": self.aggregates["count"]}
        if self.total is not None:
            _field, label, *conversion = self.total
            amount = Decimal(self.aggregates["total"] or 0)
            for convert in conversion:
                amount = convert(amount)
            summary.update(total=amount.quantize(listing.TWO_PLACES), total_label=label)
        return summary

    listing.ObjectListView.get_summary = get_summary
    return "listing.py: COUNT and SUM in one aggregate, count passed to the paginator"


def cached_signatures() -> str:
    """projects/apps.py ready(): cache django-tables2's signature lookups, which inspect
    the same few column methods again for every cell (jieter/django-tables2#821)."""
    from django_tables2 import utils

    if not hasattr(utils.signature, "cache_info"):
        utils.signature = functools.lru_cache(maxsize=1024)(utils.signature)
    return "apps.py: django_tables2.utils.signature cached"


def related_text_as_subquery() -> str:
    """projects/filters.py ``SearchFilter``: text in a related table (company name) as
    ``company__in=<subquery>`` rather than an OR across a join."""
    from django.db.models import Q
    from django_filters.constants import EMPTY_VALUES

    from projects.filters import SearchFilter

    def filter_(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        condition = Q()
        for field in self.fields:
            relation, _sep, column = field.rpartition("__")
            if not relation:
                condition |= Q(**{f"{field}__icontains": value})
                continue
            model = qs.model
            for step in relation.split("__"):
                model = model._meta.get_field(step).related_model
            matching = model._base_manager.filter(**{f"{column}__icontains": value})
            condition |= Q(**{f"{relation}__in": matching.values("pk")})
        return qs.filter(condition)

    SearchFilter.filter = filter_
    return "filters.py: SearchFilter matches related text through a subquery"


def one_query_for_the_breakdowns() -> str:
    """projects/dashboard.py ``Dashboard.grouped``: the six breakdowns read one grouped
    query of the same filter set and add up in Python, instead of six queries."""
    from django.db.models import Count, F, Sum
    from django.db.models.functions import TruncMonth

    from projects import dashboard

    keys = ("sector", "sector__group", "park", "source_zone", "stage")

    def grouped(self, params: dict, key) -> list[dict]:
        cache = self.__dict__.setdefault("_grouped", {})
        marker = tuple(sorted(params.items()))
        if marker not in cache:
            month = TruncMonth(f"{self.period.basis}_date")
            cache[marker] = list(
                self.matching(params)
                .values(**{f"g_{k}": F(k) for k in keys}, g_month=month)
                .annotate(count=Count("pk"), total=Sum("total_investment_wan"))
                .order_by()
            )
        name = f"g_{key}" if isinstance(key, str) else "g_month"
        totals: dict = {}
        for row in cache[marker]:
            group = totals.setdefault(row[name], {"group": row[name], "count": 0, "total": 0})
            group["count"] += row["count"]
            group["total"] += row["total"] or 0
        return sorted(totals.values(), key=lambda g: (g["group"] is None, g["group"] or 0))

    dashboard.Dashboard.grouped = grouped
    return "dashboard.py: one grouped query for the six breakdowns"


def create_indexes(connection) -> list[str]:
    indexes = dict(PORTABLE_INDEXES)
    if connection.vendor == "postgresql":
        indexes.update(POSTGRES_INDEXES)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, definition in indexes.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")  # on SQLite, statistics would change every plan
    return [f"index {name} {definition}" for name, definition in indexes.items()]


def drop_indexes(connection) -> None:
    with connection.cursor() as cursor:
        for name in (*PORTABLE_INDEXES, *POSTGRES_INDEXES):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
