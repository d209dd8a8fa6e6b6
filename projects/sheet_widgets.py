"""How a sheet's cells are read: dates as staff write them, amounts in 亿元, choices by
their label in either language, 是/否, and references to parks, sectors and companies by
name, each looked up once a sheet rather than once a row (django-import-export widgets).
"""

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils import translation
from django.utils.formats import sanitize_separators
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise
from import_export import widgets

from projects.models import Company
from projects.models.staff import active_staff, staff_name
from projects.units import TWO_PLACES

# Keys looked up in one query: well under SQLite's limit of 32,766 parameters a statement.
KEYS_PER_QUERY = 5000
CHINESE_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
SLASHED_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
# How a cell lists several names: as the export writes them (李明；陈静), or as typed.
NAME_SEPARATORS = re.compile(r"[；;、，,\n]+")


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


class DecimalNumberWidget(widgets.DecimalWidget):
    """A number that may have decimals (an area, a price, an amount), as typed (1234.5),
    with the thousands separators the pages write (1,234.5) or spaces around it, or as a
    spreadsheet keeps it. Text (约3000), or a number that is not finite (NaN, Infinity), is
    refused saying so beside its column, rather than failing the row in the library's words."""

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> Decimal | None:
        if self.is_empty(value):
            return None
        try:
            number = super().clean(value, row, **kwargs)
        except (ArithmeticError, ValueError):  # decimal.InvalidOperation: not a number
            number = None
        if number is None or not number.is_finite():
            raise ValueError(_("“%(value)s”不是数字。") % {"value": value})
        return number


