"""The 招商地图 in Chromium: it draws exactly the parcels the list counts, opens a parcel's
popup on a click, passes axe, and asks nothing of any server but the app's own."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, fits_the_phone
from tests.e2e.test_accessibility import axe_source, axe_violations  # noqa: F401


@pytest.fixture
def requests_seen(logged_in_page):
    """Every URL the tab requests from here on."""
    seen = []
    logged_in_page.on("request", lambda request: seen.append(request.url))
    return seen


def test_the_map_draws_the_listed_parcels_and_opens_a_popup(
    demo_ledger,
    logged_in_page,
    requests_seen,
    live_server,
    axe_source,  # noqa: F811
):
    page = logged_in_page
    page.goto("/parcels/?supply_mode=lease_first")
    listed = int(page.locator(".summary strong").first.inner_text())
    assert listed > 25
    page.get_by_role("link", name="地图", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/map/?supply_mode=lease_first")
    expect(page.locator(".ledger-map")).to_have_attribute("data-ready", "true")
    assert page.locator(".ledger-map path.parcel").count() == listed
    assert int(page.locator(".summary strong").first.inner_text()) == listed
    expect(page.locator(".leaflet-control-scale")).to_be_visible()

    page.locator(".ledger-map path.parcel").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("先租后供")
    expect(popup).to_contain_text("面积（亩）")
    popup.get_by_role("link", name="查看地块").click()
    expect(page.locator("h1")).to_contain_text("号")
    expect(page.locator(".ledger-map path.parcel")).to_have_count(1)

    page.goto("/map/?supply_mode=lease_first")
    expect(page.locator(".ledger-map")).to_have_attribute("data-ready", "true")
    page.get_by_role("radiogroup", name="地块着色").get_by_text("按供地方式").click()
    expect(page.locator(".legend-supply_mode")).to_be_visible()
    expect(page.locator(".legend-status")).to_be_hidden()
    assert axe_violations(page, axe_source) == []
    assert [url for url in requests_seen if not url.startswith(live_server.url)] == []


def test_the_map_fits_a_phone(demo_ledger, logged_in_page):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto("/map/?status=reserve")
    expect(page.locator(".ledger-map")).to_have_attribute("data-ready", "true")
    fits_the_phone(page)
