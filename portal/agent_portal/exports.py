"""The agent's own lists as CSV downloads: read as their portal pages read them, for this agent only, audited.

Every read goes through the portal's agent helpers with ``g.agent`` (the agent the blueprint's one check point
found for the logged-in user), so no query string can reach another agent's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from flask import g, request

from portal import data_access
from portal.agent_portal.blueprint import bp
from portal.exports import columns
from portal.exports.cells import Column
from portal.exports.downloads import attachment_name, csv_download, end_read_transaction
from portal.exports.streaming import PagedListing
from portal.read.agents import AgentProfile
from portal.read.pages import Page, PageRequest
from portal.web.queries import invoice_filters, query_args

AgentList = Callable[[AgentProfile, PageRequest], Page]


def _download(name: str, table: Sequence[Column], read: AgentList, filters: dict[str, Any] | None = None):
    agent: AgentProfile = g.agent
    listing = PagedListing(lambda page: read(agent, page), end_read_transaction)
    return csv_download(f"portal.{name}", table, listing, attachment_name(name, agent), filters, agent=agent)


@bp.route("/invoices.csv")
def invoices_export():
    filters = replace(invoice_filters(request.args), agent_id=None)
    return _download(
        "invoices", columns.AGENT_INVOICES, lambda agent, page: data_access.portal_invoices(agent, page, filters),
        query_args(filters),
    )  # fmt: skip


@bp.route("/payments.csv")
def payments_export():
    return _download("payments", columns.PAYMENTS, data_access.agent_payments)


@bp.route("/wallet.csv")
def wallet_export():
    return _download("wallet", columns.WALLET_LINES, data_access.agent_wallet_lines)


@bp.route("/payouts.csv")
def payouts_export():
    return _download("payouts", columns.AGENT_PAYOUTS, data_access.agent_payouts)


@bp.route("/notifications.csv")
def notifications_export():
    return _download("notifications", columns.NOTIFICATIONS, data_access.agent_notifications)
