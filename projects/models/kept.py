"""Every figure the database keeps beside the ledger's rows: the companies' and parks'
stored totals, the projects', the funds' and the warnings' tallies, and the leases'
next dates.

Their triggers keep them in the statement that changes the rows. A bulk load of millions
of rows would pay that for each batch; instead it may set the triggers aside and make the
figures from its rows once at the end, in the same transaction, as the migrations made
them: the figures are exact when it commits.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from projects.models.leases import NextDateSQL
from projects.models.tallies import FundTallySQL, TallySQL
from projects.models.totals import STORED_TOTALS
from projects.models.warning_tally import WarningTallySQL


def keepers(vendor: str) -> tuple:
    """The statements and triggers of each kept figure but the stored totals."""
    return (TallySQL(vendor), FundTallySQL(vendor), NextDateSQL(vendor), WarningTallySQL(vendor))


def drop_sql(vendor: str) -> list[str]:
    """Every kept figure's triggers dropped, the tallies emptied."""
    statements = [statement for totals in STORED_TOTALS for statement in totals.drop_sql(vendor)]
    for kept in keepers(vendor):
        statements += kept.drop_sql()
    return statements


def create_sql(vendor: str) -> list[str]:
    """Every kept figure made from the rows as they stand, then its triggers."""
    statements = [statement for totals in STORED_TOTALS for statement in totals.create_sql(vendor)]
    for kept in keepers(vendor):
        statements += kept.create_sql()
    return statements


@contextmanager
def made_from_the_rows_at_the_end() -> Iterator[None]:
    """Inside a transaction: the triggers set aside while the block writes, and every
    kept figure made from the rows when it ends. With deferred foreign keys, PostgreSQL
    refuses to change a table's triggers while checks are pending: those must be checked
    as each statement ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("the kept figures are set aside only inside a transaction")
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in drop_sql(vendor):
            cursor.execute(statement)
        yield
        for statement in create_sql(vendor):
            cursor.execute(statement)
