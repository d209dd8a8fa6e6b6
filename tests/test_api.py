"""The read-only JSON API: same filters and permissions as the pages, tokens, schema."""

import io

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from projects.models import Park, Sector
from projects.roles import VIEWER, sync_roles

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/projects/", "/api/parks/", "/api/parcels/", "/api/companies/", "/api/leases/"]


def api_ids(client, path: str, params: dict) -> set[int]:
    """Ids of every row the API returns for these parameters, page after page."""
    ids, page = set(), 1
    while True:
        response = client.get(path, {**params, "per_page": 100, "page": page})
        assert response.status_code == 200, response.content
        body = response.json()
        ids |= {row["id"] for row in body["results"]}
        if not body["next"]:
            return ids
        page += 1


def list_ids(client, path: str, params: dict) -> set[int]:
    response = client.get(path, params)
    assert not response.context["filter_invalid"]
    return set(response.context["object_list"].values_list("pk", flat=True))


def same_questions():
    park = Park.objects.get(name="缙云经济开发区").pk
    sector = Sector.objects.get(name="短途交通").pk
    return [
        (
            "/projects/",
            {"size": "1yi", "landed_after": "2025-01-01", "landed_before": "2025-04-30"},
        ),
        ("/projects/", {"sector": [sector], "park": park}),
        ("/projects/", {"q": "电动", "stage": ["started", "completed"]}),
        ("/projects/", {"leased": "true", "landed": "true", "size": "1yi"}),
        ("/parcels/", {"supply_mode": "lease_first", "park": park}),
        ("/parks/", {"kind": "micro_park"}),
        ("/companies/", {"q": "浙江"}),
        ("/leases/", {"due_within": "90"}),
        ("/leases/", {"status": ["converted", "reclaimed"]}),
    ]


def test_api_filters_give_the_same_rows_as_the_lists(demo, staff_client):
    for path, params in same_questions():
        assert api_ids(staff_client, f"/api{path}", params) == list_ids(
            staff_client, path, params
        ), (
            path,
            params,
        )


def test_the_article_question_through_the_api(demo, staff_client):
    response = staff_client.get(
        "/api/projects/",
        {"size": "10yi", "landed_after": "2025-01-01", "landed_before": "2025-04-30"},
    )
    body = response.json()
    assert body["count"] == 3
    names = {row["name"] for row in body["results"]}
    assert "涵禧科技汽车零部件及新材料项目" in names
    hanxi = next(row for row in body["results"] if row["name"].startswith("涵禧"))
    assert hanxi["total_investment_yi"] == "15.00"
    assert hanxi["total_investment_wan"] == "150000.00"
    assert hanxi["size_tier"] == "10yi"


def test_a_bad_filter_is_a_400_naming_the_field(demo, staff_client):
    response = staff_client.get("/api/projects/", {"investment_min": "abc"})
    assert response.status_code == 400
    assert "investment_min" in response.json()


def test_pages_hold_at_most_100_rows(demo, staff_client):
    body = staff_client.get("/api/projects/", {"per_page": 1000}).json()
    assert len(body["results"]) == 100
    assert staff_client.get("/api/projects/").json()["results"].__len__() == 25


@pytest.mark.parametrize("path", [*ENDPOINTS, "/api/", "/api/schema/"])
def test_anonymous_access_is_refused(demo, client, path):
    response = client.get(path)
    assert response.status_code in (401, 403)


def test_a_token_opens_the_api(demo, admin_user):
    token = Token.objects.create(user=admin_user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/projects/").status_code == 200
    assert Client(HTTP_AUTHORIZATION="Token wrong").get("/api/projects/").status_code in (401, 403)


def test_permissions_are_those_of_the_pages(demo, django_user_model):
    sync_roles()
    nobody = django_user_model.objects.create_user("nobody", password="x")
    viewer = django_user_model.objects.create_user("reader", password="x")
    viewer.groups.add(Group.objects.get(name=VIEWER))
    for user, expected in [(nobody, 403), (viewer, 200)]:
        client = Client()
        client.force_login(user)
        for path in ENDPOINTS:
            assert client.get(path).status_code == expected, (user, path)


def test_the_api_is_read_only(demo, staff_client):
    response = staff_client.post("/api/projects/", {"name": "x"}, content_type="application/json")
    assert response.status_code in (403, 405)


def test_the_schema_is_valid_and_lists_every_collection(demo, staff_client):
    call_command("spectacular", validate=True, stdout=io.StringIO())
    schema = yaml.safe_load(staff_client.get("/api/schema/").content)
    assert schema["openapi"].startswith("3.")
    for path in ENDPOINTS:
        assert path in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/projects/"]["get"]["parameters"]}
    assert {"size", "landed_after", "sector", "park", "per_page"} <= parameters


# The projects' filter set also reads the warning rules.
QUERY_BOUNDS = {"/api/projects/": 9}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_query_count_is_bounded(demo, staff_client, django_assert_max_num_queries, path):
    with django_assert_max_num_queries(QUERY_BOUNDS.get(path, 8)):
        assert staff_client.get(path, {"per_page": 100}).status_code == 200
