"""The 红黄绿 card's figures, kept by the database for the dates after each project's last.

A project's warning as of a date depends on that date: its stage then, and how long it has
been in it, without a follow-up, or past an agreed date. Worked out for every project, the
card reads the whole ledger. But once a date lies on or after every date of the project
and its follow-ups (its ``settled_on``; the agreed dates aside, as passing one only turns
it yellow or red, on a day the rules fix), nothing changes for it any more but the date
itself: it is in its last stage, its latest follow-up is its last one, an agreed stage not
reached is still not reached. From then on it is watched, or not, for good; and it turns
yellow, then red, on days that the warning rules fix (``projects.warnings``). So for each
project the database keeps three days (``WarningState``): from when it is watched, from
when it is yellow or red, from when it is red (none: never). ``WarningTally`` adds them
up, as the number of projects and their total investment that reach each of those from
each day, by the project's stage and park, with the same sums by month and by year: the
projects watched, flagged and red as of a date are those of the years before it, of its
year's months before it and of its month's days up to it, a few thousand rows. The
projects with a date or follow-up after the date asked are worked out from their dates
(``projects.warnings``), and added.

Triggers keep both in the statement that changes a project, a follow-up or a rule (a rule
changes every project's days), whichever way it comes, as for the other tallies
(``projects.models.tallies``). The rules they read are the stored ones: while no 未跟踪
rule is stored, the one of ``settings.FOLLOW_UP_DAYS`` applies, which the database does
not know, and the card is worked out from the projects' dates.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from projects.models.projects import InvestmentProject
from projects.models.tallies import PROJECTS, Upserts, cents_to_wan, row_table
from projects.models.totals import statement_triggers
from projects.models.warnings import WarningLevel, WarningRule

STATES = "projects_warningstate"
WARNING_TALLY = "projects_warningtally"
FOLLOW_UPS = "projects_followup"
RULES = "projects_warningrule"
Stage = InvestmentProject.Stage
# The days of a state, each the first of a kind of the tally's rows.
DAYS = {"watched": "watched_on", "flagged": "flagged_on", "red": "red_on"}
STATE_COLUMNS = ("project", "settled_on", "stage", "park", "total_cents", *DAYS.values())
WARNING_KEYS = ("span", "day", "kind", "stage", "park")
EVENTS = ("insert", "update", "delete")
# The last day a kept day may be: later ones are never, as a Python date cannot hold them.
LAST_DAY = date.max


class WarningState(models.Model):
    """A project's stage, park and total, and the days from which it is watched, yellow
    or red (see the module's docstring), written by the database alone."""

    project = models.BigIntegerField(_("项目"), primary_key=True, editable=False)
    settled_on = models.DateField(_("最后日期"), null=True, editable=False)
    stage = models.CharField(_("阶段"), max_length=20, editable=False)
    park = models.IntegerField(_("园区"), editable=False)
    total_cents = models.BigIntegerField(_("总投资（百元）"), editable=False)
    watched_on = models.DateField(_("纳入预警日期"), null=True, editable=False)
    flagged_on = models.DateField(_("黄色或红色日期"), null=True, editable=False)
    red_on = models.DateField(_("红色日期"), null=True, editable=False)

    class Meta:
        verbose_name = _("项目预警状态")
        verbose_name_plural = _("项目预警状态")
        # The projects whose warnings as of a date are worked out from their dates.
        indexes = [models.Index(fields=["settled_on"], name="warningstate_settled_idx")]

    def __str__(self) -> str:
        return str(self.project)


class WarningTallyQuerySet(models.QuerySet):
    def levels(self, as_of: date) -> list[dict]:
        """The projects settled by ``as_of``, by the level, stage and park of their
        warning as of that date, with their count and total (万元), as the projects'
        annotated warnings give them (``projects.warnings``)."""
        year, month = as_of.replace(month=1, day=1), as_of.replace(day=1)
        spans = WarningTally.Span
        sums = (
            self.filter(
                Q(span=spans.YEAR, day__lt=year)
                | Q(span=spans.MONTH, day__gte=year, day__lt=month)
                | Q(span=spans.DAY, day__gte=month, day__lte=as_of)
            )
            .values("stage", "park", "kind")
            .annotate(n=Sum("count"), cents=Sum("total_cents"))
            .order_by()
        )
        groups: dict = {}
        for row in sums:
            groups.setdefault((row["stage"], row["park"]), {})[row["kind"]] = (
                row["n"],
                row["cents"],
            )
        found = []
        for (stage, park), kinds in groups.items():
            watched, flagged, red = (kinds.get(kind, (0, 0)) for kind in DAYS)
            for level, (count, cents) in (
                (WarningLevel.RED, red),
                (WarningLevel.YELLOW, (flagged[0] - red[0], flagged[1] - red[1])),
                (WarningLevel.GREEN, (watched[0] - flagged[0], watched[1] - flagged[1])),
            ):
                if count:
                    found.append(
                        {
                            "warning_level": level.value,
                            "warning_stage": stage,
                            "park": park or None,
                            "count": count,
                            "total": cents_to_wan(count, cents),
                        }
                    )
        return found


class WarningTally(models.Model):
    """The number and total investment of the projects of one stage and park that are
    watched, yellow or red (``kind``) from one day, or from a day of one month or year
    (``span``, ``day`` its first day), written by the database alone."""

    class Span(models.TextChoices):
        DAY = "day", _("日")
        MONTH = "month", _("月")
        YEAR = "year", _("年")

    span = models.CharField(_("统计周期"), max_length=5, choices=Span.choices, editable=False)
    day = models.DateField(_("日期"), editable=False)
    kind = models.CharField(_("预警"), max_length=10, editable=False)
    stage = models.CharField(_("阶段"), max_length=20, editable=False)
    park = models.IntegerField(_("园区"), editable=False)
    count = models.BigIntegerField(_("项目数"), editable=False)
    total_cents = models.BigIntegerField(_("总投资（百元）"), editable=False)

    objects = WarningTallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警统计")
        verbose_name_plural = _("预警统计")
        indexes = [
            models.Index(
                fields=["span", "day"],
                include=["kind", "stage", "park", "count", "total_cents"],
                name="warningtally_day_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=WARNING_KEYS,
                name="warningtally_key",
                violation_error_message=_("每组预警的统计只有一行。"),
            )
        ]

    def __str__(self) -> str:
        return " · ".join(str(getattr(self, key)) for key in WARNING_KEYS)


@dataclass(frozen=True)
class WarningTallySQL(Upserts):
    """The projects' warning states and their tally, and their triggers, on one database."""

    table: str = WARNING_TALLY
    keys: tuple[str, ...] = WARNING_KEYS

    @property
    def postgresql(self) -> bool:
        return self.vendor == "postgresql"

    def date(self, text: str) -> str:
        return f"DATE '{text}'" if self.postgresql else f"'{text}'"

    def plus_days(self, day: str, days: str, more: int = 0) -> str:
        """``day`` + ``days`` + ``more``, None for none or for a day after ``LAST_DAY``
        (``days`` may be the largest integer a rule holds)."""
        last = self.date(f"{LAST_DAY:%Y-%m-%d}")
        if self.postgresql:
            days = f"({days})::bigint + {more}"
            return f"CASE WHEN {days} <= {last} - {day} THEN {day} + ({days})::integer END"
        days = f"({days}) + {more}"
        return (
            f"CASE WHEN {days} <= julianday({last}) - julianday({day}) "
            f"THEN date({day}, '+' || ({days}) || ' days') END"
        )

    def latest(self, *days: str) -> str:
        """The latest of ``days`` that are not None."""
        if self.postgresql:
            return f"GREATEST({', '.join(days)})"
        # SQLite's MAX() of several values is None if one is; '' sorts before every day.
        none = "''"
        return f"NULLIF(MAX({', '.join(f'COALESCE({day}, {none})' for day in days)}), {none})"

    def earlier(self, one: str, other: str) -> str:
        """The earlier of two days that are not None."""
        if self.postgresql:
            return f"LEAST({one}, {other})"
        return f"MIN(COALESCE({one}, {other}), COALESCE({other}, {one}))"

    def first_day(self, span: str, day: str) -> str:
        """The first day of the month or year (``span``) of ``day``."""
        if self.postgresql:
            return f"date_trunc('{span}', {day})::date"
        return f"date({day}, 'start of {span}')"

    def threshold(self, days: str) -> str:
        """The day a stored rule ``r`` turns the settled project ``x`` that colour, after
        ``days`` of its days (a column of the rule), None for never: as
        ``projects.warnings.rule_condition`` flags it on each date after ``settled_on``."""
        kinds = WarningRule.Kind
        whens = [
            f"WHEN r.kind = '{kinds.IN_STAGE}' AND r.stage = x.stage "
            f"THEN {self.plus_days('x.since', days)}"
        ]
        for stage, (planned, actual) in InvestmentProject.AGREED_DATES.items():
            whens.append(
                f"WHEN r.kind = '{kinds.AGREED_DATE}' AND r.stage = '{stage}' "
                f"AND x.{actual} IS NULL THEN {self.plus_days(f'x.{planned}', days, 1)}"
            )
        whens.append(
            f"WHEN r.kind = '{kinds.NO_FOLLOW_UP}' AND x.stage <> '{Stage.IN_PRODUCTION}' "
            f"THEN {self.plus_days('COALESCE(x.followed, x.signed_date)', days)}"
        )
        return f"(SELECT MIN(CASE {' '.join(whens)} END) FROM {RULES} r)"

    def states(self, projects: str) -> str:
        """The states of the projects (``p``) that ``projects`` selects."""
        stages = [(Stage.TERMINATED, "terminated_date")] + [
            (stage, field) for stage, field in reversed(InvestmentProject.STAGE_DATES.items())
        ]
        stage = " ".join(f"WHEN p.{field} IS NOT NULL THEN '{value}'" for value, field in stages)
        since = " ".join(f"WHEN p.{field} IS NOT NULL THEN p.{field}" for _value, field in stages)
        dates = ", ".join(
            f"p.{field}"
            for field in (
                *InvestmentProject.STAGE_DATES.values(),
                *(planned for planned, _actual in InvestmentProject.AGREED_DATES.values()),
            )
            if field != "signed_date"
        )
        followed = f"(SELECT MAX(occurred_on) FROM {FOLLOW_UPS} WHERE project_id = p.id)"
        settled = self.latest(
            *(f"x.{field}" for _value, field in stages),
            "x.followed",
        )
        watched = f"x.stage NOT IN ('', '{Stage.TERMINATED}')"
        yellow, red = self.threshold("r.yellow_days"), self.threshold("r.red_days")
        return (
            f"SELECT y.project, y.settled_on, y.stage, y.park, y.total_cents, "
            f"CASE WHEN y.watched THEN y.settled_on END AS watched_on, "
            f"CASE WHEN y.watched AND {self.earlier('y.yellow', 'y.red')} IS NOT NULL "
            f"THEN {self.latest('y.settled_on', self.earlier('y.yellow', 'y.red'))} END "
            f"AS flagged_on, "
            f"CASE WHEN y.watched AND y.red IS NOT NULL "
            f"THEN {self.latest('y.settled_on', 'y.red')} END AS red_on "
            f"FROM (SELECT x.id AS project, {settled} AS settled_on, x.stage, x.park, "
            f"x.total_cents, {watched} AS watched, {yellow} AS yellow, {red} AS red "
            f"FROM (SELECT p.id, p.signed_date, p.terminated_date, {dates}, "
            f"COALESCE(CASE {stage} END, '') AS stage, CASE {since} END AS since, "
            f"COALESCE(p.park_id, 0) AS park, "
            f"{self.cents('p.total_investment_wan')} AS total_cents, {followed} AS followed "
            f"FROM {PROJECTS} p WHERE {projects}) x) y WHERE true"
        )

    def refresh(self, projects: str) -> str:
        """The states of the projects that ``projects`` selects (a condition on ``p``)
        written, those that did not change left alone."""
        columns = ", ".join(STATE_COLUMNS)
        different = " IS DISTINCT FROM " if self.postgresql else " IS NOT "
        changed = " OR ".join(
            f"{STATES}.{column}{different}excluded.{column}" for column in STATE_COLUMNS[1:]
        )
        updates = ", ".join(f"{column} = excluded.{column}" for column in STATE_COLUMNS[1:])
        return (
            f"INSERT INTO {STATES} ({columns}) {self.states(projects)} "
            f"ON CONFLICT (project) DO UPDATE SET {updates} WHERE {changed}"
        )

    def grouped(self, tables: dict[str, str]) -> str:
        """The change to each of the tally's keys that the states of ``tables`` (table to
        sign) make."""
        changes = " UNION ALL ".join(
            f"SELECT '{span}' AS span, {day} AS day, '{kind}' AS kind, s.stage, s.park, "
            f"{sign}1 AS n, {sign}s.total_cents AS cents FROM {table} s "
            f"WHERE s.{column} IS NOT NULL"
            for table, sign in tables.items()
            for kind, column in DAYS.items()
            for span, day in (
                (WarningTally.Span.DAY, f"s.{column}"),
                (WarningTally.Span.MONTH, self.first_day("month", f"s.{column}")),
                (WarningTally.Span.YEAR, self.first_day("year", f"s.{column}")),
            )
        )
        keys = ", ".join(WARNING_KEYS)
        # WHERE true: SQLite needs it to read the ON CONFLICT that follows as the upsert's.
        return (
            f"SELECT {keys}, SUM(n) AS n, SUM(cents) AS cents FROM ({changes}) c WHERE true "
            f"GROUP BY {keys} "
            f"HAVING SUM(n) <> 0 OR SUM(cents) <> 0 ORDER BY {keys}"
        )

    def create_sql(self) -> list[str]:
        """Every project's state and their tally as the ledger now stands, then the
        triggers."""
        return [
            self.refresh("true"),
            self.upsert(self.grouped({STATES: ""})),
            *(self.postgresql_triggers() if self.postgresql else self.sqlite_triggers()),
        ]

    def postgresql_triggers(self) -> list[str]:
        """Statement triggers: the states of the projects a statement wrote, or whose
        follow-ups it wrote, written again (all of them for the rules), and the tally
        changed by the states it changed."""

        def projects(tables: dict[str, str]) -> str:
            if "new_rows" in tables:
                gone = (
                    f"; DELETE FROM {STATES} WHERE project IN (SELECT id FROM old_rows) "
                    f"AND project NOT IN (SELECT id FROM new_rows)"
                    if "old_rows" in tables
                    else ""
                )
                return self.refresh("p.id IN (SELECT id FROM new_rows)") + gone
            return f"DELETE FROM {STATES} WHERE project IN (SELECT id FROM old_rows)"

        def follow_ups(tables: dict[str, str]) -> str:
            written = " UNION ".join(f"SELECT project_id FROM {table}" for table in tables)
            return self.refresh(f"p.id IN ({written})")

        return [
            *statement_triggers(f"{STATES}_projects", PROJECTS, projects),
            *statement_triggers(f"{STATES}_follow_ups", FOLLOW_UPS, follow_ups),
            *statement_triggers(f"{STATES}_rules", RULES, lambda _tables: self.refresh("true")),
            *statement_triggers(
                WARNING_TALLY, STATES, lambda tables: self.upsert(self.grouped(tables))
            ),
        ]

    def sqlite_triggers(self) -> list[str]:
        """Row triggers, SQLite having no others. Taking a state off only updates tally
        rows there are: ``flush`` may empty the tally before the states."""
        keys = " AND ".join(f"{WARNING_TALLY}.{key} = d.{key}" for key in WARNING_KEYS)

        def added(row: str) -> str:
            return self.upsert(self.grouped({row_table(row, STATE_COLUMNS): ""}))

        def taken(row: str) -> str:
            return (
                f"UPDATE {WARNING_TALLY} SET count = {WARNING_TALLY}.count - d.n, "
                f"total_cents = {WARNING_TALLY}.total_cents - d.cents "
                f"FROM ({self.grouped({row_table(row, STATE_COLUMNS): ''})}) d WHERE {keys}"
            )

        def gone(row: str) -> str:
            return f"DELETE FROM {STATES} WHERE project = {row}"

        everything = self.refresh("true")
        triggers = (
            ("projects_insert", f"INSERT ON {PROJECTS}", [self.refresh("p.id = NEW.id")]),
            (
                "projects_update",
                f"UPDATE ON {PROJECTS}",
                [self.refresh("p.id = NEW.id"), f"{gone('OLD.id')} AND OLD.id <> NEW.id"],
            ),
            ("projects_delete", f"DELETE ON {PROJECTS}", [gone("OLD.id")]),
            (
                "follow_ups_insert",
                f"INSERT ON {FOLLOW_UPS}",
                [self.refresh("p.id = NEW.project_id")],
            ),
            (
                "follow_ups_update",
                f"UPDATE ON {FOLLOW_UPS}",
                [self.refresh("p.id IN (OLD.project_id, NEW.project_id)")],
            ),
            (
                "follow_ups_delete",
                f"DELETE ON {FOLLOW_UPS}",
                [self.refresh("p.id = OLD.project_id")],
            ),
            *((f"rules_{event}", f"{event.upper()} ON {RULES}", [everything]) for event in EVENTS),
            ("tally_insert", f"INSERT ON {STATES}", [added("NEW")]),
            ("tally_update", f"UPDATE ON {STATES}", [taken("OLD"), added("NEW")]),
            ("tally_delete", f"DELETE ON {STATES}", [taken("OLD")]),
        )
        return [
            f"CREATE TRIGGER {STATES}_{name} AFTER {event} BEGIN "
            + " ".join(f"{statement};" for statement in body)
            + " END"
            for name, event, body in triggers
        ]

    def drop_sql(self) -> list[str]:
        """The triggers dropped, the states and their tally emptied."""
        emptied = [f"DELETE FROM {WARNING_TALLY}", f"DELETE FROM {STATES}"]
        if not self.postgresql:
            names = [
                f"{records}_{event}"
                for records in ("projects", "follow_ups", "rules", "tally")
                for event in EVENTS
            ]
            return [*(f"DROP TRIGGER {STATES}_{name}" for name in names), *emptied]
        functions = {
            f"{STATES}_projects": PROJECTS,
            f"{STATES}_follow_ups": FOLLOW_UPS,
            f"{STATES}_rules": RULES,
            WARNING_TALLY: STATES,
        }
        return [
            *(
                f"DROP TRIGGER {function}_{event} ON {table}"
                for function, table in functions.items()
                for event in EVENTS
            ),
            *(f"DROP FUNCTION {function}()" for function in functions),
            *emptied,
        ]


def kept_for(rules: list[WarningRule]) -> bool:
    """Whether the tally answers for these rules: they are all stored, none is the
    default of the settings."""
    return all(rule.pk is not None for rule in rules)
