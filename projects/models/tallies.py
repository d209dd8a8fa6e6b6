"""The projects, and the funds in place, counted by the values their lists are most often
filtered by, kept by the database.

The projects list shows the count and total investment of every project its filters
select, not only of the page. Worked out from the projects, that reads the whole filtered
set: at a few million projects, longer than the page may take. ``ProjectTally`` holds one
row for each combination of sector, park, source zone, stage, size band and the years
landed and signed that some project has, with the number of those projects and their
total. Database triggers bring it up to date in the statement that changes a project,
whichever way it comes (a form, the admin, an import, ``loaddata``, a queryset's
``update()``, plain SQL; ``generate_ledger`` makes it from its rows at its end: ``kept``),
so a count read from it is exact: the list's filters that it can express are answered by
adding up its rows, the others by the projects.

``FundTally`` does the same for the funds in place, which the dashboard adds up by the
project's sector, park, source zone and owner: one row for each day, origin (省外 or not)
and value of one of those four, so that a breakdown by any of them reads a few rows a day
instead of joining a period's entries to their projects.

Totals are held in hundredths of 万元 as integers, so that SQLite, which adds decimals as
floating point numbers, adds them exactly too. A key that a project may lack (no park, not
landed or signed yet) is stored as 0.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Expression, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from projects.models.projects import SizeTier
from projects.models.totals import statement_triggers

PROJECTS = "projects_investmentproject"
TALLY = "projects_projecttally"
FUNDS = "projects_fundentry"
FUND_TALLY = "projects_fundtally"
HUNDRED = Decimal(100)
# The tally's key: the columns a row of it stands for.
KEYS = ("sector", "park", "zone", "stage", "band", "landed_year", "signed_year")


class ProjectTallyQuerySet(models.QuerySet):
    def figures(self, *groups: str) -> list[dict]:
        """The count and total investment (万元, None for no project) of the projects
        these tally rows stand for, and of those of 10亿元以上 (``count_1b``,
        ``total_1b``), as the lists' aggregates give them: in all, or for each value of
        the tally's columns ``groups`` (each in its row), those without projects left
        out."""
        large = Q(band__in=SizeTier.counted_bands(SizeTier.FROM_1B))
        sums = {
            "n": Sum("count"),
            "cents": Sum("total_cents"),
            "n_1b": Sum("count", filter=large),
            "cents_1b": Sum("total_cents", filter=large),
        }
        if groups:
            rows = [row for row in self.values(*groups).annotate(**sums).order_by() if row["n"]]
        else:
            rows = [self.aggregate(**sums)]
        return [
            {
                **{group: row[group] for group in groups},
                "count": row["n"] or 0,
                "total": cents_to_wan(row["n"], row["cents"]),
                "count_1b": row["n_1b"] or 0,
                "total_1b": cents_to_wan(row["n_1b"], row["cents_1b"]),
            }
            for row in rows
        ]


class ProjectTally(models.Model):
    """The number and total investment of the projects sharing these values, written by
    the database alone."""

    sector = models.IntegerField(_("产业"), editable=False)
    park = models.IntegerField(_("园区"), editable=False)
    zone = models.CharField(_("来源区域"), max_length=20, editable=False)
    stage = models.CharField(_("阶段"), max_length=20, editable=False)
    band = models.CharField(_("投资规模"), max_length=10, editable=False)
    landed_year = models.SmallIntegerField(_("落地年份"), editable=False)
    signed_year = models.SmallIntegerField(_("签约年份"), editable=False)
    count = models.BigIntegerField(_("项目数"), editable=False)
    total_cents = models.BigIntegerField(_("总投资（百元）"), editable=False)

    objects = ProjectTallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目统计")
        verbose_name_plural = _("项目统计")
        # A year's rows, as the dashboard reads them, from an index alone.
        indexes = [
            models.Index(
                fields=[year, "band"],
                include=[
                    key for key in (*KEYS, "count", "total_cents") if key not in (year, "band")
                ],
                name=f"projecttally_{year}_idx",
            )
            for year in ("landed_year", "signed_year")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=KEYS,
                name="projecttally_key",
                violation_error_message=_("每组项目的统计只有一行。"),
            )
        ]

    def __str__(self) -> str:
        return " · ".join(str(getattr(self, key)) for key in KEYS)


# The project's columns the funds in place are counted by, each in rows of its own, with
# the value they hold there when they are not the one counted by.
DIMENSIONS = {
    "sector": ("p.sector_id", "0"),
    "park": ("COALESCE(p.park_id, 0)", "0"),
    "zone": ("p.source_zone", "''"),
    "owner": ("COALESCE(p.owner_id, 0)", "0"),
}
FUND_KEYS = ("dimension", "day", "outside", *DIMENSIONS)


class FundTallyQuerySet(models.QuerySet):
    def figures(self, group: str | Expression | None = None) -> list[dict]:
        """The count and total (万元, None for no entry) of the entries these tally rows
        stand for, and of those from outside the province (``outside_count`` and
        ``outside_total``): in all, or for each value of ``group`` (``group`` in each
        row), those without any entries left out."""
        sums = {
            "n": Sum("count"),
            "cents": Sum("total_cents"),
            "outside_n": Sum("count", filter=Q(outside=True)),
            "outside_cents": Sum("total_cents", filter=Q(outside=True)),
        }
        if group is None:
            rows = [self.aggregate(**sums)]
        else:
            expression = F(group) if isinstance(group, str) else group
            grouped = self.values(group=expression).annotate(**sums).order_by("group")
            rows = [row for row in grouped if row["n"]]
        return [
            {
                **({"group": row["group"]} if group is not None else {}),
                "count": row["n"] or 0,
                "total": cents_to_wan(row["n"], row["cents"]),
                "outside_count": row["outside_n"] or 0,
                "outside_total": cents_to_wan(row["outside_n"], row["outside_cents"]),
            }
            for row in rows
        ]


def cents_to_wan(count: int | None, cents: int | None) -> Decimal | None:
    """A tally's total in 万元, None where it counts nothing, as a list's sum gives it."""
    if not count or cents is None:
        return None
    return Decimal(cents) / HUNDRED


class FundTally(models.Model):
    """The number and total of the funds in place of one day and origin whose projects
    share one value of one of ``DIMENSIONS`` (the others hold their neutral value),
    written by the database alone."""

    class Dimension(models.TextChoices):
        SECTOR = "sector", _("产业")
        PARK = "park", _("园区")
        ZONE = "zone", _("来源区域")
        OWNER = "owner", _("项目责任人")

    dimension = models.CharField(
        _("统计口径"), max_length=10, choices=Dimension.choices, editable=False
    )
    day = models.DateField(_("到位日期"), editable=False)
    outside = models.BooleanField(_("省外资金"), editable=False)
    sector = models.IntegerField(_("产业"), editable=False)
    park = models.IntegerField(_("园区"), editable=False)
    zone = models.CharField(_("来源区域"), max_length=20, editable=False)
    owner = models.IntegerField(_("项目责任人"), editable=False)
    count = models.BigIntegerField(_("笔数"), editable=False)
    total_cents = models.BigIntegerField(_("到位金额（百元）"), editable=False)

    objects = FundTallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("到位资金统计")
        verbose_name_plural = _("到位资金统计")
        constraints = [
            models.UniqueConstraint(
                fields=FUND_KEYS,
                name="fundtally_key",
                violation_error_message=_("每组到位资金的统计只有一行。"),
            )
        ]

    def __str__(self) -> str:
        return " · ".join(str(getattr(self, key)) for key in FUND_KEYS)


def band_sql(amount: str) -> str:
    """The size band (a ``SizeTier`` value) of an amount in 万元, '' for none."""
    whens = sorted(
        ((lower, tier) for tier, (lower, _upper) in SizeTier.bounds_wan().items()),
        key=lambda pair: (pair[0] is not None, pair[0] or 0),
        reverse=True,
    )
    cases = "".join(
        f" WHEN {amount} >= {lower} THEN '{tier}'" for lower, tier in whens if lower is not None
    )
    lowest = next(tier for lower, tier in whens if lower is None)
    return f"CASE WHEN {amount} IS NULL THEN ''{cases} ELSE '{lowest}' END"


@dataclass(frozen=True)
class Upserts:
    """Adding counts and totals to a tally (``table``, keyed by ``keys``) on one database."""

    vendor: str
    table: str
    keys: tuple[str, ...]

    def cents(self, amount: str) -> str:
        if self.vendor == "postgresql":
            return f"COALESCE(ROUND({amount} * 100)::bigint, 0)"
        return f"COALESCE(CAST(ROUND({amount} * 100) AS INTEGER), 0)"

    def upsert(self, select: str) -> str:
        """Add the counts and totals that ``select`` gives for each key to the tally."""
        columns = ", ".join((*self.keys, "count", "total_cents"))
        return (
            f"INSERT INTO {self.table} ({columns}) {select} "
            f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET "
            f"count = {self.table}.count + excluded.count, "
            f"total_cents = {self.table}.total_cents + excluded.total_cents"
        )


@dataclass(frozen=True)
class TallySQL(Upserts):
    """The projects' tally's statements and triggers on one database."""

    table: str = TALLY
    keys: tuple[str, ...] = KEYS

    def year(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"COALESCE(EXTRACT(YEAR FROM {column})::integer, 0)"
        return f"COALESCE(CAST(strftime('%Y', {column}) AS INTEGER), 0)"

    def key_of(self, row: str) -> list[str]:
        """The tally's key of the project row ``row``, in the order of ``KEYS``."""
        return [
            f"{row}.sector_id",
            f"COALESCE({row}.park_id, 0)",
            f"{row}.source_zone",
            f"{row}.stage",
            band_sql(f"{row}.total_investment_wan"),
            self.year(f"{row}.landed_date"),
            self.year(f"{row}.signed_date"),
        ]

    def grouped(self, tables: dict[str, str]) -> str:
        """The change to each key that the rows of ``tables`` (table to sign) make."""
        named = ", ".join(
            f"{key} AS {name}" for key, name in zip(self.key_of("r"), KEYS, strict=True)
        )
        changes = " UNION ALL ".join(
            f"SELECT {named}, "
            f"{sign}1 AS n, {sign}{self.cents('r.total_investment_wan')} AS cents FROM {table} r"
            for table, sign in tables.items()
        )
        keys = ", ".join(KEYS)
        # WHERE true: SQLite needs it to read the ON CONFLICT that follows as the upsert's.
        return (
            f"SELECT {keys}, SUM(n), SUM(cents) FROM ({changes}) c WHERE true GROUP BY {keys} "
            f"HAVING SUM(n) <> 0 OR SUM(cents) <> 0 ORDER BY {keys}"
        )

    def create_sql(self) -> list[str]:
        """The tally of the projects as the ledger now stands, then its triggers."""
        return [self.upsert(self.grouped({PROJECTS: ""})), *self.triggers()]

    def triggers(self) -> list[str]:
        if self.vendor == "postgresql":
            return self.postgresql()
        return self.sqlite()

    def postgresql(self) -> list[str]:
        """Statement triggers: one upsert a statement, over its transition tables, so a
        bulk insert of thousands of projects changes each tally row once."""
        return statement_triggers(TALLY, PROJECTS, lambda tables: self.upsert(self.grouped(tables)))

    def sqlite(self) -> list[str]:
        """Row triggers, SQLite having no others: take the old row off its tally row,
        add the new one. Taking off only updates a row there is: ``flush`` may empty the
        tally before the projects."""

        def added(row: str) -> str:
            keys = ", ".join(self.key_of(row))
            cents = self.cents(f"{row}.total_investment_wan")
            return self.upsert(f"SELECT {keys}, 1, {cents} WHERE true")

        def taken(row: str) -> str:
            match = " AND ".join(
                f"{name} = {key}" for name, key in zip(KEYS, self.key_of(row), strict=True)
            )
            cents = self.cents(f"{row}.total_investment_wan")
            return (
                f"UPDATE {TALLY} SET count = count - 1, total_cents = total_cents - {cents} "
                f"WHERE {match}"
            )

        bodies = {
            "insert": [added("NEW")],
            "update": [taken("OLD"), added("NEW")],
            "delete": [taken("OLD")],
        }
        return [
            f"CREATE TRIGGER {TALLY}_{event} AFTER {event.upper()} ON {PROJECTS} BEGIN "
            + " ".join(f"{statement};" for statement in body)
            + " END"
            for event, body in bodies.items()
        ]

    def drop_sql(self) -> list[str]:
        """The triggers dropped and the tally emptied."""
        events = ("insert", "update", "delete")
        if self.vendor != "postgresql":
            return [*(f"DROP TRIGGER {TALLY}_{event}" for event in events), f"DELETE FROM {TALLY}"]
        return [
            *(f"DROP TRIGGER {TALLY}_{event} ON {PROJECTS}" for event in events),
            f"DROP FUNCTION {TALLY}()",
            f"DELETE FROM {TALLY}",
        ]


