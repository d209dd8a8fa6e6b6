"""What the monthly report says: its sections, each a table (the sheet the XLSX writes)
with, where it has them, sentences and a chart.

Every figure comes from ``projects.dashboard.Dashboard`` for the report's period and basis
(the same filter set as the lists and the dashboard), so the three cannot disagree. The
先租后供 sections read the leases as the lease list and the dashboard's 需关注 list do.
A section is one item of ``Report.sections``.
"""

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from projects.dashboard import Breakdown, Dashboard, Period, TargetsBoard, sheets
from projects.lists.sheets import Sheet
from projects.models import (
    AnnualTarget,
    Assessment,
    Decision,
    InvestmentProject,
    LeaseAgreement,
    SizeTier,
)
from projects.units import wan_to_yi
from projects.views import DUE_SOON_DAYS

# How many of the period's largest projects the summary names.
NAMED_PROJECTS = 3
ONE_PLACE = Decimal("0.1")


@dataclass
class Section:
    """One part of the report: its table, and the paragraphs and chart it opens with. The
    summary has paragraphs only; the XLSX writes their sentences as its sheet's rows."""

    title: str
    sheet: Sheet | None = None
    paragraphs: list[list[str]] = field(default_factory=list)  # each a list of sentences
    chart: Breakdown | None = None
    empty: str = ""  # what the PDF says in place of a table without rows

    @property
    def sentences(self) -> list[str]:
        return [sentence for paragraph in self.paragraphs for sentence in paragraph]

    def xlsx_sheet(self) -> Sheet:
        """The section as a sheet of the XLSX, named by its title."""
        if self.sheet is not None:
            return Sheet(self.title, self.sheet.headers, self.sheet.rows)
        return Sheet(self.title, [self.title], [[sentence] for sentence in self.sentences])

    def shown_rows(self) -> list[list[tuple[str, str]]]:
        """The table's rows as the PDF shows them: each cell's text and its class, "num"
        for a number or a date (set right-aligned, never wrapped), "short" for a word of
        a few characters (a stage, a colour: never wrapped); amounts with two decimals and
        thousands separators."""
        if self.sheet is None:
            return []
        return [[shown(value) for value in row] for row in self.sheet.rows]


# Text of up to this many characters is a word that the PDF never wraps.
SHORT_TEXT = 4


def shown(value: object) -> tuple[str, str]:
    """A cell of a table as the PDF writes it, and its class."""
    if value is None:
        return "—", ""
    if isinstance(value, Decimal):
        return formats.number_format(value, 2, use_l10n=True, force_grouping=True), "num"
    if isinstance(value, int):
        return formats.number_format(value, use_l10n=True, force_grouping=True), "num"
    if isinstance(value, date):
        return value.isoformat(), "num"
    text = str(value)
    return text, "short" if len(text) <= SHORT_TEXT else ""


@dataclass
class Report:
    """The monthly report of a period: title, office, date made and sections."""

    period: Period
    made_on: date
    office: str
    period_label: str
    headline: dict
    sections: list[Section]

    @property
    def title(self) -> str:
        """The report's title, in the active language."""
        return _("缙云县招商引资工作月报")

    def xlsx_sheets(self) -> list[Sheet]:
        """The report's sections as the XLSX's sheets, in order."""
        return [section.xlsx_sheet() for section in self.sections]


def whole_months(period: Period) -> bool:
    """Whether the period runs from the first day of a month to the last of one."""
    last_day = calendar.monthrange(period.end.year, period.end.month)[1]
    return period.start.day == 1 and period.end.day == last_day


def month(day: date) -> str:
    """A month as a period names it: its number in Chinese (2025年1—4月), its name in
    English (January–April 2025)."""
    return formats.date_format(day, pgettext("month of a period, as a date format", "n"))


def period_label(period: Period) -> str:
    """The period as the report's title gives it: 2024年, 2025年3月, 2025年1—4月, or its
    two dates."""
    start, end = period.start, period.end
    names = {"year": start.year, "first": month(start), "last": month(end)}
    if whole_months(period) and start.year == end.year:
        if start.month == 1 and end.month == 12:
            return _("%(year)s年") % names
        if start.month == end.month:
            return _("%(year)s年%(first)s月") % names
        return _("%(year)s年%(first)s—%(last)s月") % names
    return _("%(start)s至%(end)s") % {"start": start.isoformat(), "end": end.isoformat()}


def sentence_lead(period: Period) -> str:
    """The period as a summary sentence opens with: 2025年1月至4月 for months of one year,
    as the county's reports write it, otherwise as the title gives it."""
    start, end = period.start, period.end
    several_months = whole_months(period) and start.year == end.year and start.month < end.month
    if several_months and not (start.month == 1 and end.month == 12):
        return _("%(year)s年%(first)s月至%(last)s月") % {
            "year": start.year,
            "first": month(start),
            "last": month(end),
        }
    return period_label(period)


