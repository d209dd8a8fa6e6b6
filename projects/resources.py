"""Spreadsheet import of the ledger's records (django-import-export).

A sheet uses the headers our exports write, so an export can be edited and imported
back. Amounts are typed in 亿元, areas in 亩, dates as 2025-03-05 or 2025年3月5日, choices
by their Chinese label, references by name or code. Rows match existing records by their
natural key (a name or code, a warning rule's kind and stage, or the 记录编号 an export
writes), so importing the same sheet twice changes nothing. Every row is validated like a
form; if any row is wrong, nothing is imported.
"""

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError
from django.db.models import Model, QuerySet, UniqueConstraint
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.resources import Diff

from projects.lists.sheets import unguarded, with_line_breaks
from projects.lists.tables import ListTable
from projects.models import (
    AnnualTarget,
    Company,
    Department,
    FollowUp,
    FundEntry,
    InvestmentProject,
    LandParcel,
    Park,
    Problem,
    Sector,
    WarningRule,
)
from projects.models.staff import active_staff, staff_name
from projects.sheet_rows import (
    SheetInstanceLoader,
    SheetNotSaved,
    SheetResult,
    UnknownHeaders,
    UnshownDiff,
)
from projects.sheet_widgets import (
    ChoiceWidget,
    CompanyWidget,
    ConvertedDecimalWidget,
    DateWidget,
    DecimalNumberWidget,
    ListedRecordWidget,
    NamedRecordWidget,
    StaffWidget,
    UidWidget,
    WholeNumberWidget,
    YesNoWidget,
)
from projects.tables import (
    CompanyTable,
    DepartmentTable,
    FollowUpTable,
    FundTable,
    ParcelTable,
    ParkTable,
    ProblemTable,
    ProjectTable,
    TargetTable,
    WarningRuleTable,
)
from projects.units import wan_to_yi, yi_to_wan


def column(attribute: str, widget: widgets.Widget | None = None, **kwargs: Any) -> fields.Field:
    """A column of the sheet; text unless another widget is given (an empty cell is "",
    or the ``default`` given). Its header is the one the export of the same column writes
    (``LedgerResource``)."""
    return fields.Field(
        attribute=attribute, column_name=attribute, widget=widget or widgets.CharWidget(), **kwargs
    )


def yi(attribute: str) -> fields.Field:
    return column(attribute, ConvertedDecimalWidget(yi_to_wan, wan_to_yi))


def day(attribute: str) -> fields.Field:
    return column(attribute, DateWidget())


def staff_accounts() -> dict[str, Model]:
    """The active accounts by login and by name (李明), as a sheet may write them."""
    accounts: dict[str, Model] = {}
    for user in active_staff():
        accounts.setdefault(user.get_username(), user)
        accounts.setdefault(staff_name(user), user)
    return accounts


class ResponsibleField(fields.Field):
    """The sheet's 责任人: a member of staff written by name (李明) or login becomes the
    project's owner; any other name (a unit, someone without an account) is kept as text.
    It reads as the project's page shows it (``responsible_name``)."""

    def __init__(self) -> None:
        super().__init__(
            attribute="responsible", column_name="responsible", widget=widgets.CharWidget()
        )

    @cached_property
    def staff(self) -> dict[str, Model]:
        """The active accounts by login and by name, read once a sheet."""
        return staff_accounts()

    def save(self, instance: Any, row: dict[str, Any], is_m2m: bool = False, **kwargs: Any) -> None:
        name = (self.clean(row, **kwargs) or "").strip()
        owner = self.staff.get(name)
        instance.owner = owner
        instance.responsible = "" if owner else name

    def get_value(self, instance: Any) -> str:
        return instance.responsible_name


def exported_headers(table_class: type[ListTable]) -> dict[str, dict[str, str]]:
    """The header the export of each of the table's columns writes, in each language:
    ``{column name: {language: header}}``."""
    headers: dict[str, dict[str, str]] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            table = table_class(table_class._meta.model.objects.none())
            for bound in table.columns.iterall():
                headers.setdefault(bound.name, {})[language] = force_str(bound.header)
    return headers


