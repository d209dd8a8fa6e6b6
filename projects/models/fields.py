"""Building blocks shared by the ledger's models: fields, constraints and natural keys."""

import re
import uuid
from collections.abc import Callable, Collection, Sequence
from decimal import Decimal
from itertools import combinations
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.ddl_references import Statement
from django.db.models import F, Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from projects.geometry import geodesic_area_m2, validate_boundary

NON_NEGATIVE = MinValueValidator(Decimal(0), message=_("不能为负数。"))
DATES_OUT_OF_ORDER = _("日期先后有误：后一步的日期不能早于前一步的日期。")

# The ICU collation that sorts Chinese text by its pinyin, 安徽 (ān) before 上海 (shàng),
# as staff expect; migration 0010 creates it on PostgreSQL.
PINYIN_COLLATION = "zh_pinyin"

Record = TypeVar("Record", bound=models.Model)
NaturalKey = TypeVar("NaturalKey", bound=Callable[..., tuple[Any, ...]])


class AmountField(models.DecimalField):
    """An amount of money, stored in 万元, which forms take in 亿元 under ``yi_name``, as
    the admin's change lists (``projects.admin_amounts``) and the records' histories show
    it."""

    def __init__(self, *args: Any, yi_name: StrOrPromise = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.yi_name = yi_name

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        # Migrations record a plain decimal column, which this is: a field class of its
        # own there would make Django rebuild every table holding an amount, for nothing
        # the database sees. (The migrations' copies have no ``yi_name``, nor need one.)
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        """A ``YiField`` labelled with the 亿元 name, in every model form and the admin."""
        from projects.forms import YiField  # the forms module imports the models

        return super().formfield(
            **{"form_class": YiField, "label": capfirst(self.yi_name), **kwargs}
        )


def quantity_field(
    verbose_name: StrOrPromise,
    *,
    max_digits: int = 14,
    required: bool = False,
    field_class: type[models.DecimalField] = models.DecimalField,
    **options: Any,
) -> models.DecimalField:
    """A non-negative decimal with two places of ``field_class``: an area in m², a ratio,
    an amount of money the site types and shows in 万元 as stored (a rent, a price, an
    assessment's figures); a project's amounts, shown in 亿元, are ``amount_field``s.

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


def recorded_by_field(verbose_name: StrOrPromise) -> models.ForeignKey:
    """The staff member who entered a record: kept when the user is deleted (the record
    stays, unsigned), and never a reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


def illustrative_boundary_flag() -> models.BooleanField:
    """The flag that marks a boundary drawn for the demo, not surveyed."""
    return models.BooleanField(
        _("示意边界"), default=False, help_text=_("边界为演示绘制的示意图形，并非测绘成果。")
    )


def dates_in_order_constraints(model_name: str, date_fields: tuple[str, ...]) -> list:
    """Database checks that every pair of the given dates, when both are set, is in order."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{earlier}__isnull": True})
            | Q(**{f"{later}__isnull": True})
            | Q(**{f"{earlier}__lte": F(later)}),
            name=f"{model_name}_{earlier}_not_after_{later}",
            violation_error_message=DATES_OUT_OF_ORDER,
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
        violation_error_message=NON_NEGATIVE.message,
    )


class ConstraintErrorsOnFields(models.Model):
    """A model whose broken constraints are reported beside a field, not above the form.

    Django reports a broken check, or a unique constraint on several fields, for the form
    as a whole, and skips a constraint that reads a field the form does not show (the
    lease of an assessment, a lease's status). ``constraint_fields`` names the field each
    constraint a user can break is reported beside. Such a constraint is checked on the
    record as it stands, with the fields the form does not show, unless its field is one
    the caller leaves out or that already failed.
    """

    # The name of each constraint a user can break, and the field it is reported beside.
    constraint_fields: ClassVar[dict[str, str]] = {}

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        skipped = set(exclude or ())
        using = router.db_for_write(type(self), instance=self)
        errors: dict[str, list[ValidationError]] = {}
        for constraint in self._meta.constraints:
            field = self.constraint_fields.get(constraint.name)
            if field is None or field in skipped:
                continue
            try:
                constraint.validate(type(self), self, using=using)
            except ValidationError as error:
                errors.setdefault(field, []).append(error)
        try:
            # A constraint reported above reads its field, which Django then skips.
            super().validate_constraints(exclude=skipped | set(errors))
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


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


class PinyinCharField(models.CharField):
    """Text that sorts by pinyin on PostgreSQL, and by code point on SQLite, which has no
    such collation.

    The column itself has the collation (Django's ``db_collation``, on PostgreSQL only), so
    that every order on it, in the lists, the admin and the filters' choices, follows it,
    and its indexes, the unique one included, are in that order and serve it. The
    collation is deterministic: text is equal only if it is the same text, so uniqueness
    and substring search are as before.
    """

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = PINYIN_COLLATION
        return parameters


def natural_sort_key(text: str) -> str:
    """``text`` with each number in it written as its count of digits, in two digits, then
    its digits, so that comparing keys character by character compares the numbers by
    value: 缙云经济开发区2024-4号 (…042024-014号) before 缙云经济开发区2024-10号
    (…042024-0210号). Leading zeros are left out: 007 sorts as 7."""

    def sized(number: re.Match) -> str:
        digits = number[0].lstrip("0") or "0"
        return f"{len(digits):02d}{digits}"

    return re.sub(r"[0-9]+", sized, text)


class NaturalSortKeyField(PinyinCharField):
    """The natural sort key (``natural_sort_key``) of another text field, ``source``, kept
    in a column of its own so that an index serves the order.

    Every save fills it, ``bulk_create`` too (both call ``pre_save``), and so does the
    project's ``loaddata``, which saves fixtures raw. Derived, it is neither edited nor
    serialized: a dump does not carry it, loading one fills it again. It needs room for
    twice the source's length: each number gains two characters.
    """

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.update(editable=False, serialize=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        del kwargs["editable"], kwargs["serialize"]
        return name, path, args, {**kwargs, "source": self.source}

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        key = natural_sort_key(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, key)
        return key


class NaturalKeyManager(models.Manager[Record]):
    """Looks objects up by the unique fields of their natural key (by default the name)."""

    key_fields: tuple[str, ...] = ("name",)

    def get_by_natural_key(self, *key: Any) -> Record:
        """The record whose key fields hold ``key``, as Django's deserializer looks it up."""
        return self.get(**dict(zip(self.key_fields, key, strict=True)))


class UidManager(NaturalKeyManager[Record]):
    """Looks records up by their ``record_uid``, for records nothing else names uniquely
    (a follow-up, a problem): a backup restores each of them, however alike two are."""

    key_fields = ("uid",)


def record_uid() -> models.UUIDField:
    """A record's own key for backups and fixtures, the same in every database."""
    return models.UUIDField(_("记录编号"), default=uuid.uuid4, unique=True, editable=False)


def depends_on(*models: str) -> Callable[[NaturalKey], NaturalKey]:
    """Name the models a ``natural_key`` method refers to (``app_label.model``), which
    ``dumpdata`` then writes first: Django reads them from the method's ``dependencies``."""

    def declare(natural_key: NaturalKey) -> NaturalKey:
        # Django's documented attribute, which django-stubs does not know functions have.
        natural_key.dependencies = list(models)  # type: ignore[attr-defined]
        return natural_key

    return declare


def boundary_field() -> models.JSONField:
    """A park's or parcel's boundary, a GeoJSON polygon in longitude/latitude
    (``projects.geometry``), in a JSON column that SQLite and PostgreSQL both hold."""
    return models.JSONField(
        _("边界"),
        null=True,
        blank=True,
        validators=[validate_boundary],
        help_text=_(
            "GeoJSON的Polygon或MultiPolygon，经纬度（WGS84/CGCS2000），经度在前；"
            "也可在列表页用“导入边界”从GeoJSON或Shapefile导入。"
        ),
    )


class GeodesicAreaField(models.DecimalField):
    """The area in m² of another field's boundary, ``source``, measured on the ellipsoid,
    kept in a column of its own so that lists can filter on it.

    Like ``NaturalSortKeyField``, every save fills it, and so does the project's
    ``loaddata``; it is neither edited nor serialized.
    """

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.update(editable=False, serialize=False, null=True, blank=True)
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for derived in ("editable", "serialize", "null", "blank"):
            kwargs.pop(derived, None)
        return name, path, args, {**kwargs, "source": self.source}

    def pre_save(self, model_instance: models.Model, add: bool) -> Decimal | None:
        area = geodesic_area_m2(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, area)
        return area


# Fields derived from others on every save, which a raw save (loaddata) must fill too.
DERIVED_FIELDS = (NaturalSortKeyField, GeodesicAreaField)