# A fund entry's columns, and a project's, as a table of one row in a SQLite row trigger.
ENTRY_COLUMNS = ("project_id", "received_on", "amount_wan", "outside_province")
PROJECT_COLUMNS = ("id", "sector_id", "park_id", "source_zone", "owner_id")


def row_table(row: str, columns: tuple[str, ...]) -> str:
    return "(SELECT " + ", ".join(f"{row}.{column} AS {column}" for column in columns) + ")"


@dataclass(frozen=True)
class FundTallySQL(Upserts):
    """The funds' tally's statements and triggers on one database: an entry is counted
    while both it and its project are there, so the entries' triggers count an entry
    with its project, and the projects' triggers the entries of a project that comes,
    goes, or moves to another sector, park, zone or owner."""

    table: str = FUND_TALLY
    keys: tuple[str, ...] = FUND_KEYS

    def changes(self, pairs: list[tuple[str, str, str]]) -> str:
        """The change to each key that the entries (``f``) of each of ``pairs`` (entries,
        projects, sign), joined to their projects (``p``), make."""
        selects = []
        for entries, projects, sign in pairs:
            for dimension, (counted, _neutral) in DIMENSIONS.items():
                values = ", ".join(
                    f"{counted if name == dimension else neutral} AS {name}"
                    for name, (_counted, neutral) in DIMENSIONS.items()
                )
                selects.append(
                    f"SELECT '{dimension}' AS dimension, f.received_on AS day, "
                    f"f.outside_province AS outside, {values}, {sign}1 AS n, "
                    f"{sign}{self.cents('f.amount_wan')} AS cents "
                    f"FROM {entries} f JOIN {projects} p ON p.id = f.project_id"
                )
        keys = ", ".join(FUND_KEYS)
        # WHERE true: SQLite needs it to read the ON CONFLICT that follows as the upsert's.
        return (
            f"SELECT {keys}, SUM(n) AS n, SUM(cents) AS cents "
            f"FROM ({' UNION ALL '.join(selects)}) c WHERE true GROUP BY {keys} "
            f"HAVING SUM(n) <> 0 OR SUM(cents) <> 0 ORDER BY {keys}"
        )

    def create_sql(self) -> list[str]:
        """The tally of the entries as the ledger now stands, then its triggers."""
        everything = self.upsert(self.changes([(FUNDS, PROJECTS, "")]))
        return [everything, *(self.postgresql() if self.vendor == "postgresql" else self.sqlite())]

    def postgresql(self) -> list[str]:
        """Statement triggers over the transition tables. An update of projects moves the
        entries of those whose counted columns changed only: saving a project changes
        nothing here unless it moves."""
        moved = " OR ".join(
            f"o.{column} IS DISTINCT FROM n.{column}" for column in PROJECT_COLUMNS[1:]
        )

        def projects_changed(tables: dict[str, str]) -> str:
            if len(tables) == 2:
                tables = {
                    f"(SELECT {side}.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
                    f"WHERE {moved})": sign
                    for side, sign in (("n", ""), ("o", "-"))
                }
            return self.upsert(
                self.changes([(FUNDS, table, sign) for table, sign in tables.items()])
            )

        return [
            *statement_triggers(
                f"{FUND_TALLY}_entries",
                FUNDS,
                lambda tables: self.upsert(
                    self.changes([(table, PROJECTS, sign) for table, sign in tables.items()])
                ),
            ),
            *statement_triggers(f"{FUND_TALLY}_projects", PROJECTS, projects_changed),
        ]

    def sqlite(self) -> list[str]:
        """Row triggers, SQLite having no others: take the old row's entries off, add the
        new one's. Taking off only updates rows there are: ``flush`` may empty the tally
        before the entries."""
        keys = " AND ".join(f"{FUND_TALLY}.{key} = d.{key}" for key in FUND_KEYS)

        def added(pair: tuple[str, str]) -> str:
            return self.upsert(self.changes([(*pair, "")]))

        def taken(pair: tuple[str, str]) -> str:
            return (
                f"UPDATE {FUND_TALLY} SET count = {FUND_TALLY}.count - d.n, "
                f"total_cents = {FUND_TALLY}.total_cents - d.cents "
                f"FROM ({self.changes([(*pair, '')])}) d WHERE {keys}"
            )

        def entry(row: str) -> tuple[str, str]:
            return row_table(row, ENTRY_COLUMNS), PROJECTS

        def project(row: str) -> tuple[str, str]:
            return FUNDS, row_table(row, PROJECT_COLUMNS)

        moved = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in PROJECT_COLUMNS)
        triggers = (
            ("entries_insert", f"INSERT ON {FUNDS}", [added(entry("NEW"))]),
            ("entries_update", f"UPDATE ON {FUNDS}", [taken(entry("OLD")), added(entry("NEW"))]),
            ("entries_delete", f"DELETE ON {FUNDS}", [taken(entry("OLD"))]),
            ("projects_insert", f"INSERT ON {PROJECTS}", [added(project("NEW"))]),
            (
                "projects_update",
                f"UPDATE ON {PROJECTS} WHEN {moved}",
                [taken(project("OLD")), added(project("NEW"))],
            ),
            ("projects_delete", f"DELETE ON {PROJECTS}", [taken(project("OLD"))]),
        )
        return [
            f"CREATE TRIGGER {FUND_TALLY}_{name} AFTER {event} BEGIN "
            + " ".join(f"{statement};" for statement in body)
            + " END"
            for name, event, body in triggers
        ]

    def drop_sql(self) -> list[str]:
        """The triggers dropped and the tally emptied."""
        if self.vendor != "postgresql":
            return [
                *(
                    f"DROP TRIGGER {FUND_TALLY}_{records}_{event}"
                    for records in ("entries", "projects")
                    for event in ("insert", "update", "delete")
                ),
                f"DELETE FROM {FUND_TALLY}",
            ]
        return [
            *(
                f"DROP TRIGGER {FUND_TALLY}_{records}_{event} ON {table}"
                for records, table in (("entries", FUNDS), ("projects", PROJECTS))
                for event in ("insert", "update", "delete")
            ),
            *(f"DROP FUNCTION {FUND_TALLY}_{records}()" for records in ("entries", "projects")),
            f"DELETE FROM {FUND_TALLY}",
        ]
