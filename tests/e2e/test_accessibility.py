"""Every main page can be used with a screen reader and a keyboard.

On each page: every form field has a label, every table has real header cells, and
axe-core (from the npm registry, installed into tests/e2e/node_modules by `make test`, never
served by the app) finds no serious or critical violation. axe is evaluated through
Playwright, which the page's Content-Security-Policy does not block, in the usual `page`
fixture, which still fails on any console error or failed request.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from projects.models import Company, InvestmentProject, LandParcel, LeaseAgreement, Park
from tests.e2e.conftest import PHONE, log_in_as

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
FIELDS = "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"
BLOCKING_IMPACTS = ("serious", "critical")


def case(page_id: str, url: Callable[[], str] | None):
    """A page to check, by a function that gives its URL (None: the login page)."""
    return pytest.param(url, id=page_id)


def page_of(model, **lookup) -> Callable[[], str]:
    """The URL of one record's page, looked up once the test has loaded the ledger."""
    return lambda: model.objects.filter(**lookup).order_by("pk").first().get_absolute_url()


PAGES = [
    # The period of the README's figures, so that every chart has bars whatever the date.
    case("dashboard", lambda: "/?start=2025-01-01&end=2025-04-30"),
    case("project-list", lambda: "/projects/"),
    case("park-list", lambda: "/parks/"),
    case("parcel-list", lambda: "/parcels/"),
    case("company-list", lambda: "/companies/"),
    case("lease-list", lambda: "/leases/"),
    case("followup-list", lambda: "/followups/"),
    case("problem-list", lambda: "/problems/"),
    case("fund-list", lambda: "/funds/"),
    case("target-list", lambda: "/targets/"),
    case("department-list", lambda: "/departments/"),
    case("warningrule-list", lambda: "/warning-rules/"),
    case(
        "project",
        page_of(InvestmentProject, name="江苏永久摩托车（缙云）工厂项目"),
    ),
    case("park", page_of(Park, name="缙云经济开发区")),
    case("parcel", page_of(LandParcel, code="缙云经济开发区2025-1号")),
    case("company", page_of(Company, name="江苏永久摩托车科技有限公司")),
    # A lease under assessment: its page shows both the decision and the assessment form.
    case("lease", page_of(LeaseAgreement, status=LeaseAgreement.Status.ASSESSING)),
    case("login", None),
]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci --prefix tests/e2e` (make test does).")
    return AXE.read_text()


def check_fields_are_labelled(page) -> None:
    """Each field is named by a <label> of its own or by aria-labelledby, not by a
    placeholder; a label whose `for` points at another field with the same id names none."""
    unlabelled = page.locator(FIELDS).evaluate_all(
        """fields => fields
            .filter(field => {
                const labels = [...field.labels].some(label => label.textContent.trim());
                const labelledBy = (field.getAttribute("aria-labelledby") || "").split(/\\s+/)
                    .some(id => id && document.getElementById(id)?.textContent.trim());
                return !labels && !labelledBy;
            })
            .map(field => field.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == [], f"fields without a label of their own: {unlabelled}"


def check_table_headers_are_th(page, tables_expected: bool) -> None:
    """Each table names its columns with <th> in its header row, one for each column."""
    tables = page.locator("table")
    assert (tables.count() > 0) == tables_expected
    for table in tables.all():
        shape = table.evaluate(
            """table => ({
                headers: table.querySelectorAll(":scope > thead > tr > th").length,
                cellsInHead: table.querySelectorAll(":scope > thead td").length,
                columns: Math.max(...[...table.rows].map(row => row.cells.length)),
                html: table.outerHTML.slice(0, 200),
            })"""
        )
        assert shape["headers"] == shape["columns"] > 0 and shape["cellsInHead"] == 0, shape
        expect(table.get_by_role("columnheader")).to_have_count(shape["headers"])


def axe_violations(page, axe_source: str) -> list[dict]:
    """The serious and critical violations axe finds, one per element."""
    page.evaluate(axe_source)
    return page.evaluate(
        """async impacts => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations
                .filter(violation => impacts.includes(violation.impact))
                .flatMap(violation => violation.nodes.map(node => ({
                    rule: violation.id,
                    impact: violation.impact,
                    target: node.target.join(" "),
                    html: node.html,
                })));
        }""",
        list(BLOCKING_IMPACTS),
    )


@pytest.mark.parametrize("url", PAGES)
def test_page_is_accessible(url, request, staff_user, page, axe_source):
    if url is None:
        page.goto("/accounts/login/")
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
    else:
        request.getfixturevalue("demo_ledger")
        log_in_as(page, staff_user)
        page.goto(url())
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    check_fields_are_labelled(page)
    check_table_headers_are_th(page, tables_expected=url is not None)

    violations = axe_violations(page, axe_source)
    assert violations == [], f"serious or critical axe violations: {violations}"


def test_a_list_on_a_phone_is_accessible(demo_ledger, logged_in_page, axe_source):
    # Its rows are cards, its filters fold behind a button and show as chips; a wrong
    # value opens the panel at the field marked invalid.
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto("/projects/?size=1yi&landed_after=2025-01-01")
    expect(page.get_by_role("list", name="已选筛选条件")).to_be_visible()
    assert axe_violations(page, axe_source) == []
    page.goto("/projects/?size=1yi&investment_min=abc")
    expect(page.get_by_label("总投资不低于（亿元）")).to_be_visible()
    check_fields_are_labelled(page)
    assert axe_violations(page, axe_source) == []
