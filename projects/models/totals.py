"""Counts and sums of a record's related records, stored on its row and kept by the database.

A list of companies sorted by their total investment would otherwise add up every project
of every company for each page: at a million projects, seconds. Instead each company row
holds its projects' count and total, and each park row its own parcels and projects, in
columns that database triggers bring up to date in the statement that changes the records,
whichever way it comes: a form, the admin, an import's bulk insert,
``loaddata``, a queryset's ``update()`` or plain SQL (``generate_ledger`` makes them from its
rows at its end: ``kept``). A sort by one of them is then read from an index like any other
column.

A save of a company writes every column, these with what it last read; a company that
``loaddata`` inserts after its projects (foreign keys are checked at the end) must count
them. So the owner row's own trigger guards its totals: on SQLite it recomputes them from
the records on every write of the row, which is what the records' triggers ask for; on
PostgreSQL, where a ledger grows to millions, the records' statement triggers add and take
off what changed, and the owner's trigger keeps its totals from any write but theirs and
counts a new row's records.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
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


class StoredDate(StoredTotal, models.DateField):
    """A date worked out from the row and its related rows, None when there is none."""

    def __init__(self, verbose_name: Any) -> None:
        super().__init__(verbose_name, null=True)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        del kwargs["null"]
        return name, path, args, kwargs


def statement_triggers(
    function: str, records: str, change: Callable[[dict[str, str]], str]
) -> list[str]:
    """A PostgreSQL function ``function`` running the statement that ``change`` makes of a
    statement's transition tables (each mapped to the sign of its rows: an update's old
    rows are taken off, its new ones added), and the statement triggers on ``records``
    that call it."""
    inserted, deleted = {"new_rows": ""}, {"old_rows": "-"}
    statements = [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {change(inserted)}; "
        f"ELSIF TG_OP = 'DELETE' THEN {change(deleted)}; "
        f"ELSE {change(inserted | deleted)}; END IF; "
        f"RETURN NULL; END $$"
    ]
    for event, tables in (
        ("insert", "NEW TABLE AS new_rows"),
        ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("delete", "OLD TABLE AS old_rows"),
    ):
        statements.append(
            f"CREATE TRIGGER {function}_{event} AFTER {event.upper()} ON {records} "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    return statements


@dataclass(frozen=True)
class Tally:
    """Stored columns worked out from one table of records: the number of records pointing
    to the owner row (``count``), and the sum of some of their columns (``sums``: stored
    column to the records' column), None while there are none."""

    records: str
    foreign_key: str
    count: str
    sums: dict[str, str] = field(default_factory=dict)

    def fresh(self, row: str) -> list[tuple[str, str]]:
        """Each column with its value worked out from the records, for the owner row whose
        key is ``row``."""
        source = f"FROM {self.records} r WHERE r.{self.foreign_key} = {row}"
        return [
            (self.count, f"(SELECT COUNT(*) {source})"),
            *(
                (column, f"(SELECT SUM(r.{summed}) {source})")
                for column, summed in self.sums.items()
            ),
        ]

    def added(self, owner: str, tables: dict[str, str]) -> str:
        """The statement that adds to the rows of ``owner`` what the changed records add
        and takes off what they took: ``tables`` maps each transition table to its sign."""
        changes = " UNION ALL ".join(
            f"SELECT {self.foreign_key} AS key, {sign}1 AS n"
            + "".join(f", {sign}{summed} AS {column}" for column, summed in self.sums.items())
            + f" FROM {table}"
            for table, sign in tables.items()
        )
        sums = "".join(f", SUM({column}) AS {column}" for column in self.sums)
        count = self.count
        assignments = [f"{count} = o.{count} + d.n"] + [
            f"{column} = CASE WHEN o.{count} + d.n = 0 THEN NULL "
            f"ELSE COALESCE(o.{column}, 0) + d.{column} END"
            for column in self.sums
        ]
        return (
            f"UPDATE {owner} o SET {', '.join(assignments)} FROM "
            f"(SELECT key, SUM(n) AS n{sums} FROM ({changes}) c "
            f"WHERE key IS NOT NULL GROUP BY key) d WHERE o.id = d.key"
        )


@dataclass(frozen=True)
class StoredTotals:
    """The stored columns of one table (``owner``) and the triggers that keep them."""

    owner: str
    tallies: tuple[Tally, ...]

    def recomputed(self, row: str) -> list[tuple[str, str]]:
        """Each column with its value for the owner row whose key is ``row``."""
        return [pair for tally in self.tallies for pair in tally.fresh(row)]

    def touched(self, keys: str) -> str:
        """Have the owner rows whose keys ``keys`` selects recompute their totals (SQLite:
        their own trigger does, on any update)."""
        count = self.tallies[0].count
        return f"UPDATE {self.owner} SET {count} = {count} WHERE id IN ({keys})"

    def create_sql(self, vendor: str) -> list[str]:
        """Every owner row's totals as the ledger now stands, then the triggers."""
        assignments = ", ".join(f"{c} = {v}" for c, v in self.recomputed(f"{self.owner}.id"))
        triggers = self.postgresql() if vendor == "postgresql" else self.sqlite()
        return [f"UPDATE {self.owner} SET {assignments}", *triggers]

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
        """The records' statement triggers add to their owner rows what the changed records
        (the transition tables) add and take off what they took, each owner row once a
        statement: recounting a park's 100,000 projects for each batch of a bulk insert
        would grow with the ledger. The owner's row trigger keeps its totals from any other
        write (``pg_trigger_depth() = 1``: a statement of its own, such as a save of a row
        read before its projects changed), and counts a new row's records, which
        ``loaddata`` may have inserted first."""
        owner = f"{self.owner}_totals"
        recomputed = " ".join(f"NEW.{c} := {v};" for c, v in self.recomputed("NEW.id"))
        kept = " ".join(f"NEW.{c} := OLD.{c};" for c, _value in self.recomputed("NEW.id"))
        statements = [
            f"CREATE FUNCTION {owner}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {recomputed} "
            f"ELSIF pg_trigger_depth() = 1 THEN {kept} END IF; "
            f"RETURN NEW; END $$",
            f"CREATE TRIGGER {owner} BEFORE INSERT OR UPDATE ON {self.owner} "
            f"FOR EACH ROW EXECUTE FUNCTION {owner}()",
        ]
        for tally in self.tallies:
            statements += statement_triggers(
                f"{self.owner}_{tally.records}", tally.records, partial(tally.added, self.owner)
            )
        return statements


STORED_TOTALS = (
    StoredTotals(
        "projects_company",
        (
            Tally(
                "projects_investmentproject",
                "company_id",
                "project_count",
                {"investment_wan": "total_investment_wan"},
            ),
        ),
    ),
    StoredTotals(
        "projects_park",
        (
            Tally("projects_landparcel", "park_id", "parcel_count"),
            Tally("projects_investmentproject", "park_id", "project_count"),
        ),
    ),
)
