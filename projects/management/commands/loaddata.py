"""Django's loaddata, with errors that say which record failed and which reference is unknown.

Fixture files may be named in any order (``loaddata fixtures/*.json`` lists leases before
parcels): a file whose records refer to records of a file named after it is loaded again
once the others are in, all in the one transaction. The stored sort keys and boundary areas,
which fixtures do not carry, are filled as a save fills them.
"""

import json
import os
from collections.abc import Iterable, Iterator, Sequence

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.commands import loaddata
from django.core.serializers.base import (
    DeserializationError,
    DeserializedObject,
    deserialize_fk_value,
)
from django.db import DatabaseError, transaction
from django.db.models import Model

from projects.models.fields import DERIVED_FIELDS


def describe(instance: Model) -> str:
    """Name a record by its model and natural key, which is how fixtures refer to it."""
    try:
        # Not every model has a natural key: those without one raise AttributeError.
        key = instance.natural_key()  # type: ignore[attr-defined]
    except (AttributeError, ObjectDoesNotExist):
        key = (instance.pk,)
    return f"{instance._meta.label} {list(key)}"


def fill_derived_fields(instance: Model) -> None:
    """Fill the record's stored sort keys and areas from the fields they derive from,
    which Django's raw save of a fixture record would leave empty."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, DERIVED_FIELDS):
            field.pre_save(instance, add=True)


def unresolved(references: dict) -> str:
    """Each reference by its field and the natural key that was not found."""
    return "; ".join(
        f"{field.name} = {value!r} does not exist" for field, value in references.items()
    )


class MissingReference(DeserializationError):
    """A record refers by natural key to a record that is not in the database (yet)."""


def refers_to_missing_record(exc: Exception) -> bool:
    """Whether loading stopped at a reference to a record not in the database: a required
    one, or one the record's own natural key is made of (Django fails on those while
    reading the record, before it can be named)."""
    return isinstance(exc, MissingReference) or isinstance(exc.__cause__, ObjectDoesNotExist)


def missing_references(record: dict, using: str) -> dict:
    """The required references of a fixture record, by natural key, not in the database."""
    model = apps.get_model(record["model"])
    missing = {}
    for field in model._meta.concrete_fields:
        value = record.get("fields", {}).get(field.name)
        if (
            field.many_to_one
            and not field.null
            and isinstance(value, list)
            and hasattr(field.related_model._default_manager, "get_by_natural_key")
        ):
            try:
                deserialize_fk_value(field, value, using, handle_forward_references=False)
            except ObjectDoesNotExist:
                missing[field] = value
    return missing


class ForwardReferences:
    """A loaded record whose references are resolved once every fixture is in.

    Django resolves them at the end of loaddata but then names neither the fixture nor
    the reference that is missing; this wrapper adds both to the error.
    """

    def __init__(self, deserialized: DeserializedObject, fixture_label: str) -> None:
        self.deserialized = deserialized
        self.fixture_label = fixture_label

    def save_deferred_fields(self, using: str | None = None) -> None:
        """Resolve the references, naming the fixture, record and reference on failure."""
        try:
            self.deserialized.save_deferred_fields(using=using)
        except (ObjectDoesNotExist, DeserializationError) as exc:
            raise DeserializationError(
                f"Problem installing fixture '{self.fixture_label}': record "
                f"{describe(self.deserialized.object)}: "
                f"{unresolved(self.deserialized.deferred_fields)}"
            ) from exc


class LoadOrder:
    """The fixture labels in an order their records can be loaded in.

    The labels come as given. A label whose records refer to records not loaded yet is put
    off (its rows rolled back) and loaded again after the others, pass after pass while a
    pass loads at least one label. A label alone in its pass, or in a pass that loaded
    none, has nothing left to wait for: its ``last_pass`` raises the error that names the
    reference. Django reads the labels twice (first to see that one exists), so this is an
    iterable rather than a generator.
    """

    def __init__(self, labels: Iterable[str]) -> None:
        self.labels = list(labels)
        self.put_off: list[str] = []
        self.last_pass = False

    def __iter__(self) -> Iterator[str]:
        pending, stuck = self.labels, False
        while pending:
            self.last_pass = stuck or len(pending) == 1
            self.put_off = []
            yield from pending
            stuck = len(self.put_off) == len(pending)
            pending = self.put_off


class Command(loaddata.Command):
    """Load fixtures in one transaction, in any order; every error names the file, the
    record and the cause."""

    def loaddata(self, fixture_labels: Sequence[str]) -> None:
        self.order = LoadOrder(fixture_labels)
        # Django only iterates the labels, which django-stubs types as a Sequence.
        super().loaddata(self.order)  # type: ignore[arg-type]

    def load_label(self, fixture_label: str) -> None:
        self.current_label = fixture_label
        files_counted = self.fixture_count
        forward_references = len(self.objs_with_deferred_fields)
        try:
            with transaction.atomic(using=self.using):
                self.load_label_naming_errors(fixture_label)
        except DeserializationError as exc:
            if self.order.last_pass or not refers_to_missing_record(exc):
                raise
            # The savepoint undid the label's rows: undo its counts too, to load it later.
            self.fixture_count = files_counted
            del self.objs_with_deferred_fields[forward_references:]
            self.order.put_off.append(fixture_label)
            if self.verbosity >= 2:
                self.stdout.write(f"'{fixture_label}' waits for records of a later fixture.")

    def load_label_naming_errors(self, fixture_label: str) -> None:
        try:
            super().load_label(fixture_label)
        except DeserializationError as exc:
            if self.order.last_pass and isinstance(exc.__cause__, ObjectDoesNotExist):
                # Read before the savepoint is rolled back: the file's earlier records
                # are still in the database, so the first one not resolved is the culprit.
                exc.args = (f"{exc} {self.first_missing_reference(fixture_label)}",)
            elif exc.__cause__ is not None and str(exc.__cause__) not in str(exc):
                # The JSON deserializer drops the parser's own message (line and column).
                exc.args = (f"{exc}{exc.__cause__}",)
            raise

    def first_missing_reference(self, fixture_label: str) -> str:
        """The first record of the label's JSON files with a required reference not found."""
        for fixture_file, _dir, _name in self.find_fixtures(fixture_label):
            _base, ser_fmt, cmp_fmt = self.parse_name(os.path.basename(fixture_file))
            if ser_fmt != "json" or cmp_fmt == "stdin":
                continue
            # An (open, mode) pair, which django-stubs types as a tuple of one.
            open_method, mode = self.compression_formats[cmp_fmt]  # type: ignore[misc]
            with open_method(fixture_file, mode) as fixture:
                records = json.load(fixture)
            for number, record in enumerate(records, start=1):
                missing = missing_references(record, self.using)
                if missing:
                    label = apps.get_model(record["model"])._meta.label
                    return f"record {number} of the file, a {label}: {unresolved(missing)}"
        return ""

    def save_obj(self, obj: DeserializedObject) -> bool:
        # A required reference cannot wait for a later record: the row could not be saved.
        required = {field: key for field, key in obj.deferred_fields.items() if not field.null}
        if required:
            raise MissingReference(f"record {describe(obj.object)}: {unresolved(required)}")
        fill_derived_fields(obj.object)
        try:
            saved = super().save_obj(obj)
        except (DatabaseError, ValueError) as exc:
            exc.args = (f"record {describe(obj.object)}: {exc}",)
            raise
        if obj.deferred_fields:
            # Django only calls save_deferred_fields() on these, which the wrapper has.
            wrapper = ForwardReferences(obj, self.current_label)
            self.objs_with_deferred_fields[-1] = wrapper  # type: ignore[call-overload]
        return saved
