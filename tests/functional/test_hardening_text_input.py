"""Hardening items 22–24: text as long as its column, names that read as they are, phone numbers in E.164."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from wtforms import EmailField, PasswordField, SearchField, StringField, TextAreaField
from wtforms.validators import Length

from portal.agent_portal import forms as portal_forms
from portal.auth import forms as auth_forms
from portal.dashboard import forms as dashboard_forms
from portal.domain.text import BIDI_CONTROLS
from portal.models import Agent, Invoice, Payment, PortalAppearance, Refund, User
from portal.models.audit import AuditEvent
from portal.models.base import column_length
from portal.models.wallet import Payout, WalletTransaction
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import load_demo, log_in_as

TEXT_FIELDS = (StringField, TextAreaField, EmailField, PasswordField, SearchField)
RLO = "\u202e"

#: Every form field that is stored, and the column it is stored in.
STORED_IN = {
    (dashboard_forms.AgentForm, "slug"): Agent.slug,
    (dashboard_forms.AgentForm, "name"): Agent.name,
    (dashboard_forms.AgentForm, "email"): Agent.email,
    (dashboard_forms.AgentForm, "phone"): Agent.phone,
    (dashboard_forms.ReasonForm, "reason"): AuditEvent.reason,
    (dashboard_forms.InvoiceForm, "agent"): Agent.slug,
    (dashboard_forms.InvoiceForm, "customer_name"): Invoice.customer_name,
    (dashboard_forms.InvoiceForm, "customer_email"): Invoice.customer_email,
    (dashboard_forms.InvoiceForm, "description"): Invoice.description,
    (dashboard_forms.PaymentForm, "reference"): Payment.external_reference,
    (dashboard_forms.RefundForm, "reason"): Refund.reason,
    (dashboard_forms.AdjustmentForm, "reason"): WalletTransaction.reason,
    (dashboard_forms.RejectForm, "reason"): Payout.rejection_reason,
    (dashboard_forms.UserForm, "email"): User.email,
    (dashboard_forms.UserForm, "full_name"): User.full_name,
    (dashboard_forms.AgentLoginForm, "email"): User.email,
    (dashboard_forms.AgentLoginForm, "full_name"): User.full_name,
    (portal_forms.AppearanceForm, "display_name"): PortalAppearance.display_name,
    (portal_forms.AppearanceForm, "welcome_text"): PortalAppearance.welcome_text,
    (portal_forms.AppearanceForm, "primary_color"): PortalAppearance.primary_color,
    (portal_forms.AppearanceForm, "accent_color"): PortalAppearance.accent_color,
    (auth_forms.LoginForm, "email"): User.email,
}


def _forms() -> list[type]:
    found = []
    for module in (dashboard_forms, portal_forms, auth_forms):
        found += [
            value for value in vars(module).values() if isinstance(value, type) and hasattr(value, "_unbound_fields")
        ]
    return found


def _length_limit(form: type, name: str) -> int | None:
    unbound = dict(form._unbound_fields or []) if form._unbound_fields else {}
    field = unbound.get(name) or getattr(form, name)
    limits = [v.max for v in field.kwargs.get("validators", []) if isinstance(v, Length) and v.max >= 0]
    return min(limits) if limits else None


def _text_fields(form: type) -> list[str]:
    return [
        name for name in dir(form)
        if not name.startswith("_") and getattr(getattr(form, name), "field_class", None) in TEXT_FIELDS
    ]  # fmt: skip


@pytest.mark.parametrize("form", _forms(), ids=lambda form: form.__name__)
def test_hardening_22_every_text_field_of_every_form_has_a_length_limit(form):
    fields = _text_fields(form)
    unlimited = [name for name in fields if name != "idempotency_key" and _length_limit(form, name) is None]
    assert not unlimited, f"{form.__name__} takes any length in {unlimited}"


@pytest.mark.parametrize(("form", "name"), list(STORED_IN), ids=lambda item: getattr(item, "__name__", item))
def test_hardening_22_a_stored_field_is_limited_to_its_column(form, name):
    assert _length_limit(form, name) == column_length(STORED_IN[form, name])


def test_hardening_22_the_limit_is_in_the_page_so_the_browser_stops_typing_too(client, db_session, app):
    load_demo(app, db_session)
    log_in_as(client, "admin")
    body = client.get("/dashboard/agents/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="name"[^>]*maxlength="200"', body)
    assert re.search(r'<input[^>]*id="slug"[^>]*maxlength="64"', body)


@pytest.fixture
def admin(client, db_session, app):
    load_demo(app, db_session)
    log_in_as(client, "admin")
    return client


def _new_agent(client, **changes):
    page = client.get("/dashboard/agents/new").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([a-f0-9]{32})"', page).group(1)
    data = {
        "csrf_token": csrf_token_from(page), "idempotency_key": key, "slug": "harbour", "name": "Harbour Agency",
        "email": "hello@harbour.example", "rate_percent": "10", "currency": "EUR", "phone": "",
    } | changes  # fmt: skip
    return client.post("/dashboard/agents/new", data=data)


def _agents(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(Agent))


def test_hardening_22_a_5000_character_name_is_refused_at_its_field_and_nothing_is_added(admin, db_session):
    before = _agents(db_session)
    response = _new_agent(admin, name="N" * 5000)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="name"[^>]*aria-invalid="true"', body) or 'aria-describedby="name-error"' in body
    assert "At most 200 characters; this has 5000." in body
    assert _agents(db_session) == before


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS), ids=lambda ch: f"U+{ord(ch):04X}")
def test_hardening_23_bidi_controls_never_reach_the_database(admin, db_session, control):
    response = _new_agent(admin, slug="mirror", name=f"Mirror {control}live Agency")
    assert response.status_code == 303
    assert db_session.scalar(sa.select(Agent.name).where(Agent.slug == "mirror")) == "Mirror live Agency"


def test_hardening_23_a_name_stored_with_an_override_before_the_rule_is_shown_without_it(admin, db_session):
    db_session.execute(sa.update(Agent).where(Agent.slug == "northwind").values(name=f"Northwind {RLO}live"))
    db_session.commit()
    agent_id = db_session.scalar(sa.select(Agent.id).where(Agent.slug == "northwind"))
    for url in ("/dashboard/agents", f"/dashboard/agents/{agent_id}", "/dashboard/invoices", "/dashboard/audit"):
        body = admin.get(url).get_data(as_text=True)
        assert RLO not in body, url
    assert "Northwind live" in admin.get("/dashboard/agents").get_data(as_text=True)


def test_hardening_23_right_to_left_names_are_kept_as_typed(admin, db_session):
    assert _new_agent(admin, slug="arabic", name="وكالة الميناء").status_code == 303
    assert db_session.scalar(sa.select(Agent.name).where(Agent.slug == "arabic")) == "وكالة الميناء"


@pytest.mark.parametrize("typed", ["call me maybe", "+44 12", "12345", "+999 1234 5678"])
def test_hardening_24_a_phone_that_is_not_a_number_is_refused_at_its_field(admin, db_session, typed):
    before = _agents(db_session)
    response = _new_agent(admin, phone=typed)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("phone number" in body and "+44 20 7946 0958" in body) or "not a valid phone number" in body
    assert _agents(db_session) == before


@pytest.mark.parametrize("typed", ["+44 20 7946 0958", "+44 (0)20 7946-0958", "+442079460958"])
def test_hardening_24_a_phone_is_stored_in_e164_however_it_is_typed(admin, db_session, typed):
    assert _new_agent(admin, phone=typed).status_code == 303
    assert db_session.scalar(sa.select(Agent.phone).where(Agent.slug == "harbour")) == "+442079460958"


def test_hardening_24_a_national_number_is_read_in_the_configured_region(admin, db_session, app, monkeypatch):
    assert _new_agent(admin, phone="020 7946 0958").status_code == 422, "no region: the country code is needed"
    monkeypatch.setitem(app.config, "PHONE_REGION", "GB")
    assert _new_agent(admin, phone="020 7946 0958").status_code == 303
    assert db_session.scalar(sa.select(Agent.phone).where(Agent.slug == "harbour")) == "+442079460958"


def test_hardening_24_the_edit_form_shows_the_number_as_people_write_it(admin, db_session):
    agent_id = db_session.scalar(sa.select(Agent.id).where(Agent.slug == "northwind"))
    body = admin.get(f"/dashboard/agents/{agent_id}/edit").get_data(as_text=True)
    assert 'value="+44 20 7946 0958"' in body
