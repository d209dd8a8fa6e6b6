"""What a list page shows around its rows: the filters in use as chips, a wrong filter
marked as wrong, export buttons that cannot export, cells labelled for cards, the date."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from projects.lists.export import INVALID_FILTER
from projects.models import Sector

pytestmark = pytest.mark.django_db

# A wrong value for a filter of each list.
BAD_FILTERS = {
    "/projects/": {"investment_min": "abc"},
    "/parks/": {"kind": "castle"},
    "/parcels/": {"area_min": "abc"},
    "/companies/": {"above_scale": "maybe"},
    "/leases/": {"due_within": "soon"},
    "/problems/": {"overdue": "maybe"},
}


class Elements(HTMLParser):
    """The attributes of every element with an id, and the text inside each, of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.attrs: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self.open: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if "id" in found:
            self.attrs[found["id"]] = found
            self.text[found["id"]] = ""
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self.open.append(found.get("id"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("input", "br", "img", "meta", "link", "hr") and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for element in self.open:
            if element is not None:
                self.text[element] += data


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


class TestInvalidFilter:
    @pytest.mark.parametrize("path", BAD_FILTERS)
    def test_it_says_the_filter_must_be_corrected_not_that_nothing_matches(
        self, demo, staff_client, path
    ):
        response = staff_client.get(path, BAD_FILTERS[path])
        page = Elements(response.text)
        assert page.attrs["filter-error"]["role"] == "alert"
        assert page.text["filter-error"] == str(INVALID_FILTER)
        assert "没有符合条件" not in response.text
        assert "未统计" not in response.text
        assert "<tbody" not in response.text

    def test_it_marks_the_wrong_field_with_bootstraps_invalid_state(self, demo, staff_client):
        page = Elements(staff_client.get("/projects/", {"investment_min": "abc"}).text)
        wrong = page.attrs["id_investment_min"]
        assert "is-invalid" in wrong["class"].split()
        assert wrong["aria-invalid"] == "true"
        assert wrong["aria-describedby"] == "id_investment_min_error"
        assert "invalid-feedback" in page.attrs["id_investment_min_error"]["class"].split()
        assert page.text["id_investment_min_error"] == "输入一个数字。"
        right = page.attrs["id_investment_max"]
        assert "is-invalid" not in right["class"] and "aria-invalid" not in right

    def test_it_marks_a_wrong_choice_among_checkboxes(self, demo, staff_client):
        response = staff_client.get("/projects/", {"stage": "finished"})
        page = Elements(response.text)
        fieldset = re.search(r"<fieldset[^>]*>\s*<legend[^>]*>阶段</legend>", response.text)
        assert 'aria-describedby="id_stage_error"' in fieldset.group()
        assert "finished" in page.text["id_stage_error"]
        boxes = [attrs for key, attrs in page.attrs.items() if key.startswith("id_stage_")]
        boxes = [attrs for attrs in boxes if attrs.get("type") == "checkbox"]
        assert len(boxes) == 8
        assert all(box["aria-invalid"] == "true" and box["class"] == "is-invalid" for box in boxes)
        zones = [attrs for key, attrs in page.attrs.items() if key.startswith("id_zone_")]
        assert zones and not any("aria-invalid" in zone for zone in zones)

    @pytest.mark.parametrize("path", BAD_FILTERS)
    def test_its_export_buttons_are_disabled(self, demo, staff_client, path):
        bad = staff_client.get(path, BAD_FILTERS[path]).text
        buttons = re.findall(r"<button[^>]*>导出 (?:CSV|XLSX)</button>", bad)
        assert len(buttons) == 2
        assert all(" disabled" in b and 'aria-describedby="filter-error"' in b for b in buttons)
        assert "_export=" not in bad
        good = staff_client.get(path).text
        assert "_export=csv" in good and "_export=xlsx" in good
        assert not re.search(r"<button[^>]*disabled[^>]*>导出", good)


class TestFilterChips:
    def test_each_chip_links_to_the_list_without_its_one_value(self, demo, staff_client):
        transport, solar = (Sector.objects.get(name=name).pk for name in ("短途交通", "光伏"))
        params = {"size": "1yi", "sector": [transport, solar], "q": "", "sort": "-landed_date"}
        response = staff_client.get("/projects/", {**params, "page": 2})
        chips = response.context["filter_chips"]
        assert [(chip.label, chip.value) for chip in chips] == [
            ("投资规模", "亿元以上"),
            ("产业", "短途交通"),
            ("产业", "光伏"),
        ]
        size, first, second = (query(chip.url) for chip in chips)
        assert size == {"sector": [str(transport), str(solar)], "sort": ["-landed_date"]}
        assert first == {"size": ["1yi"], "sector": [str(solar)], "sort": ["-landed_date"]}
        assert second["sector"] == [str(transport)] and "page" not in second
        for chip in chips:
            assert f'href="{chip.url.replace("&", "&amp;")}"' in response.text
        narrowed = staff_client.get(chips[0].url)
        assert [chip.value for chip in narrowed.context["filter_chips"]] == ["短途交通", "光伏"]

    def test_the_last_chip_links_to_the_whole_list(self, demo, staff_client):
        [chip] = staff_client.get("/parcels/", {"supply_mode": "lease_first"}).context[
            "filter_chips"
        ]
        assert (chip.label, chip.value, chip.url) == ("供地方式", "先租后供", "/parcels/")

    def test_a_wrong_value_has_a_chip_marked_wrong(self, demo, staff_client):
        response = staff_client.get("/projects/", {"investment_min": "abc", "size": "10yi"})
        chips = {chip.label: chip for chip in response.context["filter_chips"]}
        assert chips["总投资不低于（亿元）"].invalid and not chips["投资规模"].invalid
        assert chips["总投资不低于（亿元）"].url == "/projects/?size=10yi"

    def test_an_unfiltered_list_has_no_chips(self, demo, staff_client):
        response = staff_client.get("/projects/", {"sort": "name", "per_page": 50})
        assert response.context["filter_chips"] == []
        assert "filter-chip" not in response.text


@pytest.mark.parametrize("path", BAD_FILTERS)
def test_every_cell_is_labelled_with_its_columns_header(demo, staff_client, path):
    # A narrow screen shows each row as a card, each value under its column's header.
    response = staff_client.get(path)
    headers = [str(column.header) for column in response.context["table"].columns]
    rows = re.findall(r"<tr[^>]*>(<td.*?)</tr>", response.text, re.S)
    assert len(rows) == min(25, response.context["summary"]["count"])
    for row in rows:
        assert re.findall(r'<td[^>]* data-label="([^"]*)"', row) == headers


def test_the_page_carries_the_date_for_paper(demo, staff_client):
    response = staff_client.get("/projects/")
    assert f"日期：{timezone.localdate():%Y-%m-%d}" in response.text
