"""Readable change history of a record, from django-simple-history's records."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils.translation import gettext as _

from projects.models import LEDGER_MODELS

# How many changes a record's page shows, newest first.
HISTORY_ROWS = 20


@dataclass
class Change:
    """One save of a record: who, when, and each field's value before and after."""

    when: datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def shown(model_field: models.Field, value, names: dict) -> str:
    """A stored value as the pages show it: choice labels, 是/否, names of related records."""
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("是") if value else _("否")
    if model_field.is_relation:
        return names.get((model_field.related_model, value), str(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def timeline(record: models.Model, limit: int = HISTORY_ROWS) -> list[Change]:
    """The record's latest changes, newest first, each against the version before it."""
    versions = list(
        record.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    model_fields = [f for f in record._meta.concrete_fields if not f.primary_key]
    # Names of related records in the versions shown: one query per related model.
    wanted: dict = {}
    for model_field in model_fields:
        if model_field.is_relation:
            ids = {getattr(version, model_field.attname) for version in versions}
            wanted[model_field.related_model] = ids - {None}
    names = {
        (model, pk): str(related)
        for model, ids in wanted.items()
        if ids
        for pk, related in model._base_manager.in_bulk(ids).items()
    }
    changes = []
    for newer, older in zip(versions[:limit], [*versions[1:], None], strict=False):
        change = Change(
            when=newer.history_date,
            who=newer.history_user.get_username() if newer.history_user else _("系统"),
            kind=newer.history_type,
        )
        if older is not None and newer.history_type == "~":
            for model_field in model_fields:
                before = getattr(older, model_field.attname)
                after = getattr(newer, model_field.attname)
                if before != after:
                    change.fields.append(
                        (
                            str(model_field.verbose_name),
                            shown(model_field, before, names),
                            shown(model_field, after, names),
                        )
                    )
        changes.append(change)
    return changes


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
