"""An integration in Chromium's company: a token made on the dashboard, an agent set up and paid through the API,
the result checked on the dashboard; the API's documentation page drawn under the strict CSP."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from e2e.test_agent_portal import log_in


def test_an_agent_set_up_and_paid_through_the_api_shows_on_the_dashboard(page: Page, base_url, screenshots):
    log_in(page, "admin@demo.example", "demo-admin-password")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_role("link", name="New token").click()
    page.get_by_label("What it is for").fill("Billing sync")
    page.get_by_label("Scope").select_option("admin")
    page.get_by_label("Acts as").select_option("admin")
    page.get_by_role("button", name="Make token").click()
    secret = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith("apt_")

    api = page.context.request
    headers = {"Authorization": f"Bearer {secret}"}

    def post(path: str, body: dict | None = None) -> dict:
        response = api.post(f"{base_url}/api/v1{path}", data=body or {},
                            headers={**headers, "Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
        assert response.ok, (path, response.status, response.text())
        return response.json()

    agent = post("/agents", {"slug": "harbour-api", "name": "Harbour API Agency", "email": "ops@harbour.example",
                             "commission_rate_bps": 1500, "currency": "EUR"})  # fmt: skip
    euros_400 = {"amount_minor": 40000, "currency": "EUR"}
    invoice = post("/invoices", {"agent_id": agent["id"], "customer_name": "Quayside Ltd", "amount": euros_400,
                                 "due_date": "2027-01-31"})  # fmt: skip
    post(f"/invoices/{invoice['id']}/issue")
    payment = post(f"/invoices/{invoice['id']}/payments",
                   {"amount": euros_400, "method": "bank_transfer"})  # fmt: skip
    assert payment["commission"]["amount_minor"] == 6000

    page.goto(f"/dashboard/agents/{agent['id']}")
    expect(page.get_by_role("heading", name="Harbour API Agency")).to_be_visible()
    expect(page.get_by_text(invoice["number"])).to_be_visible()
    expect(page.locator("main")).to_contain_text("€400.00")
    page.goto("/dashboard/audit")
    expect(page.locator("main")).to_contain_text("API token ‘Billing sync’ (admin)")
    page.screenshot(path=screenshots / "dashboard-after-api.png", full_page=True)


def test_the_api_documentation_draws_under_the_strict_csp(page: Page, screenshots):
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text
            else None)  # fmt: skip
    page.goto("/api/v1/docs")
    expect(page.get_by_text("Agent Portal API")).to_be_visible()
    expect(page.get_by_text("/api/v1/invoices/{invoice_id}/payments").first).to_be_visible()
    page.screenshot(path=screenshots / "api-docs.png", full_page=True)
    assert violations == []
