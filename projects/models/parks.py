"""Parks (园区, 一区多园) and the industrial land parcels (工业地块) in them.

Areas are stored in m²; 亩 is derived through ``projects.units``.
"""

from collections.abc import Iterator
from decimal import Decimal

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from projects.geometry import AREA_TOLERANCE, area_differs
from projects.models.fields import (
    GeodesicAreaField,
    NaturalKeyManager,
    NaturalSortKeyField,
    PinyinCharField,
    boundary_field,
    dates_in_order_constraints,
    dates_in_order_errors,
    depends_on,
    illustrative_boundary_flag,
    illustrative_flag,
    non_negative_constraint,
    quantity_field,
)
from projects.models.pages import RecordPage
from projects.models.totals import StoredCount
from projects.units import m2_to_mu
from projects.validators import validate_plain_text

PARENT_IN_OWN_TREE = _("上级园区不能是本园区或其下级园区。")
PLOT_RATIO_ORDER = _("容积率上限不能小于下限。")


class CodeManager(NaturalKeyManager):
    """Looks parcels up by their code."""

    key_fields = ("code",)


def area_mismatch_q() -> Q:
    """Parcels whose boundary's area is off the recorded area by more than the tolerance,
    as ``LandParcel.area_mismatch`` says of one."""
    return Q(boundary_area_m2__gt=F("area_m2") * (1 + AREA_TOLERANCE)) | Q(
        boundary_area_m2__lt=F("area_m2") * (1 - AREA_TOLERANCE)
    )


class ParkTree:
    """The parks as a tree (一区多园), built from one query over (id, name, parent id), the
    sub-parks of each park in the order of the rows (by name, as the database sorts it)."""

    def __init__(self, rows: list[tuple[int, str, int | None]]) -> None:
        self.names = {pk: name for pk, name, _parent in rows}
        self.children: dict[int | None, list[int]] = {}
        for pk, _name, parent in rows:
            self.children.setdefault(parent, []).append(pk)

    def walk(
        self, root: int | None = None, depth: int = 0, seen: set[int] | None = None
    ) -> Iterator[tuple[int, int]]:
        """Yield (id, depth) for every park under ``root``, each parent before its sub-parks.

        A loop of parents, which only a raw database write could make, is walked once.
        """
        seen = set() if seen is None else seen
        for pk in self.children.get(root, []):
            if pk in seen:
                continue
            seen.add(pk)
            yield pk, depth
            yield from self.walk(pk, depth + 1, seen)

    def subtree(self, pk: int) -> list[int]:
        """The park and all its sub-parks, at any depth."""
        return [pk, *(child for child, _depth in self.walk(pk, seen={pk}))]

    def choices(self) -> list[tuple[int, str]]:
        """Choices for a select box, sub-parks indented under their parent."""
        return [(pk, "\u3000" * depth + self.names[pk]) for pk, depth in self.walk()]


class ParkManager(NaturalKeyManager):
    """Looks parks up by name, and reads them as a tree."""

    def tree(self) -> ParkTree:
        """The parks as a tree, each park's sub-parks in pinyin order (on PostgreSQL)."""
        return ParkTree(list(self.order_by("name", "pk").values_list("pk", "name", "parent_id")))