def read_as_meant(cell: str) -> str:
    """A sheet's text cell as its writer meant it (``LedgerResource.before_import``)."""
    text = with_line_breaks(unguarded(cell))
    return "" if text.strip() in ("—", "-", "－") else text


class LedgerResource(resources.ModelResource):
    """Import rules shared by every sheet: natural keys, no duplicate rows, validation,
    all or nothing, and an optional progress callback for long files.

    Rows are saved in batches (django-import-export's ``use_bulk``) rather than one by one,
    each batch in its own savepoint, and their history is written the same way. Every
    rule is checked row by row before, so a batch the database still refuses (a record
    someone entered meanwhile) is reported as such and nothing is imported. Each row's
    changes are worked out only where they are shown (``show_changes``: the preview).

    The sheet is the export of the list's table (``sheet_table``): each field is the
    column of the same name, found in the sheet by the header the export writes for it in
    any language, so an export in Chinese or English imports back. A header that no
    export writes refuses the sheet; one that the export writes but the import does not
    read (投资规模, 项目数 …) is passed over.
    """

    sheet_table: type[ListTable]

    def __init__(
        self,
        progress: Callable[[int], None] | None = None,
        show_changes: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.show_changes = show_changes
        headers = exported_headers(self.sheet_table)
        language = translation.get_language() or settings.LANGUAGE_CODE
        # Every header the export writes, to the field it fills (None: not read).
        self.headers = {
            header: name if name in self.fields else None
            for name, by_language in headers.items()
            for header in by_language.values()
        }
        for name, field in self.fields.items():
            by_language = headers[name]
            field.column_name = by_language.get(language, by_language[settings.LANGUAGE_CODE])
        self.progress = progress
        self.dry_run = False
        self.rows_done = 0
        self.seen: dict = {}
        self.duplicate_of = None
        self.saved: dict[bool, list] = {True: [], False: []}

    def get_queryset(self) -> QuerySet[Model]:
        """The records that rows are matched against, with the records they refer to,
        which comparing a record with its row reads."""
        related = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, widgets.ForeignKeyWidget)
        ]
        return super().get_queryset().select_related(*related)

    def read_headers(self, dataset: Any) -> None:
        """Give each field the header the sheet writes for it, in whichever language, or
        refuse the sheet, naming the headers no export writes."""
        unknown = []
        for header in dataset.headers or []:
            text = "" if header is None else str(header).strip()
            if not text:
                continue  # a column without a header: nothing to read
            if text not in self.headers:
                unknown.append(text)
            elif name := self.headers[text]:
                self.fields[name].column_name = header
        if unknown:
            raise UnknownHeaders(
                _(
                    "表头%(headers)s不是导出表格的表头，没有导入任何数据。"
                    "请使用导出文件的表头（中文或英文均可）。"
                )
                % {"headers": _("、").join(f"“{header}”" for header in unknown)}
            )

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self.read_headers(dataset)
        # Every cell is read as it was meant before the rows' keys and references are
        # looked up: text the export kept from running as a formula ('+5G…) as it was
        # written; Word's line and page breaks, pasted into a cell, as line breaks (any
        # other control character is refused with its row, as a form refuses it); and a
        # dash, as the pages show an empty cell, as empty.
        for index, row in enumerate(dataset):
            cells = [read_as_meant(cell) if isinstance(cell, str) else cell for cell in row]
            if cells != list(row):
                dataset[index] = cells
        self.rows_done = 0
        self.seen = {}
        self.saved = {True: [], False: []}
        for field in self.fields.values():
            if hasattr(field.widget, "prime") and field.column_name in (dataset.headers or []):
                field.widget.prime(dataset[field.column_name])

    def key_cell(self, name: str, row: dict[str, Any]) -> str:
        """A cell of the row's natural key, as the ledger stores it (阶段停留 and its English
        label alike), or as written if it cannot be read (reported beside its column)."""
        field = self.fields[name]
        try:
            value = field.clean(row)
        except (KeyError, ValueError):
            value = row.get(field.column_name)
        return str(value or "").strip()

    def before_import_row(self, row: dict[str, Any], row_number: int, **kwargs: Any) -> None:
        key = tuple(self.key_cell(name, row) for name in self._meta.import_id_fields)
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

        Two checks that would cost a query a row are made once for the whole sheet: a
        reference (park, sector, company) was just read by its name, so it exists; and the
        instance loader read every record the sheet's keys match, so the key of a new row
        is not taken (a key repeated within the sheet is reported as a repeated row).
        """
        errors = dict(import_validation_errors or {})
        if self.duplicate_of:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("与第%(first)s行重复。") % {"first": self.duplicate_of}
            )
        found = {
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, widgets.ForeignKeyWidget)
            # The key, not the record: a required reference left unset has no record.
            and getattr(instance, f"{field.attribute}_id") is not None
        }
        unread = set(errors) - {NON_FIELD_ERRORS}
        try:
            instance.full_clean(
                exclude=set(errors) | found, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            # A cell that could not be read is told once, by what is wrong with it, not
            # again by a rule that reads the value it left unset (a stage to choose).
            for field, messages in error.update_error_dict({}).items():
                if field not in unread:
                    errors.setdefault(field, []).extend(messages)
        if validate_unique:
            try:
                instance.validate_unique(exclude=set(errors) | set(self._meta.import_id_fields))
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        for constraint in instance._meta.constraints:
            if isinstance(constraint, UniqueConstraint):
                try:
                    constraint.validate(
                        type(instance),
                        instance,
                        exclude=set(errors) | set(self._meta.import_id_fields),
                    )
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def get_result_class(cls) -> type[SheetResult]:
        return SheetResult

    def get_diff_class(self) -> type[Diff]:
        return Diff if self.show_changes else UnshownDiff

    def bulk_create(self, *args: Any, **kwargs: Any) -> None:
        self.saved[True].extend(self.create_instances)
        super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args: Any, **kwargs: Any) -> None:
        self.saved[False].extend(self.update_instances)
        super().bulk_update(*args, **kwargs)

    def handle_import_error(
        self, result: Any, error: Exception, raise_errors: bool = False
    ) -> None:
        """A batch the database refused is said in words, not in the database's."""
        if isinstance(error, DatabaseError):
            error = SheetNotSaved(
                _(
                    "表格已通过检查，但保存时与台账中的记录冲突（可能有人同时录入或修改了"
                    "相同的记录），没有导入任何数据。请重新上传预览。"
                )
            )
        super().handle_import_error(result, error, raise_errors)

    def import_data(self, dataset: Any, dry_run: bool = False, *args: Any, **kwargs: Any) -> Any:
        self.dry_run = dry_run
        return super().import_data(dataset, dry_run, *args, **kwargs)

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        """Write the history of every saved row, created and changed, in a few queries;
        none for a check that saves nothing (a preview, ``--dry-run``) or an import that
        failed, which are rolled back."""
        super().after_import(dataset, result, **kwargs)
        result.headers = [str(header or "") for header in dataset.headers or []]
        result.columns = {name: field.column_name for name, field in self.fields.items()}
        if self.dry_run or result.has_errors():
            return
        history = self._meta.model.history
        history.bulk_history_create(self.saved[True])
        history.bulk_history_create(self.saved[False], update=True)

    def import_row(self, row: dict[str, Any], instance_loader: Any, **kwargs: Any) -> Any:
        # Every row counts towards the progress, a refused one too, which the library's
        # after_import_row is not told of: the count reaches the sheet's length.
        row_result = super().import_row(row, instance_loader, **kwargs)
        self.rows_done += 1
        if self.progress is not None:
            self.progress(self.rows_done)
        return row_result

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = SheetInstanceLoader
        use_transactions = True
        use_bulk = True
        batch_size = 1000
        skip_diff = False


