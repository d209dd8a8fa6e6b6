"""Free-text search that stays fast on a ledger of a million rows.

A search is the database's case-insensitive substring match (``icontains``; SQLite ignores
the case of ASCII letters only, which Chinese text does not need). On PostgreSQL, the long
text columns people search also have a GIN index of their characters, upper-cased
(``CHARACTERS``, migration 0005). A text can only contain the searched words if it holds
each of their characters, so the index narrows the rows to candidates and the substring
match then decides, exactly as without the index.

Characters rather than ``pg_trgm``'s trigrams, because Chinese searches are often two
characters long (电机, 缙云), which have no trigram. They are split by PostgreSQL's own
``regexp_split_to_array``, fast enough to run on every row should a plan need to.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery

# The characters of a text, upper-cased: the expression the indexes hold (%s: the text).
CHARACTERS = "regexp_split_to_array(upper((%s)::text), '')"

# The columns with a character index on PostgreSQL, by model label. Searching any other
# column is a plain substring match, which the small tables answer quickly anyway.
CHARACTER_INDEXED = {
    "projects.investmentproject": ("name", "capacity"),
    "projects.company": ("name", "credit_code"),
    "projects.landparcel": ("code",),
}


class HasCharacters(models.Lookup):
    """The column holds every character of the text: true of every row whose column
    contains the text, and answered from the character index (PostgreSQL only)."""

    lookup_name = "has_characters"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.lhs)
        sql = f"{CHARACTERS % column_sql} @> {CHARACTERS % '%s'}"
        return sql, (*column_params, self.rhs)


models.CharField.register_lookup(HasCharacters)


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

    A field across a relation (``project__company__name``) is searched in the related
    table and joined back by key, one relation at a time, so each table's own index serves
    its own column and no table is joined to the whole list.

    On PostgreSQL, when every field has a character index, the condition is written twice,
    as (any field holds the characters) AND (any field contains the text): the first half
    is read from the indexes, the second decides. Written as one OR of (characters AND
    text) pairs, it would test a related table's keys row by row, which for a word found
    in most rows takes minutes.
    """
    contains = Q()
    for field in fields:
        step, related, rest = first_step(qs.model, field)
        if related is None:
            contains |= Q(**{f"{field}__icontains": text})
        else:
            keys = matching(related._base_manager.all(), (rest,), text).order_by().values("pk")
            contains |= Q(**{f"{step}__in": Subquery(keys)})
    if connections[qs.db].vendor == "postgresql":
        candidates = character_candidates(qs.model, fields, text)
        if candidates is not None:
            return qs.filter(candidates, contains)
    return qs.filter(contains)


def character_candidates(model: type[models.Model], fields: tuple[str, ...], text: str) -> Q | None:
    """The rows holding every character of ``text`` in any of ``fields``, or None if a
    field has no character index. A related table's candidate keys are looked up as an
    array, which the relation's index can read inside an OR."""
    condition = Q()
    for field in fields:
        step, related, rest = first_step(model, field)
        if related is not None:
            inner = character_candidates(related, (rest,), text)
            if inner is None:
                return None
            keys = related._base_manager.filter(inner).order_by().values("pk")
            condition |= Q(InSubquery(F(step), Subquery(keys)))
        elif field in CHARACTER_INDEXED.get(model._meta.label_lower, ()):
            condition |= Q(**{f"{field}__has_characters": text})
        else:
            return None
    return condition


def first_step(model: type[models.Model], field: str) -> tuple[str, type[models.Model] | None, str]:
    """A searched field as (its first step, the model that step leads to, the rest of the
    path); the model is None when the field is a column of ``model`` itself."""
    step, _sep, rest = field.partition("__")
    if not rest:
        return field, None, ""
    link = model._meta.get_field(step)
    if not (link.many_to_one or link.one_to_one):
        raise ImproperlyConfigured(
            f"Searching {field!r}: only foreign keys can be followed, so that each row is "
            "found once."
        )
    return step, link.related_model, rest
