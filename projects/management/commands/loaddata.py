"""Django's loaddata, with errors that say which record failed and which reference is unknown."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError


def describe(instance) -> str:
    """Name a record by its model and natural key, which is how fixtures refer to it."""
    try:
        key = instance.natural_key()
    except (AttributeError, ObjectDoesNotExist):
        key = (instance.pk,)
    return f"{instance._meta.label} {list(key)}"


def unresolved(references: dict) -> str:
    return "; ".join(
        f"{field.name} = {value!r} does not exist" for field, value in references.items()
    )


class ForwardReferences:
    """A loaded record whose references are resolved once every fixture is in.

    Django resolves them at the end of loaddata but then names neither the fixture nor
    the reference that is missing; this wrapper adds both to the error.
    """

    def __init__(self, deserialized, fixture_label: str) -> None:
        self.deserialized = deserialized
        self.fixture_label = fixture_label

    def save_deferred_fields(self, using=None) -> None:
        try:
            self.deserialized.save_deferred_fields(using=using)
        except (ObjectDoesNotExist, DeserializationError) as exc:
            raise DeserializationError(
                f"Problem installing fixture '{self.fixture_label}': record "
                f"{describe(self.deserialized.object)}: "
                f"{unresolved(self.deserialized.deferred_fields)}"
            ) from exc


class Command(loaddata.Command):
    """Load fixtures in one transaction; every error names the file, the record and the cause."""

    def load_label(self, fixture_label) -> None:
        self.current_label = fixture_label
        try:
            super().load_label(fixture_label)
        except DeserializationError as exc:
            # The JSON deserializer drops the parser's own message (line and column).
            if exc.__cause__ is not None and str(exc.__cause__) not in str(exc):
                exc.args = (f"{exc}{exc.__cause__}",)
            raise

    def save_obj(self, obj) -> bool:
        # A required reference cannot wait for a later record: the row could not be saved.
        required = {field: key for field, key in obj.deferred_fields.items() if not field.null}
        if required:
            raise DeserializationError(f"record {describe(obj.object)}: {unresolved(required)}")
        try:
            saved = super().save_obj(obj)
        except (DatabaseError, ValueError) as exc:
            exc.args = (f"record {describe(obj.object)}: {exc}",)
            raise
        if obj.deferred_fields:
            self.objs_with_deferred_fields[-1] = ForwardReferences(obj, self.current_label)
        return saved
