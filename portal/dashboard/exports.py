"""The dashboard's lists as CSV downloads: each read as its page reads it (same filters, every page), audited.

Each route parses its query string with the page's own parser and reads through the page's own helper, so an
export holds exactly the rows the filtered list shows across all its pages. Each endpoint needs what its page
needs (``portal.auth.permissions``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import abort, request

from portal import data_access
from portal.dashboard.agent_tabs import DEFAULT_TAB, TABS_BY_NAME
from portal.dashboard.blueprint import bp
from portal.dashboard.money import COMMISSION_TABS, PAYOUT_TABS
from portal.exports import columns
from portal.exports.cells import Column
from portal.exports.downloads import attachment_name, csv_download, end_read_transaction
from portal.exports.streaming import FixedListing, PagedListing
from portal.models.base import utcnow
from portal.read.pages import Page, PageRequest
from portal.web.queries import agent_filters, audit_filters, choice, invoice_filters, query_args


def _paged(read: Callable[[PageRequest], Page]) -> PagedListing:
    return PagedListing(read, end_read_transaction)


def _download(name: str, table: Sequence[Column], read: Callable[[PageRequest], Page], filters: dict[str, Any]):
    return csv_download(f"dashboard.{name}", table, _paged(read), attachment_name(name), filters)


@bp.route("/agents.csv")
def agents_export():
    filters = agent_filters(request.args)
    return _download(
        "agents", columns.AGENTS, lambda page: data_access.agents_overview(page, filters), query_args(filters)
    )


@bp.route("/invoices.csv")
def invoices_export():
    filters = invoice_filters(request.args)
    return _download(
        "invoices", columns.INVOICES, lambda page: data_access.invoices(page, filters), query_args(filters)
    )


@bp.route("/commissions.csv")
def commissions_export():
    status = choice(request.args, "status", [shown for shown, _label in COMMISSION_TABS], COMMISSION_TABS[0][0])
    return _download(
        "commissions", columns.COMMISSIONS, lambda page: data_access.commissions(page, status), {"status": status}
    )


@bp.route("/payouts.csv")
def payouts_export():
    status = choice(request.args, "status", [shown for shown, _label in PAYOUT_TABS], PAYOUT_TABS[0][0])
    return _download("payouts", columns.PAYOUTS, lambda page: data_access.payouts(page, status), {"status": status})


@bp.route("/audit.csv")
def audit_export():
    filters = audit_filters(request.args)
    return _download("audit", columns.AUDIT, lambda page: data_access.audit_events(page, filters), query_args(filters))


@bp.route("/users.csv")
def users_export():
    return _download("users", columns.USERS, data_access.staff_users, {})


@bp.route("/tokens.csv")
def tokens_export():
    listing = FixedListing(data_access.api_tokens())
    return csv_download("dashboard.tokens", columns.api_tokens(utcnow()), listing, attachment_name("api-tokens"))


@bp.route("/agents/<int:agent_id>/records.csv")
def agent_records_export(agent_id: int):
    """The open tab of an agent's page (``?tab=``, as the page reads it), every page of it."""
    agent = data_access.agent_by_id(agent_id)
    tab = TABS_BY_NAME.get(request.args.get("tab", ""), DEFAULT_TAB)
    table = columns.AGENT_TABS.get(tab.name)
    if agent is None or table is None:
        abort(404)
    listing = _paged(lambda page: tab.read(agent, page))
    return csv_download(
        f"dashboard.agent.{tab.name}", table, listing, attachment_name(tab.name, agent), {"tab": tab.name},
        agent=agent,
    )  # fmt: skip