class CompanyResource(LedgerResource):
    sheet_table = CompanyTable
    name = column("name")
    credit_code = column("credit_code")
    home_region = column("home_region")
    above_scale = column("above_scale", YesNoWidget())
    illustrative = column("illustrative", YesNoWidget())

    class Meta(LedgerResource.Meta):
        model = Company
        import_id_fields = ["name"]
        fields = ["name", "credit_code", "home_region", "above_scale", "illustrative"]


class ParkResource(LedgerResource):
    sheet_table = ParkTable
    name = column("name")
    kind = column("kind", ChoiceWidget(Park.Kind.choices))
    parent = column("parent", NamedRecordWidget(Park, "name"))
    town = column("town")
    planned_area_m2 = column("planned_area_m2", DecimalNumberWidget())
    floor_area_m2 = column("floor_area_m2", DecimalNumberWidget())
    illustrative = column("illustrative", YesNoWidget())

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
    sheet_table = ParcelTable
    code = column("code")
    park = column("park", NamedRecordWidget(Park, "name"))
    area_m2 = column("area_m2", DecimalNumberWidget())
    land_use = column("land_use", ChoiceWidget(LandParcel.LandUse.choices))
    supply_mode = column("supply_mode", ChoiceWidget(LandParcel.SupplyMode.choices))
    status = column("status", ChoiceWidget(LandParcel.Status.choices))
    term_years = column("term_years", WholeNumberWidget())
    price_wan = column("price_wan", DecimalNumberWidget())
    handover_date = day("handover_date")
    illustrative = column("illustrative", YesNoWidget())

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


