"""The leaders' figures: projects by period, tier, industry, park, zone, stage and month,
and industry crossed with zone.

Every figure is computed by running the projects list's own filter set on the same GET
parameters its link carries, so the dashboard and the list cannot disagree: a figure's
link opens exactly the rows it counts.
"""

import calendar
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Count, Expression, F, Max, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from projects.filters import ParkFilter, ProblemFilterSet, ProjectFilterSet
from projects.forms import BootstrapForm, DateInput
from projects.lists.sheets import Sheet
from projects.models import (
    InvestmentProject,
    Park,
    Problem,
    Sector,
    SizeTier,
    WarningLevel,
    WarningRule,
)
from projects.models.leases import add_years
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


def list_url(params: dict) -> str:
    return f"{reverse('projects:project_list')}?{urlencode(params, doseq=True)}"


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

    @property
    def largest(self) -> int:
        """The largest count, which the chart's longest bar stands for."""
        return max((figure.count for figure in self.figures), default=0)


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


def figure(label: StrOrPromise, row: Mapping, params: dict) -> Figure:
    return Figure(str(label), row["count"], wan_to_yi(row["total"] or 0), list_url(params))


NO_PROJECTS = {"count": 0, "total": 0}


class Dashboard:
    """The figures of one period, read with the projects list's filter set."""

    def __init__(self, period: Period, size: str) -> None:
        self.period = period
        self.size = size
        self.tree = Park.objects.tree()
        self.sectors = {sector.pk: sector for sector in Sector.objects.all()}
        # The list's parameters for the projects the breakdowns count.
        self.counted = {**period.params(), **({"size": size} if size else {})}

    def matching(self, params: dict) -> QuerySet:
        """The projects the list shows for these parameters."""
        filterset = ProjectFilterSet(
            params,
            queryset=InvestmentProject.objects.all(),
            park_tree=self.tree,
            sectors=self.sectors.values(),
            rules=self.rules,
        )
        if not filterset.is_valid():
            raise ValueError(f"dashboard parameters rejected: {filterset.errors.as_json()}")
        return filterset.qs

    def headline(self) -> dict:
        """The cards: 亿元以上 projects in the period, those of 10亿元以上, their total, the
        same a year earlier, and the leased manufacturing projects of 亿元以上 landed so far."""
        figures = {}
        for key, when in (("current", self.period), ("previous", self.period.year_earlier())):
            params = {**when.params(), "size": SizeTier.FROM_100M}
            counted = self.matching(params).aggregate(
                count=Count("pk"),
                count_1b=Count("pk", filter=SizeTier.counted_q(SizeTier.FROM_1B)),
                total=Sum("total_investment_wan"),
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

    def grouped(self, params: dict, key: str | Expression) -> list[dict]:
        """Count and total of the matching projects per value of ``key``, in one query."""
        expression = F(key) if isinstance(key, str) else key
        return list(
            self.matching(params)
            .values(group=expression)
            .annotate(count=Count("pk"), total=Sum("total_investment_wan"))
            .order_by("group")
        )

    def breakdowns(self) -> list[Breakdown]:
        """The period's projects by sector, sector group, park, zone, stage and month."""
        base = self.counted

        by_sector = sorted(
            self.grouped(base, "sector"), key=lambda row: self.sectors[row["group"]].sort_order
        )
        by_group = {row["group"]: row for row in self.grouped(base, "sector__group")}

        top_level = self.top_level
        parks: dict = {}
        root: int | str  # a park's key, or ParkFilter.NONE
        for row in self.grouped(base, "park"):
            root = top_level.get(row["group"], ParkFilter.NONE)
            total = parks.setdefault(root, {"count": 0, "total": 0})
            total["count"] += row["count"]
            total["total"] += row["total"] or 0

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
                    figure(
                        self.tree.names[root] if root != ParkFilter.NONE else _("未定园区"),
                        parks[root],
                        {**base, "park": root},
                    )
                    for root in sorted(parks, key=lambda root: -parks[root]["count"])
                ],
            ),
            choices_table(
                _("按来源区域（招商战区）"), InvestmentProject.Zone.choices, by_zone, "zone"
            ),
            choices_table(_("按阶段"), InvestmentProject.Stage.choices, by_stage, "stage"),
            Breakdown(_("按月份"), self.months()),
        ]

    def months(self) -> list[Figure]:
        """The period's projects month by month, a month without any as zero, so that the
        chart is a true series; none at all for a period without projects."""
        period = self.period
        rows = {
            row["group"]: row for row in self.grouped(self.counted, TruncMonth(period.date_field))
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
            span = Period(max(month, period.start), min(last_day, period.end), period.basis)
            row = rows.get(month, NO_PROJECTS)
            series.append(figure(f"{month:%Y-%m}", row, {**self.counted, **span.params()}))
        return series

    def crossed(self) -> CrossTable:
        """The period's projects by sector (rows) and source zone (columns); each cell also
        counts those of 10亿元以上, unless only those are counted."""
        of_1b = SizeTier.counted_q(SizeTier.FROM_1B)
        counted = (
            self.matching(self.counted)
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
        # One query: the watched projects by level, stage and park, added up here.
        counted = (
            self.matching(base)
            .filter(warning_level__isnull=False)
            .values("warning_level", "warning_stage", "park")
            .annotate(count=Count("pk"), total=Sum("total_investment_wan"))
            .order_by()
        )
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
            [
                split(
                    self.tree.names[root] if root != ParkFilter.NONE else _("未定园区"),
                    parks[root],
                    {**base, "park": root},
                )
                for root in sorted(
                    parks, key=lambda root: -sum(level["count"] for level in parks[root].values())
                )
            ],
        )

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
    period: Period, cards: dict, tables: list[Breakdown], crossed: CrossTable
) -> list[Sheet]:
    """The dashboard as sheets for the monthly report: the headline figures, each table,
    then the cross table's counts."""
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
    return [
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
    ]


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