def yi(amount: Decimal) -> str:
    """An amount in 亿元 as a sentence gives it: two decimals, thousands separated."""
    return formats.number_format(amount, 2, use_l10n=True, force_grouping=True)


def round_yi(amount_wan: Decimal) -> str:
    """A project's amount in 亿元 as a sentence names it: 15, 10.4, 2.35."""
    return format(wan_to_yi(amount_wan).normalize(), "f")


def percent(change: Decimal | int, base: Decimal | int) -> str:
    """``change`` as a share of ``base`` in per cent, to one decimal, without its sign."""
    share = abs(Decimal(change)) * 100 / Decimal(base)
    return str(share.quantize(ONE_PLACE, rounding=ROUND_HALF_UP))


def basis_verb(period: Period) -> str:
    """What the counted projects did in the period: 落地 (landed) or 签约 (signed)."""
    return pgettext("report", "签约") if period.basis == "signed" else pgettext("report", "落地")


def summary(board: Dashboard, headline: dict, made_on: date) -> list[str]:
    """The summary paragraph: the period's projects of 亿元以上 and 10亿元以上 and their
    total, the year before and the change, the largest projects, the leased manufacturing
    projects, the 红黄绿 count at the period's end and the leases needing attention."""
    period = board.period
    current, previous, change = headline["current"], headline["previous"], headline["change"]
    lead, verb = sentence_lead(period), basis_verb(period)
    sentences = []
    if current["count"]:
        sentences.append(
            ngettext(
                "%(lead)s，全县招引%(verb)s亿元以上项目%(count)s个，含10亿元以上项目%(count_1b)s个，总投资%(total)s亿元。",
                "%(lead)s，全县招引%(verb)s亿元以上项目%(count)s个，含10亿元以上项目%(count_1b)s个，总投资%(total)s亿元。",
                current["count"],
            )
            % {
                "lead": lead,
                "verb": verb,
                "count": current["count"],
                "count_1b": current["count_1b"],
                "total": yi(current["total_yi"]),
            }
        )
    else:
        sentences.append(
            _("%(lead)s，全县没有招引%(verb)s亿元以上项目。") % {"lead": lead, "verb": verb}
        )
    sentences.extend(year_on_year(current, previous, change))
    largest = largest_projects(board)
    if largest:
        names = [
            _("总投资%(amount)s亿元的%(name)s")
            % {"amount": round_yi(project.total_investment_wan), "name": project.name}
            for project in largest
        ]
        sentences.append(_("其中规模较大的有%(projects)s。") % {"projects": _("、").join(names)})
    sentences.append(
        ngettext(
            "截至%(date)s，累计落地亿元以上租赁制造业项目%(count)s个。",
            "截至%(date)s，累计落地亿元以上租赁制造业项目%(count)s个。",
            headline["leased"]["count"],
        )
        % {"date": made_on.isoformat(), "count": headline["leased"]["count"]}
    )
    return sentences


def year_on_year(current: dict, previous: dict, change: dict) -> list[str]:
    """The same period a year earlier, and how the count and the total changed."""
    if not previous["count"]:
        return [_("上年同期没有此类项目。")] if current["count"] else []
    sentences = [
        ngettext(
            "上年同期亿元以上项目%(count)s个，含10亿元以上项目%(count_1b)s个，总投资%(total)s亿元。",
            "上年同期亿元以上项目%(count)s个，含10亿元以上项目%(count_1b)s个，总投资%(total)s亿元。",
            previous["count"],
        )
        % {
            "count": previous["count"],
            "count_1b": previous["count_1b"],
            "total": yi(previous["total_yi"]),
        }
    ]
    counted = {
        "change": abs(change["count"]),
        "percent": percent(change["count"], previous["count"]),
    }
    if change["count"] > 0:
        sentences.append(
            ngettext(
                "与上年同期相比，项目数增加%(change)s个，增长%(percent)s%%。",
                "与上年同期相比，项目数增加%(change)s个，增长%(percent)s%%。",
                counted["change"],
            )
            % counted
        )
    elif change["count"] < 0:
        sentences.append(
            ngettext(
                "与上年同期相比，项目数减少%(change)s个，下降%(percent)s%%。",
                "与上年同期相比，项目数减少%(change)s个，下降%(percent)s%%。",
                counted["change"],
            )
            % counted
        )
    else:
        sentences.append(_("与上年同期相比，项目数持平。"))
    if previous["total_yi"]:
        total = {"percent": percent(change["total_yi"], previous["total_yi"])}
        if change["total_yi"] > 0:
            sentences.append(_("总投资增长%(percent)s%%。") % total)
        elif change["total_yi"] < 0:
            sentences.append(_("总投资下降%(percent)s%%。") % total)
        else:
            sentences.append(_("总投资与上年同期持平。"))
    return sentences


