"""Operators in Chromium: from a new agent to a credited wallet, payouts by finance, a read-only viewer."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.test_agent_portal import log_in


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_admin_takes_a_new_agent_from_invoice_to_credited_wallet(page: Page, screenshots):
    log_in(page, "admin@demo.example", "demo-admin-password")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.screenshot(path=screenshots / "dashboard-overview.png", full_page=True)

    page.get_by_role("link", name="Agents", exact=True).click()
    page.screenshot(path=screenshots / "dashboard-agents.png", full_page=True)
    page.get_by_role("link", name="Add agent").click()
    page.get_by_label("Portal address (slug)").fill("e2e-harbour")
    page.get_by_label("Agent name").fill("E2E Harbour Agency")
    page.get_by_label("Contact e-mail").fill("hello@harbour.example")
    page.get_by_label("Commission rate (%)").fill("10")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_role("button", name="Add agent").click()
    expect(page.get_by_text("E2E Harbour Agency was added")).to_be_visible()
    agent_url = page.url

    page.get_by_role("link", name="New invoice").click()
    page.get_by_label("Customer", exact=True).fill("Lighthouse Cafe")
    page.get_by_label("Amount").fill("500.00")
    page.get_by_label("Due date").fill("2027-06-30")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_text(re.compile(r"Draft invoice [A-Z0-9-]+ was created"))).to_be_visible()
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.get_by_text("was issued")).to_be_visible()

    page.get_by_label("Amount received").fill("500.00")
    page.get_by_label("Card or account number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Record payment").dblclick()
    expect(page.get_by_text(re.compile(r"Payment of €[\d,.]+ recorded on|was already recorded")).first).to_be_visible()
    expect(page.locator("h2#payments-heading + div tbody tr")).to_have_count(1)
    expect(page.get_by_text("···· 4242")).to_be_visible()
    page.screenshot(path=screenshots / "dashboard-invoice.png", full_page=True)

    page.get_by_role("link", name="Commissions", exact=True).click()
    row = page.get_by_role("row").filter(has_text="E2E Harbour Agency")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("credited to the agent's wallet")).to_be_visible()
    page.screenshot(path=screenshots / "dashboard-commissions.png", full_page=True)

    page.goto(agent_url)
    expect(page.locator(".kpi").filter(has_text="Wallet available")).to_contain_text("€50.00")
    page.get_by_role("link", name="Wallet ledger").click()
    expect(page.locator("#agent-tab")).to_contain_text("commission credit")
    page.screenshot(path=screenshots / "dashboard-agent.png", full_page=True)
    for name, url in (("audit", "/dashboard/audit"), ("settings", "/dashboard/settings"), ("users", "/dashboard/users"),
                      ("invoices", "/dashboard/invoices"), ("payouts", "/dashboard/payouts")):  # fmt: skip
        page.goto(url)
        page.screenshot(path=screenshots / f"dashboard-{name}.png", full_page=True)


def test_finance_approves_a_waiting_payout(page: Page):
    log_in(page, "finance@demo.example", "demo-finance-password")
    page.get_by_role("link", name="Payouts").click()
    row = page.get_by_role("row").filter(has_text="Bluebird Travel")
    expect(row).to_contain_text("requested")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(re.compile(r"Payout #\d+ of .+ was approved and debited"))).to_be_visible()
    expect(page.get_by_text("No payouts here")).to_be_visible()


def test_a_viewer_reads_but_sees_no_action(page: Page):
    log_in(page, "viewer@demo.example", "demo-viewer-password")
    for url in (
        "/dashboard/agents",
        "/dashboard/payouts?status=approved",
        "/dashboard/commissions",
        "/dashboard/settings",
    ):
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
        expect(page.locator("main form[method=post]")).to_have_count(0)
        expect(
            page.locator("main").get_by_role("button", name=re.compile("Approve|Reject|Reveal|Mark paid"))
        ).to_have_count(0)
        expect(page.get_by_role("link", name="Add agent")).to_have_count(0)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)


def test_a_name_of_one_long_word_wraps_in_the_list_on_a_phone(page: Page):
    log_in(page, "admin@demo.example", "demo-admin-password")
    page.goto("/dashboard/agents/new")
    word = "Supercalifragilistic" * 10
    page.get_by_label("Portal address (slug)").fill("e2e-long-word")
    page.get_by_label("Agent name").fill(word)
    page.get_by_label("Contact e-mail").fill("long@word.example")
    page.get_by_label("Commission rate (%)").fill("5")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_role("button", name="Add agent").click()
    expect(page.get_by_text(f"{word} was added")).to_be_visible()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/dashboard/agents?q=Supercalifragilistic")
    cell = page.locator("#agents td, #agents th").filter(has_text=word[:40]).first
    box = cell.bounding_box()
    assert box is not None and box["width"] < 360, f"the name's cell is {box} wide: the word does not wrap"
