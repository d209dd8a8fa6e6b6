"""The README's screenshots, taken by `make screenshots` (not part of the test run).

Each function opens a page as a user would, checks that it shows what the README says it
shows, and saves a PNG under docs/screenshots/.
"""

from pathlib import Path

from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_projects_list_filtered(demo_ledger, logged_in_page):
    page = logged_in_page
    page.goto("/projects/?size=1yi&landed_after=2025-01-01&landed_before=2025-04-30")
    expect(page.locator(".summary")).to_contain_text("45.32")
    shoot(page, "projects-list")


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