def period_projects(board: Dashboard) -> QuerySet[InvestmentProject]:
    """The period's projects of 亿元以上, as the dashboard's card counts them, largest
    first."""
    return (
        board.matching({**board.period.params(), "size": SizeTier.FROM_100M})
        .select_related("company", "sector", "park")
        .order_by("-total_investment_wan", "pk")
    )


def largest_projects(board: Dashboard) -> list[InvestmentProject]:
    """The period's largest projects, which the summary names."""
    return list(period_projects(board)[:NAMED_PROJECTS])


def project_section(board: Dashboard) -> Section:
    """The period's projects of 亿元以上: name, company, sector, park, amount, stage, dates."""
    fields = InvestmentProject._meta
    headers = [
        _("项目名称"),
        fields.get_field("company").verbose_name,
        fields.get_field("sector").verbose_name,
        fields.get_field("park").verbose_name,
        _("总投资（亿元）"),
        fields.get_field("stage").verbose_name,
        fields.get_field("signed_date").verbose_name,
        fields.get_field("landed_date").verbose_name,
    ]
    rows = [
        [
            project.name,
            project.company.name,
            project.sector.name,
            project.park.name if project.park else None,
            wan_to_yi(project.total_investment_wan),
            project.get_stage_display(),
            project.signed_date,
            project.landed_date,
        ]
        for project in period_projects(board)
    ]
    return Section(_("亿元以上项目清单"), Sheet(_("亿元以上项目清单"), headers, rows))


def warnings_section(board: Dashboard) -> tuple[list[str], Section]:
    """The 红黄绿 count at the period's end, as a sentence and a section: the watched
    projects by colour, and the red and yellow ones by the stage they were in, as the
    dashboard's card counts them."""
    card = board.warnings(board.period.end)
    red, yellow, green = (level.count for level in card.levels)
    if red or yellow:
        sentence = _("截至%(date)s，预警项目红色%(red)s个、黄色%(yellow)s个，绿色%(green)s个。")
    else:
        sentence = _("截至%(date)s，没有红色或黄色预警的项目。")
    rows: list[list] = [[_("全部"), red, yellow, green]]
    rows += [[row.label, row.red.count, row.yellow.count, None] for row in card.by_stage]
    title = _("预警（红黄绿）")
    sheet = Sheet(title, [_("阶段"), _("红色"), _("黄色"), _("绿色")], rows)
    counts = {"date": card.as_of.isoformat(), "red": red, "yellow": yellow, "green": green}
    return [sentence % counts], Section(title, sheet)


def funds_sentences(period: Period, funds: dict, targets: TargetsBoard | None) -> list[str]:
    """到位资金 as the summary gives it: the period's and the year before's, the change,
    and the county's 到位资金 target for the year against 时序进度."""
    current, previous = funds["current"]["all"], funds["previous"]["all"]
    outside = funds["current"]["outside"]
    lead = sentence_lead(period)
    if not current.count:
        sentences = [_("%(lead)s，全县没有到位资金记录。") % {"lead": lead}]
    else:
        sentences = [
            _("%(lead)s，全县实际到位资金%(total)s亿元，其中省外到位资金%(outside)s亿元。")
            % {"lead": lead, "total": yi(current.total_yi), "outside": yi(outside.total_yi)}
        ]
    if previous.total_yi:
        change = funds["change"]["all"]
        counted = {
            "previous": yi(previous.total_yi),
            "percent": percent(change, previous.total_yi),
        }
        if change > 0:
            sentence = _("上年同期到位资金%(previous)s亿元，同比增长%(percent)s%%。")
        elif change < 0:
            sentence = _("上年同期到位资金%(previous)s亿元，同比下降%(percent)s%%。")
        else:
            sentence = _("上年同期到位资金%(previous)s亿元，与上年同期持平。")
        sentences.append(sentence % counted)
    county = next(
        (
            line
            for section in (targets.sections if targets else [])
            if section.key == "funds_wan"
            for line in section.lines
            if line.kind == AnnualTarget.Unit.COUNTY and line.rate is not None
        ),
        None,
    )
    if targets is not None and county is not None:
        progress: dict[str, object] = {
            "target": yi(Decimal(county.target or 0)),
            "actual": yi(Decimal(county.actual)),
            "rate": county.rate,
            "elapsed": targets.elapsed,
            "gap": county.gap,
        }
        if county.ahead is not None and county.ahead >= 0:
            sentence = _(
                "全县全年到位资金目标%(target)s亿元，已完成%(actual)s亿元，完成率%(rate)s%%，"
                "时序进度%(elapsed)s%%，超进度%(gap)s个百分点。"
            )
        else:
            sentence = _(
                "全县全年到位资金目标%(target)s亿元，已完成%(actual)s亿元，完成率%(rate)s%%，"
                "时序进度%(elapsed)s%%，欠进度%(gap)s个百分点。"
            )
        sentences.append(sentence % progress)
    return sentences


