"""Every page of every role, at 360, 768 and 1280 px: never wider than the screen, and no WCAG 2.2 A/AA violation.

Each role logs in and follows every link it is shown (GET only); each distinct page is measured at the three widths
(``scrollWidth <= innerWidth``), screenshotted into ``test-results/screenshots/``, and scanned with the vendored
axe-core at 360 and 1280 px. The admin and an agent must reach every page of their area: a page that no link leads to
is a finding too, so a new page cannot escape the checks by being forgotten here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from e2e.conftest import demo_app, serving
from e2e.page_crawl import check_every_page, page_key
from e2e.test_agent_portal import log_in

ROLES = {
    "admin": ("admin@demo.example", "demo-admin-password", "/dashboard/", "/dashboard/"),
    "finance": ("finance@demo.example", "demo-finance-password", "/dashboard/", "/dashboard/"),
    "viewer": ("viewer@demo.example", "demo-viewer-password", "/dashboard/", "/dashboard/"),
    "agent": ("agent@northwind.example", "demo-agent-password", "/portal/northwind/", "/portal/northwind/"),
}
# Answers that are not pages a person reads: assets, fragments for htmx, downloads; and the log-in pages (a portal's
# own is under its address), which are an anonymous visitor's and checked as such below.
NOT_PAGE_ENDPOINTS = re.compile(
    r"\.(theme|logo|notifications_badge|metrics|healthz|static)$|export|download|_csv$|^auth\."
)


def area_pages(app: Flask, prefix: str) -> set[str]:
    """The page keys of every GET route under ``prefix`` (ids as ``#``, the agent's slug as in ``prefix``)."""
    keys = set()
    slug = prefix.split("/")[2] if prefix.startswith("/portal/") else ""
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or NOT_PAGE_ENDPOINTS.search(rule.endpoint):
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule).replace("<slug>", slug)
        if path.startswith(prefix) and "<" not in path:
            keys.add(page_key(path))
    return keys


@pytest.fixture(scope="module")
def crawled_app(tmp_path_factory) -> Flask:
    """The demo as seeded, apart from the journeys' data: a payout they approve would take its reject page away."""
    return demo_app(tmp_path_factory.mktemp("crawl"))


@pytest.fixture(scope="module")
def crawled_origin(crawled_app: Flask) -> Iterator[str]:
    with serving(crawled_app) as origin:
        yield origin


@pytest.fixture
def crawler(browser: Browser, crawled_origin: str) -> Iterator[Page]:
    context = browser.new_context(base_url=crawled_origin)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_the_screen_and_passes_axe(crawler: Page, crawled_app: Flask, crawled_origin: str, role,
                                                   screenshots):  # fmt: skip
    email, password, start, area = ROLES[role]
    elsewhere = crawler.context.browser.new_context(base_url=crawled_origin)
    # Logged in in a second browser too: the profile then offers "End all other sessions", and its page is crawled.
    log_in(elsewhere.new_page(), email, password)
    log_in(crawler, email, password)
    # The admin sees every action, so it visits a few records of each kind to reach the pages a record's state offers.
    instances = 4 if role == "admin" else 1
    report = check_every_page(crawler, start, crawled_origin, area, role, screenshots, detail_instances=instances)

    elsewhere.close()
    assert report.visited, f"{role} reached no page"
    assert not report.findings, f"{len(report.findings)} problems on {role}'s pages:\n{report.describe()}"
    if role in ("admin", "agent"):
        missing = area_pages(crawled_app, area) - set(report.visited)
        assert not missing, f"no link leads {role} to: {sorted(missing)}"


def test_the_log_in_and_error_pages_fit_and_pass_axe(crawler: Page, crawled_origin: str, screenshots):
    origin = crawled_origin
    report = check_every_page(crawler, "/login", origin, "/login", "anonymous", screenshots)
    missing_page = check_every_page(
        crawler, "/no-such-page", origin, "/no-such-page", "anonymous", screenshots, expected_status=404
    )

    branded = check_every_page(
        crawler, "/portal/northwind/login", origin, "/portal/northwind/login", "anonymous", screenshots
    )

    assert report.visited == ["/login"]
    assert not report.findings, report.describe()
    assert branded.visited == ["/portal/northwind/login"]
    assert not branded.findings, branded.describe()
    assert missing_page.visited == ["/no-such-page"]
    assert not missing_page.findings, missing_page.describe()
