"""The leaders' figures: projects by period, tier, industry, park, zone, stage and month,
and industry crossed with zone.

Every figure is computed by running the projects list's own filter set on the same GET
parameters its link carries, so the dashboard and the list cannot disagree: a figure's
link opens exactly the rows it counts.
"""

import calendar
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Aggregate, Count, Expression, F, Max, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from projects.filters import FundFilterSet, ParkFilter, ProblemFilterSet, ProjectFilterSet
from projects.forms import BootstrapForm, DateInput
from projects.lists.sheets import Sheet
from projects.models import (
    AnnualTarget,
    FundEntry,
    FundTally,
    InvestmentProject,
    Park,
    Problem,
    ProjectTally,
    Sector,
    SizeTier,
    WarningLevel,
    WarningRule,
    WarningState,
    WarningTally,
)
from projects.models.funds import year_elapsed
from projects.models.leases import add_years
from projects.models.warning_tally import kept_for
from projects.units import wan_to_yi
from projects.warnings import WATCHED, load_rules

ALL_SIZES = "all"


@dataclass(frozen=True)
class Period:
    """A span of days, both included, counted by the landed or the signed date."""

    start: date
    end: date
    basis: str = "landed"

    BASES = (("landed", _("落地日期")), ("signed", _("签约日期")))

    def params(self) -> dict[str, str]:
        """The projects list's parameters for this period."""
        return {
            f"{self.basis}_after": self.start.isoformat(),
            f"{self.basis}_before": self.end.isoformat(),
        }

    def year_earlier(self) -> "Period":
        return Period(add_years(self.start, -1), add_years(self.end, -1), self.basis)

    @property
    def date_field(self) -> str:
        """The project's date the period counts by."""
        return f"{self.basis}_date"


def month_starts(first: date, last: date) -> Iterator[date]:
    """The first day of every month from ``first``'s to ``last``'s, both included."""
    month, last = first.replace(day=1), last.replace(day=1)
    while True:
        yield month
        if month >= last:  # stops before a month after December 9999, which has none
            return
        month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


# A period of up to this many months shows every one of them in the month breakdown; a
# longer one shows the months from its first project to its last (from year 2 to 9999
# would be 120,000 months).
SERIES_MONTHS = 60


def list_url(params: dict, listing: str = "projects:project_list") -> str:
    return f"{reverse(listing)}?{urlencode(params, doseq=True)}"


def funds_url(params: dict) -> str:
    return list_url(params, "projects:fund_list")


@dataclass
class Figure:
    """A number on the dashboard and the list that shows the rows behind it."""

    label: str
    count: int
    total_yi: Decimal
    url: str


@dataclass
class Breakdown:
    """One table of the dashboard, also drawn as a bar chart."""

    title: StrOrPromise
    figures: list[Figure] = field(default_factory=list)
    # Whether the bars stand for the totals (funds in place) rather than the counts.
    by_total: bool = False

    def measure(self, item: Figure) -> Decimal | int:
        return item.total_yi if self.by_total else item.count

    @property
    def largest(self) -> Decimal | int:
        """The largest count or total, which the chart's longest bar stands for."""
        return max((self.measure(item) for item in self.figures), default=0)

    @property
    def bars(self) -> list[tuple[Figure, int]]:
        """Each figure with its bar's length, in percent of the longest."""
        largest = self.largest
        return [
            (item, round(100 * self.measure(item) / largest) if largest else 0)
            for item in self.figures
        ]


@dataclass
class Cell:
    """A count of a cross table and, unless the table counts only projects of 10亿元以上,
    how many of them are."""

    figure: Figure
    of_1b: Figure | None


@dataclass
class CrossTable:
    """Two breakdowns crossed: the projects of each pair of values, each count linked to
    its projects; a pair without projects has no cell (None)."""

    title: StrOrPromise
    corner: StrOrPromise
    columns: list[StrOrPromise]
    rows: list[tuple[str, list[Cell | None]]]
    counts_1b: bool  # whether each cell also counts those of 10亿元以上


@dataclass
class WarningRow:
    """The red and yellow projects of one stage or park on the 红黄绿 card."""

    label: str
    red: Figure
    yellow: Figure


@dataclass
class WarningsCard:
    """The 红黄绿 card: the watched projects by level as of a date, then the red and
    yellow ones by stage and by top-level park, each count linked to its projects."""

    as_of: date
    levels: list[Figure]
    by_stage: list[WarningRow]
    by_park: list[WarningRow]


def added_up(rows: Iterable[dict], group_of: Callable[[dict], object]) -> dict:
    """The count and total of rows added up for each value ``group_of`` gives them."""
    sums: dict = {}
    for row in rows:
        group = group_of(row)
        total = sums.setdefault(group, {"group": group, "count": 0, "total": 0})
        total["count"] += row["count"]
        total["total"] += row["total"] or 0
    return sums


def figure(
    label: StrOrPromise, row: Mapping, params: dict, listing: str = "projects:project_list"
) -> Figure:
    return Figure(str(label), row["count"], wan_to_yi(row["total"] or 0), list_url(params, listing))


