"""Drafts: edited on the dashboard through one audited, idempotent command, refused once issued, unseen by agents."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, Invoice
from portal.persistence.context import Actor, CommandContext
from portal.services.invoicing import VoidInvoice
from portal.services.running import command_runner
from tests.functional.dashboard_support import load_demo, log_in_as, page_token
from tests.support.api import bearer, make_token

KEY = re.compile(r'name="idempotency_key" type="hidden" value="([a-f0-9]{32})"')
VERSION = re.compile(r'name="version" type="hidden" value="([0-9]+)"')


@pytest.fixture
def ids(app, db_session):
    return load_demo(app, db_session)


_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.status, Invoice.customer_name, Invoice.customer_email, Invoice.description,
    Invoice.amount_minor, Invoice.currency, Invoice.due_date, Invoice.version,
)  # fmt: skip


def _invoice(session, agent_id: int, status: str) -> sa.Row:
    """The agent's first invoice in ``status``, as plain values (the requests close the session the test shares)."""
    where = (Invoice.agent_id == agent_id, Invoice.status == status)
    return session.execute(sa.select(*_COLUMNS).where(*where).order_by(Invoice.id)).first()


def _now(session, invoice: sa.Row) -> sa.Row:
    """The invoice as the database holds it now."""
    return session.execute(sa.select(*_COLUMNS).where(Invoice.id == invoice.id)).one()


@pytest.fixture
def draft(db_session, ids) -> sa.Row:
    return _invoice(db_session, ids["agent_id"], "draft")


def _edit_form(client, invoice_id: int) -> dict[str, str]:
    url = f"/dashboard/invoices/{invoice_id}/edit"
    page = client.get(url).get_data(as_text=True)
    return {
        "csrf_token": page_token(client, url), "idempotency_key": KEY.search(page).group(1),
        "version": VERSION.search(page).group(1), "customer_name": "Granite Works Ltd",
        "customer_email": "accounts@granite.example", "description": "Placement fees, revised",
        "amount": "1,234.50", "currency": "EUR", "due_date": "2027-03-31",
    }  # fmt: skip


def _edits(session, invoice_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "Invoice", AuditEvent.entity_id == str(invoice_id),
                AuditEvent.command == "edit_invoice",
            )
        )
    )  # fmt: skip


def test_a_draft_is_edited_on_its_own_page_once_per_submission_and_audited(client, db_session, draft):
    log_in_as(client, "admin")
    page = client.get(f"/dashboard/invoices/{draft.id}").get_data(as_text=True)
    assert f'href="/dashboard/invoices/{draft.id}/edit"' in page
    form = client.get(f"/dashboard/invoices/{draft.id}/edit").get_data(as_text=True)
    assert 'value="Granite Works"' in form and 'value="900.00"' in form and 'value="EUR"' in form

    data = _edit_form(client, draft.id)
    response = client.post(f"/dashboard/invoices/{draft.id}/edit", data=data)
    assert response.status_code == 303 and response.headers["Location"] == f"/dashboard/invoices/{draft.id}"
    draft = _now(db_session, draft)
    assert (draft.customer_name, draft.customer_email, draft.description) == (
        "Granite Works Ltd", "accounts@granite.example", "Placement fees, revised",
    )  # fmt: skip
    assert (draft.amount_minor, draft.currency, draft.due_date, draft.status) == (
        123_450,
        "EUR",
        date(2027, 3, 31),
        "draft",
    )
    [edit] = _edits(db_session, draft.id)
    assert edit.before["amount_minor"] == 90_000 and edit.after["amount_minor"] == 123_450
    assert edit.actor.startswith("user:")

    again = client.post(f"/dashboard/invoices/{draft.id}/edit", data=data, follow_redirects=True)
    assert "were saved already" in again.get_data(as_text=True)
    assert len(_edits(db_session, draft.id)) == 1


def test_an_issued_invoice_cannot_be_edited_by_page_or_by_post(client, db_session, ids, draft):
    log_in_as(client, "admin")
    data = _edit_form(client, draft.id)
    issued = _invoice(db_session, ids["agent_id"], "issued")
    page = client.get(f"/dashboard/invoices/{issued.id}").get_data(as_text=True)
    assert "/edit" not in page
    refused = client.get(f"/dashboard/invoices/{issued.id}/edit")
    assert refused.status_code == 409
    assert "only drafts can be edited" in refused.get_data(as_text=True)

    before = (issued.customer_name, issued.amount_minor, issued.due_date, issued.version)
    posted = client.post(f"/dashboard/invoices/{issued.id}/edit", data={**data, "version": str(issued.version)})
    assert posted.status_code == 409
    assert "only drafts can be edited" in posted.get_data(as_text=True)
    issued = _now(db_session, issued)
    assert (issued.customer_name, issued.amount_minor, issued.due_date, issued.version) == before
    assert _edits(db_session, issued.id) == []


