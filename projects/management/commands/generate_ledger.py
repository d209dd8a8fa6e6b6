"""Generate a large synthetic ledger for load tests and benchmarks.

``python manage.py generate_ledger --projects 100000 --seed 1`` writes companies, parks
(four top-level zones with their sub-parks and 小微园), parcels, projects, 先租后供 leases
with targets, assessments and decisions, and three entries of funds in place for every
signed project, in proportions that resemble the county's ledger.
The same seed always gives the same rows. Every row is illustrative (示例数据) and its name
or code ends with 示例·生成S<seed>, so nothing generated can be taken for a real record or
collide with one; a seed already used in the database is refused.

Rows are written with ``bulk_create`` in batches inside one transaction: nothing is
validated row by row, so the generator itself keeps every rule of the models (stage dates
in pipeline order, the current stage dated and later stages not, fixed investment within
the total, lease end dates computed as ``LeaseAgreement.save`` would).
"""

import json
import math
import random
import time
import uuid
from bisect import bisect
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from statistics import NormalDist
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import override_settings

from projects.models import (
    Assessment,
    Company,
    Decision,
    FundEntry,
    Indicator,
    IndicatorResult,
    InvestmentProject,
    LandParcel,
    LeaseAgreement,
    LeaseTarget,
    Park,
    ProjectParcel,
    Sector,
)
from projects.models.kept import made_from_the_rows_at_the_end
from projects.models.leases import add_years
from projects.units import M2_PER_MU, TWO_PLACES
from projects.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

# Generated dates never pass this day, so a seed gives the same ledger whenever it runs.
AS_OF = date(2026, 10, 31)
# Relative number of projects signed each year: the county attracts a little more each year.
SIGNED_PER_YEAR = {
    2015: 6, 2016: 7, 2017: 8, 2018: 8, 2019: 9, 2020: 8,
    2021: 10, 2022: 10, 2023: 11, 2024: 12, 2025: 12, 2026: 10,
}  # fmt: skip
# Total investment is log-normal around 5,000 万元: about 30 % reach 1 亿元 and about
# 1 % reach 10 亿元. Amounts are drawn by stratified sampling, so these shares hold even
# for a few hundred projects.
MEDIAN_WAN, SIGMA = 5000, 1.3
MIN_WAN, MAX_WAN = 100, 2_000_000
# Days from one stage to the next: 签约→落地→供地→开工→竣工→投产.
STAGE_GAPS = ((15, 120), (30, 240), (20, 180), (240, 900), (20, 180))
STALL = 0.07  # chance that a project stops before each next stage
# Funds in place: entries per signed project, and how often each kind comes.
FUNDS_PER_PROJECT = 3
FUND_KINDS = {"fixed_assets": 6, "registered_capital": 3, "other": 1}
OUTSIDE_ZONES = ("yangtze_delta", "pearl_delta", "central", "overseas")
TERMINATED = 0.04
LEASED_MANUFACTURING = 0.08
COMPANIES_PER_PROJECT = 0.8