NO_PROJECTS = {"count": 0, "total": 0}


@dataclass(frozen=True)
class Counting:
    """What a breakdown counts: the rows of one list, summed by one amount, dated by one
    date whose range the list's ``after`` and ``before`` parameters give."""

    listing: str
    amount: str
    date_field: str
    after: str
    before: str

    def span(self, start: date, end: date) -> dict[str, str]:
        return {self.after: start.isoformat(), self.before: end.isoformat()}


# Funds in place, counted by the date they arrived, whatever the projects are counted by.
FUNDS = Counting("projects:fund_list", "amount_wan", "received_on", "date_after", "date_before")


@dataclass(frozen=True)
class TargetMeasure:
    """One figure a target sets: its field, title, whether it is an amount (万元, shown
    in 亿元), how its actual is summed (an aggregate of the projects, or the figure of the
    funds' tally), and the list parameters that add to its source's."""

    key: str
    title: StrOrPromise
    in_yi: bool
    aggregate: Aggregate | str
    params: dict


LANDED_100M = {"size": SizeTier.FROM_100M}
TARGET_MEASURES = (
    TargetMeasure("projects_100m", _("落地亿元以上项目（个）"), False, Count("pk"), LANDED_100M),
    TargetMeasure(
        "projects_1b",
        _("落地10亿元以上项目（个）"),
        False,
        Count("pk", filter=SizeTier.counted_q(SizeTier.FROM_1B)),
        {"size": SizeTier.FROM_1B},
    ),
    TargetMeasure(
        "investment_wan",
        _("亿元以上项目总投资（亿元）"),
        True,
        Sum("total_investment_wan"),
        LANDED_100M,
    ),
    TargetMeasure("funds_wan", _("到位资金（亿元）"), True, "total", {}),
    TargetMeasure(
        "outside_funds_wan",
        _("省外到位资金（亿元）"),
        True,
        "outside_total",
        {"outside_province": "true"},
    ),
    TargetMeasure("started", _("开工项目（个）"), False, Count("pk"), {}),
)
MEASURES = {measure.key: measure for measure in TARGET_MEASURES}
LANDED = Counting(
    "projects:project_list", "total_investment_wan", "landed_date", "landed_after", "landed_before"
)
STARTED = Counting(
    "projects:project_list",
    "total_investment_wan",
    "started_date",
    "started_after",
    "started_before",
)


def target_sources(start: date, end: date) -> list[tuple[Counting, dict, list[TargetMeasure]]]:
    """The lists the targets' actuals are read from, each with its parameters for the
    year to date and the figures read from it in one query: the 亿元以上 projects landed,
    the funds in place, the projects started."""
    measures = MEASURES
    return [
        (
            LANDED,
            {**LANDED.span(start, end), **LANDED_100M},
            [measures["projects_100m"], measures["projects_1b"], measures["investment_wan"]],
        ),
        (FUNDS, FUNDS.span(start, end), [measures["funds_wan"], measures["outside_funds_wan"]]),
        (STARTED, STARTED.span(start, end), [measures["started"]]),
    ]


# Each kind of unit: the list parameter that picks its rows, and the project's field it
# groups them by (None for the county, which is every row).
UNIT_LOOKUPS: dict[str, tuple[str | None, str]] = {
    AnnualTarget.Unit.COUNTY: (None, ""),
    AnnualTarget.Unit.ZONE: ("zone", "source_zone"),
    AnnualTarget.Unit.PARK: ("park", "park"),
    AnnualTarget.Unit.STAFF: ("owner", "owner"),
}
# The projects' fields the dashboard groups by that the projects' tally holds, each with
# its column there.
TALLY_GROUPS = {"sector": "sector", "park": "park", "source_zone": "zone", "stage": "stage"}
# The column of the funds' tally each kind of unit is counted by.
FUND_UNITS: dict[str, str | None] = {
    AnnualTarget.Unit.COUNTY: None,
    AnnualTarget.Unit.ZONE: "zone",
    AnnualTarget.Unit.PARK: "park",
    AnnualTarget.Unit.STAFF: "owner",
}


def unit_key(target: AnnualTarget) -> object:
    """The unit's value of its list parameter: its zone, park or member of staff."""
    keys: dict[str, object] = {
        AnnualTarget.Unit.ZONE: target.zone,
        AnnualTarget.Unit.PARK: target.park_id,
        AnnualTarget.Unit.STAFF: target.staff_id,
    }
    return keys.get(target.unit)


def unit_order(target: AnnualTarget) -> tuple:
    """The county first, then the zones, the parks and the staff, each by name."""
    kinds = list(AnnualTarget.Unit.values)
    zones = list(InvestmentProject.Zone.values)
    within = zones.index(target.zone) if target.unit == AnnualTarget.Unit.ZONE else 0
    return (kinds.index(target.unit), within, target.unit_name)


