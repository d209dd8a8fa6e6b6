"""Readable change history of a record, from django-simple-history's records: on the
record's page, and on the admin's History page."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from simple_history.models import ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper

from projects import geometry
from projects.lists.tables import EMPTY
from projects.models import LEDGER_MODELS
from projects.models.fields import AmountField
from projects.units import entered_yi

# How many changes a record's page shows, newest first.
HISTORY_ROWS = 20

# A field that differs between two versions: (the field, its value before, after), as shown.
Difference = tuple[models.Field, str, str]


@dataclass
class Change:
    """One save of a record: who, when, why if the save was given a reason, and each
    field's value before and after."""

    when: datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str = ""
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def label(model_field: models.Field) -> str:
    """A field's name as the admin and the histories show it: an amount's in 亿元, the unit
    it is typed in."""
    if isinstance(model_field, AmountField):
        return str(model_field.yi_name)
    return str(model_field.verbose_name)


def shown(model_field: models.Field, value: Any, names: dict) -> str:
    """A stored value as the admin and the histories show it: choice labels, 是/否, names
    of related records, amounts in 亿元 as typed, numbers with thousands separators."""
    if value is None or value == "":
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("是") if value else _("否")
    if model_field.is_relation:
        return names.get((model_field.related_model, value), str(value))
    if isinstance(model_field, AmountField):
        return formats.localize(entered_yi(value))
    if isinstance(model_field, models.JSONField):
        return geometry.describe(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return formats.localize(value)


def related_names(
    model_fields: list[models.Field],
    versions: list[Any],
    viewable: Callable[[type[models.Model]], bool] = lambda model: True,
) -> dict:
    """Names of the records the versions refer to: one query per related model, and none
    for a model the reader may not view, whose records are named as withheld."""
    wanted: dict = {}
    for model_field in model_fields:
        if model_field.is_relation:
            ids = {getattr(version, model_field.attname) for version in versions}
            wanted.setdefault(model_field.related_model, set()).update(ids - {None})
    names = {}
    for model, ids in wanted.items():
        if not viewable(model):
            names.update({(model, pk): _("无权查看") for pk in ids})
        elif ids:
            names.update(
                {
                    (model, pk): str(related)
                    for pk, related in model._base_manager.in_bulk(ids).items()
                }
            )
    return names


def differences(
    older: Any, newer: Any, model_fields: list[models.Field], names: dict
) -> list[Difference]:
    """Each field whose value differs between two versions: (field, before, after), as shown."""
    return [
        (model_field, shown(model_field, before, names), shown(model_field, after, names))
        for model_field in model_fields
        if (before := getattr(older, model_field.attname))
        != (after := getattr(newer, model_field.attname))
    ]


def history_of(record: models.Model) -> Any:
    """The manager of the record's history records.

    django-simple-history gives each model it records a ``history`` attribute, which the
    ``Model`` these functions take does not declare, and has no types of its own.
    """
    return record.history  # type: ignore[attr-defined]


def recorded_fields(record: models.Model) -> list[models.Field]:
    """The fields a history record holds a value of: all but the key and those the
    history leaves out (a derived sort key)."""
    kept = {f.attname for f in history_of(record).model._meta.concrete_fields}
    return [f for f in record._meta.concrete_fields if not f.primary_key and f.attname in kept]


def saved(version: Any) -> Change:
    """A history record as a change, without its fields: who saved, when, how and why.

    A reason is stored as the code wrote it, in Chinese, and shown in the reader's language
    when the catalogue has it (``services.LAND_TAKEN_BACK``).
    """
    return Change(
        when=version.history_date,
        who=version.history_user.get_username() if version.history_user else _("系统"),
        kind=version.history_type,
        reason=_(version.history_change_reason) if version.history_change_reason else "",
    )


def timeline(
    record: models.Model,
    limit: int = HISTORY_ROWS,
    viewable: Callable[[type[models.Model]], bool] = lambda model: True,
) -> list[Change]:
    """The record's latest changes, newest first, each against the version before it; the
    records of a model the reader may not view (``viewable``) are not named."""
    versions = list(
        history_of(record).select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    model_fields = recorded_fields(record)
    names = related_names(model_fields, versions, viewable)
    changes = []
    for newer, older in zip(versions[:limit], [*versions[1:], None], strict=False):
        change = saved(newer)
        if older is not None and newer.history_type == "~":
            change.fields = [
                (label(model_field), before, after)
                for model_field, before, after in differences(older, newer, model_fields, names)
            ]
        changes.append(change)
    return changes


class AdminChanges(HistoricalRecordContextHelper):
    """The changes of a version on the admin's History page as the record's page writes
    them (``label``, ``shown``): amounts in 亿元, choices by their labels, — for nothing.
    A related record is named only to a reader who may view its model (``viewable``)."""

    def __init__(
        self,
        model: type[models.Model],
        historical_record: Any,
        viewable: Callable[[type[models.Model]], bool],
    ) -> None:
        super().__init__(model, historical_record)
        self.viewable = viewable

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> str:
        model_field = self.model._meta.get_field(change.field)
        if model_field.is_relation and value is not None:
            # simple-history gives the related record itself, read in its queries.
            return str(value) if self.viewable(model_field.related_model) else _("无权查看")
        return shown(model_field, value, {})

    def format_delta_change(self, change: ModelChange) -> ModelChange:
        formatted = super().format_delta_change(change)
        return dataclasses.replace(formatted, field=label(self.model._meta.get_field(change.field)))


def latest_version(record: models.Model) -> int | None:
    """The id of the record's latest history record: it changes whenever the record is saved."""
    return (
        history_of(record)
        .order_by("-history_date", "-history_id")
        .values_list("history_id", flat=True)
        .first()
    )


def changes_since(record: models.Model, version: int | None) -> tuple[Change, list[Difference]]:
    """Who saved the record last, and each field that differs from ``version`` to now.

    ``version`` is a history id from ``latest_version``; None stands for the record as it
    was before its first history record, which is then compared with the latest one.
    """
    versions = (
        history_of(record).select_related("history_user").order_by("-history_date", "-history_id")
    )
    latest = versions.first()
    older = versions.filter(history_id=version).first() if version is not None else None
    last = saved(latest)
    if older is None:
        return last, []
    model_fields = recorded_fields(record)
    names = related_names(model_fields, [older, latest])
    return last, differences(older, latest, model_fields, names)


def start_history(reason: str) -> None:
    """Give every ledger record without history its first history record.

    loaddata saves raw rows, which records no history; this starts it, in bulk.
    """
    for model in LEDGER_MODELS:
        if not hasattr(model, "history"):
            continue
        recorded = model.history.values("id")
        missing = model._base_manager.exclude(pk__in=recorded)
        model.history.bulk_history_create(list(missing), default_change_reason=reason)