class ConvertedDecimalWidget(DecimalNumberWidget):
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
        amount = super().clean(value, row, **kwargs)
        if amount is None:
            return None
        stored = self.to_stored(amount)
        try:
            return stored.quantize(TWO_PLACES)
        except InvalidOperation:
            return stored  # more digits than Decimal holds: refused by the field's max_digits

    def render(self, value: Any, obj: Model | None = None, **kwargs: Any) -> str:
        return "" if value is None else str(self.to_shown(value))


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number (days, a year, a count), as typed (90) or as a spreadsheet may keep
    it (90.0); text or a fraction is refused, saying so, rather than cut to its whole part."""

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> int | None:
        if self.is_empty(value):
            return None
        try:
            whole = super().clean(value, row, **kwargs)
            exact = whole == Decimal(sanitize_separators(value))
        except (ArithmeticError, ValueError):  # not a number, or not a finite one
            exact = False
        if not exact:
            raise ValueError(_("“%(value)s”不是整数。") % {"value": value})
        return whole


class ChoiceWidget(widgets.Widget):
    """A choice written as its label, in Chinese or English, or as its stored value."""

    def __init__(self, choices: Sequence[tuple[Any, StrOrPromise]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices

    @cached_property
    def accepted(self) -> dict[str, str]:
        """Every way of writing each choice, to its stored value (worked out once a sheet:
        each import has its own copy of the widgets)."""
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
        if text in self.accepted:
            return self.accepted[text]
        labels = _("、").join(str(label) for _stored, label in self.choices)
        raise ValueError(
            _("“%(value)s”不是可选值（可选：%(labels)s）。") % {"value": text, "labels": labels}
        )

    @cached_property
    def labels(self) -> dict[str, StrOrPromise]:
        return dict(self.choices)

    def render(self, value: Any, obj: Model | None = None, **kwargs: Any) -> str:
        return str(self.labels.get(value, value or ""))


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


class NamedRecordWidget(widgets.ForeignKeyWidget):
    """A reference to an existing record by its name or code.

    The records are read once per import, on the first row, into a dictionary: each import
    has its own copy of the widgets, so a record renamed since the last import is seen.
    """

    @cached_property
    def records(self) -> dict[str, Model]:
        return {getattr(record, self.field): record for record in self.model.objects.all()}

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> Model | None:
        key = "" if value is None else str(value).strip()
        if not key:
            return None
        try:
            return self.records[key]
        except KeyError:
            raise ValueError(
                _("%(model)s“%(value)s”不存在。")
                % {"model": self.model._meta.verbose_name, "value": value}
            ) from None


class CompanyWidget(widgets.ForeignKeyWidget):
    """A company by name or credit code; one not yet in the ledger is created.

    The companies a sheet names are read before its rows (``prime``), in a few queries
    rather than one a row: the ledger may hold hundreds of thousands of them. Those it
    does not hold are created there too, in batches with their history, each checked like
    a form first; a name that fails the check is refused with every row that names it.
    The import runs in one transaction, so a sheet refused for any row creates none.
    """

    def __init__(self) -> None:
        super().__init__(Company, "name")
        self.by_name: dict[str, Company] = {}
        self.by_code: dict[str, Company] = {}
        self.refused: dict[str, str] = {}

    def prime(self, values: Iterable) -> None:
        """Read the companies named (by name or credit code) in these cells, and create
        the ones the ledger does not hold."""
        wanted = sorted({str(value).strip() for value in values if value is not None} - {""})
        for start in range(0, len(wanted), KEYS_PER_QUERY):
            chunk = wanted[start : start + KEYS_PER_QUERY]
            for company in Company.objects.filter(Q(name__in=chunk) | Q(credit_code__in=chunk)):
                self.remember(company)
        new = []
        for name in wanted:
            if name in self.by_name or name in self.by_code:
                continue
            company = Company(name=name)
            try:
                # Its name is free (just read), and the one constraint, on credit codes,
                # does not concern a company without one.
                company.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                self.refused[name] = "; ".join(error.messages)
            else:
                new.append(company)
        Company.objects.bulk_create(new, batch_size=KEYS_PER_QUERY // 10)
        Company.history.bulk_history_create(new)
        for company in new:
            self.remember(company)

    def remember(self, company: Company) -> None:
        self.by_name[company.name] = company
        if company.credit_code:
            self.by_code[company.credit_code] = company

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> Company | None:
        name = "" if value is None else str(value).strip()
        if not name:
            return None
        if name in self.refused:
            raise ValueError(self.refused[name])
        return self.by_name.get(name) or self.by_code[name]


class StaffWidget(widgets.ManyToManyWidget):
    """Members of staff named by name (李明, as the export writes them) or login, several
    to a cell; a name of no active account refuses the row. The accounts are read once
    per import."""

    def __init__(self) -> None:
        super().__init__(get_user_model())

    @cached_property
    def accounts(self) -> dict[str, Model]:
        accounts = {}
        for user in active_staff():
            accounts[user.get_username()] = user
            accounts.setdefault(staff_name(user), user)
        return accounts

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> list[Model]:
        names = [name.strip() for name in NAME_SEPARATORS.split(str(value or "")) if name.strip()]
        unknown = [name for name in names if name not in self.accounts]
        if unknown:
            raise ValueError(_("没有名为%(names)s的在职人员。") % {"names": _("、").join(unknown)})
        return list(dict.fromkeys(self.accounts[name] for name in names))

    def render(self, value: Any, obj: Model | None = None, **kwargs: Any) -> str:
        return "；".join(staff_name(user) for user in value.all()) if value is not None else ""


class ListedRecordWidget(NamedRecordWidget):
    """A reference by name to a table too large to read whole (the projects): only the
    names the sheet writes are read, before its rows (``prime``), a few queries a sheet."""

    def __init__(self, model: type[Model], field: str) -> None:
        super().__init__(model, field)
        self.listed: dict[str, Model] = {}

    def prime(self, values: Iterable) -> None:
        names = sorted({str(value).strip() for value in values if value not in (None, "")})
        for start in range(0, len(names), KEYS_PER_QUERY):
            chunk = names[start : start + KEYS_PER_QUERY]
            for record in self.model.objects.filter(**{f"{self.field}__in": chunk}):
                self.listed[getattr(record, self.field)] = record

    @cached_property
    def records(self) -> dict[str, Model]:
        return self.listed


class UidWidget(widgets.Widget):
    """A record's own key (记录编号), as the export writes it; a row that leaves it empty
    is a new record, which is given one."""

    def clean(self, value: Any, row: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        text = "" if value is None else str(value).strip()
        if not text:
            return uuid.uuid4()
        try:
            return uuid.UUID(text)
        except ValueError:
            raise ValueError(_("“%(value)s”不是有效的记录编号。") % {"value": text}) from None

    def render(self, value: Any, obj: Model | None = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)