ZONES = {
    "yangtze_delta": (37, [("上海", "310000"), ("苏州", "320500"), ("无锡", "320200"),
                           ("常州", "320400"), ("南京", "320100"), ("合肥", "340100")]),
    "in_province": (30, [("缙云", "331122"), ("杭州", "330100"), ("宁波", "330200"),
                         ("温州", "330300"), ("台州", "331000"), ("金华", "330700"),
                         ("永康", "330784"), ("丽水", "331100")]),
    "pearl_delta": (20, [("深圳", "440300"), ("广州", "440100"), ("东莞", "441900"),
                         ("佛山", "440600")]),
    "central": (8, [("长沙", "430100"), ("武汉", "420100"), ("郑州", "410100"),
                    ("南昌", "360100")]),
    "overseas": (4, [("新加坡", "331122"), ("德国", "331122"), ("日本", "331122")]),
    "other": (1, [("成都", "510100"), ("西安", "610100")]),
}  # fmt: skip
BRAND = "瑞恒泰鑫华达凯宏盛安锐博创德丰永嘉金力联晟远祥兴通宇佳诚信源"
TRADE = ("科技", "机械", "实业", "智能科技", "制造", "新材料", "电器", "车业", "能源科技")
PRODUCTS = {
    "机械装备": ("数控机床", "精密轴承", "液压件", "工业阀门", "减速机", "五金工具", "锯链"),
    "短途交通": ("电动摩托车", "电动自行车", "越野摩托车", "全地形车", "电动滑板车"),
    "智能家电": ("厨房电器", "小家电", "智能马桶", "空气净化器", "电热水器"),
    "健康医疗": ("医用敷料", "康复器械", "医用导管", "体外诊断试剂", "按摩器具"),
    "电动汽车": ("汽车零部件", "电驱系统", "汽车线束", "车用电机", "充电桩"),
    "光伏": ("光伏组件", "光伏支架", "光伏逆变器", "光伏玻璃"),
    "新能源": ("储能电池", "锂电池材料", "风电部件", "储能系统"),
    "新材料": ("特种合金", "高分子材料", "复合材料", "不锈钢材"),
    "氢能装备": ("氢燃料电池", "电解槽", "储氢瓶", "加氢设备"),
    "车规级智能感知": ("车载雷达", "车载摄像头", "智能传感器", "毫米波雷达"),
    "泛半导体新材料": ("电子特气", "光刻胶", "碳化硅衬底", "半导体封装材料"),
    "低空卫星新基建": ("无人机", "卫星通信终端", "低空飞行器部件"),
}
GENERIC_PRODUCTS = ("工业零部件", "智能装备", "电子元件")
PROJECT_KINDS = ("生产基地", "智能化生产线", "扩建", "技改", "产业化", "智能制造")
UNITS = ("万台", "万件", "万套", "吨", "万只")
RESPONSIBLE = ("县经济商务局招商科", "经济开发区招商局", "高新区管委会", "壶镇镇人民政府")
# Sector weights by the fixture's sort order (leading sectors attract most projects);
# sectors of another ledger are weighted by group.
SECTOR_WEIGHTS = {1: 16, 2: 14, 3: 10, 4: 8, 5: 8, 6: 6, 7: 7, 8: 9, 9: 3, 10: 4, 11: 3, 12: 2}
GROUP_WEIGHTS = {"leading": 10, "emerging": 7, "future": 3}
# (name, kind, parent, town, planned area in 亩, weight for projects); micro parks
# (小微园) take only small projects, which rent standard factory floors and no parcel.
PARKS = (
    ("丽缙高新区", "high_tech_zone", None, "新碧街道", 15000, 8),
    ("缙云经济开发区", "development_zone", None, "五云街道", 20000, 10),
    ("壶镇工业功能区", "town_area", None, "壶镇镇", 8000, 8),
    ("东方镇工业功能区", "town_area", None, "东方镇", 5000, 4),
    ("新碧园区", "industrial_park", "缙云经济开发区", "新碧街道", 3000, 6),
    ("新建园区", "industrial_park", "缙云经济开发区", "新建镇", 3000, 5),
    ("五东园区", "industrial_park", "缙云经济开发区", "五云街道", 4000, 6),
    ("舒洪园区", "industrial_park", "缙云经济开发区", "舒洪镇", 3000, 4),
    ("智能短途交通产业园", "industrial_park", "缙云经济开发区", "五云街道", 1500, 4),
    ("智能制造产业园", "industrial_park", "丽缙高新区", "新碧街道", 2000, 5),
    ("壶镇特色智造产业园", "industrial_park", "壶镇工业功能区", "壶镇镇", 1200, 4),
    ("丽缙小微园", "micro_park", "丽缙高新区", "新碧街道", None, 3),
    ("壶镇小微园", "micro_park", "壶镇工业功能区", "壶镇镇", None, 3),
    ("五云小微园", "micro_park", "五东园区", "五云街道", None, 2),
    ("新建小微园", "micro_park", "新建园区", "新建镇", None, 2),
    ("东方小微园", "micro_park", "东方镇工业功能区", "东方镇", None, 2),
)
TRANSFER_MODES = {"auction": 60, "agreement": 15, "flexible_term": 25}
TERM_YEARS = {"auction": 50, "agreement": 50, "flexible_term": 20}
LEASE_TARGETS = (
    (Indicator.INVESTMENT_INTENSITY, (250, 300, 350, 400)),
    (Indicator.TAX_PER_MU, (15, 20, 25, 30)),
    (Indicator.OUTPUT_PER_MU, (200, 300, 400)),
)
SEED_MAX = 99_999


