"""An agent's day in Chromium: branding with live preview, a logo, a payout, and the badge that updates itself."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from e2e.test_agent_portal import log_in

PORTAL = "/portal/cedar"


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_an_agent_brands_its_portal_requests_a_payout_and_hears_back(
    page: Page, browser: Browser, base_url, screenshots
):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, "agent@cedar.example", "demo-agent-password")
    expect(page.locator("header.brandbar")).to_have_css("background-color", _rgb("#5b2a86"))
    page.screenshot(path=screenshots / "portal-home.png", full_page=True)

    page.get_by_role("link", name="Appearance").click()
    page.get_by_label("Primary colour", exact=True).fill("#0b6e4f")
    page.get_by_label("Welcome text").fill('<script>alert("x")</script> Welcome to Cedar')
    preview = page.locator("#preview .preview-card__bar")
    expect(preview).to_have_css("background-color", _rgb("#0b6e4f"))
    page.screenshot(path=screenshots / "portal-appearance-preview.png", full_page=True)
    logo = io.BytesIO()
    Image.new("RGB", (120, 40), (11, 110, 79)).save(logo, format="PNG")
    page.get_by_label("Logo").set_input_files({"name": "logo.png", "mimeType": "image/png", "buffer": logo.getvalue()})
    page.get_by_role("button", name="Save appearance").click()
    expect(page.get_by_text("appearance was saved")).to_be_visible()
    expect(page.locator("header.brandbar")).to_have_css("background-color", _rgb("#0b6e4f"))
    expect(page.locator("header .brandbar__logo")).to_be_visible()
    page.get_by_role("link", name="Home").click()
    expect(page.locator(".welcome__text")).to_contain_text('<script>alert("x")</script> Welcome to Cedar')
    assert dialogs == [], "no script from branding ran"

    page.get_by_role("link", name="Payouts").click()
    held = page.locator(".kpi").filter(has_text="Held for payouts")
    before = held.inner_text()
    page.get_by_label("Amount to pay out").fill("20.00")
    page.get_by_role("button", name="Request payout").click()
    expect(page.get_by_text("Payout of £20.00 requested")).to_be_visible()
    expect(held).not_to_have_text(before)
    expect(held).to_contain_text("£20.00")
    page.screenshot(path=screenshots / "portal-payouts.png", full_page=True)
    page.goto(f"{base_url}{PORTAL}/notifications")
    page.get_by_role("button", name="Mark all read").click()
    badge = page.locator("#unread-badge")
    expect(badge).to_have_class(re.compile("count-badge--none"))

    staff = browser.new_context(base_url=base_url)
    finance = staff.new_page()
    log_in(finance, "finance@demo.example", "demo-finance-password")
    finance.goto("/dashboard/payouts")
    finance.get_by_role("row").filter(has_text="Cedar Insurance Agency").filter(has_text="£20.00").get_by_role(
        "button", name="Approve"
    ).click()
    expect(finance.get_by_text("was approved and debited")).to_be_visible()
    staff.close()

    expect(badge).to_have_text(re.compile(r"^1"), timeout=20_000)
    page.screenshot(path=screenshots / "portal-notifications.png", full_page=True)
    for name in ("invoices", "payments", "wallet", "profile"):
        page.goto(f"{base_url}{PORTAL}/{name}")
        page.screenshot(path=screenshots / f"portal-{name}.png", full_page=True)


def test_another_agents_portal_url_shows_nothing_of_it(page: Page):
    log_in(page, "agent@bluebird.example", "demo-agent-password")
    for path in (f"{PORTAL}/", f"{PORTAL}/wallet", f"{PORTAL}/invoices/1"):
        response = page.goto(path)
        assert response.status == 404
        expect(page.locator("body")).not_to_contain_text("Cedar")
