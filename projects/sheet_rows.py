"""How a sheet's rows are matched with the ledger's records, and how an import's outcome
is told: refused rows under the sheet's own headers and row numbers, changes worked out
only where they are shown (django-import-export's instance loader, diff and result).
"""

from typing import Any, NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Model
from import_export.instance_loaders import ModelInstanceLoader
from import_export.resources import Diff, Resource
from import_export.results import Result

from projects.sheet_widgets import KEYS_PER_QUERY


class SheetInstanceLoader(ModelInstanceLoader):
    """Reads the records a sheet's rows match, by their natural key (one field, or several:
    a warning rule's kind and stage), in a few queries before the rows rather than one
    query a row.

    A key is matched as stored, whichever way its cells write it (阶段停留 or its English
    label). A row whose key cannot be read (an unknown choice) matches no record: its
    cell is reported beside its column when the row is imported.
    """

    def __init__(self, resource: Resource, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        self.keys = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.instances: dict[tuple, Model] = {}
        headers = (dataset.headers or []) if dataset is not None else []
        if any(field.column_name not in headers for field in self.keys):
            return
        rows = (self.row_key(dict(zip(headers, cells, strict=True))) for cells in dataset)
        wanted = {key for key in rows if key is not None}
        # The records whose first key field is one the sheet names; any others a composite
        # key leaves out.
        first = self.keys[0]
        firsts = sorted({key[0] for key in wanted})
        for start in range(0, len(firsts), KEYS_PER_QUERY):
            chunk = firsts[start : start + KEYS_PER_QUERY]
            for instance in self.get_queryset().filter(**{f"{first.attribute}__in": chunk}):
                key = tuple(field.get_value(instance) for field in self.keys)
                if key in wanted:
                    self.instances[key] = instance

    def row_key(self, row: dict[str, Any]) -> tuple | None:
        """The key a row names, as stored, or None if one of its cells cannot be read."""
        try:
            return tuple(field.clean(row) for field in self.keys)
        except ValueError:
            return None

    def get_instance(self, row: dict[str, Any]) -> Model | None:
        key = self.row_key(row)
        return None if key is None else self.instances.get(key)


class UnknownHeaders(ValueError):
    """A sheet with headers that no export writes."""


class SheetNotSaved(ValueError):
    """Rows that passed every check but that the database refused, as a whole batch."""


class UnshownDiff(Diff):
    """The changes of a row that nobody will see (the import after its preview, the
    shell): nothing is read or compared for them."""

    def __init__(self, resource: Any, instance: Any, new: bool) -> None:
        self.left: list[str] = []
        self.right: list[str] = []
        self.new = new

    def compare_with(self, resource: Any, instance: Any) -> None:
        pass

    def as_html(self) -> list[str]:
        return []


class RefusedRow(NamedTuple):
    """A row that cannot be imported: its number as the spreadsheet shows it (the header
    row is row 1), each reason with the header of its column ("" for the row as a whole),
    and its cells."""

    number: int
    reasons: list[tuple[str, str]]
    values: list[Any]


class SheetResult(Result):
    """An import's result, with the sheet's headers so that its rows are told as the sheet
    writes them (``headers``, and ``columns``: each field's header)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers: list[str] = []
        self.columns: dict[str, str] = {}

    def refused_rows(self) -> list[RefusedRow]:
        """Every row that cannot be imported, in the sheet's order."""
        refused: dict[int, RefusedRow] = {}
        for number, errors in self.row_errors():
            row = refused.setdefault(
                number, RefusedRow(number + 1, [], list(errors[0].row.values()))
            )
            row.reasons.extend(("", str(error.error)) for error in errors)
        for invalid in self.invalid_rows:
            row = refused.setdefault(
                invalid.number, RefusedRow(invalid.number + 1, [], list(invalid.values))
            )
            for field, messages in invalid.error_dict.items():
                column = "" if field == NON_FIELD_ERRORS else self.columns.get(field, field)
                row.reasons.extend((column, str(message)) for message in messages)
        return [refused[number] for number in sorted(refused)]