def money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def day_between(rng: random.Random, start: date, low: int, high: int) -> date:
    return start + timedelta(days=rng.randint(low, high))


def encode(number: int, width: int) -> str:
    """A number written with the credit code's alphabet, left-padded to ``width``."""
    digits = []
    for _position in range(width):
        number, digit = divmod(number, len(CREDIT_CODE_ALPHABET))
        digits.append(CREDIT_CODE_ALPHABET[digit])
    return "".join(reversed(digits))


Item = TypeVar("Item")
Record = TypeVar("Record", bound=Model)


class Weighted(Generic[Item]):
    """Draws items with fixed weights (``random.choices`` recomputes its sums every call)."""

    def __init__(self, items: Iterable[Item], weights: Iterable[float]) -> None:
        self.items = list(items)
        self.cumulative = list(accumulate(weights))

    def pick(self, rng: random.Random) -> Item:
        """One of the items, drawn by its weight."""
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


class Rows(Generic[Record]):
    """Makes unsaved instances of a model from attribute values by position, the fast path
    of ``Model.__init__`` that Django itself uses to load rows: several times faster than
    keyword arguments, which matters for hundreds of thousands of rows. Attributes not
    given take the field's default; an unknown attribute is an error."""

    def __init__(self, model: type[Record]) -> None:
        self.model = model
        self.fields = [(f.attname, f.get_default()) for f in model._meta.concrete_fields]
        self.attnames = {attname for attname, _default in self.fields}

    def __call__(self, **values: Any) -> Record:
        if not values.keys() <= self.attnames:
            raise TypeError(f"{self.model.__name__} has no {values.keys() - self.attnames}")
        return self.model(*[values.get(attname, default) for attname, default in self.fields])


