"""Spreadsheet import of projects, companies, parks and parcels (django-import-export).

A sheet uses the headers our exports write, so an export can be edited and imported
back. Amounts are typed in 亿元, areas in 亩, dates as 2025-03-05 or 2025年3月5日, choices
by their Chinese label, references by name or code. Rows match existing records by their
natural key (name or code), so importing the same sheet twice changes nothing. Every row is
validated like a form; if any row is wrong, nothing is imported.
"""

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, Q, UniqueConstraint
from django.utils import translation
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise
from import_export import fields, resources, widgets
from import_export.results import RowResult
from tablib import Dataset

from projects.lists.sheets import with_line_breaks
from projects.models import Company, InvestmentProject, LandParcel, Park, Sector
from projects.units import TWO_PLACES, wan_to_yi, yi_to_wan

CHINESE_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
SLASHED_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")


class DateWidget(widgets.Widget):
    """A date written 2025-03-05, 2025/3/5 or 2025年3月5日, or a spreadsheet date cell."""

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> date | None:
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        for pattern in (CHINESE_DATE, SLASHED_DATE):
            match = pattern.match(text)
            if match:
                text = "{}-{:0>2}-{:0>2}".format(*match.groups())
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _("无法识别的日期“%(value)s”，请写成2025-03-05或2025年3月5日。") % {"value": value}
            ) from None

    def render(self, value: Any, obj: Model | None = None, **kwargs: Any) -> str:
        return value.isoformat() if value else ""


