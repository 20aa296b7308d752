"""The columns of each list's CSV download, by the rows it is made of: the page's facts, one per column.

Money columns sit beside the row's currency; a payment's instrument keeps only its last four digits, masked as
the pages show it; an API token is its name and prefix, never a secret (none is kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from portal.exports.cells import Column, day, document, money, number, rate, text, when, yes_no
from portal.security.masking import mask_card_number

AGENTS = (
    number("Agent ID", "id"), text("Slug", "slug"), text("Name", "name"), text("Status", "status"),
    rate("Commission rate (%)", "commission_rate_bps"), text("Currency", "currency"),
    money("Collected", "collected_minor"), money("Outstanding", "outstanding_minor"),
    money("Commissions earned", "commissions_earned_minor"), money("Wallet available", "wallet_available_minor"),
    money("Wallet held", "wallet_held_minor"), when("Last payment", "last_payment_at"),
)  # fmt: skip

_INVOICE = (
    number("Invoice ID", "id"), text("Number", "number"), text("Customer", "customer_name"), text("Status", "status"),
    text("Currency", "currency"), money("Amount", "amount_minor"), money("Paid", "paid_minor"),
    money("Still due", "still_due_minor"), day("Due date", "due_date"), number("Days overdue", "days_overdue"),
    when("Issued", "issued_at"),
)  # fmt: skip
#: the dashboard's invoices name their agent; an agent's own do not
INVOICES = (*_INVOICE[:2], number("Agent ID", "agent_id"), text("Agent", "agent_name"), *_INVOICE[2:])
AGENT_INVOICES = _INVOICE


def _instrument(row) -> str:
    return mask_card_number(row.instrument_last4) if row.instrument_last4 else ""


PAYMENTS = (
    number("Payment ID", "id"), text("Invoice", "invoice_number"), when("Received", "received_at"),
    text("Status", "status"), text("Method", "method"), Column("Instrument", _instrument),
    text("Currency", "currency"), money("Amount", "amount_minor"), money("Refunded", "refunded_minor"),
    money("Commission", "commission_minor"), money("Clawed back", "clawed_back_minor"),
    money("Net commission", "net_commission_minor"), text("Commission status", "commission_status"),
)  # fmt: skip

WALLET_LINES = (
    number("Entry ID", "entry_id"), when("When", "at"), text("Kind", "kind"), text("What", "title"),
    text("Invoice", "invoice.number"), text("Customer", "invoice.customer_name"), number("Payout ID", "payout.id"),
    text("Payout status", "payout.status"), text("Reason", "reason"), text("Currency", "currency"),
    money("Available change", "available_change_minor"), money("Held change", "held_change_minor"),
    money("Available after", "available_after_minor"), money("Held after", "held_after_minor"),
)  # fmt: skip

LEDGER = (
    number("Entry ID", "id"), when("When", "created_at"), text("Kind", "kind"), text("Source", "source_type"),
    number("Source ID", "source_id"), text("Reason", "reason"), text("By", "actor"), text("Currency", "currency"),
    money("Available change", "available_delta_minor"), money("Held change", "held_delta_minor"),
    money("Available after", "available_after_minor"), money("Held after", "held_after_minor"),
)  # fmt: skip

_PAYOUT = (
    number("Payout ID", "id"), when("Requested", "requested_at"), text("Requested by", "requested_by"),
    text("Status", "status"), text("Currency", "currency"), money("Amount", "amount_minor"),
    when("Decided", "decided_at"), text("Decided by", "decided_by"), text("Rejection reason", "rejection_reason"),
    when("Paid", "paid_at"),
)  # fmt: skip
PAYOUTS = (_PAYOUT[0], number("Agent ID", "agent_id"), text("Agent", "agent_name"), *_PAYOUT[1:])
AGENT_PAYOUTS = _PAYOUT

COMMISSIONS = (
    number("Commission ID", "id"), number("Agent ID", "agent_id"), text("Agent", "agent_name"),
    text("Invoice", "invoice_number"), number("Payment ID", "payment_id"), text("Kind", "kind"),
    text("Status", "status"), rate("Rate (%)", "rate_bps"), text("Currency", "currency"),
    money("Base", "base_amount_minor"), money("Amount", "amount_minor"), when("Created", "created_at"),
    when("Credited", "credited_at"),
)  # fmt: skip

NOTIFICATIONS = (
    number("Notification ID", "id"), when("Sent", "created_at"), text("Kind", "kind"), text("Subject", "subject"),
    text("Message", "body"), text("Link", "link"), when("Read", "read_at"),
)  # fmt: skip

AUDIT = (
    number("Seq", "seq"), when("When", "occurred_at"), text("Actor", "actor"), text("Action", "action"),
    text("Entity", "entity_type"), text("Entity ID", "entity_id"), text("Command", "command"),
    text("Reason", "reason"), text("Correlation ID", "correlation_id"), text("Request IP", "request_ip"),
    document("Before", "before"), document("After", "after"),
)  # fmt: skip

USERS = (
    number("User ID", "id"), text("E-mail", "email"), text("Name", "full_name"), text("Role", "role"),
    yes_no("Can log in", "is_active"), when("Last log-in", "last_login_at"),
)  # fmt: skip


def api_tokens(now: datetime) -> Sequence[Column]:
    """API tokens by name and prefix (their secrets are not kept), with their state at ``now``."""
    return (
        number("Token ID", "id"), text("Name", "name"), text("Starts with", "prefix"),
        text("Acts as", lambda token: token.agent_name or token.owner), text("Scope", "scope"),
        text("State", lambda token: token.state(now)), text("Created by", "created_by"), when("Created", "created_at"),
        when("Expires", "expires_at"), when("Revoked", "revoked_at"), when("Last used", "last_used_at"),
    )  # fmt: skip


#: the columns of each tab of an agent's dashboard page (``portal.dashboard.agent_tabs``), by the tab's name
AGENT_TABS: dict[str, Sequence[Column]] = {
    "invoices": AGENT_INVOICES, "payments": PAYMENTS, "wallet": WALLET_LINES, "ledger": LEDGER,
    "payouts": AGENT_PAYOUTS, "commissions": COMMISSIONS, "notifications": NOTIFICATIONS, "audit": AUDIT,
}  # fmt: skip