@dataclass
class TargetLine:
    """One unit's target of one figure beside its actual: 完成率 = actual ÷ target,
    超/欠进度 = 完成率 − 时序进度 (percentage points), and its rank among the units of
    its kind (``ranked`` of them); a unit without a target of the figure has none of these."""

    kind: str  # AnnualTarget.Unit
    unit: str
    target: Decimal | int | None
    actual: Decimal | int
    url: str
    rate: Decimal | None = None
    ahead: Decimal | None = None
    rank: int | None = None
    ranked: int = 0
    tied: bool = False

    @property
    def gap(self) -> Decimal | None:
        """How far ahead of or behind 时序进度, in percentage points, without its sign."""
        return None if self.ahead is None else abs(self.ahead)


def target_line(
    target: AnnualTarget, measure: TargetMeasure, actuals: dict, elapsed: Decimal
) -> TargetLine:
    value, url = actuals[(target.unit, unit_key(target))][measure.key]
    goal = getattr(target, measure.key)
    shown = wan_to_yi if measure.in_yi else int
    line = TargetLine(
        target.unit, target.unit_name, None if goal is None else shown(goal), shown(value), url
    )
    if goal:  # a target of zero has no rate: anything is 100% of it, or none
        line.rate = (Decimal(value) * 100 / Decimal(goal)).quantize(Decimal("0.1"))
        line.ahead = line.rate - elapsed
    return line


def rank_lines(lines: list[TargetLine]) -> None:
    """Rank the units of each kind but the county by 完成率 as shown (one decimal),
    highest first. Units of the same rate share a rank and the next rank skips (1, 1, 3);
    units without a target of the figure are not ranked."""
    kinds: dict[str, list[TargetLine]] = {}
    for line in lines:
        if line.rate is not None and line.kind != AnnualTarget.Unit.COUNTY:
            kinds.setdefault(line.kind, []).append(line)
    for ranked in kinds.values():
        rates = sorted((line.rate for line in ranked if line.rate is not None), reverse=True)
        for line in ranked:
            line.rank = rates.index(line.rate) + 1  # type: ignore[arg-type]
            line.tied = rates.count(line.rate) > 1  # type: ignore[arg-type]
            line.ranked = len(ranked)
        ranked.sort(key=lambda line: line.rank or 0)


@dataclass
class TargetSection:
    """The units' targets of one figure."""

    key: str
    title: StrOrPromise
    in_yi: bool
    lines: list[TargetLine]


@dataclass
class TargetsBoard:
    """The year's targets as of a day: 时序进度 (percent of the year elapsed up to and
    including ``as_of``), and each figure's units."""

    year: int
    as_of: date
    elapsed: Decimal
    sections: list[TargetSection]


