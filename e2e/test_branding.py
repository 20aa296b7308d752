"""Branding in Chromium: the preview follows what is typed or picked, beside the form on a wide screen and under it
on a phone; colours links cannot be read in are refused at their field; a portal's visitor logs in on its own page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.test_agent_portal import log_in

PORTAL = "/portal/bluebird"


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_preview_follows_unsaved_edits_and_refuses_unreadable_links_at_the_field(page: Page, screenshots):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "agent@bluebird.example", "demo-agent-password")
    page.goto(f"{PORTAL}/appearance")
    field = page.get_by_label("Primary colour", exact=True)
    picker = page.get_by_label("Primary colour picker")
    bar = page.locator("#preview .preview-card__bar")
    saved = page.locator("header.brandbar").evaluate("e => getComputedStyle(e).backgroundColor")

    expect(picker).to_be_visible()
    expect(picker).to_have_value(field.input_value())
    field.fill("#7a1f5c")
    expect(bar).to_have_css("background-color", _rgb("#7a1f5c"))
    expect(picker).to_have_value("#7a1f5c")
    expect(page.locator("header.brandbar")).to_have_css("background-color", saved)
    picker.fill("#225588")
    expect(field).to_have_value("#225588")
    expect(bar).to_have_css("background-color", _rgb("#225588"))

    form_box = page.locator("form[hx-post]").bounding_box()
    preview_box = page.locator(".appearance-preview").bounding_box()
    assert preview_box["x"] >= form_box["x"] + form_box["width"], "the preview sits beside the form"

    field.fill("#ffff66")
    message = page.locator("#primary_color-message")
    expect(message).to_contain_text("links are body-size text and need at least 4.5:1. Try #")
    page.screenshot(path=screenshots / "portal-appearance-refused-live.png", full_page=True)
    page.get_by_role("button", name="Save appearance").click()
    expect(page.locator("#primary_color-message")).to_contain_text("#ffff66 on the grey page background is 1.0:1")
    expect(page.locator("header.brandbar")).to_have_css("background-color", saved)

    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    form_box = page.locator("form[hx-post]").bounding_box()
    preview_box = page.locator(".appearance-preview").bounding_box()
    assert preview_box["y"] >= form_box["y"] + form_box["height"], "on a phone the preview comes under the form"
    page.screenshot(path=screenshots / "portal-appearance-phone.png", full_page=True)


def test_a_visitor_of_a_portal_logs_in_on_a_page_in_its_colours(page: Page, screenshots):
    page.goto("/portal/northwind/wallet")
    expect(page).to_have_url(re.compile(r"/portal/northwind/login\?next="))
    expect(page.locator(".login-brand__name")).to_have_text("Northwind Partner Hub")
    expect(page.get_by_role("button", name="Log in")).to_have_css("background-color", _rgb("#1d3557"))
    page.screenshot(path=screenshots / "login-northwind.png", full_page=True)
    page.get_by_label("E-mail address").fill("agent@northwind.example")
    page.get_by_label("Password").fill("demo-agent-password")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/portal/northwind/wallet$"))