class ConvertedDecimalWidget(widgets.DecimalWidget):
    """A quantity typed in display units (亿元, 亩) and stored in others (万元, m²)."""

    def __init__(
        self,
        to_stored: Callable[[Decimal], Decimal],
        to_shown: Callable[[Decimal], Decimal],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to_stored = to_stored
        self.to_shown = to_shown

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> Decimal | None:
        try:
            amount = super().clean(value, row, **kwargs)
        except Exception:
            raise ValueError(_("“%(value)s”不是数字。") % {"value": value}) from None
        return None if amount is None else self.to_stored(amount).quantize(TWO_PLACES)

    def render(self, value: Any, obj: Model | None = None, **kwargs: Any) -> str:
        return "" if value is None else str(self.to_shown(value))


class ChoiceWidget(widgets.Widget):
    """A choice written as its label, in Chinese or English, or as its stored value."""

    def __init__(self, choices: Sequence[tuple[str, StrOrPromise]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices

    def accepted(self) -> dict[str, str]:
        """Every way of writing each choice, to its stored value."""
        accepted = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                accepted.update({str(label): stored for stored, label in self.choices})
        accepted.update({stored: stored for stored, _label in self.choices})
        return accepted

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> str:
        text = "" if value is None else str(value).strip()
        if not text:
            return ""
        accepted = self.accepted()
        if text in accepted:
            return accepted[text]
        labels = "、".join(str(label) for _stored, label in self.choices)
        raise ValueError(
            _("“%(value)s”不是可选值（可选：%(labels)s）。") % {"value": text, "labels": labels}
        )

    def render(self, value: Any, obj: Model | None = None, **kwargs: Any) -> str:
        return str(dict(self.choices).get(value, value or ""))


class YesNoWidget(widgets.Widget):
    """是 / 否 (or yes / no, true / false, 1 / 0); empty means 否."""

    YES = {"是", "yes", "true", "1", "y"}
    NO = {"否", "no", "false", "0", "n", ""}

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> bool:
        text = "" if value is None else str(value).strip().lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("“%(value)s”应为“是”或“否”。") % {"value": value})

    def render(self, value: Any, obj: Model | None = None, **kwargs: Any) -> str:
        return _("是") if value else _("否")


class NamedRecordWidget(widgets.CachedForeignKeyWidget):
    """A reference to an existing record by its name or code, read once per import."""

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> Model | None:
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                _("%(model)s“%(value)s”不存在。")
                % {"model": self.model._meta.verbose_name, "value": value}
            ) from None


class CompanyWidget(widgets.ForeignKeyWidget):
    """A company by name or credit code; one not yet in the ledger is created."""

    def __init__(self) -> None:
        super().__init__(Company, "name")

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> Company | None:
        name = "" if value is None else str(value).strip()
        if not name:
            return None
        company = Company.objects.filter(Q(name=name) | Q(credit_code=name)).first()
        if company is None:
            company = Company(name=name)
            try:
                company.full_clean()
            except ValidationError as error:
                raise ValueError("; ".join(error.messages)) from None
            company.save()
        return company


def column(attribute: str, header: str, widget: widgets.Widget | None = None) -> fields.Field:
    """A column of the sheet; text unless another widget is given (an empty cell is "")."""
    return fields.Field(
        attribute=attribute, column_name=header, widget=widget or widgets.CharWidget()
    )


def yi(attribute: str, header: str) -> fields.Field:
    return column(attribute, header, ConvertedDecimalWidget(yi_to_wan, wan_to_yi))


def day(attribute: str, header: str) -> fields.Field:
    return column(attribute, header, DateWidget())


class LedgerResource(resources.ModelResource):
    """Import rules shared by every sheet: natural keys, no duplicate rows, validation,
    all or nothing, and an optional progress callback for long files."""

    def __init__(self, progress: Callable[[int], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.progress = progress
        self.rows_done = 0
        self.seen: dict = {}
        self.duplicate_of = None

    def before_import(self, dataset: Dataset, **kwargs: Any) -> None:
        self.rows_done = 0
        self.seen = {}

    def before_import_row(self, row: dict[str, Any], row_number: int, **kwargs: Any) -> None:
        # A dash, as the pages show an empty cell, is read as empty. Word's line and page
        # breaks, pasted into a cell, become line breaks; any other control character is
        # refused with the row, as a form refuses it.
        for header, value in row.items():
            if isinstance(value, str):
                value = with_line_breaks(value)
                row[header] = "" if value.strip() in ("—", "-", "－") else value
        key = tuple(
            str(row.get(self.fields[name].column_name) or "").strip()
            for name in self._meta.import_id_fields
        )
        # Rows are numbered as the spreadsheet numbers them, below the header row.
        self.duplicate_of = self.seen.get(key)
        self.seen.setdefault(key, row_number + 1)

    def skip_row(
        self,
        instance: Model,
        original: Model,
        row: dict[str, Any],
        import_validation_errors: dict[str, Any] | None = None,
    ) -> bool:
        if self.duplicate_of:
            return False  # reported by validate_instance, never silently skipped
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(
        self,
        instance: Model,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        """Validate the row like a form: the field rules, the model's clean() and unique keys.

        Django would also test each check constraint with a query of its own (twenty for a
        project) although clean() already applies the same rules with clearer messages, so
        only unique constraints are tested here; the database still enforces the rest.
        """
        errors = dict(import_validation_errors or {})
        if self.duplicate_of:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("与第%(first)s行重复。") % {"first": self.duplicate_of}
            )
        exclude = set(errors)
        try:
            instance.full_clean(
                exclude=exclude, validate_unique=validate_unique, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for constraint in instance._meta.constraints:
            if isinstance(constraint, UniqueConstraint):
                try:
                    constraint.validate(type(instance), instance, exclude=set(errors))
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def after_import_row(self, row: dict[str, Any], row_result: RowResult, **kwargs: Any) -> None:
        self.rows_done += 1
        if self.progress is not None:
            self.progress(self.rows_done)

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        skip_diff = False


class CompanyResource(LedgerResource):
    name = column("name", "名称")
    credit_code = column("credit_code", "统一社会信用代码")
    home_region = column("home_region", "所在地区")
    above_scale = column("above_scale", "规上企业", YesNoWidget())
    illustrative = column("illustrative", "示例数据", YesNoWidget())

    class Meta(LedgerResource.Meta):
        model = Company
        import_id_fields = ["name"]
        fields = ["name", "credit_code", "home_region", "above_scale", "illustrative"]


class ParkResource(LedgerResource):
    name = column("name", "名称")
    kind = column("kind", "类型", ChoiceWidget(Park.Kind.choices))
    parent = column("parent", "上级园区", NamedRecordWidget(Park, "name"))
    town = column("town", "所在乡镇")
    planned_area_m2 = column("planned_area_m2", "规划面积（m²）", widgets.DecimalWidget())
    floor_area_m2 = column("floor_area_m2", "建筑面积（m²）", widgets.DecimalWidget())
    illustrative = column("illustrative", "示例数据", YesNoWidget())

    class Meta(LedgerResource.Meta):
        model = Park
        import_id_fields = ["name"]
        fields = [
            "name",
            "kind",
            "parent",
            "town",
            "planned_area_m2",
            "floor_area_m2",
            "illustrative",
        ]


class ParcelResource(LedgerResource):
    code = column("code", "地块编号")
    park = column("park", "园区", NamedRecordWidget(Park, "name"))
    area_m2 = column("area_m2", "面积（m²）", widgets.DecimalWidget())
    land_use = column("land_use", "用途", ChoiceWidget(LandParcel.LandUse.choices))
    supply_mode = column("supply_mode", "供地方式", ChoiceWidget(LandParcel.SupplyMode.choices))
    status = column("status", "状态", ChoiceWidget(LandParcel.Status.choices))
    term_years = column("term_years", "年期（年）", widgets.IntegerWidget())
    price_wan = column("price_wan", "价格（万元）", widgets.DecimalWidget())
    handover_date = day("handover_date", "实际交地日期")
    illustrative = column("illustrative", "示例数据", YesNoWidget())

    class Meta(LedgerResource.Meta):
        model = LandParcel
        import_id_fields = ["code"]
        fields = [
            "code",
            "park",
            "area_m2",
            "land_use",
            "supply_mode",
            "status",
            "term_years",
            "price_wan",
            "handover_date",
            "illustrative",
        ]


class ProjectResource(LedgerResource):
    name = column("name", "项目名称")
    company = column("company", "企业", CompanyWidget())
    sector = column("sector", "产业", NamedRecordWidget(Sector, "name"))
    park = column("park", "园区", NamedRecordWidget(Park, "name"))
    total_investment_wan = yi("total_investment_wan", "总投资（亿元）")
    fixed_investment_wan = yi("fixed_investment_wan", "固定资产投资（亿元）")
    stage = column("stage", "阶段", ChoiceWidget(InvestmentProject.Stage.choices))
    source_zone = column("source_zone", "来源区域", ChoiceWidget(InvestmentProject.Zone.choices))
    signed_date = day("signed_date", "签约日期")
    landed_date = day("landed_date", "落地日期")
    land_supplied_date = day("land_supplied_date", "供地日期")
    started_date = day("started_date", "开工日期")
    completed_date = day("completed_date", "竣工日期")
    production_date = day("production_date", "投产日期")
    terminated_date = day("terminated_date", "终止日期")
    leased_manufacturing = column("leased_manufacturing", "租赁制造", YesNoWidget())
    capacity = column("capacity", "建设内容与产能")
    responsible = column("responsible", "责任人")
    illustrative = column("illustrative", "示例数据", YesNoWidget())

    class Meta(LedgerResource.Meta):
        model = InvestmentProject
        import_id_fields = ["name"]
        fields = [
            "name",
            "company",
            "sector",
            "park",
            "total_investment_wan",
            "fixed_investment_wan",
            "stage",
            "source_zone",
            "signed_date",
            "landed_date",
            "land_supplied_date",
            "started_date",
            "completed_date",
            "production_date",
            "terminated_date",
            "leased_manufacturing",
            "capacity",
            "responsible",
            "illustrative",
        ]