class Dashboard:
    """The figures of one period, read with the projects list's filter set."""

    def __init__(self, period: Period, size: str) -> None:
        self.period = period
        self.size = size
        self.tree = Park.objects.tree()
        self.sectors = {sector.pk: sector for sector in Sector.objects.all()}
        # The list's parameters for the projects the breakdowns count.
        self.counted = {**period.params(), **({"size": size} if size else {})}

    def filterset(self, params: dict, warnings: bool = False) -> ProjectFilterSet:
        """The projects list's filter set for these parameters, its projects annotated
        with their warnings for a warning filter, or where ``warnings`` asks for them."""
        filterset = ProjectFilterSet(
            params,
            queryset=InvestmentProject.objects.all(),
            park_tree=self.tree,
            sectors=self.sectors.values(),
            rules=self.rules,
            warnings=warnings,
        )
        if not filterset.is_valid():
            raise ValueError(f"dashboard parameters rejected: {filterset.errors.as_json()}")
        return filterset

    def matching(self, params: dict, warnings: bool = False) -> QuerySet:
        """The projects the list shows for these parameters (``filterset``)."""
        return self.filterset(params, warnings).qs

    def tallied(self, params: dict, *groups: str) -> list[dict] | None:
        """The figures of the projects the list shows for these parameters, in all or by
        the tally's columns ``groups``, read from the projects' tally where it can answer
        for them (a period of whole years), as the list reads its summary; None where it
        cannot."""
        condition = self.filterset(params).tally_q()
        if condition is None:
            return None
        return ProjectTally.objects.filter(condition).figures(*groups)

    def headline(self) -> dict:
        """The cards: 亿元以上 projects in the period, those of 10亿元以上, their total, the
        same a year earlier, and the leased manufacturing projects of 亿元以上 landed so far."""
        figures = {}
        for key, when in (("current", self.period), ("previous", self.period.year_earlier())):
            params = {**when.params(), "size": SizeTier.FROM_100M}
            tallied = self.tallied(params)
            counted = (
                tallied[0]
                if tallied is not None
                else self.matching(params).aggregate(
                    count=Count("pk"),
                    count_1b=Count("pk", filter=SizeTier.counted_q(SizeTier.FROM_1B)),
                    total=Sum("total_investment_wan"),
                )
            )
            figures[key] = {
                "count": counted["count"],
                "count_1b": counted["count_1b"],
                "total_yi": wan_to_yi(counted["total"] or 0),
                "url": list_url(params),
                "url_1b": list_url({**params, "size": SizeTier.FROM_1B}),
            }
        leased = {"size": SizeTier.FROM_100M, "leased": "true", "landed": "true"}
        figures["leased"] = {"count": self.matching(leased).count(), "url": list_url(leased)}
        current, previous = figures["current"], figures["previous"]
        figures["change"] = {
            name: current[name] - previous[name] for name in ("count", "count_1b", "total_yi")
        }
        return figures

    @cached_property
    def top_level(self) -> dict[int, int]:
        """The top-level park of each park (一区多园), whose filter includes it."""
        top_level: dict[int, int] = {}
        for root, depth in self.tree.walk():
            if depth == 0:
                top_level.update(dict.fromkeys(self.tree.subtree(root), root))
        return top_level

    @property
    def projects(self) -> Counting:
        """The projects, counted by the period's date (landed or signed)."""
        period = self.period
        return Counting(
            "projects:project_list",
            "total_investment_wan",
            period.date_field,
            f"{period.basis}_after",
            f"{period.basis}_before",
        )

    def grouped(
        self, params: dict, key: str | Expression, counting: Counting | None = None
    ) -> list[dict]:
        """Count and total of the matching projects (or the rows ``counting`` counts) per
        value of ``key``, in one query."""
        counting = counting or self.projects
        if counting is FUNDS:
            return self.fund_figures(params, key)
        if key in TALLY_GROUPS:
            tallied = self.tallied(params, TALLY_GROUPS[key])
            if tallied is not None:
                return sorted(
                    ({**row, "group": row[TALLY_GROUPS[key]]} for row in tallied),
                    key=lambda row: row["group"],
                )
        if key == "sector__group":
            tallied = self.tallied(params, "sector")
            if tallied is not None:
                return self.by_sector_group(tallied)
        expression = F(key) if isinstance(key, str) else key
        return list(
            self.matching(params)
            .values(group=expression)
            .annotate(count=Count("pk"), total=Sum(counting.amount))
            .order_by("group")
        )

    def by_sector_group(self, rows: Iterable[dict]) -> list[dict]:
        """Rows of the tally by sector added up by sector group."""
        groups = added_up(rows, lambda row: self.sectors[row["sector"]].group)
        return sorted(groups.values(), key=lambda row: row["group"])

    def by_top_park(self, rows: Iterable[dict]) -> dict:
        """Rows grouped by park added up by top-level park (一区多园), those without a park
        under ``ParkFilter.NONE``, the largest count first."""
        parks = added_up(rows, lambda row: self.top_level.get(row["group"], ParkFilter.NONE))
        return dict(sorted(parks.items(), key=lambda item: -item[1]["count"]))

    def park_name(self, root: int | str) -> StrOrPromise:
        return self.tree.names[root] if isinstance(root, int) else _("未定园区")

    def breakdowns(self) -> list[Breakdown]:
        """The period's projects by sector, sector group, park, zone, stage and month."""
        base = self.counted

        by_sector = sorted(
            self.grouped(base, "sector"), key=lambda row: self.sectors[row["group"]].sort_order
        )
        by_group = {row["group"]: row for row in self.grouped(base, "sector__group")}

        parks = self.by_top_park(self.grouped(base, "park"))

        by_zone = {row["group"]: row for row in self.grouped(base, "source_zone")}
        by_stage = {row["group"]: row for row in self.grouped(base, "stage")}

        def choices_table(
            title: StrOrPromise,
            choices: Iterable[tuple[str, StrOrPromise]],
            rows: dict,
            parameter: str,
        ) -> Breakdown:
            return Breakdown(
                title,
                [
                    figure(label, rows[value], {**base, parameter: value})
                    for value, label in choices
                    if value in rows
                ],
            )

        return [
            Breakdown(
                _("按产业"),
                [
                    figure(self.sectors[row["group"]].name, row, {**base, "sector": row["group"]})
                    for row in by_sector
                ],
            ),
            choices_table(_("按产业类别"), Sector.Group.choices, by_group, "sector_group"),
            Breakdown(
                _("按园区（含下级园区）"),
                [
                    figure(self.park_name(root), row, {**base, "park": root})
                    for root, row in parks.items()
                ],
            ),
            choices_table(
                _("按来源区域（招商战区）"), InvestmentProject.Zone.choices, by_zone, "zone"
            ),
            choices_table(_("按阶段"), InvestmentProject.Stage.choices, by_stage, "stage"),
            Breakdown(_("按月份"), self.months()),
        ]

    def months(self, counting: Counting | None = None, params: dict | None = None) -> list[Figure]:
        """The period's projects (or the rows ``counting`` counts with ``params``) month by
        month, a month without any as zero, so that the chart is a true series; none at all
        for a period without any."""
        period = self.period
        counting = counting or self.projects
        params = self.counted if params is None else params
        rows = {
            row["group"]: row
            # The funds are counted from their tally, by the day it holds.
            for row in self.grouped(
                params, TruncMonth("day" if counting is FUNDS else counting.date_field), counting
            )
        }
        if not rows:
            return []
        first, last = period.start.replace(day=1), period.end.replace(day=1)
        if (last.year - first.year) * 12 + last.month - first.month >= SERIES_MONTHS:
            first, last = min(rows), max(rows)
        series = []
        for month in month_starts(first, last):
            # The month's last day, found without the next month, which December 9999 lacks.
            last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            span = counting.span(max(month, period.start), min(last_day, period.end))
            row = rows.get(month, NO_PROJECTS)
            series.append(figure(f"{month:%Y-%m}", row, {**params, **span}, counting.listing))
        return series

    def crossed(self) -> CrossTable:
        """The period's projects by sector (rows) and source zone (columns); each cell also
        counts those of 10亿元以上, unless only those are counted."""
        of_1b = SizeTier.counted_q(SizeTier.FROM_1B)
        tallied = self.tallied(self.counted, "sector", "zone")
        counted = (
            [{**row, "source_zone": row["zone"]} for row in tallied]
            if tallied is not None
            else self.matching(self.counted)
            .values("sector", "source_zone")
            .annotate(
                count=Count("pk"),
                total=Sum("total_investment_wan"),
                count_1b=Count("pk", filter=of_1b),
                total_1b=Sum("total_investment_wan", filter=of_1b),
            )
            .order_by()
        )
        cells = {(row["sector"], row["source_zone"]): row for row in counted}
        # Only the sectors and zones with projects: a row or column of dashes says nothing.
        sectors = sorted(
            {sector for sector, _zone in cells}, key=lambda pk: self.sectors[pk].sort_order
        )
        found = {zone for _sector, zone in cells}
        zones = [(zone, label) for zone, label in InvestmentProject.Zone.choices if zone in found]
        counts_1b = self.size != SizeTier.FROM_1B

        def cell(sector: int, zone: str) -> Cell | None:
            row = cells.get((sector, zone))
            if row is None:
                return None
            label = f"{self.sectors[sector].name} · {InvestmentProject.Zone(zone).label}"
            params = {**self.counted, "sector": sector, "zone": zone}
            large = {"count": row["count_1b"], "total": row["total_1b"]}
            return Cell(
                figure(label, row, params),
                figure(label, large, {**params, "size": SizeTier.FROM_1B}) if counts_1b else None,
            )

        return CrossTable(
            _("按产业和来源区域"),
            _("产业"),
            [label for _zone, label in zones],
            [
                (self.sectors[sector].name, [cell(sector, zone) for zone, _label in zones])
                for sector in sectors
            ],
            counts_1b,
        )

    @cached_property
    def rules(self) -> list[WarningRule]:
        """The warning rules, read once for all the figures."""
        return load_rules()

    def warnings(self, as_of: date) -> "WarningsCard":
        """The 红黄绿 card as of ``as_of``: the watched projects by level, and the red and
        yellow ones by the stage they were in and by top-level park."""
        base = {"as_of": as_of.isoformat()}

        def by_level(projects: QuerySet) -> list[dict]:
            """The watched projects by level, stage and park, added up below."""
            return list(
                projects.filter(warning_level__isnull=False)
                .values("warning_level", "warning_stage", "park")
                .annotate(count=Count("pk"), total=Sum("total_investment_wan"))
                .order_by()
            )

        if kept_for(self.rules):
            # Those settled by then from the warnings' tally, the others from their dates.
            counted = WarningTally.objects.levels(as_of)
            settled_later = WarningState.objects.filter(settled_on__gt=as_of)
            if settled_later.exists():
                later = self.matching(base, warnings=True).filter(
                    pk__in=settled_later.values("project")
                )
                counted += by_level(later)
        else:
            counted = by_level(self.matching(base, warnings=True))
        levels: dict = {}
        stages: dict = {}
        parks: dict = {}

        def add(groups: dict, key: object, row: dict) -> None:
            sums = groups.setdefault(key, {}).setdefault(row["warning_level"], {})
            sums["count"] = sums.get("count", 0) + row["count"]
            sums["total"] = sums.get("total", 0) + (row["total"] or 0)

        for row in counted:
            add(levels, None, row)
            if row["warning_level"] != WarningLevel.GREEN:
                add(stages, row["warning_stage"], row)
                add(parks, self.top_level.get(row["park"], ParkFilter.NONE), row)
        levels = levels.get(None, {})

        def split(label: StrOrPromise, counts: dict, params: dict) -> WarningRow:
            red, yellow = (
                figure(label, counts.get(level, NO_PROJECTS), {**params, "warning": level})
                for level in (WarningLevel.RED, WarningLevel.YELLOW)
            )
            return WarningRow(str(label), red, yellow)

        return WarningsCard(
            as_of,
            [
                figure(level.label, levels.get(level, NO_PROJECTS), {**base, "warning": level})
                for level in (WarningLevel.RED, WarningLevel.YELLOW, WarningLevel.GREEN)
            ],
            [
                split(stage.label, stages[stage], {**base, "warning_stage": stage})
                for stage in WATCHED
                if stage in stages
            ],
            sorted(
                (
                    split(
                        self.tree.names[root] if root != ParkFilter.NONE else _("未定园区"),
                        parks[root],
                        {**base, "park": root},
                    )
                    for root in parks
                ),
                # The most flagged first; as many, by name.
                key=lambda row: (-row.red.count - row.yellow.count, row.label),
            ),
        )

    def fund_figures(self, params: dict, group: str | Expression | None = None) -> list[dict]:
        """The count and total of the entries the funds list shows for these parameters,
        and of those from outside the province, in all or for each value of ``group``:
        the project's sector, park, zone or owner, or an expression of the day. Read from
        the funds' tally (``FundTally``), in the rows the list's filter set gives."""
        filterset = FundFilterSet(
            params,
            queryset=FundEntry.objects.all(),
            park_tree=self.tree,
            sectors=self.sectors.values(),
        )
        condition = filterset.tally_q(group if isinstance(group, str) else None)
        if condition is None:
            raise ValueError(f"dashboard parameters the funds' tally cannot answer: {params}")
        return FundTally.objects.filter(condition).figures(group)

    def funds(self) -> dict:
        """The funds cards: 到位资金 and 省外到位资金 in the period and the same days a year
        earlier, each with the number of entries and the funds list of exactly them."""
        figures: dict = {}
        for key, when in (("current", self.period), ("previous", self.period.year_earlier())):
            params = FUNDS.span(when.start, when.end)
            outside = {**params, "outside_province": "true"}
            (counted,) = self.fund_figures(params)
            figures[key] = {
                "all": figure(_("到位资金"), counted, params, FUNDS.listing),
                "outside": figure(
                    _("省外到位资金"),
                    {"count": counted["outside_count"], "total": counted["outside_total"]},
                    outside,
                    FUNDS.listing,
                ),
            }
        current, previous = figures["current"], figures["previous"]
        figures["change"] = {
            name: current[name].total_yi - previous[name].total_yi for name in ("all", "outside")
        }
        return figures

    def funds_breakdowns(self) -> list[Breakdown]:
        """The period's funds in place by the project's sector, top-level park and source
        zone, and by month; each bar as long as its amount."""
        base = FUNDS.span(self.period.start, self.period.end)
        listing = FUNDS.listing

        by_sector = sorted(
            self.fund_figures(base, "sector"), key=lambda row: self.sectors[row["group"]].sort_order
        )
        parks = self.by_top_park(self.fund_figures(base, "park"))
        by_zone = {row["group"]: row for row in self.fund_figures(base, "zone")}
        return [
            Breakdown(
                _("到位资金按产业"),
                [
                    figure(
                        self.sectors[row["group"]].name,
                        row,
                        {**base, "sector": row["group"]},
                        listing,
                    )
                    for row in by_sector
                ],
                by_total=True,
            ),
            Breakdown(
                _("到位资金按园区（含下级园区）"),
                [
                    figure(self.park_name(root), row, {**base, "park": root}, listing)
                    for root, row in sorted(parks.items(), key=lambda item: -item[1]["total"])
                ],
                by_total=True,
            ),
            Breakdown(
                _("到位资金按来源区域（招商战区）"),
                [
                    figure(label, by_zone[zone], {**base, "zone": zone}, listing)
                    for zone, label in InvestmentProject.Zone.choices
                    if zone in by_zone
                ],
                by_total=True,
            ),
            Breakdown(_("到位资金按月份"), self.months(FUNDS, base), by_total=True),
        ]

    def targets(self, today: date) -> "TargetsBoard | None":
        """The annual targets of the year of the board's day, each beside its actual from
        1 January to that day, its 完成率, the 时序进度 of that day and the difference,
        with the units of each kind ranked; None for a year without targets.

        The board's day is the period's end, or ``today`` for a period that ends later:
        a year is not further on than the days it has had."""
        as_of = min(self.period.end, today)
        year_start = date(as_of.year, 1, 1)
        targets = list(AnnualTarget.objects.filter(year=as_of.year).select_related("park", "staff"))
        if not targets:
            return None
        actuals = self.target_actuals(targets, year_start, as_of)
        elapsed = year_elapsed(as_of)
        sections = []
        for measure in TARGET_MEASURES:
            lines = [
                target_line(target, measure, actuals, elapsed)
                for target in sorted(targets, key=unit_order)
            ]
            rank_lines(lines)
            sections.append(TargetSection(measure.key, measure.title, measure.in_yi, lines))
        return TargetsBoard(as_of.year, as_of, elapsed, sections)

    def target_actuals(self, targets: list[AnnualTarget], start: date, end: date) -> dict:
        """Each unit's actual of each figure, as ``{(unit, key): {figure: (value, url)}}``
        where the key is the zone, the top-level park's or the staff member's id (None for
        the county), added up here for each kind of unit from ``unit_figures``."""
        units: dict[str, set] = {}
        for target in targets:
            units.setdefault(target.unit, set()).add(unit_key(target))
        actuals: dict = {}
        for source, params, measures in target_sources(start, end):
            grouped = self.unit_figures(source, params, measures, units.keys())
            for kind, keys in units.items():
                parameter, _lookup = UNIT_LOOKUPS[kind]
                sums: dict = {}
                for row in grouped[kind]:
                    group = row["group"]
                    if kind == AnnualTarget.Unit.PARK:
                        if group not in self.top_level:
                            continue  # a project without a park counts for no park
                        group = self.top_level[group]
                    unit_sums = sums.setdefault(group, {})
                    for measure in measures:
                        unit_sums[measure.key] = unit_sums.get(measure.key, 0) + (
                            row[measure.key] or 0
                        )
                # Every unit with a target, those with nothing yet at zero, each linked
                # to its list (empty then).
                for key in keys:
                    unit_params = {} if parameter is None else {parameter: key}
                    for measure in measures:
                        url = list_url({**params, **measure.params, **unit_params}, source.listing)
                        value = sums.get(key, {}).get(measure.key, 0)
                        actuals.setdefault((kind, key), {})[measure.key] = (value, url)
        return actuals

    def unit_figures(
        self,
        source: Counting,
        params: dict,
        measures: list[TargetMeasure],
        kinds: Iterable[str],
    ) -> dict[str, list[dict]]:
        """For each kind of unit, the figures of ``measures`` by the unit's value
        (``group``, None for the county): the funds from their tally, a query a kind; the
        projects in one query grouped by every kind's field at once."""
        if source is FUNDS:
            return {
                kind: [
                    {
                        "group": row.get("group"),
                        **{measure.key: row[measure.aggregate] for measure in measures},
                    }
                    for row in self.fund_figures(params, FUND_UNITS[kind])
                ]
                for kind in kinds
            }
        aggregates = {measure.key: measure.aggregate for measure in measures}
        lookups = sorted({UNIT_LOOKUPS[kind][1] for kind in kinds if UNIT_LOOKUPS[kind][0]})
        rows = self.matching(params)
        grouped = (
            list(rows.values(*lookups).annotate(**aggregates).order_by())
            if lookups
            else [rows.aggregate(**aggregates)]
        )
        return {
            kind: [
                {**row, "group": row[UNIT_LOOKUPS[kind][1]] if UNIT_LOOKUPS[kind][0] else None}
                for row in grouped
            ]
            for kind in kinds
        }

    def latest_year(self) -> Period | None:
        """The calendar year of the latest project the breakdowns would count in any
        period, to offer when this one has none; None for a ledger without any."""
        params = {"size": self.size} if self.size else {}
        found = self.matching(params).aggregate(latest=Max(self.period.date_field))["latest"]
        if found is None:
            return None
        return Period(date(found.year, 1, 1), date(found.year, 12, 31), self.period.basis)


