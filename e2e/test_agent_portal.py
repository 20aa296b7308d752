"""An agent logs in through Chromium and sees its own branded portal."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_demo_agent_sees_its_branded_portal_home(page: Page, screenshots):
    log_in(page, "agent@northwind.example", "demo-agent-password")

    expect(page).to_have_url(re.compile(r"/portal/northwind/$"))
    header = page.locator("header.brandbar")
    expect(header).to_contain_text("Northwind Partner Hub")
    expect(header).to_have_css("background-color", "rgb(29, 53, 87)")  # #1d3557
    expect(header).to_have_css("border-bottom-color", "rgb(231, 111, 81)")  # #e76f51
    expect(page.get_by_text("Available to pay out")).to_be_visible()
    expect(page.locator(".kpi dd").first).to_contain_text("€")
    page.screenshot(path=screenshots / "portal-home-northwind.png", full_page=True)


def test_another_agents_portal_shows_nothing_of_it(page: Page):
    log_in(page, "agent@northwind.example", "demo-agent-password")
    response = page.goto("/portal/bluebird/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Bluebird")


def test_a_wrong_password_is_explained(page: Page):
    log_in(page, "agent@northwind.example", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("e-mail address or password is not correct")