def lease_sections(period: Period, made_on: date) -> tuple[list[str], list[Section]]:
    """先租后供, as sentences and sections: the leases by status on the day the report is
    made, the assessments and decisions of the period, and the leases the dashboard lists
    as needing attention (overdue, or due within its days) that day."""
    statuses = Counter(LeaseAgreement.objects.values_list("status", flat=True))
    by_status = Sheet(
        _("先租后供协议状态"),
        [_("状态"), _("协议数")],
        [[str(label), statuses[value]] for value, label in LeaseAgreement.Status.choices],
    )
    assessed = Counter(
        Assessment.objects.filter(assessed_on__range=(period.start, period.end)).values_list(
            "kind", flat=True
        )
    )
    decided = Counter(
        Decision.objects.filter(decided_on__range=(period.start, period.end)).values_list(
            "kind", flat=True
        )
    )
    in_period = Sheet(
        _("本期考核与决定"),
        [_("类别"), _("次数")],
        [
            *([str(label), assessed[value]] for value, label in Assessment.Kind.choices),
            *([str(label), decided[value]] for value, label in Decision.Kind.choices),
        ],
    )
    attention = (
        LeaseAgreement.objects.needing_attention(DUE_SOON_DAYS, made_on)
        .select_related("parcel", "project")
        .order_by("next_date", "pk")
    )
    due = []
    for lease in attention:
        deadline = lease.next_deadline(made_on)
        if deadline is not None:
            due.append(
                [
                    lease.parcel.code,
                    lease.project.name,
                    str(deadline.label),
                    deadline.when,
                    deadline.distance(),
                ]
            )
    needing = Sheet(
        _("先租后供需关注"),
        [_("地块"), _("招引项目"), _("期限"), _("日期"), _("距今")],
        due,
    )
    counts = {
        "assessments": sum(assessed.values()),
        "decisions": sum(decided.values()),
        "due": len(due),
        "days": DUE_SOON_DAYS,
    }
    sentences = [
        _("本期完成先租后供考核%(assessments)s次，作出考核决定%(decisions)s项。") % counts,
        _("截至%(date)s，%(due)s份协议已逾期或在%(days)s天内到期。")
        % {**counts, "date": made_on.isoformat()},
    ]
    return sentences, [
        Section(by_status.title, by_status),
        Section(in_period.title, in_period),
        Section(needing.title, needing, empty=_("没有逾期或即将到期的协议。")),
    ]


def build(period: Period, made_on: date | None = None) -> Report:
    """The monthly report of ``period``, made on ``made_on`` (today by default), in the
    active language."""
    made_on = made_on or timezone.localdate()
    board = Dashboard(period, SizeTier.FROM_100M)
    headline = board.headline()
    tables = board.breakdowns()
    crossed = board.crossed()
    funds, funds_tables, targets = board.funds(), board.funds_breakdowns(), board.targets(made_on)
    overview, *rest = sheets(period, headline, tables, crossed, funds, funds_tables, targets)
    table_sheets, crossed_sheet = rest[: len(tables)], rest[len(tables)]
    funds_sheets = rest[len(tables) + 1 : len(tables) + 1 + len(funds_tables)]
    targets_sheets = rest[len(tables) + 1 + len(funds_tables) :]
    warning_sentences, warnings = warnings_section(board)
    lease_sentences, leases = lease_sections(period, made_on)
    paragraphs = [
        summary(board, headline, made_on),
        funds_sentences(period, funds, targets),
        warning_sentences,
        lease_sentences,
    ]
    return Report(
        period=period,
        made_on=made_on,
        office=settings.REPORT_OFFICE,
        period_label=period_label(period),
        headline=headline,
        sections=[
            Section(_("摘要"), paragraphs=paragraphs),
            Section(overview.title, overview),
            *(
                Section(str(table.title), sheet, chart=table)
                for table, sheet in zip(tables, table_sheets, strict=True)
            ),
            Section(crossed_sheet.title, crossed_sheet),
            project_section(board),
            *(
                Section(str(table.title), sheet, chart=table)
                for table, sheet in zip(funds_tables, funds_sheets, strict=True)
            ),
            *(Section(sheet.title, sheet) for sheet in targets_sheets),
            warnings,
            *leases,
        ],
    )