def test_a_draft_issued_after_its_form_was_opened_is_not_edited(app, client, db_session, draft):
    log_in_as(client, "admin")
    data = _edit_form(client, draft.id)
    token = page_token(client, f"/dashboard/invoices/{draft.id}")
    issue_page = client.get(f"/dashboard/invoices/{draft.id}").get_data(as_text=True)
    issue_key = re.search(
        r'action="/dashboard/invoices/\d+/issue".*?name="idempotency_key" value="([a-f0-9]{32})"', issue_page, re.S
    ).group(1)
    issued = client.post(
        f"/dashboard/invoices/{draft.id}/issue", data={"csrf_token": token, "idempotency_key": issue_key}
    )
    assert issued.status_code == 303
    response = client.post(f"/dashboard/invoices/{draft.id}/edit", data=data)
    assert response.status_code == 409 and "only drafts can be edited" in response.get_data(as_text=True)
    draft = _now(db_session, draft)
    assert (draft.status, draft.amount_minor, draft.customer_name) == ("issued", 90_000, "Granite Works")


def test_an_edit_made_meanwhile_by_someone_else_is_not_overwritten(client, db_session, draft):
    log_in_as(client, "admin")
    mine = _edit_form(client, draft.id)
    theirs = {**_edit_form(client, draft.id), "customer_name": "Granite Works GmbH"}
    assert client.post(f"/dashboard/invoices/{draft.id}/edit", data=theirs).status_code == 303
    response = client.post(f"/dashboard/invoices/{draft.id}/edit", data=mine)
    assert response.status_code == 409
    assert "Someone else changed draft" in response.get_data(as_text=True)
    assert _now(db_session, draft).customer_name == "Granite Works GmbH"


def test_a_viewer_may_open_a_draft_but_not_edit_it(client, db_session, draft):
    log_in_as(client, "viewer")
    page = client.get(f"/dashboard/invoices/{draft.id}").get_data(as_text=True)
    assert "/edit" not in page
    assert client.get(f"/dashboard/invoices/{draft.id}/edit").status_code == 403


def test_a_draft_says_it_is_not_issued_yet_instead_of_nothing_still_due(client, db_session, ids, draft):
    log_in_as(client, "admin")
    page = client.get(f"/dashboard/invoices/{draft.id}").get_data(as_text=True)
    still_due = re.search(r"<dt>Still due</dt><dd>(.*?)</dd>", page).group(1)
    assert still_due == "Draft — not yet issued"
    issued = _invoice(db_session, ids["agent_id"], "issued")
    page = client.get(f"/dashboard/invoices/{issued.id}").get_data(as_text=True)
    assert re.search(r"<dt>Still due</dt><dd>(.*?)</dd>", page).group(1) == '<span class="money">€1,800.00</span>'


def test_an_agent_never_sees_a_draft_in_the_portal(client, db_session, draft):
    log_in_as(client, "agent")
    listed = client.get("/portal/northwind/invoices").get_data(as_text=True)
    assert draft.number not in listed and "NORTHWIND-00004" in listed
    assert 'value="draft"' not in listed
    for url in ("/portal/northwind/invoices?status=draft", f"/portal/northwind/invoices?q={draft.customer_name}",
                "/portal/northwind/", "/portal/northwind/payments"):  # fmt: skip
        assert draft.number not in client.get(url).get_data(as_text=True), url
    assert client.get(f"/portal/northwind/invoices/{draft.id}").status_code == 404
    fragment = client.get("/portal/northwind/invoices", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert draft.number not in fragment


def test_a_draft_voided_before_it_was_issued_stays_out_of_the_portal(app, client, db_session, draft):
    with app.app_context():
        command_runner(app, db_session, CommandContext(Actor.system("test"))).run(
            VoidInvoice(idempotency_key="void-unissued-draft", invoice_id=draft.id, reason="Not needed after all")
        )
    assert _now(db_session, draft).status == "void"
    log_in_as(client, "agent")
    assert draft.number not in client.get("/portal/northwind/invoices?status=void").get_data(as_text=True)
    assert client.get(f"/portal/northwind/invoices/{draft.id}").status_code == 404
    issued_then_voided = db_session.scalar(
        sa.select(Invoice.id).where(Invoice.status == "void", Invoice.issued_at.is_not(None), Invoice.id != draft.id,
                                    Invoice.number.like("NORTHWIND-%"))
    )  # fmt: skip
    assert client.get(f"/portal/northwind/invoices/{issued_then_voided}").status_code == 200, "it was the agent's"


def test_an_agents_api_token_never_sees_a_draft_but_staff_do(app, client, db_session, ids, draft):
    agent = bearer(make_token(app, db_session, role="agent", scope="read", agent_id=ids["agent_id"]))
    listed = client.get("/api/v1/invoices?limit=100", headers=agent).get_json()["items"]
    assert listed and draft.id not in {item["id"] for item in listed}
    assert client.get("/api/v1/invoices?status=draft", headers=agent).get_json()["items"] == []
    assert client.get(f"/api/v1/invoices/{draft.id}", headers=agent).status_code == 404
    staff = bearer(make_token(app, db_session))
    assert client.get(f"/api/v1/invoices/{draft.id}", headers=staff).status_code == 200
    assert draft.id in {
        item["id"] for item in client.get("/api/v1/invoices?status=draft", headers=staff).get_json()["items"]
    }
