"""The README's screenshots, taken by `make screenshots` (not part of the test run).

Each function opens a page as a user would, checks that it shows what the README says it
shows, and saves a PNG under docs/screenshots/.
"""

import subprocess
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


JAN_APR_2025 = "/projects/?size=1yi&landed_after=2025-01-01&landed_before=2025-04-30"


def shoot(page, name: str, full_page: bool = True) -> None:
    """Save the page, whole or as the screen shows it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if full_page:
        # A screen as tall as the page, so that what sticks to the screen's bottom edge
        # (the filter panel's button) is drawn where the page ends, not over the fields.
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": page.viewport_size["width"], "height": height})
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


def test_projects_list_filtered(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto(JAN_APR_2025)
    expect(page.locator(".summary")).to_contain_text("45.32")
    shoot(page, "projects-list")


def test_projects_list_on_a_phone(demo_ledger, logged_in_page):
    # The screen of a phone, as it opens: the filters folded, the first records as cards.
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto(JAN_APR_2025)
    expect(page.locator(".summary")).to_contain_text("45.32")
    expect(page.get_by_role("button", name="筛选条件（3）")).to_be_visible()
    shoot(page, "projects-list-phone", full_page=False)


def test_lease_detail(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/leases/?status=converted")
    page.locator("tbody tr td a").first.click()
    expect(page.locator("h1")).to_contain_text("已转出让")
    shoot(page, "lease-detail")


def test_dashboard(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/?start=2025-01-01&end=2025-04-30")
    expect(page.locator('[data-figure="total"]')).to_have_text("45.32")
    shoot(page, "dashboard")


def test_map(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/map/?status=reserve&status=supplied&status=under_construction")
    expect(page.locator(".ledger-map")).to_have_attribute("data-ready", "true")
    page.locator(".ledger-map path.parcel").first.click(force=True)
    expect(page.locator(".leaflet-popup-content")).to_be_visible()
    shoot(page, "map")


def test_monthly_report_first_page(demo_ledger, logged_in_page, tmp_path):
    # The PDF as a user downloads it, its first page turned into a PNG by poppler's pdftoppm.
    page = logged_in_page
    page.goto("/reports/?start=2025-01-01&end=2025-04-30")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 PDF").click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "90",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf,
            SCREENSHOTS / "monthly-report",
        ],
        check=True,
    )