# The earliest start the dashboard counts from: it compares the period with the same
# days a year earlier, and there is no year 0.
EARLIEST_START = date(2, 1, 1)


class PeriodForm(BootstrapForm, forms.Form):
    """The period the dashboard counts, read from GET parameters.

    A parameter left out or empty takes its default (this year to date, by landed date, of
    亿元以上), which the form then shows as if it had been typed: its fields always show
    the period the page counts.
    """

    start = forms.DateField(
        label=_("自"),
        widget=DateInput,
        validators=[
            MinValueValidator(
                EARLIEST_START,
                message=_("最早只能从%(limit_value)s起统计，因为要与上年同期比较。"),
            )
        ],
    )
    end = forms.DateField(label=_("至"), widget=DateInput)
    basis = forms.ChoiceField(label=_("按"), choices=Period.BASES)
    size = forms.ChoiceField(
        label=_("分项统计"),
        choices=[
            (SizeTier.FROM_100M, _("亿元以上项目")),
            (SizeTier.FROM_1B, _("10亿元以上项目")),
            (ALL_SIZES, _("全部项目")),
        ],
    )

    as_of = forms.DateField(label=_("预警日期"), widget=DateInput)

    # The defaults other than the period's dates, which a link leaves out.
    DEFAULTS = {"basis": Period.BASES[0][0], "size": SizeTier.FROM_100M}

    def __init__(self, query: Mapping[str, str], today: date) -> None:
        given = {name: query.get(name) for name in self.base_fields if query.get(name)}
        defaults = {"start": date(today.year, 1, 1), "end": today, "as_of": today, **self.DEFAULTS}
        super().__init__({**defaults, **given})

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        # An end before a start that is itself wrong is not marked: only the start is.
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("结束日期不能早于开始日期。"))
        return cleaned

    def period(self) -> Period:
        data = self.cleaned_data
        return Period(data["start"], data["end"], data["basis"])

    def query(self, start: date, end: date) -> str:
        """The dashboard's query string for another period, keeping the basis and the
        size chosen (if valid), and nothing else."""
        params = {"start": start.isoformat(), "end": end.isoformat()}
        for name, default in self.DEFAULTS.items():
            value = self.cleaned_data.get(name)
            if value and value != default:
                params[name] = value
        return f"?{urlencode(params)}"

    def breakdown_size_label(self) -> StrOrPromise:
        # A ChoiceField, whose choices are (value, label) pairs once the form is made;
        # django-stubs types the field as any Field, and its choices as any they are set to.
        return dict(self.fields["size"].choices)[self.cleaned_data["size"]]  # type: ignore[attr-defined]

    def breakdown_size(self) -> str:
        """The size filter of the breakdowns; empty for all projects."""
        size = self.cleaned_data["size"]
        return "" if size == ALL_SIZES else size


