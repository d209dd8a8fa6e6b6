"""Counts and sums of a record's related records, stored on its row and kept by the database.

A list of companies sorted by their total investment would otherwise add up every project
of every company for each page: at a million projects, seconds. Instead each company row
holds its projects' count and total, and each park row its own parcels and projects, in
columns that database triggers recompute from the records themselves, in the statement that
changes them, whichever way it comes: a form, the admin, an import's bulk insert,
``loaddata``, ``generate_ledger``, a queryset's ``update()`` or plain SQL. A sort by one of
them is then read from an index like any other column.

The owner row's own trigger does the recomputing, on every insert and update of the row:
so a save of a company (which writes every column, these with what it last read) cannot
leave an old count behind, and a company that ``loaddata`` inserts after its projects
(foreign keys are checked at the end) counts them. The records' triggers only touch the
owner rows whose records changed. The totals are recomputed rather than added to, so that
they are always what the records say.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models


class StoredTotal:
    """A column that only the database writes: not in forms, fixtures or history."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.update(editable=False, serialize=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        del kwargs["editable"], kwargs["serialize"]
        return name, path, args, kwargs


class StoredCount(StoredTotal, models.PositiveIntegerField):
    def __init__(self, verbose_name: Any) -> None:
        super().__init__(verbose_name, default=0)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        del kwargs["default"]
        return name, path, args, kwargs


class StoredSum(StoredTotal, models.DecimalField):
    """A sum of amounts, None when there is nothing to add up."""

    def __init__(self, verbose_name: Any) -> None:
        super().__init__(verbose_name, max_digits=18, decimal_places=2, null=True)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for option in ("max_digits", "decimal_places", "null"):
            del kwargs[option]
        return name, path, args, kwargs


@dataclass(frozen=True)
class Tally:
    """Stored columns worked out from one table of records: ``columns`` maps each column
    to its aggregate over the records pointing to the owner row (alias ``r``)."""

    records: str
    foreign_key: str
    columns: dict[str, str]


@dataclass(frozen=True)
class StoredTotals:
    """The stored columns of one table (``owner``) and the triggers that keep them."""

    owner: str
    tallies: tuple[Tally, ...]

    def recomputed(self, row: str) -> list[tuple[str, str]]:
        """Each column with its value for the owner row whose key is ``row``."""
        return [
            (column, f"(SELECT {aggregate} FROM {t.records} r WHERE r.{t.foreign_key} = {row})")
            for t in self.tallies
            for column, aggregate in t.columns.items()
        ]

    def touched(self, keys: str) -> str:
        """Have the owner rows whose keys ``keys`` selects recompute their totals (their
        own trigger does, on any update)."""
        first = self.tallies[0].columns
        column = next(iter(first))
        return f"UPDATE {self.owner} SET {column} = {column} WHERE id IN ({keys})"

    def create_sql(self, vendor: str) -> list[str]:
        """The triggers, then every owner row's totals as the ledger now stands."""
        triggers = self.postgresql() if vendor == "postgresql" else self.sqlite()
        return [*triggers, self.touched(f"SELECT id FROM {self.owner}")]

    def drop_sql(self, vendor: str) -> list[str]:
        events = ("insert", "update", "delete")
        if vendor != "postgresql":
            return [
                f"DROP TRIGGER {self.owner}_totals",
                f"DROP TRIGGER {self.owner}_totals_update",
                *(
                    f"DROP TRIGGER {self.owner}_{tally.records}_{event}"
                    for tally in self.tallies
                    for event in events
                ),
            ]
        return [
            f"DROP TRIGGER {self.owner}_totals ON {self.owner}",
            f"DROP FUNCTION {self.owner}_totals()",
            *(
                f"DROP TRIGGER {self.owner}_{tally.records}_{event} ON {tally.records}"
                for tally in self.tallies
                for event in events
            ),
            *(f"DROP FUNCTION {self.owner}_{tally.records}()" for tally in self.tallies),
        ]

    def sqlite(self) -> list[str]:
        """Row triggers, SQLite having no others. The owner's own UPDATE inside its trigger
        does not fire it again: SQLite's triggers are not recursive unless asked."""
        assignments = ", ".join(f"{c} = {v}" for c, v in self.recomputed("NEW.id"))
        statements = [
            f"CREATE TRIGGER {self.owner}_totals AFTER INSERT ON {self.owner} BEGIN "
            f"UPDATE {self.owner} SET {assignments} WHERE id = NEW.id; END",
            f"CREATE TRIGGER {self.owner}_totals_update AFTER UPDATE ON {self.owner} BEGIN "
            f"UPDATE {self.owner} SET {assignments} WHERE id = NEW.id; END",
        ]
        for tally in self.tallies:
            fk = tally.foreign_key
            for event, keys in (
                ("insert", f"NEW.{fk}"),
                ("update", f"NEW.{fk}, OLD.{fk}"),
                ("delete", f"OLD.{fk}"),
            ):
                statements.append(
                    f"CREATE TRIGGER {self.owner}_{tally.records}_{event} AFTER {event.upper()} "
                    f"ON {tally.records} BEGIN {self.touched(keys)}; END"
                )
        return statements

    def postgresql(self) -> list[str]:
        """The owner's row trigger sets its totals before the row is written; the records'
        statement triggers read the changed rows (transition tables), so that a bulk
        insert touches each owner row once, not once a record."""
        assignments = " ".join(f"NEW.{c} := {v};" for c, v in self.recomputed("NEW.id"))
        owner = f"{self.owner}_totals"
        statements = [
            f"CREATE FUNCTION {owner}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{assignments} RETURN NEW; END $$",
            f"CREATE TRIGGER {owner} BEFORE INSERT OR UPDATE ON {self.owner} "
            f"FOR EACH ROW EXECUTE FUNCTION {owner}()",
        ]
        for tally in self.tallies:
            function = f"{self.owner}_{tally.records}"
            fk = tally.foreign_key
            new, old = (
                self.touched(f"SELECT {fk} FROM {rows}") for rows in ("new_rows", "old_rows")
            )
            statements.append(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP <> 'DELETE' THEN {new}; END IF; "
                f"IF TG_OP <> 'INSERT' THEN {old}; END IF; "
                f"RETURN NULL; END $$"
            )
            for event, tables in (
                ("insert", "NEW TABLE AS new_rows"),
                ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                ("delete", "OLD TABLE AS old_rows"),
            ):
                statements.append(
                    f"CREATE TRIGGER {function}_{event} AFTER {event.upper()} ON {tally.records} "
                    f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )
        return statements


STORED_TOTALS = (
    StoredTotals(
        "projects_company",
        (
            Tally(
                "projects_investmentproject",
                "company_id",
                {"project_count": "COUNT(*)", "investment_wan": "SUM(r.total_investment_wan)"},
            ),
        ),
    ),
    StoredTotals(
        "projects_park",
        (
            Tally("projects_landparcel", "park_id", {"parcel_count": "COUNT(*)"}),
            Tally("projects_investmentproject", "park_id", {"project_count": "COUNT(*)"}),
        ),
    ),
)
