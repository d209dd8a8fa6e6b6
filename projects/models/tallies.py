"""The projects counted by the values their list is most often filtered by, kept by the
database.

The projects list shows the count and total investment of every project its filters
select, not only of the page. Worked out from the projects, that reads the whole filtered
set: at a few million projects, longer than the page may take. ``ProjectTally`` holds one
row for each combination of sector, park, source zone, stage, size band and the years
landed and signed that some project has, with the number of those projects and their
total. Database triggers bring it up to date in the statement that changes a project,
whichever way it comes (a form, the admin, an import, ``loaddata``, ``generate_ledger``, a
queryset's ``update()``, plain SQL), so a count read from it is exact: the list's filters
that it can express are answered by adding up its rows, the others by the projects.

Totals are held in hundredths of 万元 as integers, so that SQLite, which adds decimals as
floating point numbers, adds them exactly too. A key that a project may lack (no park, not
landed or signed yet) is stored as 0.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from projects.models.projects import SizeTier
from projects.models.totals import statement_triggers

PROJECTS = "projects_investmentproject"
TALLY = "projects_projecttally"
HUNDRED = Decimal(100)
# The tally's key: the columns a row of it stands for.
KEYS = ("sector", "park", "zone", "stage", "band", "landed_year", "signed_year")


class ProjectTallyQuerySet(models.QuerySet):
    def summed(self, condition: Q) -> dict:
        """The count and total investment (万元, None for no project) of the projects whose
        tally rows ``condition`` selects, as the list's aggregates give them."""
        sums = self.filter(condition).aggregate(count=Sum("count"), total=Sum("total_cents"))
        count = sums["count"] or 0
        total = None if not count else Decimal(sums["total"]) / HUNDRED
        return {"count": count, "total": total}


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
        constraints = [
            models.UniqueConstraint(
                fields=KEYS,
                name="projecttally_key",
                violation_error_message=_("每组项目的统计只有一行。"),
            )
        ]

    def __str__(self) -> str:
        return " · ".join(str(getattr(self, key)) for key in KEYS)


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
class TallySQL:
    """The tally's statements and triggers on one database."""

    vendor: str

    def year(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"COALESCE(EXTRACT(YEAR FROM {column})::integer, 0)"
        return f"COALESCE(CAST(strftime('%Y', {column}) AS INTEGER), 0)"

    def cents(self, amount: str) -> str:
        if self.vendor == "postgresql":
            return f"COALESCE(ROUND({amount} * 100)::bigint, 0)"
        return f"COALESCE(CAST(ROUND({amount} * 100) AS INTEGER), 0)"

    def keys(self, row: str) -> list[str]:
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

    def upsert(self, select: str) -> str:
        """Add the counts and totals that ``select`` gives for each key to the tally."""
        columns = ", ".join((*KEYS, "count", "total_cents"))
        return (
            f"INSERT INTO {TALLY} ({columns}) {select} "
            f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET "
            f"count = {TALLY}.count + excluded.count, "
            f"total_cents = {TALLY}.total_cents + excluded.total_cents"
        )

    def grouped(self, tables: dict[str, str]) -> str:
        """The change to each key that the rows of ``tables`` (table to sign) make."""
        named = ", ".join(
            f"{key} AS {name}" for key, name in zip(self.keys("r"), KEYS, strict=True)
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
            keys = ", ".join(self.keys(row))
            cents = self.cents(f"{row}.total_investment_wan")
            return self.upsert(f"SELECT {keys}, 1, {cents} WHERE true")

        def taken(row: str) -> str:
            match = " AND ".join(
                f"{name} = {key}" for name, key in zip(KEYS, self.keys(row), strict=True)
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