def year_label(year: int) -> str:
    return _("%(year)s年全年") % {"year": year}


def presets(today: date) -> list[tuple[StrOrPromise, date, date]]:
    """Quick periods, as (label, start, end): this year to date, the last twelve months and
    the two years before."""
    year = today.year
    return [
        (_("今年以来"), date(year, 1, 1), today),
        (_("最近12个月"), add_years(today, -1) + timedelta(days=1), today),
        *(
            (year_label(past), date(past, 1, 1), date(past, 12, 31))
            for past in (year - 1, year - 2)
        ),
    ]


def sheets(
    period: Period,
    cards: dict,
    tables: list[Breakdown],
    crossed: CrossTable,
    funds: dict | None = None,
    funds_tables: Iterable[Breakdown] = (),
    targets: TargetsBoard | None = None,
) -> list[Sheet]:
    """The dashboard as sheets for the monthly report: the headline figures (funds in
    place among them), each table, the cross table's counts, then the funds' tables and
    the targets, one sheet for all of them."""
    current, previous, change = cards["current"], cards["previous"], cards["change"]
    headline_rows = [
        (_("落地亿元以上项目（个）"), current["count"], previous["count"], change["count"]),
        (
            _("其中10亿元以上项目（个）"),
            current["count_1b"],
            previous["count_1b"],
            change["count_1b"],
        ),
        (_("总投资（亿元）"), current["total_yi"], previous["total_yi"], change["total_yi"]),
        (_("亿元以上租赁制造业项目累计（个）"), cards["leased"]["count"], None, None),
    ]
    if funds is not None:
        for key, label in (("all", _("到位资金（亿元）")), ("outside", _("省外到位资金（亿元）"))):
            headline_rows.append(
                (
                    label,
                    funds["current"][key].total_yi,
                    funds["previous"][key].total_yi,
                    funds["change"][key],
                )
            )
    overview = Sheet(
        _("概况"),
        [
            _("指标"),
            f"{period.start:%Y-%m-%d}—{period.end:%Y-%m-%d}",
            _("上年同期"),
            _("变化"),
        ],
        [[str(label), *values] for label, *values in headline_rows],
    )
    result = [
        overview,
        *(
            Sheet(
                table.title,
                [_("分组"), _("项目数"), _("总投资（亿元）")],
                [[item.label, item.count, item.total_yi] for item in table.figures],
            )
            for table in tables
        ),
        Sheet(
            crossed.title,
            [crossed.corner, *crossed.columns],
            [
                [label, *(cell.figure.count if cell else 0 for cell in cells)]
                for label, cells in crossed.rows
            ],
        ),
        *(
            Sheet(
                table.title,
                [_("分组"), _("笔数"), _("到位资金（亿元）")],
                [[item.label, item.count, item.total_yi] for item in table.figures],
            )
            for table in funds_tables
        ),
    ]
    if targets is not None:
        result.append(
            Sheet(
                _("年度目标"),
                [
                    _("指标"),
                    _("考核对象类别"),
                    _("考核对象"),
                    _("年度目标"),
                    _("完成"),
                    _("完成率（%）"),
                    _("时序进度（%）"),
                    _("超/欠进度（百分点）"),
                    _("排名"),
                ],
                [
                    [
                        str(section.title),
                        str(AnnualTarget.Unit(line.kind).label),
                        line.unit,
                        line.target,
                        line.actual,
                        line.rate,
                        targets.elapsed,
                        line.ahead,
                        line.rank,
                    ]
                    for section in targets.sections
                    for line in section.lines
                ],
            )
        )
    return result


# The problem list's parameters for each figure of its card: open, and open past due.
PROBLEM_FIGURES: dict[str, dict[str, str | list[str]]] = {
    "open": {"status": list(Problem.OPEN_STATUSES)},
    "overdue": {"overdue": "true"},
}


def problem_figures() -> dict[str, dict]:
    """The open and the overdue problems, each counted by the problem list's own filter set
    on the parameters of its link, so that the link lists exactly the problems counted."""
    figures = {}
    for key, params in PROBLEM_FIGURES.items():
        filterset = ProblemFilterSet(params, queryset=Problem.objects.all())
        if not filterset.is_valid():
            raise ValueError(f"problem parameters rejected: {filterset.errors.as_json()}")
        query = urlencode(params, doseq=True)
        figures[key] = {
            "count": filterset.qs.count(),
            "url": f"{reverse('projects:problem_list')}?{query}",
        }
    return figures