class DepartmentResource(LedgerResource):
    """Departments by name; the sheet's count of open problems is passed over."""

    sheet_table = DepartmentTable
    name = column("name")

    class Meta(LedgerResource.Meta):
        model = Department
        import_id_fields = ["name"]
        fields = ["name"]


class WarningRuleResource(LedgerResource):
    """Warning rules by their kind and stage (empty for 未跟踪); days are whole numbers, an
    empty cell has no threshold of that colour."""

    sheet_table = WarningRuleTable
    kind = column("kind", ChoiceWidget(WarningRule.Kind.choices))
    stage = column("stage", ChoiceWidget(InvestmentProject.Stage.choices))
    yellow_days = column("yellow_days", WholeNumberWidget())
    red_days = column("red_days", WholeNumberWidget())

    class Meta(LedgerResource.Meta):
        model = WarningRule
        import_id_fields = ["kind", "stage"]
        fields = ["kind", "stage", "yellow_days", "red_days"]


class ProjectResource(LedgerResource):
    sheet_table = ProjectTable
    name = column("name")
    company = column("company", CompanyWidget())
    sector = column("sector", NamedRecordWidget(Sector, "name"))
    park = column("park", NamedRecordWidget(Park, "name"))
    total_investment_wan = yi("total_investment_wan")
    fixed_investment_wan = yi("fixed_investment_wan")
    stage = column("stage", ChoiceWidget(InvestmentProject.Stage.choices))
    source_zone = column("source_zone", ChoiceWidget(InvestmentProject.Zone.choices))
    signed_date = day("signed_date")
    landed_date = day("landed_date")
    land_supplied_date = day("land_supplied_date")
    started_date = day("started_date")
    completed_date = day("completed_date")
    production_date = day("production_date")
    terminated_date = day("terminated_date")
    leased_manufacturing = column("leased_manufacturing", YesNoWidget())
    capacity = column("capacity")
    responsible = ResponsibleField()
    illustrative = column("illustrative", YesNoWidget())

    def get_queryset(self) -> QuerySet[Model]:
        return super().get_queryset().select_related("owner")  # read by ResponsibleField

    def get_bulk_update_fields(self) -> list[str]:
        return [*super().get_bulk_update_fields(), "owner"]  # set by ResponsibleField

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


