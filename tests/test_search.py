"""Free-text search finds exactly what a substring match finds, and on PostgreSQL it is
answered from the character indexes."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q

from projects import search
from projects.models import Company, InvestmentProject, LandParcel, LeaseAgreement

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the character indexes exist on PostgreSQL only"
)

PROJECT_FIELDS = ("name", "company__name", "capacity")


def substring_match(queryset, fields: tuple[str, ...], text: str) -> set[int]:
    """The rows a plain case-insensitive substring match finds, through the joins."""
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return set(queryset.filter(condition).values_list("pk", flat=True))


@pytest.fixture
def odd_names(demo):
    """Names that test case, wildcards and single characters."""
    company = Company.objects.create(name="Acme 50%_Motors 株式会社")
    project = InvestmentProject.objects.get(name="江苏永久摩托车（缙云）工厂项目")
    project.company = company
    project.capacity = "年产 ABC-100 型电机 5万台"
    project.save()
    return project


@pytest.mark.parametrize(
    "text",
    ["电机", "电", "摩托车", "缙云", "acme", "ACME 5", "50%", "%_", "_", "abc-1", "万台", "无此词"],
)
def test_search_finds_exactly_the_substring_matches(odd_names, text):
    projects = InvestmentProject.objects.all()
    found = set(search.matching(projects, PROJECT_FIELDS, text).values_list("pk", flat=True))
    assert found == substring_match(projects, PROJECT_FIELDS, text)


def test_search_through_two_relations(odd_names):
    leases = LeaseAgreement.objects.all()
    fields = ("parcel__code", "project__name", "project__company__name")
    for text in ("acme", "JY", "缙云", "无此词"):
        found = set(search.matching(leases, fields, text).values_list("pk", flat=True))
        assert found == substring_match(leases, fields, text)


def test_a_search_joins_no_table_to_the_searched_one(demo):
    # Each relation is searched in its own table and joined back by key: joining the
    # projects to the leases read every project for each search.
    fields = ("parcel__code", "project__name", "project__company__name")
    searched = search.matching(LeaseAgreement.objects.all(), fields, "电机")
    assert " JOIN " not in str(searched.query)


def test_the_list_search_agrees(odd_names, staff_client):
    response = staff_client.get("/projects/", {"q": "acme"})
    assert {row.pk for row in response.context["object_list"]} == {odd_names.pk}


@on_postgresql
@pytest.mark.parametrize(("label", "indexes"), search.CHARACTER_INDEXED.items())
def test_every_character_indexed_column_has_its_index(label, indexes):
    table = apps.get_model(label)._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        definitions = dict(cursor.fetchall())
    for column, index in indexes.items():
        expected = f"USING gin (regexp_split_to_array(upper(({column})::text), ''::text))"
        assert definitions.get(index, "").endswith(expected), (column, definitions)


@on_postgresql
def test_postgresql_reads_the_candidates_from_the_indexes(demo):
    projects = search.matching(InvestmentProject.objects.all(), PROJECT_FIELDS, "电机")
    with connection.cursor() as cursor:
        # The demo tables are small enough to read whole, or along their keys; forbid
        # both to see what the indexes can answer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = projects.order_by().values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("project_name_chars_idx", "project_capacity_chars_idx"):
        assert index in plan
    assert "company_name_chars_idx" in plan


def test_an_empty_text_is_in_every_row(demo):
    projects = InvestmentProject.objects.all()
    assert search.matching(projects, PROJECT_FIELDS, "").count() == projects.count()


@pytest.mark.parametrize(
    ("common", "narrowed"),
    [
        ({}, True),  # no statistics: the indexes serve
        ({"project_name_chars_idx": 0.05, "company_name_chars_idx": 0.05}, True),
        ({"company_name_chars_idx": 0.5}, False),
        ({"project_capacity_chars_idx": 0.5}, False),
        ({"parcel_code_chars_idx": 0.5}, True),  # not searched here
    ],
)
def test_the_indexes_serve_only_characters_not_too_common(common, narrowed):
    candidates = search.character_candidates(
        InvestmentProject, PROJECT_FIELDS, "电机", lambda: common
    )
    assert (candidates is not None) == narrowed


@pytest.fixture
def common_words(demo):
    """Company names most of which say 有限公司, with the statistics that tell it."""
    Company.objects.bulk_create(Company(name=f"缙云示例{n}号制造有限公司") for n in range(300))
    with connection.cursor() as cursor:
        # The statistics go with the test's transaction; the table's row estimate stays,
        # which the tests of plans do not depend on (they forbid reading tables whole).
        cursor.execute(f"ANALYZE {Company._meta.db_table}")


@on_postgresql
def test_characters_in_most_rows_are_searched_without_their_index(common_words):
    common, rare = (search.character_shares(connection, text) for text in ("有限公司", "永久"))
    assert common["company_name_chars_idx"] > search.COMMON_SHARE
    assert rare["company_name_chars_idx"] < search.COMMON_SHARE
    companies = Company.objects.all()
    common = search.matching(companies, ("name", "credit_code"), "有限公司")
    rare = search.matching(companies, ("name", "credit_code"), "永久")
    assert "regexp_split_to_array" not in str(common.query)
    assert "regexp_split_to_array" in str(rare.query)
    assert set(common.values_list("pk", flat=True)) == substring_match(
        companies, ("name", "credit_code"), "有限公司"
    )


@on_postgresql
def test_a_common_word_in_a_related_table_is_searched_without_the_indexes(common_words):
    # The projects' own indexes could serve their columns, but the company names' could
    # not: the candidates of an OR need every part, so the whole search reads the tables.
    projects = InvestmentProject.objects.all()
    for text in ("有限公司", "缙云示例1"):
        found = search.matching(projects, PROJECT_FIELDS, text)
        assert "regexp_split_to_array" not in str(found.query)
        assert set(found.values_list("pk", flat=True)) == substring_match(
            projects, PROJECT_FIELDS, text
        )


def test_parcel_codes_are_searched(demo, staff_client):
    code = LandParcel.objects.order_by("pk").values_list("code", flat=True).first()
    response = staff_client.get("/parcels/", {"q": code.lower()})
    assert code in {row.code for row in response.context["object_list"]}
