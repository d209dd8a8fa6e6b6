"""Building blocks shared by the ledger's models: fields, constraints and natural keys."""

from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import combinations
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.ddl_references import Statement
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

NON_NEGATIVE = MinValueValidator(Decimal(0), message=_("不能为负数。"))

Record = TypeVar("Record", bound=models.Model)
NaturalKey = TypeVar("NaturalKey", bound=Callable[..., tuple[Any, ...]])


class AmountField(models.DecimalField):
    """An amount of money, stored in 万元, which the admin takes and shows in 亿元 under
    ``yi_name`` (``projects.admin_amounts``), as do the records' histories."""

    def __init__(self, *args: Any, yi_name: StrOrPromise = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.yi_name = yi_name

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        # Migrations record a plain decimal column, which this is: a field class of its
        # own there would make Django rebuild every table holding an amount, for nothing
        # the database sees. (The migrations' copies have no ``yi_name``, nor need one.)
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


def quantity_field(
    verbose_name: StrOrPromise,
    *,
    max_digits: int = 14,
    required: bool = False,
    field_class: type[models.DecimalField] = models.DecimalField,
    **options: Any,
) -> models.DecimalField:
    """A non-negative decimal with two places of ``field_class``: an area in m², a ratio
    (an amount of money is an ``amount_field``).

    Optional unless ``required``; the database backs the sign with a check constraint.
    """
    return field_class(
        verbose_name,
        max_digits=max_digits,
        decimal_places=2,
        null=not required,
        blank=not required,
        validators=[NON_NEGATIVE],
        **options,
    )


def amount_field(
    verbose_name: StrOrPromise, yi_name: StrOrPromise, *, required: bool = False
) -> models.DecimalField:
    """A non-negative amount of money in 万元 (``verbose_name``), named ``yi_name`` where
    it is typed and shown in 亿元."""
    return quantity_field(verbose_name, required=required, field_class=AmountField, yi_name=yi_name)


def illustrative_flag() -> models.BooleanField:
    """The flag that marks demo rows, so nobody mistakes them for real records."""
    return models.BooleanField(
        _("示例数据"), default=False, help_text=_("演示用的示例记录，并非真实台账。")
    )


def dates_in_order_constraints(model_name: str, date_fields: tuple[str, ...]) -> list:
    """Database checks that every pair of the given dates, when both are set, is in order."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{earlier}__isnull": True})
            | Q(**{f"{later}__isnull": True})
            | Q(**{f"{earlier}__lte": F(later)}),
            name=f"{model_name}_{earlier}_not_after_{later}",
        )
        for earlier, later in combinations(date_fields, 2)
    ]


def dates_in_order_errors(instance: models.Model, date_fields: tuple[str, ...]) -> dict:
    """Field errors for dates that come before an earlier step's date, for ``clean()``."""
    errors = {}
    for earlier, later in combinations(date_fields, 2):
        earlier_value = getattr(instance, earlier)
        later_value = getattr(instance, later)
        if earlier_value and later_value and later_value < earlier_value and later not in errors:
            errors[later] = ValidationError(
                _("%(later)s不能早于%(earlier)s（%(date)s）。"),
                code="dates_out_of_order",
                params={
                    "later": field_label(instance, later),
                    "earlier": field_label(instance, earlier),
                    "date": earlier_value.isoformat(),
                },
            )
    return errors


def field_label(record: models.Model, field: str) -> StrOrPromise:
    """The verbose name of one of the record's own fields (not of a reverse relation)."""
    model_field = record._meta.get_field(field)
    if isinstance(model_field, models.ForeignObjectRel):
        raise TypeError(f"{field!r} is a reverse relation, which has no verbose name.")
    return model_field.verbose_name


def non_negative_constraint(model_name: str, field: str) -> models.CheckConstraint:
    """A database check that a nullable amount or area is not negative."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0}),
        name=f"{model_name}_{field}_non_negative",
    )


class NullsLastIndex(models.Index):
    """An index whose descending columns keep NULLs last, as a newest-first list sorts.

    PostgreSQL puts NULLs first in a descending index unless told otherwise, and could
    then not read the list's order from it. SQLite already puts them last, and refuses the
    words in an index, so it gets a plain descending index. Only fields and a name are
    taken: the index is written here for PostgreSQL, without Index's other options.
    """

    def __init__(self, *, fields: list[str], name: str) -> None:
        super().__init__(fields=fields, name=name)

    def create_sql(
        self,
        model: type[models.Model],
        schema_editor: BaseDatabaseSchemaEditor,
        using: str = "",
        **kwargs: Any,
    ) -> Statement:
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        fields = [model._meta.get_field(name) for name, _order in self.fields_orders]
        suffixes = [
            f"{order} NULLS LAST" if order == "DESC" and field.null else order
            for field, (_name, order) in zip(fields, self.fields_orders, strict=True)
        ]
        # A private method of Django's schema editors, which django-stubs leaves out.
        return schema_editor._create_index_sql(  # type: ignore[attr-defined]
            model, fields=fields, name=self.name, using=using, col_suffixes=suffixes, **kwargs
        )


class NaturalKeyManager(models.Manager[Record]):
    """Looks objects up by the unique fields of their natural key (by default the name)."""

    key_fields: tuple[str, ...] = ("name",)

    def get_by_natural_key(self, *key: Any) -> Record:
        """The record whose key fields hold ``key``, as Django's deserializer looks it up."""
        return self.get(**dict(zip(self.key_fields, key, strict=True)))


def depends_on(*models: str) -> Callable[[NaturalKey], NaturalKey]:
    """Name the models a ``natural_key`` method refers to (``app_label.model``), which
    ``dumpdata`` then writes first: Django reads them from the method's ``dependencies``."""

    def declare(natural_key: NaturalKey) -> NaturalKey:
        # Django's documented attribute, which django-stubs does not know functions have.
        natural_key.dependencies = list(models)  # type: ignore[attr-defined]
        return natural_key

    return declare