class NumberedResource(LedgerResource):
    """Records that nothing in a sheet names uniquely, kept by their 记录编号: a row that
    leaves it empty (or a sheet without the column) is a new record, one that keeps it (an
    exported sheet) changes that record, so importing an exported sheet again adds nothing."""

    uid = column("uid", UidWidget())

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        super().before_import(dataset, **kwargs)
        header = self.fields["uid"].column_name
        if header not in (dataset.headers or []):
            # A sheet written by hand, without the column: every row is a new record.
            dataset.append_col([""] * len(dataset), header=header)

    def before_import_row(self, row: dict[str, Any], row_number: int, **kwargs: Any) -> None:
        super().before_import_row(row, row_number, **kwargs)
        if not str(row.get(self.fields["uid"].column_name) or "").strip():
            self.duplicate_of = None  # new records, however many, repeat no row

    class Meta(LedgerResource.Meta):
        import_id_fields = ["uid"]


class FollowUpResource(NumberedResource):
    """Follow-ups by their 记录编号. The recorder is not read: the sheet's 记录人 column is
    passed over."""

    sheet_table = FollowUpTable
    occurred_on = day("occurred_on")
    project = column("project", NamedRecordWidget(InvestmentProject, "name"))
    kind = column("kind", ChoiceWidget(FollowUp.Kind.choices))
    staff = column("staff", StaffWidget())
    contacts = column("contacts")
    summary = column("summary")
    next_step = column("next_step")
    next_due = day("next_due")
    illustrative = column("illustrative", YesNoWidget())

    class Meta(NumberedResource.Meta):
        model = FollowUp
        # Row by row: django-import-export saves no many-to-many field (the staff) in bulk.
        use_bulk = False
        fields = [
            "occurred_on",
            "project",
            "kind",
            "staff",
            "contacts",
            "summary",
            "next_step",
            "next_due",
            "illustrative",
            "uid",
        ]


