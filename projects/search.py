"""Free-text search that stays fast on a ledger of a million rows.

A search is a case-insensitive substring match (``icontains``), on every database. On
PostgreSQL, the long text columns people search also have a GIN index of their *grams*:
every character and every pair of adjacent characters, upper-cased, computed by the
SQL function ``ledger_grams`` (migration 0005). A text can only contain the searched
words if its grams include the words' grams, so the index narrows the rows to a few
candidates and the substring match then decides, exactly as without the index.

Grams of one and two characters, rather than ``pg_trgm``'s trigrams, because Chinese
searches are often two characters long (电机, 缙云), which have no trigram.
"""

from django.db import connections, models
from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery

# The columns with a gram index on PostgreSQL, by model label. Searching any other column
# is a plain substring match, which the small tables answer quickly anyway.
GRAM_INDEXED = {
    "projects.investmentproject": ("name", "capacity"),
    "projects.company": ("name", "credit_code"),
    "projects.landparcel": ("code",),
}


class HasGrams(models.Lookup):
    """The column's grams include those of the text: true of every row whose column
    contains the text, and answered from the gram index (PostgreSQL only)."""

    lookup_name = "has_grams"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.lhs)
        return f"ledger_grams({column_sql}) @> ledger_grams(%s)", (*column_params, self.rhs)


models.CharField.register_lookup(HasGrams)


class InSubquery(Func):
    """``column IN (subquery)``; on PostgreSQL ``column = ANY(ARRAY(subquery))``, which
    the planner can answer from the column's index even inside an OR, where it would
    otherwise test every row against the subquery."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, template="%s IN %s"):
        column, subquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        subquery_sql, subquery_params = compiler.compile(subquery)
        return template % (column_sql, subquery_sql), (*column_params, *subquery_params)

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")


def matching(qs: QuerySet, fields: tuple[str, ...], text: str) -> QuerySet:
    """The rows of ``qs`` in which any of ``fields`` contains ``text``, ignoring case.

    A field across a relation (``company__name``) is searched in the related table and
    joined back by key, so each table's own index serves its own column.

    On PostgreSQL the condition is written twice, as (grams of any field match) AND (any
    field contains the text): the first half is read from the indexes and the second
    decides, so the grams are never computed row by row. Written as one OR of
    (grams AND text) pairs, it would compute them again for every candidate row.
    """
    candidates, contains = Q(), Q()
    for field in fields:
        relation, _sep, column = field.rpartition("__")
        if relation:
            model = qs.model
            for step in relation.split("__"):
                model = model._meta.get_field(step).related_model
            related = matching(model._base_manager.all(), (column,), text)
            condition = Q(InSubquery(F(relation), Subquery(related.order_by().values("pk"))))
            candidates |= condition
            contains |= condition
            continue
        contains |= Q(**{f"{column}__icontains": text})
        if column in GRAM_INDEXED.get(qs.model._meta.label_lower, ()):
            candidates |= Q(**{f"{column}__has_grams": text})
        else:
            candidates |= Q(**{f"{column}__icontains": text})
    if connections[qs.db].vendor == "postgresql":
        return qs.filter(candidates, contains)
    return qs.filter(contains)
