"""A list's filtered, sorted rows as a CSV or XLSX file, written while it downloads."""

from collections.abc import Collection, Iterator

from django.db import connections, transaction
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.lists.sheets import Sheet, stream
from projects.lists.tables import EMPTY, ListTable

# Shown on a list whose filter is invalid, and given as the reason its export is refused.
INVALID_FILTER = gettext_lazy("筛选条件有误：请更正标出的条件。更正之前不列出、也不导出任何记录。")


class ListExport:
    """The table's filtered, sorted rows as a CSV or XLSX file that opens safely in Excel.

    Takes the place of django-tables2's ``TableExport``, which builds every cell in memory
    through its per-cell rendering: 10,000 projects took seconds and their whole size in
    memory. Here the rows are read in chunks while the file is written, each cell by a
    function worked out once per column (``ListTable.export_columns``).
    """

    FORMATS = ("csv", "xlsx")
    # Above this many rows an export is refused: the user is asked to narrow the filter.
    row_limit = 50_000
    CHUNK_SIZE = 2000

    def __init__(self, table: ListTable, exclude_columns: Collection[str] = ()) -> None:
        self.table = table
        self.columns = table.export_columns(exclude_columns)
        # The rows are written after the view has returned: in the request's language.
        self.language = translation.get_language()

    @classmethod
    def is_valid_format(cls, export_format: str | None) -> bool:
        return export_format in cls.FORMATS

    @classmethod
    def refusal(cls, filter_invalid: bool, count: int) -> str | None:
        """Why the list cannot be exported as filtered, or None when it can: a filter to
        correct first, or more rows than one export holds."""
        if filter_invalid:
            return str(INVALID_FILTER)
        if count > cls.row_limit:
            return _(
                "符合条件的记录有%(count)d条，超过一次导出的上限%(limit)d条。请缩小筛选范围后再导出。"
            ) % {"count": count, "limit": cls.row_limit}
        return None

    @staticmethod
    def refused(reason: str) -> HttpResponse:
        """The answer to an export that cannot be made: 400 with the reason as plain text,
        so that nothing, least of all the list's page, is saved as the file."""
        return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")

    def rows(self) -> Iterator[list]:
        """The table's rows in its order (the one chosen on the page), read in chunks.

        Read in a transaction, so that PostgreSQL's cursor sends the first rows as soon as
        it has them: outside one, Django's cursor must outlive the statement's own
        transaction, and PostgreSQL then works out every row before sending any. Already in
        a transaction (a test's), it needs no savepoint of its own.

        PostgreSQL plans a cursor's query for its first tenth of rows
        (``cursor_tuple_fraction``), as if it might be closed early: filtered by signed
        date, it walked the landed-date order of a million projects to find the 10,000
        rows signed since a date. An export reads all its rows, and never more than
        ``row_limit``, so for the transaction that reads them it is planned for all: those
        rows are found through the signed-date index and sorted."""
        cells = [cell for _header, cell in self.columns]
        queryset = self.table.data.data
        with (
            translation.override(self.language),
            transaction.atomic(using=queryset.db, savepoint=False),
        ):
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
            for record in queryset.iterator(chunk_size=self.CHUNK_SIZE):
                values = (cell(record) for cell in cells)
                yield ["" if value == EMPTY else value for value in values]

    def response(self, export_format: str, filename: str) -> StreamingHttpResponse:
        title = self.table.data.model._meta.verbose_name_plural.title()
        sheet = Sheet(title, [header for header, _cell in self.columns], self.rows())
        return stream(export_format, [sheet], filename)