class ProblemResource(NumberedResource):
    """Problems by their 记录编号. Only a user who may close problems
    as 无法解决 may import rows that do (``may_close_unresolvable``)."""

    sheet_table = ProblemTable
    project = column("project", ListedRecordWidget(InvestmentProject, "name"))
    category = column("category", ChoiceWidget(Problem.Category.choices))
    description = column("description")
    department = column("department", NamedRecordWidget(Department, "name"))
    raised_on = day("raised_on")
    due_on = day("due_on")
    status = column("status", ChoiceWidget(Problem.Status.choices), default=Problem.Status.OPEN)
    escalation = column(
        "escalation", ChoiceWidget(Problem.Level.choices), default=Problem.Level.DEPARTMENT
    )
    closed_on = day("closed_on")
    resolution = column("resolution")
    illustrative = column("illustrative", YesNoWidget())

    def __init__(self, *args: Any, may_close_unresolvable: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may_close_unresolvable = may_close_unresolvable

    def import_field(self, field: fields.Field, instance: Model, row: dict, **kwargs: Any) -> None:
        problem = cast(Problem, instance)
        was = problem.status if problem.pk is not None else None
        super().import_field(field, instance, row, **kwargs)
        unresolvable = Problem.Status.UNRESOLVABLE
        closing = field.attribute == "status" and problem.status == unresolvable != was
        if closing and not self.may_close_unresolvable:
            raise ValueError(_("只有管理人员可以将问题办结为无法解决。"))

    class Meta(NumberedResource.Meta):
        model = Problem
        fields = [
            "project",
            "category",
            "description",
            "department",
            "raised_on",
            "due_on",
            "status",
            "escalation",
            "closed_on",
            "resolution",
            "illustrative",
            "uid",
        ]


class FundResource(NumberedResource):
    """Funds in place by their 记录编号. The recorder is not read: the sheet's 记录人 column
    is passed over."""

    sheet_table = FundTable
    received_on = day("received_on")
    project = column("project", ListedRecordWidget(InvestmentProject, "name"))
    amount_wan = yi("amount_wan")
    kind = column("kind", ChoiceWidget(FundEntry.Kind.choices), default=FundEntry.Kind.FIXED_ASSETS)
    outside_province = column("outside_province", YesNoWidget())
    source = column("source")
    illustrative = column("illustrative", YesNoWidget())

    class Meta(NumberedResource.Meta):
        model = FundEntry
        fields = [
            "received_on",
            "project",
            "amount_wan",
            "kind",
            "outside_province",
            "source",
            "illustrative",
            "uid",
        ]


class UnitField(fields.Field):
    """The sheet's 考核对象, read by the kind of unit given before it: a zone by its label
    (长三角), a top-level park by its name, a member of staff by name or login; the
    county's cell is passed over. It reads as the targets list shows it (``unit_name``)."""

    def __init__(self) -> None:
        super().__init__(
            attribute="unit_name", column_name="unit_name", widget=widgets.CharWidget()
        )

    @cached_property
    def zones(self) -> ChoiceWidget:
        return ChoiceWidget(InvestmentProject.Zone.choices)

    @cached_property
    def parks(self) -> dict[str, Park]:
        return {park.name: park for park in Park.objects.filter(parent__isnull=True)}

    @cached_property
    def staff(self) -> dict[str, Model]:
        return staff_accounts()

    def save(self, instance: Any, row: dict[str, Any], is_m2m: bool = False, **kwargs: Any) -> None:
        name = (self.clean(row, **kwargs) or "").strip()
        target = cast(AnnualTarget, instance)
        target.zone, target.park, target.staff = "", None, None
        if target.unit == AnnualTarget.Unit.ZONE:
            target.zone = self.zones.clean(name)
        elif target.unit == AnnualTarget.Unit.PARK:
            if name not in self.parks:
                raise ValueError(_("一级园区“%(name)s”不存在。") % {"name": name})
            target.park = self.parks[name]
        elif target.unit == AnnualTarget.Unit.STAFF:
            if name not in self.staff:
                raise ValueError(_("没有名为“%(name)s”的在职人员账户。") % {"name": name})
            target.staff = self.staff[name]  # type: ignore[assignment]

    def get_value(self, instance: Any) -> str:
        return instance.unit_name


class TargetResource(NumberedResource):
    """Annual targets by their 记录编号. Amounts are in 亿元, counts
    are whole numbers; an empty cell has no target."""

    sheet_table = TargetTable
    year = column("year", WholeNumberWidget())
    unit = column("unit", ChoiceWidget(AnnualTarget.Unit.choices))
    unit_name = UnitField()
    projects_100m = column("projects_100m", WholeNumberWidget())
    projects_1b = column("projects_1b", WholeNumberWidget())
    investment_wan = yi("investment_wan")
    funds_wan = yi("funds_wan")
    outside_funds_wan = yi("outside_funds_wan")
    started = column("started", WholeNumberWidget())
    illustrative = column("illustrative", YesNoWidget())

    class Meta(NumberedResource.Meta):
        model = AnnualTarget
        fields = [
            "year",
            "unit",
            "unit_name",
            "projects_100m",
            "projects_1b",
            "investment_wan",
            "funds_wan",
            "outside_funds_wan",
            "started",
            "illustrative",
            "uid",
        ]


# Every sheet the ledger imports, by the kind ``manage.py import_ledger --kind`` names it:
# the address of the list that exports it. The admin imports each on its model's list.
SHEET_RESOURCES: dict[str, type[LedgerResource]] = {
    "projects": ProjectResource,
    "companies": CompanyResource,
    "parks": ParkResource,
    "parcels": ParcelResource,
    "followups": FollowUpResource,
    "problems": ProblemResource,
    "funds": FundResource,
    "targets": TargetResource,
    "departments": DepartmentResource,
    "warning-rules": WarningRuleResource,
}
