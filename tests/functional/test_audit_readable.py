"""The audit trail reads as people speak: who by name and role, money as money, one line per event, the raw record
one click away; and every page that says who did something names them the same way."""

from __future__ import annotations

import functools
import html
import json
import re
from itertools import count

import pytest
import sqlalchemy as sa

from portal.domain.money import format_money
from portal.models import Agent, AuditEvent, Invoice, Payment, Payout, User, Wallet
from portal.models.wallet import PayoutDecision
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import chain_key
from portal.persistence.context import Actor, CommandContext
from portal.services.feature_flags import ChangeFlag
from portal.services.invoicing import VoidInvoice
from portal.services.money.commands import DecidePayout, MarkPayoutPaid, RefundPayment
from portal.services.running import command_runner
from portal.services.settings import ChangeSetting
from tests.functional.dashboard_support import load_demo, log_in_as, page_token
from tests.support.api import bearer, make_token
from tests.support.queries import count_queries

_keys = count(1)
_RAW = re.compile(r'<details class="audit-raw">.*?</details>', re.S)
_EVENT = re.compile(r'<li class="audit-event" id="event-(\d+)">(.*?)</li>', re.S)


def visible_text(page: str) -> str:
    """What a person reads: the page without its markup, attributes and raw JSON (which keeps ids as stored)."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", _RAW.sub(" ", page))))


def events_on(page: str) -> dict[int, str]:
    """Each event of the page by its sequence number: its markup."""
    return {int(seq): markup for seq, markup in _EVENT.findall(page)}


def summary_line(markup: str) -> str:
    return visible_text(re.search(r"<summary class=\"audit-event__line\">(.*?)</summary>", markup, re.S).group(1))


def key_from(html_text: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([a-f0-9]{32})"', html_text).group(1)


def newest_seq(session, **where) -> int:
    query = sa.select(sa.func.max(AuditEvent.seq))
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return session.scalar(query)


def run_as(app, session, actor: Actor, command: type, **fields) -> None:
    """Run ``command`` as ``actor``, as a page would for them."""
    with app.app_context():
        command_runner(app, session, CommandContext(actor)).run(command(idempotency_key=f"readable-{next(_keys)}",
                                                                        **fields))  # fmt: skip


def user_id(session, email: str) -> int:
    return session.scalar(sa.select(User.id).where(User.email == email))


@pytest.fixture
def demo(app, client, db_session):
    ids = load_demo(app, db_session)
    log_in_as(client, "admin")
    return ids


def adjust_wallet(client, agent_id: int, amount: str, reason: str) -> None:
    url = f"/dashboard/agents/{agent_id}/adjust"
    form = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": page_token(client, url), "idempotency_key": key_from(form),
                                      "amount": amount, "reason": reason})  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)


def test_each_event_is_one_line_naming_who_did_it_and_their_role(client, db_session, demo):
    adjust_wallet(client, demo["agent_id"], "12.34", "Goodwill after a late payout")
    page = client.get("/dashboard/audit").get_data(as_text=True)
    text = visible_text(page)
    assert "Ada Admin (admin)" in text and "System (seed)" in text
    assert not re.search(r"\b(user|system|token):\w", text), "an actor is shown as its id"
    wallet_event = events_on(page)[newest_seq(db_session, entity_type="Wallet")]
    line = summary_line(wallet_event)
    assert "Ada Admin (admin)" in line and "Wallet #" in line
    agent_name = db_session.get(Agent, demo["agent_id"]).name
    assert agent_name in line, "the line says whose wallet it is, though an update does not store the agent"


def test_a_money_change_reads_as_money_before_and_after(client, db_session, demo):
    before = db_session.scalar(sa.select(Wallet.available_minor).where(Wallet.agent_id == demo["agent_id"]))
    adjust_wallet(client, demo["agent_id"], "12.34", "Goodwill after a late payout")
    page = client.get("/dashboard/audit?entity_type=Wallet").get_data(as_text=True)
    line = summary_line(events_on(page)[newest_seq(db_session, entity_type="Wallet")])
    was, now = f"€{before / 100:,.2f}", f"€{(before + 1234) / 100:,.2f}"
    assert f"Changed available: {was} → {now}" in line
    assert "available_minor" not in visible_text(page) and "62500" not in visible_text(page)


def test_a_diff_shows_each_field_with_its_label_and_nothing_reads_none(client, db_session, demo):
    page = client.get("/dashboard/audit?entity_type=Payout&action=insert").get_data(as_text=True)
    assert "None" not in visible_text(page)
    seq, markup = next(iter(events_on(page).items()))
    payout_id = db_session.scalar(sa.select(AuditEvent.entity_id).where(AuditEvent.seq == seq))
    payout = db_session.get(Payout, int(payout_id))
    fields = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td data-label="Value">(.*?)</td>', markup, re.S))
    assert visible_text(fields["Amount"]).strip() == format_money(payout.amount_minor, payout.currency, "en_US")
    assert visible_text(fields["Decided by"]).strip() == "—", "an empty field reads as a dash, not None"
    assert "<time" in fields["Requested"], "a moment is shown in the viewer's zone"
    assert visible_text(fields["Requested by"]).strip() == "System (seed)", "an actor in a field is named too"


def test_the_raw_event_is_inside_the_line_exactly_as_stored(client, db_session, demo):
    page = client.get("/dashboard/audit?entity_type=User&action=insert").get_data(as_text=True)
    seq, markup = next(iter(events_on(page).items()))
    raw = re.search(r'<details class="audit-raw">\s*<summary>Raw JSON</summary>\s*<pre[^>]*>(.*?)</pre>', markup, re.S)
    document = json.loads(html.unescape(raw.group(1)))
    stored = db_session.execute(sa.select(AuditEvent).where(AuditEvent.seq == seq)).scalar_one()
    assert document["after"] == stored.after and document["actor"] == stored.actor
    assert document["after"]["password_hash"] == "[secret]" and "***" in document["after"]["email"]


def test_the_filters_stay_on_every_page_link_and_on_the_htmx_page(client, db_session, demo):
    wanted = {"actor": "system:seed", "action": "update"}
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).filter_by(**wanted)) > 50
    page = client.get("/dashboard/audit", query_string=wanted).get_data(as_text=True)
    next_link = html.unescape(re.search(r'<a href="([^"]+)"[^>]*rel="next"', page).group(1))
    assert "actor=system%3Aseed" in next_link or "actor=system:seed" in next_link
    assert "action=update" in next_link
    following = client.get(next_link, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert following.lstrip().startswith('<section id="audit"')
    seqs = list(events_on(following))
    assert seqs
    stored = db_session.execute(sa.select(AuditEvent.actor, AuditEvent.action).where(AuditEvent.seq.in_(seqs))).all()
    assert set(stored) == {("system:seed", "update")}
    assert 'rel="prev"' in following and "action=update" in following


def test_an_api_token_is_named_by_its_name(app, client, db_session, demo):
    secret = make_token(app, db_session, role="finance", scope="admin")
    currency = db_session.get(Invoice, demo["invoice_id"]).currency
    response = client.post(
        f"/api/v1/invoices/{demo['invoice_id']}/payments",
        json={"amount": {"amount_minor": 1000, "currency": currency}, "method": "cash"},
        headers=bearer(secret, "readable-audit-token-1"),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    text = visible_text(client.get("/dashboard/audit?entity_type=Payment&action=insert").get_data(as_text=True))
    assert "API token ‘test finance admin’ (finance)" in text


def test_payouts_the_ledger_settings_flags_and_refunds_name_who_acted(app, client, db_session, demo):
    finance = user_id(db_session, "finance@demo.example")
    finance_runs = functools.partial(run_as, app, db_session, Actor.user(finance))
    finance_runs(DecidePayout, payout_id=demo["payout_id"], decision=PayoutDecision.APPROVE)
    agent = db_session.get(Payout, demo["payout_id"]).agent_id
    finance_runs(ChangeSetting, setting="commission_holding_days", value=21)
    invoice_id, currency = db_session.execute(
        sa.select(Payment.invoice_id, Payment.currency).where(Payment.id == demo["payment_id"])
    ).one()
    finance_runs(RefundPayment, payment_id=demo["payment_id"], amount_minor=100, currency=currency, reason="Over")
    finance_runs(ChangeFlag, flag="agent_portal", reason="Wider canary", rollout_percentage=50)
    for url in ("/dashboard/payouts?status=approved", f"/dashboard/agents/{agent}?tab=payouts",
                f"/dashboard/agents/{agent}?tab=ledger", "/dashboard/settings", "/dashboard/flags",
                f"/dashboard/invoices/{invoice_id}", f"/dashboard/agents/{agent}?tab=audit"):  # fmt: skip
        text = visible_text(client.get(url).get_data(as_text=True))
        assert "Finn Finance (finance)" in text, url
        assert not re.search(r"\buser:\d", text), url


def test_the_audit_page_reads_its_actors_in_one_query_however_many_there_are(
    app, client, db_session, demo, make, monkeypatch
):
    # The flag table is read once per FLAG_SNAPSHOT_TTL per process, not per page: kept out of the count.
    monkeypatch.setitem(app.config, "FLAG_SNAPSHOT_TTL", 3600)

    def change_by_new_people(people: int) -> None:
        for _ in range(people):
            person = make.user(role="finance")
            run_as(app, db_session, Actor.user(person), ChangeSetting, setting="commission_holding_days",
                   value=next(_keys))  # fmt: skip

    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/dashboard/audit").status_code == 200
        return len(statements)

    change_by_new_people(2)
    client.get("/dashboard/audit")
    few = queries()
    change_by_new_people(6)
    many = queries()
    assert few == many
    text = visible_text(client.get("/dashboard/audit").get_data(as_text=True))
    assert len(set(re.findall(r"Finance \d+ \(finance\)", text))) == 8


def test_an_agents_audit_tab_lists_the_updates_to_its_payouts_wallet_and_invoices(app, client, db_session, demo):
    payout = db_session.get(Payout, demo["payout_id"])
    payout_id, agent = payout.id, payout.agent_id
    unpaid = sa.select(sa.func.min(Invoice.id)).where(Invoice.agent_id == agent, Invoice.status == "issued",
                                                      Invoice.paid_minor == 0)  # fmt: skip
    invoice_id = db_session.scalar(unpaid)
    last_before = newest_seq(db_session)
    finance_runs = functools.partial(run_as, app, db_session, Actor.user(user_id(db_session, "finance@demo.example")))
    finance_runs(DecidePayout, payout_id=payout_id, decision=PayoutDecision.APPROVE)
    finance_runs(MarkPayoutPaid, payout_id=payout_id)
    finance_runs(VoidInvoice, invoice_id=invoice_id, reason="Raised twice by mistake")
    written = db_session.execute(
        sa.select(AuditEvent.seq, AuditEvent.action, AuditEvent.entity_type).where(AuditEvent.seq > last_before)
    ).all()
    updated = {entity_type for _, action, entity_type in written if action == "update"}
    assert {"Payout", "Wallet", "Invoice"} <= updated

    tab = events_on(client.get(f"/dashboard/agents/{agent}?tab=audit").get_data(as_text=True))
    missing = [(seq, action, entity_type) for seq, action, entity_type in written if seq not in tab]
    assert missing == [], "every change those commands made to the agent's rows is on its tab"
    updates_of = {kind: [seq for seq, action, entity_type in written if (action, entity_type) == ("update", kind)]
                  for kind in ("Payout", "Invoice")}  # fmt: skip
    assert [f"Payout #{payout_id}" in summary_line(tab[seq]) for seq in updates_of["Payout"]] == [True, True]
    assert "Changed status: issued → void" in summary_line(tab[updates_of["Invoice"][-1]])
    with app.app_context():
        assert verify_chain(db_session, chain_key()).holds