class Park(RecordPage, models.Model):
    """A park or platform (园区) where projects land; sub-parks name their parent (一区多园)."""

    page_view = "projects:park"

    class Kind(models.TextChoices):
        HIGH_TECH_ZONE = "high_tech_zone", _("高新区")
        DEVELOPMENT_ZONE = "development_zone", _("经济开发区")
        TOWN_AREA = "town_area", _("乡镇工业功能区")
        MICRO_PARK = "micro_park", _("小微园")
        INDUSTRIAL_PARK = "industrial_park", _("产业园")

    name = PinyinCharField(_("名称"), max_length=100, unique=True, validators=[validate_plain_text])
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级园区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("一区多园：子园区填写所属的上级园区。"),
    )
    town = PinyinCharField(
        _("所在乡镇"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    planned_area_m2 = quantity_field(_("规划面积（m²）"))
    floor_area_m2 = quantity_field(_("建筑面积（m²）"), help_text=_("小微园的标准厂房总建筑面积。"))
    description = models.TextField(_("说明"), blank=True, validators=[validate_plain_text])
    boundary = boundary_field()
    boundary_illustrative = illustrative_boundary_flag()
    illustrative = illustrative_flag()
    # Kept by the database (projects/models/totals.py): its own, not its sub-parks'.
    parcel_count = StoredCount(_("直属地块数"))
    project_count = StoredCount(_("直属项目数"))

    objects = ParkManager()
    history = HistoricalRecords(excluded_fields=["parcel_count", "project_count"])

    class Meta:
        verbose_name = _("园区")
        verbose_name_plural = pgettext_lazy("plural", "园区")
        ordering = ["name"]
        constraints = [
            non_negative_constraint("park", "planned_area_m2"),
            non_negative_constraint("park", "floor_area_m2"),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="park_not_own_parent",
                violation_error_message=PARENT_IN_OWN_TREE,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    @property
    @admin.display(description=_("规划面积（亩）"), ordering="planned_area_m2")
    def planned_area_mu(self) -> Decimal | None:
        """Planned area in 亩."""
        return m2_to_mu(self.planned_area_m2)

    def clean(self) -> None:
        """Refuse a parent chain that leads back to this park."""
        seen = set()
        ancestor = self.parent
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": PARENT_IN_OWN_TREE})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


# A parcel's agreed and actual dates each go 交地 → 开工 → 竣工.
PARCEL_DATE_ORDER = ("handover_date", "start_date", "completion_date")
PARCEL_AGREED_DATE_ORDER = ("agreed_handover_date", "agreed_start_date", "agreed_completion_date")


class LandParcel(RecordPage, models.Model):
    """An industrial land parcel (工业地块): its code, park, area, supply mode and dates."""

    page_view = "projects:parcel"

    class LandUse(models.TextChoices):
        INDUSTRIAL = "industrial", _("工业用地")
        NEW_INDUSTRY = "new_industry", _("新型产业用地")
        WAREHOUSE = "warehouse", _("仓储用地")

    class SupplyMode(models.TextChoices):
        AUCTION = "auction", _("招拍挂出让")
        AGREEMENT = "agreement", _("协议出让")
        FLEXIBLE_TERM = "flexible_term", _("弹性年期出让")
        LONG_LEASE = "long_lease", _("长期租赁")
        LEASE_FIRST = "lease_first", _("先租后供")
        LEASE_AND_TRANSFER = "lease_and_transfer", _("租让结合")

    class Status(models.TextChoices):
        RESERVE = "reserve", _("储备")
        SUPPLIED = "supplied", _("已供地")
        LEASED = "leased", _("租赁中")
        UNDER_CONSTRUCTION = "under_construction", _("建设中")
        IN_PRODUCTION = "in_production", _("已投产")

    code = models.CharField(
        _("地块编号"),
        max_length=60,
        unique=True,
        help_text=_("例如：缙云经济开发区2025-1号"),
        validators=[validate_plain_text],
    )
    # The code as people sort it: 缙云经济开发区2024-4号 before 缙云经济开发区2024-10号.
    code_sort_key = NaturalSortKeyField(_("编号排序键"), source="code", max_length=120)
    park = models.ForeignKey(
        Park, verbose_name=_("园区"), on_delete=models.PROTECT, related_name="parcels"
    )
    area_m2 = quantity_field(_("面积（m²）"))
    land_use = models.CharField(
        _("用途"), max_length=20, choices=LandUse.choices, default=LandUse.INDUSTRIAL
    )
    plot_ratio_min = quantity_field(_("容积率下限"), max_digits=4)
    plot_ratio_max = quantity_field(_("容积率上限"), max_digits=4)
    supply_mode = models.CharField(_("供地方式"), max_length=20, choices=SupplyMode.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RESERVE
    )
    term_years = models.PositiveSmallIntegerField(
        _("年期（年）"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    price_wan = quantity_field(_("价格（万元）"))
    agreed_handover_date = models.DateField(_("约定交地日期"), null=True, blank=True)
    agreed_start_date = models.DateField(_("约定开工日期"), null=True, blank=True)
    agreed_completion_date = models.DateField(_("约定竣工日期"), null=True, blank=True)
    handover_date = models.DateField(_("实际交地日期"), null=True, blank=True)
    start_date = models.DateField(_("实际开工日期"), null=True, blank=True)
    completion_date = models.DateField(_("实际竣工日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True, validators=[validate_plain_text])
    boundary = boundary_field()
    boundary_illustrative = illustrative_boundary_flag()
    # The boundary's own area, which the list filters on to find parcels drawn unlike
    # their recorded area.
    boundary_area_m2 = GeodesicAreaField(_("边界面积（m²）"), source="boundary")
    illustrative = illustrative_flag()

    objects = CodeManager()
    history = HistoricalRecords(excluded_fields=["code_sort_key", "boundary_area_m2"])

    class Meta:
        verbose_name = _("地块")
        verbose_name_plural = pgettext_lazy("plural", "地块")
        ordering = ["code_sort_key"]
        indexes = [
            # The list's default order, which its pages read from this index.
            models.Index(fields=["code_sort_key", "id"], name="parcel_code_order_idx"),
        ]
        constraints = [
            non_negative_constraint("parcel", "area_m2"),
            non_negative_constraint("parcel", "plot_ratio_min"),
            non_negative_constraint("parcel", "plot_ratio_max"),
            non_negative_constraint("parcel", "price_wan"),
            models.CheckConstraint(
                condition=Q(term_years__isnull=True) | Q(term_years__gt=0),
                name="parcel_term_years_positive",
                violation_error_message=_("年期至少为1年。"),
            ),
            models.CheckConstraint(
                condition=Q(plot_ratio_min__isnull=True)
                | Q(plot_ratio_max__isnull=True)
                | Q(plot_ratio_min__lte=F("plot_ratio_max")),
                name="parcel_plot_ratio_min_not_above_max",
                violation_error_message=PLOT_RATIO_ORDER,
            ),
            *dates_in_order_constraints("parcel", PARCEL_DATE_ORDER),
            *dates_in_order_constraints("parcel", PARCEL_AGREED_DATE_ORDER),
        ]

    def __str__(self) -> str:
        return self.code

    @depends_on("projects.park")
    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @property
    @admin.display(description=_("面积（亩）"), ordering="area_m2")
    def area_mu(self) -> Decimal | None:
        """Area in 亩."""
        return m2_to_mu(self.area_m2)

    @property
    def boundary_area_mu(self) -> Decimal | None:
        """The boundary's area in 亩."""
        return m2_to_mu(self.boundary_area_m2)

    @property
    def area_mismatch(self) -> bool | None:
        """Whether the boundary's area is off the recorded area by more than the tolerance
        (``geometry.AREA_TOLERANCE``); None without both."""
        return area_differs(self.area_m2, self.boundary_area_m2)

    def clean(self) -> None:
        errors = dates_in_order_errors(self, PARCEL_DATE_ORDER)
        errors.update(dates_in_order_errors(self, PARCEL_AGREED_DATE_ORDER))
        if (
            self.plot_ratio_min is not None
            and self.plot_ratio_max is not None
            and self.plot_ratio_min > self.plot_ratio_max
        ):
            errors["plot_ratio_max"] = ValidationError(PLOT_RATIO_ORDER, code="plot_ratio_order")
        if errors:
            raise ValidationError(errors)