@contextmanager
def foreign_keys_checked_per_statement() -> Iterator[None]:
    """Within a transaction on PostgreSQL, Django's foreign keys (deferrable, checked at
    commit) checked at the end of each statement instead. At commit PostgreSQL looks up
    every referenced row of the load again, long after its page left the cache, and the
    time grows faster than the load: 134 s of the 988 s for a million projects, about 20
    minutes for three million. At the end of an INSERT it finds the rows just written: the
    million took 866 s. The keys are deferred again afterwards, as Django declares them,
    for what the caller's transaction writes next; a failure rolls the setting back with
    the rows."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Progress:
    """A plain-text progress bar on stderr: redrawn in place on a terminal, a line per
    tenth otherwise, so a log stays readable."""

    def __init__(self, stream: OutputWrapper, label: str, total: int) -> None:
        self.stream, self.label, self.total = stream, label, max(total, 1)
        self.done, self.shown, self.started = 0, -1, time.perf_counter()
        self.tty = getattr(stream, "isatty", lambda: False)()

    def advance(self, count: int) -> None:
        self.done += count
        percent = min(100, self.done * 100 // self.total)
        if self.tty or percent // 10 > self.shown // 10 or percent == 100 > self.shown:
            bar = "#" * (percent // 4)
            elapsed = time.perf_counter() - self.started
            self.stream.write(
                f"{self.label:<9} [{bar:<25}] {percent:3d}% {self.done:>9,}/{self.total:,}"
                f" {elapsed:6.1f}s",
                style_func=str,
                ending="\r" if self.tty and percent < 100 else "\n",
            )
            self.stream.flush()
            self.shown = percent


@dataclass
class Chunk:
    """The rows generated for one batch of projects, written together."""

    projects: list = field(default_factory=list)
    parcels: list = field(default_factory=list)
    links: list = field(default_factory=list)  # (project, parcel): the project uses it
    leases: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    assessments: list = field(default_factory=list)
    results: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    funds: list = field(default_factory=list)  # (project, entry): its project is not saved yet


class Generator:
    """Draws the ledger from a seed; each kind of row has its own random stream, so the
    rows do not depend on the batch size."""

    def __init__(self, seed: int, projects: int, sectors: list, parks: dict) -> None:
        self.seed, self.total = seed, projects
        self.tag = f"示例·生成S{seed}"
        self.sectors = Weighted(
            sectors,
            [
                SECTOR_WEIGHTS.get(s.sort_order, GROUP_WEIGHTS.get(s.group, 5))
                if len(sectors) == len(SECTOR_WEIGHTS)
                else GROUP_WEIGHTS.get(s.group, 5)
                for s in sectors
            ],
        )
        # Projects in micro parks and elsewhere, each drawn from its own weighted list.
        self.parks = {
            micro: Weighted(
                [park.pk for park, kind, _w in parks.values() if (kind == "micro_park") == micro],
                [w for _park, kind, w in parks.values() if (kind == "micro_park") == micro],
            )
            for micro in (False, True)
        }
        self.park_names = {park.pk: name for name, (park, _kind, _w) in parks.items()}
        self.micro_parks = {park.pk for park, kind, _w in parks.values() if kind == "micro_park"}
        self.zones = Weighted(ZONES, [weight for weight, _cities in ZONES.values()])
        self.years = Weighted(SIGNED_PER_YEAR, SIGNED_PER_YEAR.values())
        self.modes = Weighted(TRANSFER_MODES, TRANSFER_MODES.values())
        self.new_company, self.new_project = Rows(Company), Rows(InvestmentProject)
        self.new_parcel = Rows(LandParcel)
        self.new_fund = Rows(FundEntry)
        self.fund_kinds = Weighted(list(FUND_KINDS), FUND_KINDS.values())
        self.company_count = max(1, math.ceil(projects * COMPANIES_PER_PROJECT))
        self.company_zones: list[str] = []
        self.parcel_numbers: dict = {}
        streams = ("companies", "amounts", "contacts", "projects", "parcels", "leases", "funds")
        self.rng = {name: random.Random(f"{seed}:{name}") for name in streams}
        self.amounts = self.draw_amounts()
        self.contacts = self.draw_contacts()

    def draw_amounts(self) -> list[Decimal]:
        """Stratified log-normal amounts in 万元, shuffled."""
        rng, normal = self.rng["amounts"], NormalDist(math.log(MEDIAN_WAN), SIGMA)
        amounts = []
        for i in range(self.total):
            wan = math.exp(normal.inv_cdf((i + rng.random()) / self.total))
            wan = min(max(wan, MIN_WAN), MAX_WAN)
            amounts.append(Decimal(round(wan, -1 if wan < 10000 else -2)).quantize(TWO_PLACES))
        rng.shuffle(amounts)
        return amounts

    def draw_contacts(self) -> list[date]:
        """The day each project was (or would be) signed, in order: a ledger numbers its
        projects as they come, so ids, and the table's physical order, follow time."""
        rng, days = self.rng["contacts"], []
        for _project in range(self.total):
            year = self.years.pick(rng)
            span = (min(date(year, 12, 31), AS_OF) - date(year, 1, 1)).days
            days.append(date(year, 1, 1) + timedelta(days=rng.randint(0, span)))
        return sorted(days)

    def companies(self, start: int, stop: int, taken_codes: set) -> list[Company]:
        rng, rows = self.rng["companies"], []
        for j in range(start, stop):
            zone = self.zones.pick(rng)
            city, division = rng.choice(ZONES[zone][1])
            self.company_zones.append(zone)
            brand = rng.choice(BRAND) + rng.choice(BRAND)
            code = ""
            if rng.random() < 0.7:
                first17 = f"91{division}{encode(j, 5)}{encode(self.seed, 4)}"
                code = first17 + credit_code_check_character(first17)
                code = "" if code in taken_codes else code
            rows.append(
                self.new_company(
                    name=f"{city}{brand}{rng.choice(TRADE)}有限公司（{self.tag}-{j + 1:07d}）",
                    credit_code=code,
                    home_region=city,
                    above_scale=rng.random() < 0.35,
                    illustrative=True,
                )
            )
        return rows

    def project(self, i: int, company_ids: list) -> InvestmentProject:
        rng = self.rng["projects"]
        c = i if i < self.company_count else int(self.company_count * rng.random() ** 2)
        sector = self.sectors.pick(rng)
        product = rng.choice(PRODUCTS.get(sector.name, GENERIC_PRODUCTS))
        total = self.amounts[i]
        signed = self.contacts[i]
        stages = list(InvestmentProject.STAGE_DATES)
        dates = {}
        # Recent contacts are often still being negotiated; old ones rarely.
        recent = (AS_OF - signed).days < 365
        if rng.random() >= (0.3 if recent else 0.02):
            dates["signed_date"] = when = signed
            for stage, (low, high) in zip(stages[1:], STAGE_GAPS, strict=True):
                when = day_between(rng, when, low, high)
                if when > AS_OF or rng.random() < STALL:
                    break
                dates[InvestmentProject.STAGE_DATES[stage]] = when
        stage = InvestmentProject.Stage.NEGOTIATING
        for candidate in stages:
            if InvestmentProject.STAGE_DATES[candidate] in dates:
                stage = candidate
        terminated = None
        if dates and rng.random() < TERMINATED:
            terminated = day_between(rng, max(dates.values()), 30, 400)
            if terminated <= AS_OF:
                stage = InvestmentProject.Stage.TERMINATED
            else:
                terminated = None
        park = None
        if stage not in (InvestmentProject.Stage.NEGOTIATING, InvestmentProject.Stage.SIGNED) or (
            rng.random() < (0.6 if stage == InvestmentProject.Stage.SIGNED else 0.3)
        ):
            micro = total < 5000 and rng.random() < 0.3
            park = self.parks[micro].pick(rng)
        fixed = None
        if rng.random() < 0.9:
            fixed = money(float(total) * rng.uniform(0.55, 0.95))
        output = float(total) * rng.uniform(0.8, 2.5)
        leased = (
            park is not None
            and park not in self.micro_parks
            and rng.random() < LEASED_MANUFACTURING
        )
        return self.new_project(
            name=f"{product}{rng.choice(PROJECT_KINDS)}项目（{self.tag}-{i + 1:07d}）",
            company_id=company_ids[c],
            sector_id=sector.pk,
            park_id=park,
            total_investment_wan=total,
            fixed_investment_wan=fixed,
            source_zone=self.company_zones[c] if rng.random() < 0.9 else rng.choice(list(ZONES)),
            stage=stage,
            terminated_date=terminated,
            capacity=f"年产{rng.randint(1, 200)}{rng.choice(UNITS)}{product}",
            expected_output_wan=money(output),
            expected_tax_wan=money(output * rng.uniform(0.03, 0.08)),
            expected_jobs=max(5, int(float(total) / rng.uniform(15, 60))),
            leased_manufacturing=leased,
            responsible=rng.choice(RESPONSIBLE),
            illustrative=True,
            **dates,
        )

    def parcel(self, project: InvestmentProject) -> LandParcel | None:
        """The parcel of a project that has reached 供地 outside a micro park."""
        if project.land_supplied_date is None or project.park_id in self.micro_parks:
            return None
        rng = self.rng["parcels"]
        area_mu = min(max(float(project.total_investment_wan) / rng.uniform(250, 600), 5), 600)
        if project.leased_manufacturing:
            mode = "lease_first" if rng.random() < 0.9 else "lease_and_transfer"
            status, term, price = LandParcel.Status.LEASED, 5, None
        else:
            mode = self.modes.pick(rng)
            status_of_stage: dict[str, LandParcel.Status] = {
                InvestmentProject.Stage.STARTED: LandParcel.Status.UNDER_CONSTRUCTION,
                InvestmentProject.Stage.COMPLETED: LandParcel.Status.UNDER_CONSTRUCTION,
                InvestmentProject.Stage.IN_PRODUCTION: LandParcel.Status.IN_PRODUCTION,
                InvestmentProject.Stage.TERMINATED: LandParcel.Status.RESERVE,
            }
            status = status_of_stage.get(project.stage, LandParcel.Status.SUPPLIED)
            term, price = TERM_YEARS[mode], money(area_mu * rng.uniform(12, 35))
        handover = project.land_supplied_date
        base = self.park_names[project.park_id]
        key = (base, handover.year)
        self.parcel_numbers[key] = number = self.parcel_numbers.get(key, 0) + 1
        plot_min = rng.choice((Decimal("1.00"), Decimal("1.20"), Decimal("1.50")))
        agreed_start = handover + timedelta(days=90)
        return self.new_parcel(
            code=f"{base}{handover.year}-{number}号（{self.tag}）",
            park_id=project.park_id,
            area_m2=(Decimal(area_mu) * M2_PER_MU).quantize(TWO_PLACES),
            land_use=LandParcel.LandUse.INDUSTRIAL if rng.random() < 0.92 else "new_industry",
            plot_ratio_min=plot_min,
            plot_ratio_max=plot_min + rng.choice((Decimal("1.00"), Decimal("1.50"), Decimal(2))),
            supply_mode=mode,
            status=status,
            term_years=term,
            price_wan=price,
            agreed_handover_date=handover,
            agreed_start_date=agreed_start,
            agreed_completion_date=agreed_start + timedelta(days=540),
            handover_date=handover,
            start_date=project.started_date,
            completion_date=project.completed_date,
            illustrative=True,
        )

    def lease(self, project: InvestmentProject, parcel: LandParcel, chunk: Chunk) -> None:
        """A 先租后供 lease with its targets; a term that has ended was assessed and, unless
        very recently, decided, as ``services.record_assessment`` and ``decide`` would."""
        rng = self.rng["leases"]
        start = parcel.handover_date
        assert start is not None  # a generated parcel is handed over to its project
        term = 5 if rng.random() < 0.9 else 3
        area_mu = parcel.area_m2 / M2_PER_MU
        lease = LeaseAgreement(
            parcel=parcel,
            project=project,
            start_date=start,
            term_years=term,
            end_date=add_years(start, term),
            annual_rent_wan=money(float(area_mu) * rng.uniform(0.6, 1.2)),
            rent_deductible=rng.random() < 0.85,
            start_deadline=start + timedelta(days=180),
            completion_deadline=add_years(start, 2),
            production_deadline=add_years(start, 2) + timedelta(days=180),
            illustrative=True,
        )
        chunk.leases.append(lease)
        targets = [
            LeaseTarget(lease=lease, indicator=indicator, target_value=Decimal(rng.choice(values)))
            for indicator, values in LEASE_TARGETS[: 2 + (rng.random() < 0.5)]
        ]
        chunk.targets.extend(targets)
        if lease.end_date > AS_OF:
            return
        assessed_on = min(day_between(rng, lease.end_date, 0, 90), AS_OF)
        passes = rng.random() < 0.65
        ratio = {t.indicator: rng.uniform(1.05, 1.6) for t in targets}
        if not passes:
            ratio[rng.choice(targets).indicator] = rng.uniform(0.4, 0.95)
        figure = {
            t.indicator: money(float(t.target_value * area_mu) * ratio[t.indicator])
            for t in targets
        }
        assessment = Assessment(
            lease=lease,
            kind=Assessment.Kind.TERM_END,
            assessed_on=assessed_on,
            assessor="县经济商务局（示例）",
            fixed_investment_wan=figure.get(Indicator.INVESTMENT_INTENSITY),
            tax_wan=figure.get(Indicator.TAX_PER_MU),
            output_wan=figure.get(Indicator.OUTPUT_PER_MU, money(float(area_mu) * 300)),
            floor_area_m2=money(float(parcel.area_m2) * rng.uniform(1.2, 2.0)),
            area_m2=parcel.area_m2,
        )
        chunk.assessments.append(assessment)
        results = assessment.held_to(targets)
        chunk.results += results
        passed = all(result.passed for result in results)
        lease.status = LeaseAgreement.Status.ASSESSING
        decided_on = day_between(rng, assessed_on, 5, 40)
        if decided_on > AS_OF:
            return
        decision = Decision(assessment=assessment, decided_on=decided_on, reason="考核结果（示例）")
        if passed:
            decision.kind = Decision.Kind.CONVERT
            decision.transfer_price_wan = money(float(area_mu) * rng.uniform(12, 30))
            decision.rent_deduction_wan = (
                lease.rent_paid_wan(decided_on) if lease.rent_deductible else Decimal(0)
            )
            lease.status = LeaseAgreement.Status.CONVERTED
            parcel.status = LandParcel.Status.SUPPLIED
            parcel.price_wan = decision.transfer_price_wan
        elif rng.random() < 0.4:
            decision.kind = Decision.Kind.REMEDIATE
            decision.new_deadline = lease.remediation_deadline = add_years(decided_on, 1)
            lease.status = LeaseAgreement.Status.REMEDIATION
        else:
            decision.kind = Decision.Kind.RECLAIM
            lease.status = LeaseAgreement.Status.RECLAIMED
            parcel.status = LandParcel.Status.RESERVE
            # As services.take_back_land: a generated project holds only this lease.
            project.leased_manufacturing = False
            chunk.links.remove((project, parcel))
        chunk.decisions.append(decision)

    def funds(self, project: InvestmentProject, chunk: Chunk) -> None:
        """Three entries of funds in place for a signed project, dated from its signing to
        the generator's last day, together at most 60 % of its total investment; a third
        of them from outside the province when the firm comes from outside."""
        if project.signed_date is None:
            return
        rng = self.rng["funds"]
        span = (AS_OF - project.signed_date).days
        share = Decimal(rng.randint(5, 60)) / 100 / FUNDS_PER_PROJECT
        outside = project.source_zone in OUTSIDE_ZONES
        for _entry in range(FUNDS_PER_PROJECT):
            chunk.funds.append(
                (
                    project,
                    self.new_fund(
                        received_on=project.signed_date + timedelta(days=rng.randint(0, span)),
                        amount_wan=max(
                            (project.total_investment_wan * share).quantize(TWO_PLACES), 1
                        ),
                        kind=self.fund_kinds.pick(rng),
                        outside_province=outside and rng.random() < 0.35,
                        illustrative=True,
                        uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    ),
                )
            )

    def chunk(self, start: int, stop: int, company_ids: list) -> Chunk:
        chunk = Chunk()
        for i in range(start, stop):
            project = self.project(i, company_ids)
            chunk.projects.append(project)
            self.funds(project, chunk)
            parcel = self.parcel(project)
            if parcel is None:
                continue
            chunk.parcels.append(parcel)
            chunk.links.append((project, parcel))
            if project.leased_manufacturing:
                self.lease(project, parcel, chunk)
        return chunk


