"""Free-text search that stays fast on a ledger of a million rows.

A search is the database's case-insensitive substring match (``icontains``; SQLite ignores
the case of ASCII letters only, which Chinese text does not need). On PostgreSQL, the long
text columns people search also have a GIN index of their characters, upper-cased
(``CHARACTERS``, migration 0005). A text can only contain the searched words if it holds
each of their characters, so the index narrows the rows to candidates and the substring
match then decides, exactly as without the index.

Characters rather than ``pg_trgm``'s trigrams, because Chinese searches are often two
characters long (电机, 缙云), which have no trigram. They are split by PostgreSQL's own
``regexp_split_to_array``.

The index helps only while the candidates are few. Each costs a recheck and a lookup by
key, so for words in most rows (有限公司 in company names) reading the tables whole is
several times faster. Where PostgreSQL's statistics put the characters in more than a
tenth of a column's rows (``COMMON_SHARE``), the search leaves its index out.
"""

import math
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery
from django.db.models.sql.compiler import SQLCompiler

# The characters of a text, upper-cased: the expression the indexes hold (%s: the text).
CHARACTERS = "regexp_split_to_array(upper((%s)::text), '')"

# The character indexes on PostgreSQL, by model label and column. Searching any other
# column is a plain substring match, which the small tables answer quickly anyway.
CHARACTER_INDEXED = {
    "projects.investmentproject": {
        "name": "project_name_chars_idx",
        "capacity": "project_capacity_chars_idx",
    },
    "projects.company": {
        "name": "company_name_chars_idx",
        "credit_code": "company_credit_code_chars_idx",
    },
    "projects.landparcel": {"code": "parcel_code_chars_idx"},
}

# Above this share of a column's rows holding the characters searched for (estimated
# from the statistics: ``character_shares``), reading the table whole is faster than reading
# the candidates through the index. On a million projects: 电机 (2% of the rows) takes
# 0.1 s through the indexes and 1.1 s without, 科技 (33%) 1.6 s and 1.3 s, 有限公司 (all
# of them) 10 s and 1.6 s.
COMMON_SHARE = 0.1

# ``character_shares`` of the text searched for, read when first needed.
Shares = Callable[[], dict[str, float]]


class HasCharacters(models.Lookup):
    """The column holds every character of the text: true of every row whose column
    contains the text, and answered from the character index (PostgreSQL only)."""

    lookup_name = "has_characters"
    prepare_rhs = False

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        column_sql, column_params = compiler.compile(self.lhs)
        sql = f"{CHARACTERS % column_sql} @> {CHARACTERS % '%s'}"
        return sql, (*column_params, self.rhs)


models.CharField.register_lookup(HasCharacters)


class InSubquery(Func):
    """``column IN (subquery)``; on PostgreSQL ``column = ANY(ARRAY(subquery))``, which
    the planner can answer from the column's index even inside an OR, where it would
    otherwise test every row against the subquery."""

    output_field = BooleanField()

    # Not a call of a function, so it takes none of Func's arguments but the template.
    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, template: str = "%s IN %s"
    ) -> tuple[str, tuple[Any, ...]]:
        column, subquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        subquery_sql, subquery_params = compiler.compile(subquery)
        return template % (column_sql, subquery_sql), (*column_params, *subquery_params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")


def matching(qs: QuerySet, fields: tuple[str, ...], text: str) -> QuerySet:
    """The rows of ``qs`` in which any of ``fields`` contains ``text``, ignoring case.

    A field across a relation (``project__company__name``) is searched in the related
    table and joined back by key, one relation at a time, so each table's own index serves
    its own column and no table is joined to the whole list.

    On PostgreSQL, where every field of a table has a character index and the characters
    are not too common there, the condition is written twice, as (any field holds the
    characters) AND (any field contains the text): the first half is read from the
    indexes, the second decides. Written as one OR of (characters AND text) pairs, it
    would test a related table's keys row by row, which for a word found in most rows
    takes minutes.
    """
    if not text:
        return qs  # every text contains the empty one, which holds no character
    connection = connections[qs.db]
    shares = None
    if connection.vendor == "postgresql":
        shares = cache(partial(character_shares, connection, text))
    return qs.filter(text_condition(qs.model, fields, text, shares))


def text_condition(
    model: type[models.Model], fields: tuple[str, ...], text: str, shares: Shares | None
) -> Q:
    """``matching``'s condition on ``model``; ``shares``: ``character_shares`` when there
    are character indexes."""
    contains = Q()
    for field in fields:
        step, related, rest = first_step(model, field)
        if related is None:
            contains |= Q(**{f"{field}__icontains": text})
        else:
            inner = text_condition(related, (rest,), text, shares)
            keys = related._base_manager.filter(inner).order_by().values("pk")
            contains |= Q(**{f"{step}__in": Subquery(keys)})
    if shares is not None:
        candidates = character_candidates(model, fields, text, shares)
        if candidates is not None:
            return candidates & contains
    return contains


def character_shares(connection: BaseDatabaseWrapper, text: str) -> dict[str, float]:
    """The share of the rows of each character index's column that hold every character
    of ``text``, estimated from PostgreSQL's statistics as its planner does.

    That is the product of the characters' shares: a listed common element's share, or
    for any other character half the least share listed. It takes the characters to be
    independent, so it is low for words whose characters go together; but a word in most
    rows has each of its characters in most rows too, and the product then stays high
    (the least common character's share would be an upper bound, but too high: in the
    generated ledger 电 is in 30 % of the project names, 机 in 8 %, 电机 in 2 %).

    An index without statistics (its table never analysed, or not readable by the
    database user, as the tables' owner always can) is left out.
    """
    indexes = [index for columns in CHARACTER_INDEXED.values() for index in columns.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, most_common_elems::text::text[], most_common_elem_freqs, "
            f"{CHARACTERS % '%s'} FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = ANY(%s)",
            [text, indexes],
        )
        statistics = cursor.fetchall()
    shares = {}
    for index, elements, frequencies, characters in statistics:
        # The elements' frequencies are followed by their minimum and maximum, and
        # sometimes by the share of null elements.
        if not elements or len(frequencies) < len(elements) + 2:
            continue
        share_of = dict(zip(elements, frequencies, strict=False))
        rare = frequencies[len(elements)] / 2
        shares[index] = math.prod(share_of.get(character, rare) for character in set(characters))
    return shares


def character_candidates(
    model: type[models.Model], fields: tuple[str, ...], text: str, shares: Shares
) -> Q | None:
    """The rows holding every character of ``text`` in any of ``fields``, or None if a
    field has no character index or its characters are too common there to use it
    (``COMMON_SHARE``). A related table's candidate keys are looked up as an array, which
    the relation's index can read inside an OR."""
    candidates = Q()
    for field in fields:
        step, related, rest = first_step(model, field)
        if related is not None:
            inner = character_candidates(related, (rest,), text, shares)
            if inner is None:
                return None
            keys = related._base_manager.filter(inner).order_by().values("pk")
            candidates |= Q(InSubquery(F(step), Subquery(keys)))
            continue
        index = CHARACTER_INDEXED.get(model._meta.label_lower, {}).get(field)
        if index is None or shares().get(index, 0) > COMMON_SHARE:
            return None
        candidates |= Q(**{f"{field}__has_characters": text})
    return candidates


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
