"""Amounts in the admin: typed, listed and read in 亿元, as the lists, the sheets and the
dashboard give them, and stored in 万元.

Each model field that holds an amount (``AmountField``) becomes a ``YiField`` in the
admin's forms, labelled with its 亿元 name, and a column of the change list showing the
amount in 亿元. The admins name the stored fields (``price_wan``) as Django's admin does.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest

from projects.admin_site import ModelAdminBase
from projects.forms import in_yi
from projects.history import shown
from projects.models.fields import AmountField

# A field of a change list or of a read-only page: a field's name or a function of the record.
Shown = str | Callable[[Any], str | bool]
Name = TypeVar("Name")


def amount_column(model_field: AmountField) -> Callable[[models.Model], str]:
    """The amount as a change list's column or a read-only page's field shows it: in 亿元,
    every stored digit kept, sorted by the stored amount."""

    @admin.display(description=model_field.yi_name, ordering=model_field.name)
    def amount(record: models.Model) -> str:
        return shown(model_field, getattr(record, model_field.attname), {})

    # The change list names its cells' classes after it (``field-price_wan``).
    amount.__name__ = model_field.name
    return amount


class AmountsInYi(ModelAdminBase):
    """A model admin whose forms take every amount in 亿元 and whose change list shows it so."""

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        return super().formfield_for_dbfield(db_field, request, **{**in_yi(db_field), **kwargs})

    def in_yi(self, name: Name) -> Name | Callable[[models.Model], str]:
        """The field of a list or a read-only page: for an amount's name, its column in 亿元."""
        if not isinstance(name, str):
            return name
        try:
            model_field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        return amount_column(model_field) if isinstance(model_field, AmountField) else name

    def get_list_display(self, request: HttpRequest) -> list[Shown]:
        return [self.in_yi(name) for name in super().get_list_display(request)]