class Command(BaseCommand):
    help = (
        "Generate a synthetic, illustrative ledger of N projects (with companies, parks, "
        "parcels and 先租后供 leases) for load tests; the same seed gives the same rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--projects", type=int, required=True, help="number of projects")
        parser.add_argument("--seed", type=int, default=1, help=f"0–{SEED_MAX}; default 1")
        parser.add_argument("--batch-size", type=int, default=2000, help="rows per INSERT")
        parser.add_argument(
            "--history",
            action="store_true",
            help="also write a first history record for every generated row (slower)",
        )

    def handle(
        self, *args: Any, projects: int, seed: int, batch_size: int, history: bool, **options: Any
    ) -> None:
        if projects < 1:
            raise CommandError("--projects must be at least 1.")
        if not 0 <= seed <= SEED_MAX:
            raise CommandError(f"--seed must be between 0 and {SEED_MAX}.")
        started = time.perf_counter()
        tag = f"示例·生成S{seed}"
        if Park.objects.filter(name__endswith=f"（{tag}）").exists():
            raise CommandError(
                f"Seed {seed} was already generated in this database; choose another --seed."
            )
        # With DEBUG on, Django keeps and formats every query for the debug toolbar and
        # connection.queries (on SQLite by running one more query per INSERT): a third of
        # the time of a bulk load, for a log nobody reads.
        # The stored totals and tallies are made from the rows once at the end, where their
        # triggers would add up each batch. Setting the triggers aside locks the ledger's
        # tables until the commit: this writes a scratch database.
        with (
            override_settings(DEBUG=False),
            transaction.atomic(),
            foreign_keys_checked_per_statement(),
            made_from_the_rows_at_the_end(),
        ):
            self.batch_size, self.history = batch_size, history
            sectors = self.sectors()
            parks = self.parks(tag)
            generator = Generator(seed, projects, sectors, parks)
            company_ids = self.write_companies(generator)
            counts = self.write_projects(generator, company_ids)
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Generated seed {seed}: {summary} in {elapsed:.1f}s.")
        )

    def sectors(self) -> list[Sector]:
        """The ledger's sectors; the 12 of fixtures/sectors.json when there are none."""
        sectors = list(Sector.objects.order_by("sort_order", "pk"))
        if not sectors:
            fixture = settings.BASE_DIR / "fixtures" / "sectors.json"
            rows = json.loads(fixture.read_text(encoding="utf-8"))
            Sector.objects.bulk_create(Sector(**row["fields"]) for row in rows)
            sectors = list(Sector.objects.order_by("sort_order", "pk"))
        return sectors

    def parks(self, tag: str) -> dict:
        created: dict = {}
        for name, kind, parent, town, area_mu, weight in PARKS:
            park = Park(
                name=f"{name}（{tag}）",
                kind=kind,
                parent=created[parent][0] if parent else None,
                town=town,
                planned_area_m2=(area_mu * M2_PER_MU).quantize(TWO_PLACES) if area_mu else None,
                floor_area_m2=Decimal(120000) if kind == "micro_park" else None,
                illustrative=True,
            )
            park.save()  # few rows, and sub-parks need their parent's id
            created[name] = (park, kind, weight)
        self.record_history(Park, [park for park, _kind, _weight in created.values()])
        return created

    def write_companies(self, generator: Generator) -> list[int]:
        taken = set(Company.objects.exclude(credit_code="").values_list("credit_code", flat=True))
        progress = Progress(self.stderr, "companies", generator.company_count)
        ids: list[int] = []
        for start in range(0, generator.company_count, self.batch_size):
            stop = min(start + self.batch_size, generator.company_count)
            rows = Company.objects.bulk_create(generator.companies(start, stop, taken))
            self.record_history(Company, rows)
            ids.extend(company.pk for company in rows)
            progress.advance(len(rows))
        return ids

    def write_projects(self, generator: Generator, company_ids: list) -> dict:
        counts = dict.fromkeys(
            ("companies", "parks", "projects", "parcels", "leases", "fund entries"), 0
        )
        counts.update(companies=len(company_ids), parks=len(PARKS))
        progress = Progress(self.stderr, "projects", generator.total)
        new_link = Rows(ProjectParcel)
        for start in range(0, generator.total, self.batch_size):
            chunk = generator.chunk(
                start, min(start + self.batch_size, generator.total), company_ids
            )
            self.write(InvestmentProject, chunk.projects)
            self.write(LandParcel, chunk.parcels)
            links = [
                new_link(project_id=project.pk, parcel_id=parcel.pk)
                for project, parcel in chunk.links
            ]
            funds = []
            for project, entry in chunk.funds:
                entry.project_id = project.pk
                funds.append(entry)
            # The lease rows refer to the projects and parcels written above by instance.
            for model, rows in (
                (ProjectParcel, links),
                (LeaseAgreement, chunk.leases),
                (LeaseTarget, chunk.targets),
                (Assessment, chunk.assessments),
                (IndicatorResult, chunk.results),
                (Decision, chunk.decisions),
                (FundEntry, funds),
            ):
                self.write(model, rows)
            counts["projects"] += len(chunk.projects)
            counts["parcels"] += len(chunk.parcels)
            counts["leases"] += len(chunk.leases)
            counts["fund entries"] += len(chunk.funds)
            progress.advance(len(chunk.projects))
        return counts

    def write(self, model: type[Model], rows: list) -> None:
        model._default_manager.bulk_create(rows, batch_size=self.batch_size)
        self.record_history(model, rows)

    def record_history(self, model: type[Model], rows: list) -> None:
        if self.history and rows and hasattr(model, "history"):
            model.history.bulk_history_create(
                rows, batch_size=self.batch_size, default_change_reason="generate_ledger"
            )
